"""Our grounder and STRIPS encoding give the SAS task Fast Downward's translator gives, text for text.

The search reads only the SAS task, so the same text means the same plans, ties broken the same way.
Tasks come from random walks over the shipped domains (held blocks, half-moved towers, cubes in bins),
with both engines' encodings (the optimal one adds a goal action), goals with variables, and small
domains with what the shipped ones lack: constants, deletes of atoms that are no precondition, an atom
both added and deleted, actions without parameters, unreachable and statically false goals.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from agent.planning import strips_sas
from agent.planning.atoms import parse_atom
from agent.planning.domain import domain_folder, load_domain, variant_domain_folder
from agent.planning.fast_downward import FastDownward
from agent.planning.strips import StripsModel
from benchmarks.planning import blocks_problem, hanoi_problem

_Atom = tuple[str, tuple[str, ...]]


def assert_same_sas(fast_downward: FastDownward, objects: dict[str, str], state: list[_Atom], goal: list[_Atom],
                    variables: dict[str, str] | None = None) -> None:
    for goal_action in (True, False) if not variables else (True,):
        task = fast_downward.task(objects, state, goal, goal_action, variables)
        reference = fast_downward.translate(*task, grounder=False)
        assert fast_downward.translate(*task) == reference
        assert fast_downward.sas(objects, state, goal, goal_action, variables) == reference


def random_walk(folder: Path, objects: dict[str, str], state: set[str], steps: int, seed: int) -> set[str]:
    """A state ``steps`` random applicable operators away from ``state``."""
    domain = load_domain(folder)
    model = StripsModel.of(domain.new_problem("walk"))
    assert model is not None
    rng = random.Random(seed)
    current = frozenset(state)
    for _ in range(steps):
        options = []
        for name, params in sorted(domain.actions.items()):
            for _ in range(10):
                args = tuple(rng.choice(sorted(o for o, t in objects.items() if domain.is_subtype(t, kind)))
                             for _, kind in params)
                after = model.apply(current, name, args)
                if after is not None:
                    options.append(after)
        if options:
            current = rng.choice(options)
    return set(current)


def atoms(texts: set[str]) -> list[_Atom]:
    return sorted(map(parse_atom, texts))


@pytest.mark.parametrize("task", ["hanoi", "blocks"])
def test_shipped_domains_from_random_states(task: str) -> None:
    folder = domain_folder(task)
    fast_downward = FastDownward(folder / "domain.pddl")
    problems = ([hanoi_problem(n) for n in (2, 3, 4, 5)] if task == "hanoi"
                else [blocks_problem(n, seed) for n in (3, 5, 7, 10) for seed in (0, 1)])
    for seed, problem in enumerate(problems):
        for steps in (0, 3, 8):
            state = random_walk(folder, dict(problem.objects), set(problem.state), steps, seed)
            assert_same_sas(fast_downward, dict(problem.objects), atoms(state), atoms(set(problem.goal)))


def test_sort_and_the_variant_domains() -> None:
    sort = FastDownward(domain_folder("sort") / "domain.pddl")
    objects = {"blue1": "cube", "red1": "cube", "red2": "cube", "blue_bin": "bin", "red_bin": "bin"}
    goal = atoms({"(in blue1 blue_bin)", "(in red1 red_bin)", "(in red2 red_bin)"})
    assert_same_sas(sort, objects, atoms({"(ontable blue1)", "(ontable red1)", "(ontable red2)", "(handempty)"}), goal)
    # red1 already in the wrong bin: the goal is not even relaxed reachable
    assert_same_sas(sort, objects, atoms({"(ontable blue1)", "(in red1 blue_bin)", "(ontable red2)", "(handempty)"}),
                    goal)
    problem = hanoi_problem(3)
    unruled = FastDownward(variant_domain_folder("hanoi") / "domain.pddl")
    assert_same_sas(unruled, dict(problem.objects), atoms(set(problem.state)), atoms(set(problem.goal)))
    problem = blocks_problem(5, 2)
    properties = FastDownward(variant_domain_folder("blocks") / "domain.pddl")
    state = set(problem.state) | {"(smaller b00 b01)", "(round b02)", "(heavy b03)"}
    assert_same_sas(properties, dict(problem.objects), atoms(state), atoms(set(problem.goal)))


def test_goals_with_variables() -> None:
    problem = blocks_problem(4, 1)
    fast_downward = FastDownward(domain_folder("blocks") / "domain.pddl")
    goal = [("on", ("?a", "?b")), ("on", ("?b", "b02")), ("ontable", ("b02",))]
    assert_same_sas(fast_downward, dict(problem.objects), atoms(set(problem.state)), goal,
                    {"?a": "block", "?b": "block"})


def test_small_domains_with_what_the_shipped_ones_lack(tmp_path: Path) -> None:
    pddl = tmp_path / "domain.pddl"
    pddl.write_text("""(define (domain rooms) (:requirements :strips :typing)
      (:types place - object room - place)
      (:constants hall - room)
      (:predicates (at ?r - place) (open) (lit ?r - room) (seen ?r - room) (linked ?a ?b - place))
      (:action unlock :parameters () :precondition (and) :effect (open))
      (:action switch :parameters (?r - room) :precondition (open)
        :effect (and (lit ?r) (not (seen ?r))))
      (:action look :parameters (?r - room) :precondition (and (at ?r) (lit ?r))
        :effect (and (seen ?r) (not (lit ?r)) (lit ?r)))
      (:action go :parameters (?from ?to - place) :precondition (and (at ?from) (open) (linked ?from ?to))
        :effect (and (at ?to) (not (at ?from)) (not (open)))))""")
    assert_plain = FastDownward(pddl)
    objects = {"kitchen": "room", "cellar": "room", "yard": "place"}
    state = atoms({"(at kitchen)", "(linked kitchen hall)", "(linked hall cellar)", "(linked cellar yard)"})
    for goal in ({"(seen cellar)", "(at yard)"}, {"(seen hall)"}, {"(at kitchen)", "(linked kitchen hall)"},
                 {"(linked yard kitchen)"}):  # the last is static and false
        assert_same_sas(assert_plain, objects, state, atoms(goal))


def test_only_plain_strips_takes_the_grounder(tmp_path: Path) -> None:
    from fast_downward.translate import normalize

    def normalised(fast_downward: FastDownward, objects: dict[str, str], goal: list[_Atom]) -> object:
        domain, problem = fast_downward.task(objects, [], goal, False)
        task = fast_downward._parse_task(repr(domain), domain, problem)
        normalize.normalize(task)
        return task

    blocks = FastDownward(domain_folder("blocks") / "domain.pddl")
    assert strips_sas.usable(normalised(blocks, {"a": "block"}, [("holding", ("a",))]))
    pddl = tmp_path / "domain.pddl"
    pddl.write_text("""(define (domain switch) (:requirements :strips :negative-preconditions)
      (:predicates (on ?x) (off ?x))
      (:action flip :parameters (?x) :precondition (not (on ?x)) :effect (and (on ?x) (not (off ?x)))))""")
    negative = FastDownward(pddl)
    assert not strips_sas.usable(normalised(negative, {"a": "object"}, [("on", ("a",))]))
    assert_same_sas(negative, {"a": "object"}, [("off", ("a",))], [("on", ("a",))])
    # an action of four parameters over 20 objects: 160,000 bindings, more than the grounder enumerates
    wide = tmp_path / "wide.pddl"
    wide.write_text("""(define (domain wide) (:requirements :strips :typing) (:types t)
      (:predicates (p ?a ?b ?c ?d - t) (q ?a - t))
      (:action go :parameters (?a ?b ?c ?d - t) :precondition (q ?a) :effect (p ?a ?b ?c ?d)))""")
    many = {f"o{i}": "t" for i in range(20)}
    assert not strips_sas.usable(normalised(FastDownward(wide), many, [("q", ("o1",))]))


@pytest.mark.parametrize("task", ["hanoi", "blocks"])
def test_kept_groundings_and_encodings_give_the_translators_task(task: str) -> None:
    """One translator over many states of the same objects (an agent's replans and new episodes) answers
    from its kept bindings, encodings and finished tasks, and each task is still the translator's."""
    folder = domain_folder(task)
    fast_downward = FastDownward(folder / "domain.pddl")
    problem = hanoi_problem(4) if task == "hanoi" else blocks_problem(6, 0)
    goals = [set(problem.goal), {"(on d1 d2)", "(on d2 middle)"} if task == "hanoi" else set(blocks_problem(6, 1).goal)]
    calls = 0
    for seed in range(5):
        state = random_walk(folder, dict(problem.objects), set(problem.state), 2 * seed, seed)
        for goal in goals:
            assert_same_sas(fast_downward, dict(problem.objects), atoms(state), atoms(goal))
            calls += 2
    encoder = fast_downward._encoder
    finished = sum(len(encoding._finished) for encoding in encoder._encodings.values())
    assert len(encoder.grounder._bindings) < calls and len(encoder._encodings) < calls and finished < calls


@pytest.mark.parametrize("task", ["hanoi", "blocks"])
def test_first_plans_from_a_kept_encoding_equal_fresh_translations(task: str) -> None:
    """With the optimal engine every goal is a new lifted task (the goal action holds it). A translator that
    keeps the domain's part per objects encodes it once and adds each goal's variable and operators: its
    task is a fresh translator's, text for text, and so is its plan, goal after goal."""
    folder = domain_folder(task)
    kept = FastDownward(folder / "domain.pddl")
    problem = hanoi_problem(4) if task == "hanoi" else blocks_problem(5, 0)
    goals = ([set(problem.goal), {"(on d1 d2)", "(on d2 middle)"}, {"(on d4 middle)"}, {"(on d3 right)", "(clear d1)"}]
             if task == "hanoi" else [set(blocks_problem(5, seed).goal) for seed in range(1, 5)]
             # two goals on the same blocks' places: the second reuses the first's variable order
             + [{"(on b00 b01)", "(on b02 b03)"}, {"(on b00 b03)", "(on b02 b01)"}])
    state = atoms(set(problem.state))
    for goal in goals:
        fresh = FastDownward(folder / "domain.pddl")
        reference = fresh.translate(*fresh.task(problem.objects, state, atoms(goal), True), grounder=False)
        assert kept.sas(problem.objects, state, atoms(goal), True) == reference
        plan = kept.solve(problem.objects, state, atoms(goal), "fast-downward-opt")
        fresh_plan = fresh.search(reference, "fast-downward-opt")
        assert plan.status == fresh_plan.status == "SOLVED"
        assert plan.plan == fresh_plan.plan[:-1] and fresh_plan.plan[-1][0] == "reach_goal0"
    # one grounding and one encoding of the domain's part served every goal
    encoder = kept._encoder
    assert len(encoder.grounder._bindings) == 1 and len(encoder._encodings) == 1
    if task == "blocks":
        renamed = [r for encoding in encoder._encodings.values() for r in encoding._renamed.values()]
        assert sum(len(r.orders) for r in renamed) < len(goals)


def test_renamed_objects_give_the_translators_task_for_the_real_names() -> None:
    """Objects are renamed in the order of their names (``agent.planning.canonical``), so a scene with other
    names but the same shape reuses the kept encoding; the text is still the translator's for the real
    names, also where names are prefixes of one another or mix types (a space or ``)`` ends a name in an
    operator's name, and both sort below every character of a name)."""
    sort = FastDownward(domain_folder("sort") / "domain.pddl")
    renamed_sort = FastDownward(domain_folder("sort") / "domain.pddl")  # planning only through ``sas``
    # cubes and bins whose names interleave differently: sort's arguments are leaf types, so only the order
    # within each type is kept, and the three scenes share one renaming
    scenes = [{"red": "cube", "red1": "cube", "red-2": "cube", "red_bin": "bin", "r": "bin"},
              {"blue1": "cube", "blue_bin": "bin", "blue": "cube", "b": "cube", "b1": "bin"},
              {"a1": "cube", "a10": "cube", "a2": "cube", "a_bin": "bin", "a1bin": "bin"},
              {"z1": "cube", "z2": "cube", "y": "cube", "a_bin": "bin", "b_bin": "bin"}]
    for objects in scenes:
        cubes = sorted(name for name, kind in objects.items() if kind == "cube")
        bins = sorted(name for name, kind in objects.items() if kind == "bin")
        state = atoms({"(handempty)", *(f"(ontable {cube})" for cube in cubes)})
        goal = atoms({f"(in {cube} {bins[i % 2]})" for i, cube in enumerate(cubes)})
        assert_same_sas(sort, objects, state, goal)
        for goal_action in (True, False):
            assert renamed_sort.sas(objects, state, goal, goal_action) == sort.translate(
                *sort.task(objects, state, goal, goal_action), grounder=False)
        state = atoms({"(handempty)", f"(in {cubes[0]} {bins[1]})", f"(holding {cubes[1]})", f"(loose {cubes[2]})"})
        assert_same_sas(sort, objects, state, goal)
    assert len(renamed_sort._encoder.grounder._bindings) == 2
    blocks = FastDownward(domain_folder("blocks") / "domain.pddl")
    renamed = FastDownward(domain_folder("blocks") / "domain.pddl")  # planning only through ``sas``
    for names in (["red", "red1", "red10", "red2", "re"], ["pink", "blue", "green", "cyan", "orange"],
                  ["x-1", "x_1", "x1", "x", "x-"]):
        objects = {name: "block" for name in names}
        state = atoms({"(handempty)", *(f"(ontable {name})" for name in names[1:]), f"(on {names[0]} {names[1]})",
                       *(f"(clear {name})" for name in [names[0], *names[2:]])})
        goal = atoms({f"(on {top} {bottom})" for top, bottom in zip(names[2:], names[1:])})
        assert_same_sas(blocks, objects, state, goal)
        for goal_action in (True, False):
            assert renamed.sas(objects, state, goal, goal_action) == blocks.translate(
                *blocks.task(objects, state, goal, goal_action), grounder=False)
    # the three scenes share one grounding and encoding of the domain's part (one without the goal action)
    assert len(renamed._encoder.grounder._bindings) == 2 and len(renamed._encoder._encodings) == 2
    # names that could be taken for canonical ones are not renamed, and give the translator's task too
    assert_same_sas(blocks, {"o001": "block", "o000": "block"}, atoms({"(handempty)", "(ontable o000)",
                                                                        "(on o001 o000)", "(clear o001)"}),
                    atoms({"(on o000 o001)"}))
