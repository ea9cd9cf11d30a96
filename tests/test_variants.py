"""The blocks variants: deterministic scenes whose observable properties the detectors report, start
stacks the physics allows, demo goals that leave the order to the agent, and the physics itself doing the failing."""

from __future__ import annotations

import pytest

from agent.goals.oracle import parse_instruction
from agent.planning.atoms import holds
from agent.planning.domain import load_domain, variant_domain_folder
from envs.detectors import DETECTORS, ObjectState, World, detect_heavy, detect_round, detect_smaller
from envs.scenes.blocks import LARGE_HALF, SMALL_HALF, VARIANTS, BlocksScene
from envs.task_env import TaskEnv
from policies import SKILL_NAMES
from policies.scripted import SKILLS


def test_variant_domain_declares_the_properties_and_uses_none() -> None:
    domain = load_domain(variant_domain_folder("blocks"), task="blocks")
    domain.binding.check_names(DETECTORS, SKILL_NAMES)
    assert {"smaller", "round", "heavy"} <= set(domain.predicates)
    text = domain.pddl_path.read_text()
    body = text[text.index("(:action"):]
    assert not any(p in body for p in ("smaller", "round", "heavy"))


def test_property_detectors() -> None:
    def block(name: str, half: float, shape: str = "box", material: str = "wood") -> ObjectState:
        return ObjectState(name, "block", (half, half, half), (0.5, 0.0, half), True, half, True, False, shape,
                           material)

    world = World({"a": block("a", 0.02), "s": block("s", 0.008), "d": block("d", 0.02, shape="dome"),
                   "m": block("m", 0.02, material="metal")})
    assert detect_smaller(world) == {("s", "a"), ("s", "d"), ("s", "m")}
    assert detect_round(world) == {("d",)} and detect_heavy(world) == {("m",)}


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_scenes_are_deterministic_and_physically_possible(variant: str) -> None:
    env = TaskEnv("blocks", 4, image_size=16, variant=variant)
    try:
        env.reset(seed=3)
        state = set(env.symbolic_state())
        again = TaskEnv("blocks", 4, image_size=16, variant=variant)
        again.reset(seed=3)
        assert set(again.symbolic_state()) == state
        again.close()
        objects = {o.name: o for o in env.scene.objects}
        on = [a[1:-1].split()[1:] for a in state if a.startswith("(on ")]
        assert len(on) + sum(a.startswith("(ontable") for a in state) == 4  # every block rests somewhere
        if variant == "sizes":
            assert {o.half_extents[0] for o in objects.values()} == {SMALL_HALF, LARGE_HALF}
            assert any(a.startswith("(smaller") for a in state)
            assert all(objects[x].half_extents[0] <= objects[y].half_extents[0] for x, y in on)
        if variant == "round":
            (dome,) = [n for n, o in objects.items() if o.shape == "dome"]
            assert f"(round {dome})" in state and not any(y == dome for _, y in on)
        if variant == "heavy":
            (metal,) = [n for n, o in objects.items() if o.material == "metal"]
            assert f"(heavy {metal})" in state and f"(ontable {metal})" in state
        # The demo asks for one tower of every block and leaves the order open: any order satisfies it,
        # those the physics allows and those it forbids alike, the choice an unaligned domain gets wrong.
        goal = parse_instruction(env.scene.demo_instruction(3), "blocks", {n: "block" for n in objects})
        for order in (sorted(objects), sorted(objects, reverse=True)):
            tower = {f"(on {a} {b})" for a, b in zip(order, order[1:])} | {f"(ontable {order[-1]})"}
            assert holds(goal, tower)
        assert not holds(goal, {f"(ontable {name})" for name in objects})
    finally:
        env.close()


def test_plain_scene_has_no_demo_instruction_and_bad_variants_fail() -> None:
    assert BlocksScene(3).demo_instruction(0) is None
    with pytest.raises(ValueError, match="variant must be one of sizes, round, heavy"):
        BlocksScene(3, variant="tiny")
    with pytest.raises(ValueError, match="needs at least 2 blocks"):
        BlocksScene(1, variant="round")


def _first(env: TaskEnv, want: callable) -> str:
    state = set(env.symbolic_state())
    return next(o.name for o in env.scene.objects if want(o) and f"(clear {o.name})" in state)


def test_a_large_block_topples_off_a_small_one_but_stays_on_a_large_one() -> None:
    env = TaskEnv("blocks", 4, image_size=16, variant="sizes")
    try:
        env.reset(seed=5)  # three large blocks (one on another) and a small one, all reachable
        large = _first(env, lambda o: o.half_extents[0] == LARGE_HALF)
        other = _first(env, lambda o: o.half_extents[0] == LARGE_HALF and o.name != large)
        assert SKILLS["pick"](env, [large], 4000).success
        assert SKILLS["place"](env, [large, other], 4000).success
        small = _first(env, lambda o: o.half_extents[0] == SMALL_HALF)
        assert SKILLS["pick"](env, [large], 4000).success
        assert not SKILLS["place"](env, [large, small], 4000).success
        assert f"(on {large} {small})" not in env.symbolic_state()
    finally:
        env.close()


def test_nothing_stays_on_a_dome_and_the_metal_block_slips() -> None:
    env = TaskEnv("blocks", 4, image_size=16, variant="round")
    try:
        env.reset(seed=2)
        dome = _first(env, lambda o: o.shape == "dome")
        cube = _first(env, lambda o: o.shape != "dome")
        assert SKILLS["pick"](env, [cube], 4000).success
        assert not SKILLS["place"](env, [cube, dome], 4000).success
    finally:
        env.close()
    env = TaskEnv("blocks", 4, image_size=16, variant="heavy")
    try:
        env.reset(seed=5)
        metal = _first(env, lambda o: o.material == "metal")
        assert not SKILLS["pick"](env, [metal], 4000).success
        assert f"(ontable {metal})" in env.symbolic_state()
    finally:
        env.close()


def test_weighted_hanoi_discs_topple_off_smaller_ones() -> None:
    domain = load_domain(variant_domain_folder("hanoi"), task="hanoi")
    assert "smaller" not in domain.pddl_path.read_text().split("(:action")[2]  # place does not use it
    env = TaskEnv("hanoi", 4, image_size=16, variant="weighted")
    try:
        env.reset(seed=0)
        state = set(env.symbolic_state())
        assert "(smaller d1 d3)" in state and "(smaller d1 d2)" not in state and "(smaller d3 d4)" not in state
        for disc, target in (("d1", "middle"), ("d2", "d1")):  # equal small discs stack
            assert SKILLS["pick"](env, [disc], 4000).success
            assert SKILLS["place"](env, [disc, target], 4000).success
        assert SKILLS["pick"](env, ["d3"], 4000).success
        assert not SKILLS["place"](env, ["d3", "d2"], 4000).success  # a large disc tips off a small one
    finally:
        env.close()
    with pytest.raises(ValueError, match="hanoi: variant must be one of weighted"):
        TaskEnv("hanoi", 3, variant="sizes")
