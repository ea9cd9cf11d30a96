"""Detectors against hand-built scenes: plain ``World`` snapshots, then real PyBullet scenes posed by teleporting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from envs.detectors import (
    SUPPORT_TOLERANCE,
    ObjectState,
    World,
    detect,
    detect_clear,
    detect_handempty,
    detect_holding,
    detect_in,
    detect_on,
    detect_ontable,
    detect_smaller,
)
from envs.scenes.base import CUBE_HALF
from envs.scenes.hanoi import DISC_HEIGHT
from envs.simulation import TABLE_TOP_Z
from envs.task_env import TaskEnv

SETTLE_STEPS = 60


# -- hand-built snapshots ------------------------------------------------------------------------------------------


def cube(name: str, x: float, y: float, bottom: float = TABLE_TOP_Z, half: float = CUBE_HALF, kind: str = "block",
         flat: bool = True, gripped: bool = False) -> ObjectState:
    return ObjectState(name, kind, (half, half, half), (x, y, bottom + half), True, half, flat, gripped)


def peg(name: str, x: float, y: float, radius: float = 0.05) -> ObjectState:
    return ObjectState(name, "peg", (radius, radius, 0.0), (x, y, TABLE_TOP_Z), False, 0.0)


def bin_(name: str, x: float, y: float, inner: float = 0.08, wall: float = 0.04) -> ObjectState:
    return ObjectState(name, "bin", (inner, inner, wall), (x, y, TABLE_TOP_Z), False, wall)


def world(*objects: ObjectState) -> World:
    return World({o.name: o for o in objects})


def tower(*names: str, x: float = 0.5, y: float = 0.0) -> list[ObjectState]:
    """Cubes stacked bottom first."""
    return [cube(n, x, y, TABLE_TOP_Z + 2 * CUBE_HALF * i) for i, n in enumerate(names)]


BLOCKS = {"on": "on", "ontable": "ontable", "clear": "clear", "holding": "holding", "handempty": "handempty"}


def test_tower_of_three() -> None:
    w = world(*tower("a", "b", "c"))
    assert detect(w, BLOCKS) == sorted(["(ontable a)", "(on b a)", "(on c b)", "(clear c)", "(handempty)"])


def test_cubes_side_by_side_are_all_on_the_table_and_clear() -> None:
    w = world(cube("a", 0.4, 0.0), cube("b", 0.5, 0.0))
    assert detect_ontable(w) == {("a",), ("b",)}
    assert detect_on(w) == set()
    assert detect_clear(w) == {("a",), ("b",)}


@pytest.mark.parametrize("offset, on", [(CUBE_HALF - 0.002, True), (CUBE_HALF + 0.002, False)])
def test_on_needs_the_centre_over_the_support(offset: float, on: bool) -> None:
    w = world(cube("a", 0.5, 0.0), cube("b", 0.5 + offset, 0.0, bottom=2 * CUBE_HALF))
    assert (("b", "a") in detect_on(w)) is on
    assert (("a",) in detect_clear(w)) is (not on)


@pytest.mark.parametrize("gap, on", [(SUPPORT_TOLERANCE / 2, True), (SUPPORT_TOLERANCE * 2, False)])
def test_on_needs_contact_in_height(gap: float, on: bool) -> None:
    w = world(cube("a", 0.5, 0.0), cube("b", 0.5, 0.0, bottom=2 * CUBE_HALF + gap))
    assert (("b", "a") in detect_on(w)) is on


def test_floating_object_is_on_nothing() -> None:
    w = world(cube("a", 0.5, 0.0, bottom=0.05))
    assert detect_on(w) == set()
    assert detect_ontable(w) == set()


def test_tilted_object_is_on_nothing() -> None:
    a = cube("a", 0.5, 0.0)
    tilted = cube("b", 0.5, 0.0, bottom=2 * CUBE_HALF, flat=False)
    w = world(a, tilted, cube("c", 0.7, 0.0, flat=False))
    assert detect_on(w) == set()
    assert detect_ontable(w) == {("a",)}
    # nothing rests on a, so it counts as clear even with a tilted object leaning over it
    assert ("a",) in detect_clear(w)


def test_nothing_is_on_a_tilted_support() -> None:
    w = world(cube("a", 0.5, 0.0, flat=False), cube("b", 0.5, 0.0, bottom=2 * CUBE_HALF))
    assert detect_on(w) == set()


def test_gripped_object_is_held_and_on_nothing() -> None:
    # gripped while still touching its support: the detectors must not report it resting there
    a = cube("a", 0.5, 0.0)
    held = cube("b", 0.5, 0.0, bottom=2 * CUBE_HALF, gripped=True)
    table_held = cube("c", 0.3, 0.0, gripped=True)
    w = world(a, held, cube("d", 0.7, 0.0))
    assert detect_holding(w) == {("b",)}
    assert detect_handempty(w) == set()
    assert detect_on(w) == set()
    assert ("b",) not in detect_clear(w)
    assert ("a",) in detect_clear(w)
    assert detect_ontable(world(table_held)) == set()
    assert detect_clear(world(table_held)) == set()
    assert detect(w, BLOCKS) == sorted(["(clear a)", "(clear d)", "(holding b)", "(ontable a)", "(ontable d)"])


def test_handempty_when_nothing_is_gripped() -> None:
    w = world(*tower("a", "b"))
    assert detect_holding(w) == set()
    assert detect_handempty(w) == {()}
    assert "(handempty)" in detect(w, BLOCKS)


def test_disc_on_the_table_inside_a_peg_is_on_the_peg() -> None:
    d1 = cube("d1", 0.52, -0.2 + 0.04, half=0.014, kind="disc")  # 4 cm off the peg's centre, radius 5 cm
    d2 = cube("d2", 0.52, 0.2 + 0.06, half=0.017, kind="disc")  # 6 cm off: outside
    w = world(peg("left", 0.52, -0.2), peg("right", 0.52, 0.2), d1, d2)
    assert detect_on(w) == {("d1", "left")}
    assert detect_clear(w) == {("d1",), ("d2",), ("right",)}


def test_disc_above_the_table_is_not_on_the_peg() -> None:
    w = world(peg("left", 0.52, -0.2), cube("d1", 0.52, -0.2, bottom=0.03, half=0.014, kind="disc"))
    assert detect_on(w) == set()
    assert ("left",) in detect_clear(w)


def test_smaller_is_static_from_widths() -> None:
    discs = [cube(f"d{i}", 0.5, 0.0, bottom=10.0 * i, half=0.01 + 0.003 * i, kind="disc") for i in (1, 2, 3)]
    pegs = [peg(p, 0.52, y) for p, y in (("left", -0.2), ("right", 0.2))]
    w = world(*discs, *pegs)
    assert detect_smaller(w) == {("d1", "d2"), ("d1", "d3"), ("d2", "d3"),
                                 *((d, p) for d in ("d1", "d2", "d3") for p in ("left", "right"))}


def test_in_bin_and_not_on_the_table() -> None:
    inside = cube("red1", 0.7 + 0.05, 0.05)  # on the bin's footprint at table height: in, not on the table
    on_floor = cube("red2", 0.7, -0.03, bottom=0.01)
    beside = cube("red3", 0.7 + 0.09, 0.0)  # beyond the wall
    above = cube("red4", 0.7, 0.0, bottom=0.045)  # above the rim
    held = cube("red5", 0.7, 0.0, bottom=0.011, gripped=True)
    w = world(bin_("red_bin", 0.7, 0.0), inside, on_floor, beside, above, held)
    assert detect_in(w) == {("red1", "red_bin"), ("red2", "red_bin")}
    assert detect_ontable(w) == {("red3",)}


def test_in_names_the_bin_it_is_in() -> None:
    w = world(bin_("red_bin", 0.7, -0.1), bin_("blue_bin", 0.7, 0.1), cube("c", 0.7, 0.1, bottom=0.01))
    assert detect_in(w) == {("c", "blue_bin")}


def test_detect_renames_predicates_and_rejects_unknown_detectors() -> None:
    w = world(*tower("a", "b"))
    assert detect(w, {"above": "on", "free": "clear"}) == ["(above b a)", "(free b)"]
    with pytest.raises(KeyError, match="nope"):
        detect(w, {"on": "nope"})


# -- real scenes posed by teleporting ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def blocks_env() -> Iterator[TaskEnv]:
    env = TaskEnv("blocks", 3)
    yield env
    env.close()


@pytest.fixture(scope="module")
def hanoi_env() -> Iterator[TaskEnv]:
    env = TaskEnv("hanoi", 3)
    yield env
    env.close()


@pytest.fixture(scope="module")
def sort_env() -> Iterator[TaskEnv]:
    env = TaskEnv("sort", 3)
    yield env
    env.close()


def movable(env: TaskEnv) -> list[str]:
    return [o.name for o in env.scene.objects if o.movable]


def test_blocks_tower_of_three_posed(blocks_env: TaskEnv) -> None:
    env = blocks_env
    env.reset(seed=3)
    a, b, c = movable(env)
    for level, name in enumerate((a, b, c)):
        env.sim.set_pose(name, (0.5, 0.15, TABLE_TOP_Z + CUBE_HALF + 2 * CUBE_HALF * level))
    env.sim.step(SETTLE_STEPS)
    assert env.symbolic_state() == sorted([f"(ontable {a})", f"(on {b} {a})", f"(on {c} {b})", f"(clear {c})",
                                           "(handempty)"])


def test_blocks_all_on_the_table_posed(blocks_env: TaskEnv) -> None:
    env = blocks_env
    env.reset(seed=4)
    names = movable(env)
    for name, y in zip(names, (-0.15, 0.0, 0.15)):
        env.sim.set_pose(name, (0.46, y, TABLE_TOP_Z + CUBE_HALF))
    env.sim.step(SETTLE_STEPS)
    expected = [f"(ontable {n})" for n in names] + [f"(clear {n})" for n in names] + ["(handempty)"]
    assert env.symbolic_state() == sorted(expected)


def test_blocks_offset_cube_falls_off_and_is_not_on(blocks_env: TaskEnv) -> None:
    env = blocks_env
    env.reset(seed=5)
    a, b, c = movable(env)
    env.sim.set_pose(a, (0.5, 0.15, TABLE_TOP_Z + CUBE_HALF))
    env.sim.set_pose(b, (0.5, 0.15 + 0.035, TABLE_TOP_Z + 3 * CUBE_HALF))  # centre beyond a's edge
    env.sim.set_pose(c, (0.36, -0.3, TABLE_TOP_Z + CUBE_HALF))
    env.sim.step(SETTLE_STEPS)
    state = env.symbolic_state()
    assert f"(on {b} {a})" not in state
    assert f"(clear {a})" in state


def test_hanoi_discs_posed_on_pegs(hanoi_env: TaskEnv) -> None:
    env = hanoi_env
    env.reset(seed=0)
    left, right = env.sim.pose("left").position, env.sim.pose("right").position
    env.sim.set_pose("d3", (left[0], left[1], TABLE_TOP_Z + DISC_HEIGHT / 2))
    env.sim.set_pose("d2", (right[0], right[1], TABLE_TOP_Z + DISC_HEIGHT / 2))
    env.sim.set_pose("d1", (right[0], right[1], TABLE_TOP_Z + 1.5 * DISC_HEIGHT))
    env.sim.step(SETTLE_STEPS)
    state = set(env.symbolic_state())
    dynamic = {a for a in state if not a.startswith("(smaller")}
    assert dynamic == {"(on d3 left)", "(on d2 right)", "(on d1 d2)", "(clear d3)", "(clear d1)",
                       "(clear middle)", "(handempty)"}
    assert "(smaller d1 d2)" in state and "(smaller d3 middle)" in state and "(smaller d3 d2)" not in state


def test_sort_cube_posed_in_its_bin(sort_env: TaskEnv) -> None:
    env = sort_env
    env.reset(seed=0)
    cubes = [o for o in env.scene.objects if o.kind == "cube"]
    first, rest = cubes[0], cubes[1:]
    target = f"{first.color}_bin"
    x, y, z = env.sim.pose(target).position
    env.sim.set_pose(first.name, (x, y, z + 0.01 + CUBE_HALF + 0.002))  # the floor is 1 cm thick
    env.sim.step(SETTLE_STEPS)
    state = env.symbolic_state()
    expected = {f"(in {first.name} {target})", "(handempty)"} | {f"(ontable {o.name})" for o in rest}
    assert set(state) == expected
    assert f"(ontable {first.name})" not in state
