"""A plain description of a seeded scene: what ``nesy scene`` prints."""

from __future__ import annotations

from typing import Any

from envs.task_env import TaskEnv


def describe_scene(task: str, size: int, seed: int) -> dict[str, Any]:
    """Objects (name, type, colour, size, position, pixel) and the detected symbolic state."""
    env = TaskEnv(task, size)
    try:
        env.reset(seed=seed)
        objects = []
        for obj in env.scene.objects:
            position = env.sim.pose(obj.name).position
            u, v = env.camera.project(position)
            objects.append({"name": obj.name, "type": obj.kind, "color": obj.color, "size": round(obj.size, 4),
                            "position": [round(p, 4) for p in position], "pixel": [round(u), round(v)]})
        return {"task": task, "size": size, "seed": seed, "objects": objects,
                "symbolic_state": env.symbolic_state()}
    finally:
        env.close()
