"""Planning speed: the agent's planning calls against plain UP Fast Downward on the same problems, in one run.

    python -m benchmarks.planning [--quick]

Two sets of problems:

- **fresh**: Hanoi 3 to 8 discs (the tower from ``left`` to ``right``) and blocks 4 to 20 (random start
  stacks to a tower in random order, seeded). The agent's planner runs with its cache off, so each call
  is what the agent pays the first time it meets a problem.
- **episodes**: the planning calls that ``nesy run --goal oracle`` episodes really make (first plans and
  any replans), recorded from real episodes and replayed in order through one planner, as one run does;
  its cache is kept across the calls, so a problem met again (every Hanoi episode starts from the same
  tower) is a cache hit. Undisturbed episodes rarely replan, so a few blocks episodes have their first
  stacked block knocked off behind the agent's back, to time real replanning calls too.

The baseline is ``OneshotPlanner(name=engine).solve(problem)`` on the UP problem of the same inputs, with
the engine ``--planner auto`` picks (A* with LM-cut up to 10 objects, else lama-first), timed around
``solve`` alone. The agent's time is the whole ``Planner.plan`` call: input checks, cache look-up,
translation, search, the step-by-step check and the predicted states. The planner keeps groundings and
encodings per objects across calls (not plans: its cache is off), so a problem's later calls reuse them;
``fresh problems: speed-up (median)`` and ``(largest)`` time each problem's first call alone; ``fresh problems:
speed-up, later calls`` is the median of all its calls. Every agent plan is validated with
UP's ``PlanValidator`` and its length compared with UP's plan. ``episode calls: speed-up (median)`` leaves
cache hits out (they are listed apart): it says what planning costs, not how often problems repeat. A
second baseline is the ``downward`` search binary alone, started afresh on the agent's own SAS task as
Fast Downward's driver starts it: how close the agent's whole call comes to the search itself.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from benchmarks import Row, median_row, run_as_script

if TYPE_CHECKING:
    from agent.planning.planner import Plan, Planner

PEGS = ("left", "middle", "right")


@dataclass(frozen=True)
class Problem:
    """One planning call's inputs."""

    task: str
    label: str
    objects: Mapping[str, str]
    state: frozenset[str]
    goal: frozenset[str]


def hanoi_problem(discs: int) -> Problem:
    """The full tower on ``left`` (d1 smallest on top), to be moved to ``right``."""
    names = [f"d{i}" for i in range(1, discs + 1)]
    below = [*names[1:], "left"]
    places = [*names, *PEGS]
    state = {f"(on {d} {x})" for d, x in zip(names, below)} | {"(clear d1)", "(clear middle)", "(clear right)",
                                                               "(handempty)"}
    state |= {f"(smaller {d} {x})" for i, d in enumerate(names) for x in places[i + 1:]}
    goal = {f"(on {d} {x})" for d, x in zip(names, [*names[1:], "right"])}
    objects = {d: "disc" for d in names} | {p: "peg" for p in PEGS}
    return Problem("hanoi", f"hanoi {discs}", objects, frozenset(state), frozenset(goal))


def blocks_problem(count: int, seed: int = 0) -> Problem:
    """Random start stacks (each block on the table or on a random earlier stack), goal a tower in random order."""
    rng = random.Random(seed)
    names = [f"b{i:02d}" for i in range(count)]
    stacks: list[list[str]] = []
    for name in rng.sample(names, count):
        if stacks and rng.random() < 0.5:
            rng.choice(stacks).append(name)
        else:
            stacks.append([name])
    state = {"(handempty)"}
    for stack in stacks:
        state |= {f"(ontable {stack[0]})", f"(clear {stack[-1]})"}
        state |= {f"(on {top} {bottom})" for bottom, top in zip(stack, stack[1:])}
    order = rng.sample(names, count)
    goal = {f"(on {top} {bottom})" for top, bottom in zip(order, order[1:])}
    return Problem("blocks", f"blocks {count}", {n: "block" for n in names}, frozenset(state), frozenset(goal))


def fresh_problems(quick: bool) -> list[Problem]:
    if quick:
        return [hanoi_problem(3), blocks_problem(4)]
    return [*(hanoi_problem(n) for n in range(3, 9)), *(blocks_problem(n) for n in (4, 6, 8, 10, 12, 16, 20))]


