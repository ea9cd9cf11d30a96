"""Planning over hand-written detected states of the three shipped domains."""

import pytest

from agent.planning.atoms import holds
from agent.planning.domain import Domain
from agent.planning.planner import Operator, Plan, Planner, format_atom, parse_atom
from envs.errors import ConfigError, GoalError, PlanningError

PEGS = ("left", "middle", "right")


def hanoi_scene(n: int) -> tuple[dict[str, str], set[str]]:
    """n discs in a tower on the left peg, as the detectors would report it."""
    discs = [f"d{i}" for i in range(1, n + 1)]
    objects = {d: "disc" for d in discs} | {p: "peg" for p in PEGS}
    places = [*discs, *PEGS]
    state = {f"(smaller {d} {x})" for i, d in enumerate(discs) for x in places[i + 1 :]}
    state |= {format_atom("on", pair) for pair in zip(discs, [*discs[1:], "left"])}
    state |= {"(clear d1)", "(clear middle)", "(clear right)", "(handempty)"}
    return objects, state


def hanoi_goal(n: int, peg: str = "right") -> set[str]:
    discs = [f"d{i}" for i in range(1, n + 1)]
    return {format_atom("on", pair) for pair in zip(discs, [*discs[1:], peg])}


def blocks_scene(names: list[str]) -> tuple[dict[str, str], set[str]]:
    """All blocks side by side on the table."""
    state = {f"(ontable {b})" for b in names} | {f"(clear {b})" for b in names} | {"(handempty)"}
    return {b: "block" for b in names}, state


def sort_scene(cubes: list[str], colours: list[str]) -> tuple[dict[str, str], set[str]]:
    objects = {c: "cube" for c in cubes} | {f"{c}_bin": "bin" for c in colours}
    return objects, {f"(ontable {c})" for c in cubes} | {"(handempty)"}


def test_hanoi_3_optimal(hanoi: Domain) -> None:
    objects, state = hanoi_scene(3)
    goal = hanoi_goal(3)
    plan = Planner(hanoi, "fast-downward-opt").plan(objects, state, goal)
    assert plan.engine == "fast-downward-opt"
    assert len(plan.operators) == 14  # 7 moves, each a pick and a place
    assert plan.operators[0] == Operator("pick", ("d1", "d2"))
    assert len(plan.predicted) == len(plan.operators)
    assert goal <= plan.predicted[-1]
    assert "(handempty)" in plan.predicted[-1] and "(holding d1)" in plan.predicted[0]
    assert plan.plan_time_s > 0


def test_auto_engine_is_optimal_on_small_scenes(hanoi: Domain) -> None:
    planner = Planner(hanoi)
    assert planner.engine_for(10) == "fast-downward-opt"
    assert planner.engine_for(11) == "fast-downward"
    assert Planner(hanoi, "pyperplan").engine_for(3) == "pyperplan"


def test_predicted_states_replay_with_predict(hanoi: Domain) -> None:
    objects, state = hanoi_scene(2)
    planner = Planner(hanoi)
    plan = planner.plan(objects, state, hanoi_goal(2, "middle"))
    current = frozenset(state)
    for operator, predicted in zip(plan.operators, plan.predicted):
        current = planner.predict(objects, current, operator)
        assert current == predicted


def test_blocks_4_tower(blocks: Domain) -> None:
    objects, state = blocks_scene(["blue", "green", "red", "yellow"])
    goal = {"(on red green)", "(on green blue)", "(on blue yellow)"}
    plan = Planner(blocks).plan(objects, state, goal)
    assert len(plan.operators) == 6
    assert goal <= plan.predicted[-1]


def test_sort_3(sort: Domain) -> None:
    objects, state = sort_scene(["blue1", "red1", "red2"], ["blue", "red"])
    goal = {"(in blue1 blue_bin)", "(in red1 red_bin)", "(in red2 red_bin)"}
    plan = Planner(sort).plan(objects, state, goal)
    assert [op.name for op in plan.operators] == ["pick", "drop"] * 3
    assert goal <= plan.predicted[-1]


def test_pyperplan_engine(blocks: Domain) -> None:
    objects, state = blocks_scene(["blue", "red"])
    plan = Planner(blocks, "pyperplan").plan(objects, state, {"(on red blue)"})
    assert plan.engine == "pyperplan"
    assert [str(op) for op in plan.operators] == ["(pickup red)", "(stack red blue)"]


def test_plans_are_deterministic(blocks: Domain) -> None:
    objects, state = blocks_scene(["blue", "green", "red", "yellow"])
    goal = {"(on red green)", "(on yellow blue)"}
    first = Planner(blocks).plan(objects, state, goal)
    second = Planner(blocks).plan(dict(reversed(objects.items())), sorted(state, reverse=True), sorted(goal))
    assert (first.operators, first.predicted) == (second.operators, second.predicted)


def test_satisfied_goal_gives_empty_plan(blocks: Domain) -> None:
    objects, state = blocks_scene(["red"])
    plan = Planner(blocks).plan(objects, state, {"(ontable red)"})
    assert isinstance(plan, Plan) and plan.operators == () and plan.predicted == ()


