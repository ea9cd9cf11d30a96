"""Seeded scenes for training and measuring the segmenter, with the simulator's ground truth as labels.

Ground truth (the segmentation buffer, poses, sizes, the detectors' state) is read here and only here, at
training and scoring time; the agent's path never imports this module. Every split draws from its own seed
range, named in ``policies/seeds.py`` and disjoint from every other there. ``test`` was never
used to choose anything; ``validation`` is what choices were made on.

Start scenes alone never show a cube in a bin or a block in the far row, so half the scenes of every split
are rearranged by random legal moves (teleported, then settled), Hanoi scenes start with discs on random
pegs half the time, and in a third of the scenes the arm stands somewhere above the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agent.vision.frames import FRAME_SIZE, Frame, Gripper
from envs.scenes.base import CUBE_HALF
from envs.scenes.hanoi import PEGS
from envs.scenes.sort import BIN_HEIGHT, BIN_INNER_HALF, BIN_WALL, bin_slots
from envs.simulation import TABLE_TOP_Z
from policies.seeds import VISION_SPLIT_BASES

TRAIN_SIZES = {"blocks": (2, 6), "hanoi": (1, 4), "sort": (1, 6)}
LARGER_SIZES = {"blocks": (7, 8), "hanoi": (5, 6), "sort": (7, 8)}
TASK_WEIGHTS = {"blocks": 0.4, "hanoi": 0.3, "sort": 0.3}
#: where ``validation-larger`` starts within validation's seed range
VALIDATION_LARGER_OFFSET = 500_000
#: object classes the segmenter tells apart (0 is the background: table, robot, floor)
CLASSES = ("background", "movable", "bin", "peg")
#: a bin's outer half width and a peg's radius, as the segmenter's size targets
BIN_OUTER_HALF = BIN_INNER_HALF + BIN_WALL


@dataclass(frozen=True)
class SplitSpec:
    name: str
    seed_base: int
    sizes: dict[str, tuple[int, int]]
    weights: dict[str, float] = field(default_factory=lambda: dict(TASK_WEIGHTS))

    def scene(self, index: int) -> dict[str, Any]:
        """Task, size, seed, scene options and how the scene is disturbed, for scene ``index``."""
        seed = self.seed_base + index
        rng = np.random.default_rng(seed)
        tasks = sorted(self.sizes)
        weights = np.array([self.weights[t] for t in tasks])
        task = tasks[int(rng.choice(len(tasks), p=weights / weights.sum()))]
        low, high = self.sizes[task]
        size = int(rng.integers(low, high + 1))
        options: dict[str, str] = {}
        if task == "hanoi":
            options = {"tower_peg": PEGS[int(rng.integers(0, 3))], "widths": "drawn", "thickness": "drawn",
                       "start": "random" if rng.random() < 0.5 else "tower"}
        return {"task": task, "size": size, "seed": seed, "options": options,
                "rearrange": task != "hanoi" and bool(rng.random() < 0.5), "arm": bool(rng.random() < 1 / 3)}


SPLITS = {
    "train": SplitSpec("train", VISION_SPLIT_BASES["train"], TRAIN_SIZES),
    "validation": SplitSpec("validation", VISION_SPLIT_BASES["validation"], TRAIN_SIZES),
    # larger scenes to choose on, from the upper half of validation's seed range: ``larger`` chooses nothing
    "validation-larger": SplitSpec("validation-larger", VISION_SPLIT_BASES["validation"] + VALIDATION_LARGER_OFFSET,
                                   LARGER_SIZES),
    "test": SplitSpec("test", VISION_SPLIT_BASES["test"], TRAIN_SIZES),
    "larger": SplitSpec("larger", VISION_SPLIT_BASES["larger"], LARGER_SIZES),
}


@dataclass(frozen=True)
class Truth:
    """One object as the simulator knows it (training labels and scoring only)."""

    name: str
    kind: str
    color: str
    cls: int  # index into CLASSES
    centre: tuple[float, float, float]
    half: tuple[float, float]  # half width, half height


@dataclass(frozen=True)
class Labelled:
    """A frame with its ground truth: ``instances[v, u]`` indexes ``objects`` (-1: background)."""

    frame: Frame
    instances: np.ndarray
    objects: list[Truth]
    state: list[str]
    info: dict[str, Any]


def truth_of(env) -> list[Truth]:
    """Every scene object's class, centre and size, from the simulator."""
    truths = []
    for obj in env.scene.objects:
        x, y, z = env.sim.pose(obj.name).position
        if obj.kind == "bin":
            truths.append(Truth(obj.name, obj.kind, obj.color, 2, (x, y, TABLE_TOP_Z + BIN_HEIGHT / 2),
                                (BIN_OUTER_HALF, BIN_HEIGHT / 2)))
        elif obj.kind == "peg":
            truths.append(Truth(obj.name, obj.kind, obj.color, 3, (x, y, TABLE_TOP_Z), (obj.half_extents[0], 0.0)))
        else:
            truths.append(Truth(obj.name, obj.kind, obj.color, 1, (x, y, z),
                                (obj.half_extents[0], obj.half_extents[2])))
    return truths