def record_episode_calls(task: str, size: int, seeds: Iterable[int], disturb: bool = False) -> list[Problem]:
    """Run ``nesy run --goal oracle`` episodes and return every planning call they make, in order; each
    problem's label says whether it is an episode's first plan or a replan. With ``disturb`` the first
    block stacked in each episode is knocked to the table behind the agent's back, as in
    ``tests/test_agent.py``, so the agent replans from a state it never predicted."""
    from agent.execution.episode import run_episode
    from agent.planning.planner import Planner
    from agent.runs.config import RunConfig
    from agent.runs.runner import resolve_domain
    from envs.task_env import TaskEnv
    from policies import scripted

    config = RunConfig(task=task, size=size, goal="oracle", controller="scripted")
    domain = resolve_domain(config)
    calls: list[Problem] = []
    first = [True]

    class RecordingPlanner(Planner):
        def plan(self, objects, state, goal):  # type: ignore[no-untyped-def]
            kind = "first plan" if first[0] else "replan"
            first[0] = False
            calls.append(Problem(task, f"{task} {size} {kind}", dict(objects), frozenset(state), frozenset(goal)))
            return super().plan(objects, state, goal)

    planner = RecordingPlanner(domain, config.planner)
    env = TaskEnv(task, size)
    place = scripted.SKILLS["place"]
    try:
        for seed in seeds:
            first[0] = True
            if disturb:
                scripted.SKILLS["place"] = _knocking(place)
            run_episode(env, domain, planner, config, seed)
    finally:
        scripted.SKILLS["place"] = place
        env.close()
    return calls


def _knocking(place):  # type: ignore[no-untyped-def]
    """The place skill, except that the first block it stacks is then set down on a free spot of the table."""
    from envs.scenes.base import CUBE_HALF
    from envs.simulation import TABLE_TOP_Z
    from policies.placement import TABLE, placement

    knocked = []

    def knocking_place(env, args, step_budget):  # type: ignore[no-untyped-def]
        result = place(env, args, step_budget)
        name, target = args
        if not knocked and target != TABLE and result.success:
            x, y = placement(env, env.world(), name, TABLE).xy
            env.sim.set_pose(name, (x, y, TABLE_TOP_Z + CUBE_HALF))
            env.sim.step(30)
            knocked.append(name)
        return result

    return knocking_place


