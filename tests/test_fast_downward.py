"""The in-process planning path: same plans as UP's Fast Downward, a cache that returns exactly those plans."""

import random
import re
from pathlib import Path

import pytest
import up_fast_downward
from test_planner import blocks_scene, hanoi_goal, hanoi_scene, sort_scene

from agent.planning.domain import Domain, domain_folder, load_domain
from agent.planning.fast_downward import LAMA_FIRST, UNSOLVABLE, FastDownward
from agent.planning.planner import Operator, Planner
from agent.planning.strips import StripsModel
from benchmarks.planning import blocks_problem
from envs.errors import PlanningError


def random_tower_goal(names: list[str], seed: int) -> set[str]:
    order = random.Random(seed).sample(names, len(names))
    return {f"(on {a} {b})" for a, b in zip(order, order[1:])}


@pytest.mark.parametrize("engine", ["fast-downward-opt", "fast-downward"])
def test_same_plans_and_predictions_as_up(hanoi: Domain, blocks: Domain, engine: str) -> None:
    sort = load_domain(domain_folder("sort"))
    names = ["blue", "green", "red", "white", "yellow"]
    problems = [
        (hanoi, *hanoi_scene(3), hanoi_goal(3)),
        (hanoi, *hanoi_scene(2), hanoi_goal(2, "middle")),
        (blocks, *blocks_scene(names), random_tower_goal(names, 0)),
        (blocks, *blocks_scene(names), random_tower_goal(names, 1)),
        (sort, *sort_scene(["blue1", "red1", "red2"], ["blue", "red"]),
         {"(in blue1 blue_bin)", "(in red1 red_bin)", "(in red2 red_bin)"}),
        # random start stacks with several optimal plans: ties must break as through UP
        *((blocks, p.objects, p.state, p.goal) for p in (blocks_problem(5, 0), blocks_problem(5, 1))),
    ]
    for domain, objects, state, goal in problems:
        fast = Planner(domain, engine).plan(objects, state, goal)
        reference = Planner(domain, engine, in_process=False).plan(objects, state, goal)
        assert (fast.operators, fast.predicted) == (reference.operators, reference.predicted)
        assert not fast.cached and fast.engine == engine


def test_cache_returns_the_same_plan_only_for_the_same_inputs(blocks: Domain) -> None:
    names = ["blue", "green", "red", "yellow"]
    objects, state = blocks_scene(names)
    goal = random_tower_goal(names, 3)
    planner = Planner(blocks)
    first = planner.plan(objects, state, goal)
    again = planner.plan(dict(reversed(objects.items())), sorted(state, reverse=True), sorted(goal))
    assert again.cached and not first.cached
    assert (again.operators, again.predicted) == (first.operators, first.predicted)
    # one step further along: a different state, so a new search, whose plan is the rest of the first one
    later = planner.plan(objects, first.predicted[1], goal)
    assert not later.cached and later.operators == first.operators[2:]
    other_goal = planner.plan(objects, state, {"(on red blue)"})
    assert not other_goal.cached and other_goal.operators == (Operator("pickup", ("red",)),
                                                              Operator("stack", ("red", "blue")))


def test_cache_is_bounded_and_can_be_off(blocks: Domain) -> None:
    objects, state = blocks_scene(["blue", "red"])
    planner = Planner(blocks, cache_size=1)
    planner.plan(objects, state, {"(on red blue)"})
    planner.plan(objects, state, {"(on blue red)"})  # pushes the first out
    assert not planner.plan(objects, state, {"(on red blue)"}).cached
    assert planner.plan(objects, state, {"(on red blue)"}).cached
    off = Planner(blocks, cache_size=0)
    off.plan(objects, state, {"(on red blue)"})
    assert not off.plan(objects, state, {"(on red blue)"}).cached


@pytest.mark.parametrize("engine", ["fast-downward-opt", "fast-downward"])
def test_unsolvable_goal_raises_in_process(hanoi: Domain, engine: str) -> None:
    objects, state = hanoi_scene(3)
    planner = Planner(hanoi, engine)
    for _ in range(2):  # failures are not cached
        with pytest.raises(PlanningError, match=rf"no plan reaches goal \(on d3 d1\): {engine} says UNSOLVABLE"):
            planner.plan(objects, state, {"(on d3 d1)"})


