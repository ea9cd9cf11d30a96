"""A pick beside a tower turns the hand so that neither its fingers nor its housing come down on the tower
(``policies.crowding``), and no undisturbed scene crowds a pick, so undisturbed episodes are unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from envs.detectors import ObjectState, World, detect_clear
from envs.scenes.base import CUBE_HALF
from envs.simulation import TABLE_TOP_Z
from envs.task_env import TaskEnv
from policies.crowding import SAFE, pick_yaw, room
from policies.learned import LearnedSkills

TOWER = (0.65, -0.11)
#: where a disturbed block lay beside a tower of four (blocks 5, development seed 20000), 7.4 cm from its axis
BESIDE = (0.65, -0.036)
SETTLE_STEPS = 240


def cube(name: str, x: float, y: float, level: int = 0) -> ObjectState:
    bottom = TABLE_TOP_Z + 2 * CUBE_HALF * level
    return ObjectState(name, "block", (CUBE_HALF,) * 3, (x, y, bottom + CUBE_HALF), True, CUBE_HALF)


def tower_and_block() -> World:
    objects = [cube(f"t{level}", *TOWER, level) for level in range(4)] + [cube("b", *BESIDE)]
    return World({o.name: o for o in objects})


def test_a_block_beside_a_tower_is_picked_with_the_hand_turned_clear_of_it() -> None:
    world = tower_and_block()
    assert room(world, "b", 0.0) < 0  # at yaw 0 the fingers and the housing reach the tower
    yaw = pick_yaw(world, "b", faces=0.0)
    assert yaw != 0.0 and room(world, "b", yaw) >= SAFE
    assert abs(abs(yaw) - np.pi / 2) < 1e-9  # the faces' other way round: across them and clear of the tower
    assert pick_yaw(world, "t3") == 0.0  # the tower's top block has room: nothing stands beside it that high


def test_no_start_scene_crowds_a_pick() -> None:
    """Undisturbed picks keep yaw 0, as trained: the records of undisturbed episodes stay as they were."""
    for task, size in (("blocks", 8), ("hanoi", 6), ("sort", 8)):
        env = TaskEnv(task, size)
        try:
            for seed in range(10):
                env.reset(seed=seed)
                world = env.world()
                for (name,) in detect_clear(world):
                    if world.objects[name].movable:
                        assert pick_yaw(world, name) == 0.0, (task, seed, name)
        finally:
            env.close()


@pytest.mark.slow
def test_the_learned_pick_takes_the_block_beside_a_tower_without_knocking_it() -> None:
    """Before the turn, this pick came down on the tower with the fingers along y and knocked it over."""
    env = TaskEnv("blocks", 5)
    try:
        env.reset(seed=0)
        names = [o.name for o in env.scene.objects]
        for level, name in enumerate(names[:4]):
            env.sim.set_pose(name, (*TOWER, TABLE_TOP_Z + CUBE_HALF * (2 * level + 1)))
        env.sim.set_pose(names[4], (*BESIDE, TABLE_TOP_Z + CUBE_HALF))
        env.sim.step(SETTLE_STEPS)
        outcome = LearnedSkills().pick(env, (names[4],), 4000)
        assert outcome.success, outcome.reason
        assert all(np.hypot(*np.subtract(env.world().objects[n].position[:2], TOWER)) < 0.01 for n in names[:4])
    finally:
        env.close()