class Comparison:
    """Times the agent's planner and UP's planner on problems and checks the agent's plans with UP."""

    def __init__(self) -> None:
        from agent.planning.domain import domain_folder, load_domain
        from envs.scenes import TASKS

        self.domains = {task: load_domain(domain_folder(task)) for task in TASKS}
        self.valid = 0
        self.checked = 0
        self.same_length = 0
        self.different: list[str] = []

    def agent(self, planner: Planner, problem: Problem) -> tuple[float, Plan]:
        """The agent's whole planning call."""
        start = time.perf_counter()
        plan = planner.plan(problem.objects, problem.state, problem.goal)
        return time.perf_counter() - start, plan

    def up(self, problem: Problem) -> tuple[float, list[str]]:
        """Plain UP: ``OneshotPlanner(name=engine).solve`` on the same inputs."""
        from unified_planning.shortcuts import MinimizeSequentialPlanLength, OneshotPlanner

        from agent.planning.planner import Planner, format_atom

        reference = Planner(self.domains[problem.task])
        up_problem = reference.up_problem(problem.objects, problem.state, problem.goal)
        engine = reference.engine_for(len(problem.objects))
        if engine.endswith("-opt"):
            up_problem.add_quality_metric(MinimizeSequentialPlanLength())
        with OneshotPlanner(name=engine) as solver:
            start = time.perf_counter()
            result = solver.solve(up_problem, output_stream=None)
            elapsed = time.perf_counter() - start
        return elapsed, [format_atom(a.action.name, (p.object().name for p in a.actual_parameters))
                         for a in result.plan.actions]

    def search_binary(self, planner: Planner, problem: Problem) -> float:
        """The ``downward`` search binary alone, started afresh as Fast Downward's driver starts it, on the
        SAS task of the agent's call (translated beforehand, untimed): the floor an in-process planner
        that still translates in Python can approach."""
        import subprocess
        import tempfile

        from agent.planning.atoms import parse_atom
        from agent.planning.fast_downward import SEARCH_CONFIGS, FastDownward

        engine = planner.engine_for(len(problem.objects))
        fast_downward = FastDownward(planner.domain.pddl_path)
        task = fast_downward.task(problem.objects, sorted(map(parse_atom, problem.state)),
                                  sorted(map(parse_atom, problem.goal)), engine == "fast-downward-opt")
        sas = fast_downward.translate(*task)
        with tempfile.TemporaryDirectory(prefix="nesy-bench-") as folder:
            command = [str(fast_downward.binary), "--search", SEARCH_CONFIGS[engine], "--internal-plan-file",
                       f"{folder}/plan"]
            start = time.perf_counter()
            subprocess.run(command, input=sas, capture_output=True, text=True, cwd=folder, check=True)
            return time.perf_counter() - start

    def check(self, problem: Problem, plan: Plan, up_plan: list[str]) -> None:
        """Validate the agent's plan with UP's validator; compare it with UP's plan."""
        from unified_planning.engines import ValidationResultStatus
        from unified_planning.plans import ActionInstance, SequentialPlan
        from unified_planning.shortcuts import PlanValidator

        from agent.planning.planner import Planner

        up_problem = Planner(self.domains[problem.task]).up_problem(problem.objects, problem.state, problem.goal)
        actions = [ActionInstance(up_problem.action(op.name), tuple(up_problem.object(a) for a in op.args))
                   for op in plan.operators]
        with PlanValidator(name="sequential_plan_validator") as validator:
            status = validator.validate(up_problem, SequentialPlan(actions)).status
        self.checked += 1
        self.valid += status == ValidationResultStatus.VALID
        self.same_length += len(plan.operators) == len(up_plan)
        if [str(op) for op in plan.operators] != up_plan:
            self.different.append(problem.label)


