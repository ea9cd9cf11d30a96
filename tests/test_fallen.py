"""The ``fallen`` predicate and the ``right`` skill (scripted and learned): hand-built snapshots, posed PyBullet
scenes, and seeded start scenes that must never read as fallen."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import numpy as np
import pytest

from envs.detectors import ObjectState, World, detect, detect_clear, detect_fallen, detect_ontable
from envs.scenes.base import CUBE_HALF
from envs.simulation import TABLE_TOP_Z
from envs.task_env import TaskEnv
from policies.learned import LearnedSkills
from policies.scripted import right
from policies.skill import Skill

BLOCKS = {"on": "on", "ontable": "ontable", "clear": "clear", "holding": "holding", "handempty": "handempty",
          "fallen": "fallen", "leaning": "leaning"}
SETTLE_STEPS = 240


def cube(name: str, x: float, y: float, bottom: float = TABLE_TOP_Z, flat: bool = True,
         gripped: bool = False) -> ObjectState:
    return ObjectState(name, "block", (CUBE_HALF,) * 3, (x, y, bottom + CUBE_HALF), True, CUBE_HALF, flat, gripped)


def world(*objects: ObjectState) -> World:
    return World({o.name: o for o in objects})


def test_a_tilted_block_has_fallen_and_is_neither_on_ontable_nor_clear() -> None:
    w = world(cube("a", 0.5, 0.0), cube("b", 0.5, 0.2, bottom=0.01, flat=False))
    assert detect(w, BLOCKS) == sorted(["(ontable a)", "(clear a)", "(fallen b)", "(handempty)"])


def test_a_block_a_fallen_one_leans_on_is_not_clear() -> None:
    w = world(cube("a", 0.5, 0.0), cube("b", 0.5, 2.5 * CUBE_HALF, bottom=0.005, flat=False))
    assert detect(w, BLOCKS) == sorted(["(ontable a)", "(fallen b)", "(leaning b a)", "(handempty)"])


def test_a_block_flat_on_a_fallen_one_has_fallen_too() -> None:
    w = world(cube("a", 0.5, 0.0, flat=False), cube("b", 0.5, 0.0, bottom=2 * CUBE_HALF))
    assert detect_fallen(w) == {("a",), ("b",)}
    assert detect_clear(w) == set()


def test_a_fallen_block_leans_on_its_nearest_neighbour_only() -> None:
    """Righting it must free every block it kept from being clear, and ``right-from`` frees one."""
    w = world(cube("a", 0.5, 0.0), cube("b", 0.5, 2.4 * CUBE_HALF, bottom=0.005, flat=False),
              cube("c", 0.5, 5.0 * CUBE_HALF))
    assert detect(w, BLOCKS) == sorted(["(ontable a)", "(ontable c)", "(clear c)", "(fallen b)", "(leaning b a)",
                                        "(handempty)"])


@pytest.mark.parametrize("x, y", [(1.0, 0.0), (0.5, 0.75), (-0.1, 0.0)])
def test_a_block_off_the_table_has_fallen(x: float, y: float) -> None:
    w = world(cube("a", x, y))
    assert detect_fallen(w) == {("a",)}
    assert detect_ontable(w) == set()


def test_a_held_block_has_not_fallen_whatever_its_tilt() -> None:
    w = world(cube("a", 0.5, 0.0, bottom=0.1, flat=False, gripped=True))
    assert detect(w, BLOCKS) == ["(holding a)"]


def test_resting_towers_have_not_fallen() -> None:
    w = world(cube("a", 0.5, 0.0), cube("b", 0.5, 0.0, bottom=2 * CUBE_HALF), cube("c", 0.5, 0.2))
    assert detect_fallen(w) == set()


# -- posed PyBullet scenes -----------------------------------------------------------------------------------------


@cache
def righting(controller: str) -> Skill:
    """The ``right`` skill of ``controller``: the shipped policy (``policies/checkpoints/right.zip``) or the
    scripted reference."""
    return LearnedSkills().right if controller == "learned" else right


@pytest.fixture(scope="module")
def blocks2() -> Iterator[TaskEnv]:
    env = TaskEnv("blocks", 2)
    yield env
    env.close()


def lean(env: TaskEnv, seed: int, tilt: float, yaw: float) -> tuple[str, str]:
    """Block ``a`` on the table, block ``b`` dropped tilted against it from the side ``yaw`` points to."""
    env.reset(seed=seed)
    a, b = (o.name for o in env.scene.objects)
    env.sim.set_pose(a, (0.45, 0.0, TABLE_TOP_Z + CUBE_HALF))
    env.sim.set_pose(b, (0.45 + 0.05 * np.cos(yaw), 0.05 * np.sin(yaw), TABLE_TOP_Z + 1.6 * CUBE_HALF), yaw=yaw,
                     tilt=(0.0, tilt))
    env.sim.step(SETTLE_STEPS)
    return a, b


@pytest.mark.parametrize("tilt, yaw", [(0.6, 0.0), (0.5, 0.7), (0.6, 1.57)])
def test_a_block_leaning_on_another_has_fallen(blocks2: TaskEnv, tilt: float, yaw: float) -> None:
    a, b = lean(blocks2, 0, tilt, yaw)
    assert blocks2.symbolic_state(BLOCKS) == sorted([f"(ontable {a})", f"(fallen {b})", f"(leaning {b} {a})",
                                               "(handempty)"])


def test_a_cube_on_its_side_rests_like_an_upright_one(blocks2: TaskEnv) -> None:
    """A cube's faces are all alike: turned onto its side it stands on a face, and no operator needs to
    right it."""
    blocks2.reset(seed=1)
    a, b = (o.name for o in blocks2.scene.objects)
    blocks2.sim.set_pose(a, (0.45, -0.2, TABLE_TOP_Z + CUBE_HALF), tilt=(np.pi / 2, 0.0))
    blocks2.sim.set_pose(b, (0.45, 0.2, TABLE_TOP_Z + CUBE_HALF), tilt=(0.0, -np.pi / 2))
    blocks2.sim.step(SETTLE_STEPS)
    assert detect_fallen(blocks2.world()) == set()
    assert detect_ontable(blocks2.world()) == {(a,), (b,)}


def test_no_seeded_start_scene_has_a_fallen_object() -> None:
    """Resting objects tilt under a degree in start scenes (measured: 0.7 degrees at most over 100 scenes of
    blocks 5 and 8, hanoi 4 and sort 6), far inside the 14 degrees at which an object has fallen."""
    for task, size in (("blocks", 6), ("hanoi", 4), ("sort", 6)):
        env = TaskEnv(task, size)
        try:
            for seed in range(8):
                env.reset(seed=seed)
                assert detect_fallen(env.world()) == set(), (task, seed)
        finally:
            env.close()


@pytest.mark.parametrize("controller", ["scripted", "learned"])
@pytest.mark.parametrize("tilt, yaw", [(0.6, 0.0), (0.5, 0.7), (0.6, 1.57)])
def test_right_puts_a_leaning_block_upright_on_the_table(blocks2: TaskEnv, tilt: float, yaw: float,
                                                         controller: str) -> None:
    a, b = lean(blocks2, 2, tilt, yaw)
    outcome = righting(controller)(blocks2, (b,), 4000)
    assert outcome.success, outcome.reason
    assert blocks2.symbolic_state(BLOCKS) == sorted([f"(ontable {a})", f"(clear {a})", f"(ontable {b})", f"(clear {b})",
                                               "(handempty)"])
    assert blocks2.robot.yaw == 0.0


@pytest.mark.parametrize("controller", ["scripted", "learned"])
def test_right_gives_up_at_once_on_a_block_off_the_table(blocks2: TaskEnv, controller: str) -> None:
    blocks2.reset(seed=4)
    name = blocks2.scene.objects[0].name
    blocks2.sim.set_pose(name, (1.2, 0.0, -0.3))
    outcome = righting(controller)(blocks2, (name,), 4000)
    assert not outcome.success and outcome.sim_steps == 0 and "out of the arm's reach" in outcome.reason


@pytest.mark.parametrize("controller", ["scripted", "learned"])
def test_right_refuses_a_block_that_has_not_fallen(blocks2: TaskEnv, controller: str) -> None:
    blocks2.reset(seed=3)
    name = blocks2.scene.objects[0].name
    outcome = righting(controller)(blocks2, (name,), 4000)
    assert not outcome.success and outcome.sim_steps == 0 and "has not fallen" in outcome.reason