def test_lama_first_is_the_installed_drivers_alias() -> None:
    aliases = Path(up_fast_downward.__file__).parent / "downward" / "driver" / "aliases.py"
    text = aliases.read_text(encoding="utf-8")
    block = text[text.index('ALIASES["lama-first"]'):]
    block = block[: block.index("]\n") + 1]
    literals = [a or b for a, b in re.findall(r'"""(.*?)"""|"([^"]*)"', block, re.S)]
    assert literals[:2] == ["lama-first", "--search"]
    installed = "".join(literals[2:])
    assert "".join(installed.split()) == "".join(LAMA_FIRST.split())


def test_strips_model_predicts_like_ups_simulator(blocks: Domain) -> None:
    names = ["blue", "green", "red"]
    objects, state = blocks_scene(names)
    model = StripsModel.of(blocks.new_problem("check"))
    reference = Planner(blocks, in_process=False)
    current = frozenset(state)
    rng = random.Random(0)
    for _ in range(30):  # a random walk over applicable and inapplicable operators
        action = rng.choice(sorted(blocks.actions))
        args = tuple(rng.choice(names) for _ in blocks.actions[action])
        expected = reference.predict(objects, current, Operator(action, args))
        assert model.apply(current, action, args) == expected
        current = expected or current


def test_non_strips_domain_has_no_strips_model(tmp_path: Path) -> None:
    from unified_planning.io import PDDLReader

    pddl = tmp_path / "domain.pddl"
    pddl.write_text("""(define (domain lights) (:requirements :strips :conditional-effects)
      (:predicates (on) (bright))
      (:action toggle :parameters () :precondition (and)
        :effect (and (on) (when (on) (bright)))))""")
    assert StripsModel.of(PDDLReader().parse_problem(str(pddl))) is None


@pytest.mark.parametrize("engine", ["fast-downward-opt", "fast-downward"])
def test_domain_constants_and_goal_action(tmp_path: Path, engine: str) -> None:
    pddl = tmp_path / "domain.pddl"
    pddl.write_text("""(define (domain door) (:requirements :strips :typing) (:types room)
      (:constants hall - room)
      (:predicates (at ?r - room) (open))
      (:action unlock :parameters () :precondition (and) :effect (open))
      (:action go :parameters (?from - room ?to - room) :precondition (and (at ?from) (open))
        :effect (and (at ?to) (not (at ?from)))))""")
    planner = FastDownward(pddl)
    objects = {"Kitchen": "room", "cellar": "room"}
    result = planner.solve(objects, [("at", ("Kitchen",))], [("at", ("hall",)), ("at", ("cellar",))], engine)
    assert result.status in UNSOLVABLE  # one can be in one room at a time
    result = planner.solve(objects, [("at", ("Kitchen",))], [("at", ("hall",))], engine)
    assert result.status == "SOLVED"
    assert result.plan == (("unlock", ()), ("go", ("kitchen", "hall")))


@pytest.mark.parametrize("engine", ["fast-downward-opt", "fast-downward"])
def test_memoized_invariants_give_the_translators_own_task(blocks: Domain, engine: str) -> None:
    """Every SAS task translated with a reused parsed domain and invariants from the memo equals the one a
    fresh translator gives: the same goal from other states (an episode's replans) and other goals too
    (with the optimal engine's goal action, whose precondition the memo's key leaves out)."""
    from agent.planning import fd_invariants
    from agent.planning.atoms import parse_atom

    fast_downward = FastDownward(blocks.pddl_path)
    problems = [(blocks_problem(n, seed), blocks_problem(n, goal)) for n in (3, 4, 6) for seed in (0, 1, 2)
                for goal in (0, 3)]
    tasks = [fast_downward.task(p.objects, sorted(map(parse_atom, p.state)), sorted(map(parse_atom, g.goal)),
                                engine == "fast-downward-opt") for p, g in problems]
    # and a second domain through the same memo: Hanoi towers of three sizes, to each peg
    hanoi_fd = FastDownward(load_domain(domain_folder("hanoi")).pddl_path)
    for discs in (2, 3, 4):
        objects, state = hanoi_scene(discs)
        for peg in ("middle", "right"):
            tasks.append(hanoi_fd.task(objects, sorted(map(parse_atom, state)),
                                       sorted(map(parse_atom, hanoi_goal(discs, peg))), engine == "fast-downward-opt"))
    # goals with variables: the goal action gets parameters (their inequality bits join the memo's key)
    for n, seed in ((3, 0), (4, 1), (4, 2)):
        p = blocks_problem(n, seed)
        tasks.append(fast_downward.task(p.objects, sorted(map(parse_atom, p.state)),
                                        [("on", ("?a", "?b")), ("on", ("?b", "b00"))], True,
                                        {"?a": "block", "?b": "block"}))
    fresh = []
    for task in tasks:
        fd_invariants._found.clear()
        fresh.append(FastDownward(blocks.pddl_path).translate(*task))  # the domain comes with the task
    fd_invariants._found.clear()
    assert [fast_downward.translate(*task) for task in tasks] == fresh
    assert len(fd_invariants._found) < len(tasks)  # the memo answered some of them
    assert len(fast_downward._domains) < len(tasks)  # and parsed domains were reused