def run(quick: bool) -> list[Row]:
    from agent.planning.planner import Planner

    comparison = Comparison()
    rows: list[Row] = []
    repeats = 1 if quick else 3

    # Fresh problems, cache off: one warm planner per domain (the translator and the domain loaded once).
    cold = {task: Planner(domain, cache_size=0) for task, domain in comparison.domains.items()}
    for warm_up in (hanoi_problem(2), blocks_problem(3)):  # first calls import and load; time later ones
        comparison.agent(cold[warm_up.task], warm_up)
        comparison.up(warm_up)
    fresh_ratios, fresh_agent_ms, fresh_up_ms, binary_ratios, first_ratios = [], [], [], [], []
    problems = fresh_problems(quick)
    for problem in problems:
        agent_times, up_times, binary_times = [], [], []
        for _ in range(repeats):  # interleaved, so both see the same machine load
            elapsed, plan = comparison.agent(cold[problem.task], problem)
            agent_times.append(elapsed)
            elapsed, up_plan = comparison.up(problem)
            up_times.append(elapsed)
            binary_times.append(comparison.search_binary(cold[problem.task], problem))
        comparison.check(problem, plan, up_plan)
        agent_ms, up_ms = 1000 * statistics.median(agent_times), 1000 * statistics.median(up_times)
        binary_ratios.append(agent_ms / (1000 * statistics.median(binary_times)))
        fresh_ratios.append(up_ms / agent_ms)
        first_ratios.append(up_ms / (1000 * agent_times[0]))
        fresh_agent_ms.append(agent_ms)
        fresh_up_ms.append(up_ms)
        rows.append(Row(f"fresh {problem.label}: speed-up", up_ms / agent_ms, "x", f"{agent_ms:.1f} vs {up_ms:.1f} ms",
                        f"{len(plan.operators)} steps, {plan.engine}, median of {repeats}"))
    rows += [
        median_row("fresh problems: speed-up (median)", first_ratios, "x",
                   "cold cache, each problem's first call (its groundings and encodings not yet kept); UP solve / "
                   "agent plan"),
        Row("fresh problems: speed-up (largest)", first_ratios[-1], "x", "",
            f"{problems[-1].label}, {len(problems[-1].objects)} objects, first call"),
        median_row("fresh problems: speed-up, later calls (median)", fresh_ratios, "x",
                   f"median of {repeats} calls per problem: later ones reuse the kept grounding and encoding"),
        median_row("fresh problems: agent plan / search binary alone (median)", binary_ratios, "ratio",
                   "the binary started afresh on the agent's SAS task, as the driver runs it", digits=2),
        Row("fresh problems: agent plan / search binary alone (worst)", max(binary_ratios), "ratio"),
        median_row("fresh problems: agent plan call", fresh_agent_ms, "ms"),
        median_row("fresh problems: UP solve", fresh_up_ms, "ms"),
    ]

    # The calls real episodes make, replayed through one planner per run as `nesy run` does.
    runs = [("hanoi", 3, range(2), False)] if quick else [
        ("hanoi", 3, range(4), False), ("blocks", 5, range(4), False), ("sort", 4, range(4), False),
        ("blocks", 5, range(4, 7), True)]
    ratios: dict[str, list[float]] = {"first plan": [], "replan": []}
    hit_ratios: list[float] = []
    episode_agent_ms, episode_up_ms, hits = [], [], 0
    for task, size, seeds, disturb in runs:
        recorded = record_episode_calls(task, size, seeds, disturb)
        cached = [False] * len(recorded)
        agent_times: list[list[float]] = [[] for _ in recorded]
        up_times: list[list[float]] = [[] for _ in recorded]
        for _ in range(repeats):  # each replay starts from an empty cache, so hits and misses repeat
            planner = Planner(comparison.domains[task])
            for i, problem in enumerate(recorded):
                elapsed, plan = comparison.agent(planner, problem)
                agent_times[i].append(elapsed)
                elapsed, up_plan = comparison.up(problem)
                up_times[i].append(elapsed)
                if len(up_times[i]) == 1:
                    comparison.check(problem, plan, up_plan)
                    hits += plan.cached
                    cached[i] = plan.cached
        for problem, hit, agent_seconds, up_seconds in zip(recorded, cached, agent_times, up_times):
            agent_ms, up_ms = 1000 * statistics.median(agent_seconds), 1000 * statistics.median(up_seconds)
            if hit:  # a cache hit costs microseconds: it would say nothing about planning
                hit_ratios.append(up_ms / agent_ms)
                continue
            ratios["replan" if problem.label.endswith("replan") else "first plan"].append(up_ms / agent_ms)
            episode_agent_ms.append(agent_ms)
            episode_up_ms.append(up_ms)
    where = ", ".join(f"{task} {size} x{len(seeds)}{' disturbed' if disturb else ''}"
                      for task, size, seeds, disturb in runs)
    every = ratios["first plan"] + ratios["replan"]
    if not every:  # every call was a cache hit: nothing was planned to compare
        every = [float("nan")]
    rows.append(median_row("episode calls: speed-up (median)", every, "x",
                           f"{len(every)} calls of oracle episodes ({where}) that missed the cache "
                           f"({hits} hits left out); "
                           f"each call's median of {repeats} replay(s)"))
    rows += [median_row(f"  {kind}s", values, "x") for kind, values in ratios.items() if values]
    if hit_ratios:
        rows.append(median_row("  cache hits", hit_ratios, "x", "not in the median above"))
    rows += [
        median_row("episode calls: agent plan call", episode_agent_ms, "ms", digits=2),
        median_row("episode calls: UP solve", episode_up_ms, "ms"),
        Row("agent plans valid (UP validator)", comparison.valid / comparison.checked, "fraction",
            f"{comparison.valid}/{comparison.checked}"),
        Row("agent plans as long as UP's", comparison.same_length / comparison.checked, "fraction",
            f"{comparison.same_length}/{comparison.checked}",
            f"identical to UP's: {comparison.checked - len(comparison.different)}/{comparison.checked}"
            + (f" (others: {', '.join(comparison.different)})" if comparison.different else "")),
    ]
    return rows


if __name__ == "__main__":
    run_as_script(__doc__, run, "two small problems and two episodes")
