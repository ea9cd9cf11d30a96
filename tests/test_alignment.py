"""The alignment learner, step by step, on hand-made transition logs (no simulation): classification,
precondition and effect repairs, noise, the aligned domain written and read back, and the plan check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.alignment.learner import (
    ADD_EFFECT,
    DROP_ADD_EFFECT,
    DROP_PRECONDITION,
    PRECONDITION,
    Literal,
    learn,
)
from agent.alignment.mismatch import (
    MATCH,
    MISSING_PRECONDITION,
    PRECONDITION_TOO_STRONG,
    WRONG_EFFECT,
    classify,
)
from agent.alignment.mpc import Aligner
from agent.alignment.plan_check import check_plan
from agent.alignment.transitions import Transition, append_log, read_log
from agent.alignment.writer import write_aligned_domain
from agent.planning.domain import Domain, load_domain, variant_domain_folder
from agent.planning.planner import Operator, Planner
from envs.errors import ConfigError, PlanningError

BLOCKS = ("a", "b", "s", "t")  # a, b large; s, t small
OBJECTS = tuple((name, "block") for name in BLOCKS)
SMALLER = frozenset(f"(smaller {x} {y})" for x in "st" for y in "ab")


@pytest.fixture(scope="module")
def domain() -> Domain:
    return load_domain(variant_domain_folder("blocks"), task="blocks")


@pytest.fixture(scope="module")
def planner(domain: Domain) -> Planner:
    return Planner(domain)


def on_table(*names: str) -> set[str]:
    return {f"(ontable {n})" for n in names} | {f"(clear {n})" for n in names}


def stack(x: str, y: str, ok: bool, statics: frozenset[str] = SMALLER, source: str = "test") -> Transition:
    """``(stack x y)`` from a scene where everything else stands alone on the table; a failure leaves x on
    the table beside y, as a block that toppled off does."""
    rest = [n for n in BLOCKS if n not in (x, y)]
    before = {f"(holding {x})"} | on_table(y, *rest) | statics
    if ok:
        after = {f"(on {x} {y})", f"(clear {x})", "(handempty)", f"(ontable {y})"} | on_table(*rest) | statics
    else:
        after = {"(handempty)"} | on_table(x, y, *rest) | statics
    return Transition(OBJECTS, frozenset(before), f"(stack {x} {y})", frozenset(after), ok, source)


def classified(planner: Planner, transitions: list[Transition]) -> list:
    return [classify(planner, t) for t in transitions]


def test_classify_sorts_the_four_cases(planner: Planner) -> None:
    good = stack("s", "a", True)
    assert classify(planner, good).kind == MATCH
    assert classify(planner, stack("a", "s", False)).kind == MISSING_PRECONDITION
    # the skill succeeded but the scene differs from the prediction: an effect is wrong
    odd = Transition(OBJECTS, good.before, good.operator, good.after - {"(clear s)"}, True)
    assert classify(planner, odd).kind == WRONG_EFFECT
    # pickup of a block that is not on the table: the domain says inapplicable, the skill managed it
    before = frozenset({"(on s a)", "(clear s)", "(handempty)", "(ontable a)"} | on_table("b", "t"))
    after = frozenset({"(holding s)", "(clear a)", "(ontable a)"} | on_table("b", "t"))
    lifted = Transition(OBJECTS, before, "(pickup s)", after, True)
    assert classify(planner, lifted).kind == PRECONDITION_TOO_STRONG
    assert classify(planner, Transition(OBJECTS, before, "(pickup s)", before, False)).kind == MATCH


def test_learns_place_only_onto_something_not_smaller(domain: Domain, planner: Planner) -> None:
    log = [stack("s", "a", True), stack("a", "b", True), stack("s", "t", True), stack("t", "b", True),
           stack("a", "s", False), stack("b", "t", False), stack("a", "t", False)]
    learned = learn(domain, classified(planner, log))
    assert [(r.action, r.kind, str(r.literal)) for r in learned.rules] == [
        ("stack", PRECONDITION, "(not (smaller ?y ?x))")]
    rule = learned.rules[0]
    assert rule.explains == (4, 5, 6) and rule.successes == 4
    assert rule.describe() == "(stack ?x ?y) only when (not (smaller ?y ?x))"
    assert learned.unexplained == []


def test_prefers_the_rule_that_forbids_least(domain: Domain, planner: Planner) -> None:
    """Seen only small-on-large successes, "(smaller ?x ?y)" also explains the failures, but it would forbid
    stacking equal sizes, which nothing showed to fail."""
    log = [stack("s", "a", True), stack("t", "b", True), stack("a", "s", False), stack("b", "t", False)]
    (rule,) = learn(domain, classified(planner, log)).rules
    assert str(rule.literal) == "(not (smaller ?y ?x))"


def test_a_skill_that_fails_once_by_accident_creates_no_rule(domain: Domain, planner: Planner) -> None:
    plain = frozenset()  # the unchanged world: no size relations at all
    log = [stack(x, y, True, plain) for x, y in (("a", "b"), ("s", "t"), ("b", "a"), ("t", "s"))]
    log.append(stack("a", "s", False, plain))  # same kind of state as the successes: nothing explains it
    learned = learn(domain, classified(planner, log))
    assert learned.rules == [] and learned.unexplained == [4]
    # one failure that a literal would explain is still not enough ...
    noisy = [stack("s", "a", True), stack("t", "b", True), stack("a", "s", False)]
    assert learn(domain, classified(planner, noisy)).rules == []
    # ... which is what the support threshold guards
    assert len(learn(domain, classified(planner, noisy), min_support=1).rules) == 1


def test_a_repair_that_contradicts_a_logged_success_is_rejected(domain: Domain, planner: Planner) -> None:
    log = [stack("s", "a", True), stack("b", "t", True),  # a large block stayed on a small one once
           stack("a", "s", False), stack("b", "s", False)]
    learned = learn(domain, classified(planner, log))
    assert all("smaller" not in str(r.literal) for r in learned.rules)


def test_no_successes_no_rule(domain: Domain, planner: Planner) -> None:
    log = [stack("a", "s", False), stack("b", "t", False)]
    learned = learn(domain, classified(planner, log))
    assert learned.rules == [] and learned.unexplained == [0, 1]


def test_drops_a_precondition_that_successes_violate(domain: Domain, planner: Planner) -> None:
    log = []
    for x, y in (("s", "a"), ("t", "b")):
        rest = [n for n in BLOCKS if n not in (x, y)]
        before = frozenset({f"(on {x} {y})", f"(clear {x})", "(handempty)", f"(ontable {y})"} | on_table(*rest))
        after = frozenset({f"(holding {x})", f"(clear {y})", f"(ontable {y})"} | on_table(*rest))
        log.append(Transition(OBJECTS, before, f"(pickup {x})", after, True))
    rules = learn(domain, classified(planner, log)).rules
    assert [(r.action, r.kind, str(r.literal)) for r in rules] == [("pickup", DROP_PRECONDITION, "(ontable ?x)")]


def test_learns_effects_from_observed_differences(domain: Domain, planner: Planner) -> None:
    """A world where putting a block down paints it round and leaves it looking covered."""
    log = []
    for x in ("a", "s", "t"):
        rest = [n for n in BLOCKS if n != x]
        before = frozenset({f"(holding {x})"} | on_table(*rest))
        after = frozenset({f"(ontable {x})", f"(round {x})", "(handempty)"} | on_table(*rest))
        log.append(Transition(OBJECTS, before, f"(putdown {x})", after, True))
    c = classified(planner, log)
    assert {x.kind for x in c} == {WRONG_EFFECT}
    rules = {(r.kind, str(r.literal)) for r in learn(domain, c).rules}
    assert rules == {(ADD_EFFECT, "(round ?x)"), (DROP_ADD_EFFECT, "(clear ?x)")}
    # a single such success is not enough to rewrite the action
    assert learn(domain, c[:1]).rules == []


def test_aligned_domain_is_valid_pddl_and_plans_around_the_rule(domain: Domain, planner: Planner,
                                                                 tmp_path: Path) -> None:
    log = [stack("s", "a", True), stack("a", "b", True), stack("a", "s", False), stack("b", "t", False)]
    rules = learn(domain, classified(planner, log)).rules
    aligned = write_aligned_domain(domain, rules, tmp_path / "aligned")
    text = (tmp_path / "aligned" / "domain.pddl").read_text()
    assert ":negative-preconditions" in text and "(not (smaller ?y ?x))" in text
    assert (tmp_path / "aligned" / "binding.yaml").is_file()
    assert json.loads((tmp_path / "aligned" / "rules.json").read_text())[0]["literal"] == "(not (smaller ?y ?x))"
    assert "(stack ?x ?y) only when (not (smaller ?y ?x))" in (tmp_path / "aligned" / "rules.txt").read_text()
    objects = dict(OBJECTS)
    state = on_table(*BLOCKS) | {"(handempty)"} | SMALLER
    with pytest.raises(PlanningError):
        Planner(aligned).plan(objects, state, ["(on a s)"])
    plan = Planner(aligned).plan(objects, state, ["(on s a)", "(on a b)"])
    assert [str(op) for op in plan.operators][-1] == "(stack s a)"
    # the plan the shipped domain makes for a goal the world forbids fails the check in the aligned model
    bad = planner.plan(objects, state, ["(on a s)"])
    why = check_plan(Planner(aligned), objects, state, bad.operators, ["(on a s)"])
    assert why == "the model predicts (stack a s) inapplicable"
    assert check_plan(Planner(aligned), objects, state, plan.operators, ["(on s a)", "(on a b)"]) == ""
    assert "ends without (on a b)" in check_plan(Planner(aligned), objects, state, plan.operators[:1], ["(on a b)"])


def test_one_tower_in_any_order_is_where_the_rule_matters(domain: Domain, planner: Planner, tmp_path: Path) -> None:
    """The evaluation goal: both domains reach it, but only the aligned one with moves the world allows."""
    log = [stack("s", "a", True), stack("a", "b", True), stack("a", "s", False), stack("b", "t", False)]
    aligned = Planner(write_aligned_domain(domain, learn(domain, classified(planner, log)).rules, tmp_path / "al"))
    objects = dict(OBJECTS)
    # two stacks as a start scene has them, large below small: s on a, t on b
    state = {"(on s a)", "(on t b)", "(ontable a)", "(ontable b)", "(clear s)", "(clear t)", "(handempty)"} | SMALLER
    tower = ["(on ?b1 ?b2)", "(on ?b2 ?b3)", "(on ?b3 ?b4)"]
    shipped = planner.plan(objects, state, tower)
    # the fewest moves put a large cube on a small one
    assert any(op.name == "stack" and op.args[0] in "ab" and op.args[1] in "st" for op in shipped.operators)
    plan = aligned.plan(objects, state, tower)
    assert check_plan(aligned, objects, state, plan.operators, tower) == ""
    assert "inapplicable" in check_plan(aligned, objects, state, shipped.operators, tower)
    on = [op.args for op in plan.operators if op.name == "stack"]
    assert all(f"(smaller {y} {x})" not in SMALLER for x, y in on)


def test_aligner_repairs_the_model_online(domain: Domain, tmp_path: Path) -> None:
    aligner = Aligner(domain, "auto", tmp_path / "aligned", tmp_path / "log.jsonl")
    assert not aligner.observe(stack("s", "a", True))
    assert not aligner.observe(stack("a", "s", False))  # one failure: not yet a rule
    assert aligner.domain is domain
    assert aligner.observe(stack("b", "t", False))
    assert [str(r.literal) for r in aligner.rules] == ["(not (smaller ?y ?x))"]
    assert aligner.domain.folder == tmp_path / "aligned"
    assert len(read_log(tmp_path / "log.jsonl")) == 3


def test_transition_log_round_trip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    transitions = [stack("s", "a", True, source="iteration 1 seed 0"), stack("a", "s", False)]
    append_log(path, transitions)
    assert read_log(path) == transitions
    path.write_text(path.read_text() + "{not json\n")
    with pytest.raises(ConfigError, match=r"log.jsonl:3: not JSON"):
        read_log(path)
    path.write_text(json.dumps({"objects": {}, "before": []}) + "\n")
    with pytest.raises(ConfigError, match=r"log.jsonl:1: missing key 'operator'"):
        read_log(path)


def test_literal_text_round_trip() -> None:
    for text in ("(smaller ?y ?x)", "(not (round ?y))", "(handempty)"):
        assert str(Literal.parse(text)) == text
    assert Literal.parse("(not (round ?y))").holds(frozenset({"(round b)"}), {"?y": "a"})
    assert Operator.parse("(stack a b)").args == ("a", "b")