def test_invariant_key_leaves_out_only_a_goal_actions_precondition(blocks: Domain) -> None:
    """Goals of the optimal engine share one invariant search; an action whose atom something else reads
    is no goal action, and its precondition stays in the key."""
    import copy

    from agent.planning.atoms import parse_atom
    from agent.planning.fast_downward import _invariants_key

    fast_downward = FastDownward(blocks.pddl_path)
    domains = [fast_downward.task(p.objects, [], sorted(map(parse_atom, p.goal)), True)[0]
               for p in (blocks_problem(4, 0), blocks_problem(5, 1))]
    assert _invariants_key(domains[0]) == _invariants_key(domains[1]) != _invariants_key(fast_downward.domain)
    reading = copy.deepcopy(domains[0])
    first_action = next(block for block in reading if isinstance(block, list) and block[0] == ":action")
    first_action[first_action.index(":precondition") + 1].append(["goal0"])
    assert "<goal>" in _invariants_key(domains[0]) and "<goal>" not in _invariants_key(reading)


def test_a_timed_out_search_leaves_the_next_one_working(blocks: Domain) -> None:
    """A search killed at its time limit says TIMEOUT; the next ones (in its folder, emptied) plan and
    report their logs."""
    from agent.planning.atoms import parse_atom

    fast_downward = FastDownward(blocks.pddl_path)
    problem = blocks_problem(10)  # A* with LM-cut takes about half a second
    state, goal = sorted(map(parse_atom, problem.state)), sorted(map(parse_atom, problem.goal))
    assert fast_downward.solve(problem.objects, state, goal, "fast-downward-opt", timeout_s=0.05).status == "TIMEOUT"
    solved = fast_downward.solve(problem.objects, state, goal, "fast-downward")
    assert solved.status == "SOLVED" and solved.plan and "Solution found" in solved.log
    unsolvable = fast_downward.solve({"a": "block"}, [("handempty", ())], [("on", ("a", "a"))], "fast-downward")
    assert unsolvable.status in UNSOLVABLE and "unsolvable" in unsolvable.log


def test_waiting_search_process_is_started_ahead_and_ended(hanoi: Domain) -> None:
    from agent.planning import fd_search

    planner = Planner(hanoi, "fast-downward-opt", cache_size=0)
    first = planner.plan(*hanoi_scene(3), hanoi_goal(3))
    waiting = list(fd_search._waiting.values())
    assert waiting and all(w.process.poll() is None for w in waiting)
    assert planner.plan(*hanoi_scene(3), hanoi_goal(3)).operators == first.operators
    fd_search.discard_waiting()
    assert not fd_search._waiting and all(w.process.poll() is not None and not w.folder.exists() for w in waiting)


def test_a_forked_child_leaves_its_parents_waiting_searches_alone(hanoi: Domain) -> None:
    import os

    from agent.planning import fd_search

    Planner(hanoi, cache_size=0).plan(*hanoi_scene(2), hanoi_goal(2))
    waiting = list(fd_search._waiting.values())
    pid = os.fork()
    if pid == 0:  # the child ends its (empty) share and exits without touching the parent's
        fd_search.discard_waiting()
        os._exit(0)
    os.waitpid(pid, 0)
    assert waiting and all(w.process.poll() is None and w.folder.exists() for w in waiting)