@pytest.mark.parametrize(
    ("goal", "message"),
    [
        ("(on d1 d9)", r"goal atom \(on d1 d9\): unknown object 'd9' \(objects: d1, d2, d3, left, middle, right\)"),
        ("(above d1 d2)",
         r"unknown predicate 'above' \(predicates: clear, fallen, handempty, holding, leaning, loose, on, smaller\)"),
        ("(on d1)", r"goal atom \(on d1\): takes 2 argument\(s\) \(disc, location\), got 1"),
        ("(on left d1)", r"argument 1 must be a disc, but 'left' is a peg"),
        ("on d1 d2", r"goal atom 'on d1 d2' is not of the form"),
    ],
)
def test_bad_goal_atoms(hanoi: Domain, goal: str, message: str) -> None:
    objects, state = hanoi_scene(3)
    with pytest.raises(GoalError, match=message):
        Planner(hanoi).plan(objects, state, {goal})


def test_bad_state_atom(hanoi: Domain) -> None:
    objects, state = hanoi_scene(3)
    with pytest.raises(GoalError, match=r"state atom \(on d4 left\): unknown object 'd4'"):
        Planner(hanoi).plan(objects, state | {"(on d4 left)"}, hanoi_goal(3))


def test_unknown_object_type(hanoi: Domain) -> None:
    with pytest.raises(GoalError, match="object 'red' has type 'block', which hanoi does not declare"):
        Planner(hanoi).plan({"red": "block"}, set(), set())


def test_unsolvable_goal(hanoi: Domain) -> None:
    objects, state = hanoi_scene(3)
    with pytest.raises(PlanningError, match=r"no plan reaches goal \(on d3 d1\): fast-downward-opt says UNSOLVABLE"):
        Planner(hanoi).plan(objects, state, {"(on d3 d1)"})


def test_bad_engine_name(hanoi: Domain) -> None:
    with pytest.raises(ConfigError, match=r"unknown planning engine 'lama'.*fast-downward-opt"):
        Planner(hanoi, "lama")


def test_predict(blocks: Domain) -> None:
    objects, state = blocks_scene(["blue", "red"])
    planner = Planner(blocks)
    after = planner.predict(objects, state, Operator.parse("(pickup red)"))
    assert after == {"(clear blue)", "(holding red)", "(ontable blue)"}
    assert planner.predict(objects, state, Operator.parse("(unstack red blue)")) is None
    with pytest.raises(GoalError, match="unknown action 'fly'"):
        planner.predict(objects, state, Operator("fly", ("red",)))
    with pytest.raises(GoalError, match=r"operator \(pickup red blue\): takes 1 argument"):
        planner.predict(objects, state, Operator("pickup", ("red", "blue")))


def test_operator_text_round_trip() -> None:
    assert str(Operator.parse(" ( place  d1   right ) ")) == "(place d1 right)"
    assert parse_atom("(handempty)") == ("handempty", ())
    with pytest.raises(GoalError, match="operator 'pick d1' is not of the form"):
        Operator.parse("pick d1")


ONE_TOWER = {"(on ?b1 ?b2)", "(on ?b2 ?b3)", "(on ?b3 ?b4)"}


@pytest.mark.parametrize("in_process", [True, False])
@pytest.mark.parametrize("engine", ["fast-downward-opt", "fast-downward"])
def test_goal_variables_leave_the_choice_to_the_planner(blocks: Domain, engine: str, in_process: bool) -> None:
    objects, state = blocks_scene(["blue", "green", "red", "yellow"])
    state = (state - {"(ontable red)", "(clear green)"}) | {"(on red green)"}  # one stack of two already
    plan = Planner(blocks, engine, in_process=in_process).plan(objects, state, ONE_TOWER)
    assert holds(ONE_TOWER, plan.predicted[-1])
    assert not holds(ONE_TOWER, state)
    if engine == "fast-downward-opt":
        assert len(plan.operators) == 4  # two blocks onto the standing stack, nothing moved twice


def test_a_goal_variable_binds_the_same_object_in_every_atom(blocks: Domain) -> None:
    objects, state = blocks_scene(["blue", "green", "red"])
    state = (state - {"(ontable red)", "(clear green)"}) | {"(on red green)"}
    plan = Planner(blocks).plan(objects, state, {"(on blue ?x)", "(on ?x green)"})
    assert [str(op) for op in plan.operators] == ["(pickup blue)", "(stack blue red)"]


def test_bad_goal_variables(hanoi: Domain, sort: Domain) -> None:
    objects, state = hanoi_scene(3)
    with pytest.raises(GoalError, match=r"goal atom \(on \?1 d2\): '\?1' is not a variable name"):
        Planner(hanoi).plan(objects, state, {"(on ?1 d2)"})
    objects, state = sort_scene(["red1"], ["red"])
    with pytest.raises(GoalError, match=r"goal variable \?x stands for objects of unrelated types bin, cube"):
        Planner(sort).plan(objects, state, {"(in ?x red_bin)", "(in red1 ?x)"})


def test_a_goal_variable_takes_the_most_specific_type(hanoi: Domain) -> None:
    # ?x is a location in (on d1 ?x) and a disc in (on ?x d3): a disc fits both
    objects, state = hanoi_scene(3)
    plan = Planner(hanoi).plan(objects, state, {"(on d1 ?x)", "(on ?x d3)", "(on d3 right)"})
    assert holds({"(on d1 d2)", "(on d2 d3)", "(on d3 right)"}, plan.predicted[-1])


def test_goal_variables_with_too_many_choices_are_refused(blocks: Domain) -> None:
    names = [f"b{i}" for i in range(7)]
    objects, state = blocks_scene(names)
    chain = {f"(on ?v{i} ?v{i + 1})" for i in range(6)}
    with pytest.raises(GoalError, match=r"7 variables .* leave 823,543 choices of objects"):
        Planner(blocks).plan(objects, state, chain)