def instance_map(env, bodies: np.ndarray) -> np.ndarray:
    """The segmentation buffer turned into indices of ``env.scene.objects`` (-1 elsewhere)."""
    out = np.full(bodies.shape, -1, dtype=np.int8)
    for index, obj in enumerate(env.scene.objects):
        out[bodies == env.sim.bodies[obj.name]] = index
    return out


def _tops(env) -> dict[str, float]:
    return {o.name: env.sim.pose(o.name).position[2] + o.half_extents[2] for o in env.scene.objects if o.movable}


def _free(env, xy: tuple[float, float], moving: str, clearance: float = 0.06) -> bool:
    for obj in env.scene.objects:
        if obj.movable and obj.name != moving:
            p = env.sim.pose(obj.name).position
            if np.hypot(p[0] - xy[0], p[1] - xy[1]) < clearance:
                return False
    return True


def rearrange(env, rng: np.random.Generator) -> None:
    """Random legal moves by teleport: blocks onto other blocks or free table slots, cubes into bins or onto
    free slots. Then the scene settles."""
    from envs.scenes.base import settle

    sim = env.sim
    movable = [o for o in env.scene.objects if o.movable]
    for _ in range(int(rng.integers(1, len(movable) + 2))):
        state = set(env.symbolic_state())
        clear = [o for o in movable if f"(clear {o.name})" in state or env.task == "sort"]
        if not clear:
            break
        obj = clear[int(rng.integers(0, len(clear)))]
        yaw = float(rng.uniform(-0.1, 0.1))
        if env.task == "blocks" and rng.random() < 0.5:
            others = [o for o in clear if o.name != obj.name]
            if others:
                target = others[int(rng.integers(0, len(others)))]
                x, y, _ = sim.pose(target.name).position
                sim.set_pose(obj.name, (x, y, _tops(env)[target.name] + obj.half_extents[2] + 0.001), yaw)
                continue
        if env.task == "sort" and rng.random() < 0.6:
            bins = [o for o in env.scene.objects if o.kind == "bin"]
            bin_ = bins[int(rng.integers(0, len(bins)))]
            slots = [s for s in bin_slots(sim.pose(bin_.name).position[:2]) if _free(env, s, obj.name, 0.045)]
            if slots:
                s = slots[int(rng.integers(0, len(slots)))]
                sim.set_pose(obj.name, (s[0], s[1], TABLE_TOP_Z + BIN_WALL + CUBE_HALF + 0.001), yaw)
                continue
        slots = [s for s in env.scene.table_slots() if _free(env, s, obj.name)]
        if slots:
            s = slots[int(rng.integers(0, len(slots)))]
            sim.set_pose(obj.name, (s[0], s[1], TABLE_TOP_Z + obj.half_extents[2] + 0.001), yaw)
    settle(sim)


def place_arm(env, rng: np.random.Generator) -> None:
    """Put the arm somewhere above the table (no physics step follows, so nothing is knocked)."""
    target = np.array([rng.uniform(0.3, 0.7), rng.uniform(-0.35, 0.35), rng.uniform(0.3, 0.5)])
    env.robot.reset_pose(target, float(rng.uniform(0.0, 0.08)))


_ENVS: dict[str, Any] = {}


def labelled_scene(split: str, index: int, size: int = FRAME_SIZE) -> Labelled:
    """Scene ``index`` of ``split``, built, disturbed as drawn, captured and labelled. One environment per task
    serves every scene (the arm is kept and sent home, the rest rebuilt): loading the Panda would otherwise
    cost more than the rest of a scene."""
    from envs.camera import Camera
    from envs.scenes.registry import SCENES
    from envs.task_env import TaskEnv

    spec = SPLITS[split].scene(index)
    task = spec["task"]
    if task not in _ENVS:
        _ENVS[task] = TaskEnv(task, 1, image_size=16)
    env = _ENVS[task]
    env.scene_options = spec["options"]
    env.scene = SCENES[task](spec["size"], **spec["options"])
    rng = np.random.default_rng(spec["seed"])
    env.build_scene(rng, keep_robot=True)
    if spec["rearrange"]:
        rearrange(env, rng)
    if spec["arm"]:
        place_arm(env, rng)
    camera = Camera(size, size)
    rgb, depth, bodies = camera.render_segmented(env.sim.client)
    robot = env.robot
    gripper = Gripper(tuple(float(v) for v in robot.ee_position()), robot.finger_width(), float(robot.opening))
    frame = Frame(rgb, depth[..., 0], camera, gripper)
    return Labelled(frame, instance_map(env, bodies), truth_of(env), env.symbolic_state(), spec)
