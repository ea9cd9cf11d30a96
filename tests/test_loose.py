"""The ``loose`` predicate of Hanoi and sort, the operators that put a loose object back, the scripted
``fetch`` skill, and a disturbed Hanoi episode that recovers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.planning.domain import Domain, domain_folder, load_domain
from agent.planning.planner import Planner
from envs.detectors import ObjectState, World, detect, detect_fallen, detect_loose
from envs.scenes.base import CUBE_HALF
from envs.scenes.hanoi import DISC_HEIGHT, disc_width
from envs.simulation import TABLE_TOP_Z
from envs.task_env import TaskEnv
from policies.scripted import fetch
from policies.targets import Targets

HALF = DISC_HEIGHT / 2
PEGS = {"left": -0.2, "middle": 0.0, "right": 0.2}
SETTLE_STEPS = 240


def disc(name: str, x: float, y: float, bottom: float = TABLE_TOP_Z, flat: bool = True) -> ObjectState:
    half = disc_width(int(name[1:])) / 2
    return ObjectState(name, "disc", (half, half, HALF), (x, y, bottom + HALF), True, HALF, flat)


def peg(name: str) -> ObjectState:
    return ObjectState(name, "peg", (0.05, 0.05, 0.0), (0.52, PEGS[name], TABLE_TOP_Z), False, 0.0)


def cube(name: str, x: float, y: float, bottom: float = TABLE_TOP_Z, flat: bool = True) -> ObjectState:
    return ObjectState(name, "cube", (CUBE_HALF,) * 3, (x, y, bottom + CUBE_HALF), True, CUBE_HALF, flat)


def bin_(name: str, x: float, y: float) -> ObjectState:
    return ObjectState(name, "bin", (0.08, 0.08, 0.04), (x, y, TABLE_TOP_Z), False, 0.04)


def world(*objects: ObjectState) -> World:
    return World({o.name: o for o in objects})


def two_on_the_left(*others: ObjectState) -> World:
    """d3 on the left peg, d2 on it, and ``others``."""
    return world(*(peg(p) for p in PEGS), disc("d3", 0.52, -0.2), disc("d2", 0.52, -0.2, bottom=DISC_HEIGHT),
                 *others)


@pytest.fixture(scope="module")
def sort() -> Domain:
    return load_domain(domain_folder("sort"))


def hanoi_plan(hanoi: Domain, w: World) -> list[str]:
    state = detect(w, hanoi.binding.predicates)
    objects = {o.name: o.kind for o in w.objects.values()}
    goal = frozenset({"(on d1 d2)", "(on d2 d3)", "(on d3 left)"})
    return [str(op) for op in Planner(hanoi).plan(objects, state, goal).operators]


def test_a_disc_knocked_onto_the_table_is_loose_and_the_planner_fetches_it(hanoi: Domain) -> None:
    w = two_on_the_left(disc("d1", 0.38, 0.0))
    state = detect(w, hanoi.binding.predicates)
    assert "(loose d1)" in state and "(clear d1)" in state and "(fallen d1)" not in state
    assert not any(atom.startswith("(on d1 ") for atom in state)
    assert hanoi_plan(hanoi, w) == ["(fetch d1)", "(place d1 d2)"]


def test_a_tilted_disc_leaning_on_the_tower_is_fetched_from_it(hanoi: Domain) -> None:
    """It keeps d2 from being clear; ``fetch-from`` frees d2 again, so the planner can put it back there."""
    w = two_on_the_left(disc("d1", 0.52, -0.2 + 2.0 * disc_width(1) / 2, bottom=0.005, flat=False))
    state = detect(w, hanoi.binding.predicates)
    assert {"(loose d1)", "(fallen d1)", "(leaning d1 d2)"} <= set(state) and "(clear d2)" not in state
    assert hanoi_plan(hanoi, w) == ["(fetch-from d1 d2)", "(place d1 d2)"]


def test_a_disc_under_another_off_the_pegs_is_fetched_only_once_the_top_one_is_gone(hanoi: Domain) -> None:
    """d1 lies on the loose d2: taking d2 first would take both, so ``fetch`` needs d2 clear."""
    w = world(*(peg(p) for p in PEGS), disc("d3", 0.52, -0.2), disc("d2", 0.38, 0.0),
              disc("d1", 0.38, 0.0, bottom=DISC_HEIGHT))
    assert detect_loose(w) == {("d2",)}
    plan = hanoi_plan(hanoi, w)
    assert plan.index("(pick d1 d2)") < plan.index("(fetch d2)")


def test_an_undisturbed_tower_has_nothing_loose() -> None:
    assert detect_loose(two_on_the_left(disc("d1", 0.52, -0.2, bottom=2 * DISC_HEIGHT))) == set()


@pytest.mark.parametrize("stray", [cube("a", 0.4, 0.0, flat=False), cube("a", 0.4, 0.0, bottom=2 * CUBE_HALF),
                                   cube("a", 1.2, 0.0)], ids=["tilted", "on-another-cube", "off-the-table"])
def test_a_stray_cube_is_loose_and_is_righted_before_it_is_sorted(sort: Domain, stray: ObjectState) -> None:
    w = world(bin_("red_bin", 0.66, 0.0), cube("b", 0.4, 0.0), stray)
    state = detect(w, sort.binding.predicates)
    assert "(loose a)" in state and "(ontable a)" not in state and "(loose b)" not in state
    plan = Planner(sort).plan({"a": "cube", "b": "cube", "red_bin": "bin"}, state, frozenset({"(in a red_bin)"}))
    assert [str(op) for op in plan.operators] == ["(right a)", "(pick a)", "(drop a red_bin)"]


def test_a_cube_knocked_into_the_wrong_bin_is_retrieved(sort: Domain) -> None:
    w = world(bin_("red_bin", 0.66, 0.0), bin_("blue_bin", 0.66, 0.2), cube("a", 0.66, 0.2, bottom=0.01))
    state = detect(w, sort.binding.predicates)
    assert "(in a blue_bin)" in state
    plan = Planner(sort).plan({"a": "cube", "red_bin": "bin", "blue_bin": "bin"}, state, frozenset({"(in a red_bin)"}))
    assert [str(op) for op in plan.operators] == ["(retrieve a blue_bin)", "(drop a red_bin)"]


def test_a_tilted_cube_inside_its_bin_is_in_it_not_loose(sort: Domain) -> None:
    w = world(bin_("red_bin", 0.66, 0.0), cube("a", 0.66, 0.0, bottom=0.012, flat=False))
    assert "(in a red_bin)" in detect(w, sort.binding.predicates) and detect_loose(w) == set()


# -- the scripted fetch skill on posed PyBullet scenes ---------------------------------------------------------------


@pytest.fixture(scope="module")
def hanoi2() -> Iterator[TaskEnv]:
    env = TaskEnv("hanoi", 2)
    yield env
    env.close()


@pytest.mark.parametrize("tilt", [0.0, 0.7], ids=["flat", "tilted"])
def test_fetch_takes_a_loose_disc_into_the_hand(hanoi2: TaskEnv, tilt: float) -> None:
    """d1 knocked off the tower onto the table beside the pegs, flat or propped up on its edge against d2."""
    hanoi2.reset(seed=0)
    x, y, _ = hanoi2.sim.pose("d2").position
    hanoi2.sim.set_pose("d1", (x - 0.035 if tilt else 0.38, y, TABLE_TOP_Z + 0.02), tilt=(0.0, -tilt))
    hanoi2.sim.step(SETTLE_STEPS)
    assert ("d1",) in detect_loose(hanoi2.world())
    assert (("d1",) in detect_fallen(hanoi2.world())) == bool(tilt)  # the tilted one is righted first
    result = fetch(hanoi2, ("d1",), 6000)
    assert result.success, result.reason
    assert detect(hanoi2.world(), {"holding": "holding"}) == ["(holding d1)"]


def test_fetch_on_perceived_boxes_picks_the_loose_disc_where_its_box_lies(hanoi2: TaskEnv) -> None:
    """Camera mode reads ``loose`` but no tilt: ``fetch`` given perceived ``targets`` picks the disc as it lies
    (here the boxes are the simulator's own, as a perfect look would give them) instead of refusing."""
    hanoi2.reset(seed=0)
    hanoi2.sim.set_pose("d1", (0.38, 0.0, TABLE_TOP_Z + 0.02))
    hanoi2.sim.step(SETTLE_STEPS)
    result = fetch(hanoi2, ("d1",), 6000, Targets(hanoi2, hanoi2.world()))
    assert result.success, result.reason
    assert detect(hanoi2.world(), {"holding": "holding"}) == ["(holding d1)"]


@pytest.mark.slow
def test_a_disturbed_hanoi_episode_fetches_the_knocked_disc_and_reaches_the_goal() -> None:
    """Seed 20004 of Hanoi 4: a disc dropped onto the tower, then one toppled against another; the agent sees
    it loose and leaning, replans through ``fetch-from`` and finishes. The same seed gives the same record."""
    from agent.runs.config import RunConfig
    from agent.runs.runner import EpisodeRunner
    from tests.test_disturbance import TIMING_FIELDS

    runner = EpisodeRunner(RunConfig(task="hanoi", size=4, goal="oracle", controller="scripted", disturb=2))
    try:
        first, again = (runner.run(20004).record for _ in range(2))
    finally:
        runner.close()
    assert first["success"], first["reason"]
    assert [d["kind"] for d in first["disturbances"]] == ["drop", "topple"]
    fetches = [step for step in first["executed"] if step["operator"].startswith("(fetch")]
    assert any(step["skill_success"] for step in fetches) and first["replans"] >= 1
    assert ({k: v for k, v in first.items() if k not in TIMING_FIELDS}
            == {k: v for k, v in again.items() if k not in TIMING_FIELDS})
