"""``nesy plan``: plan any typed STRIPS PDDL problem (IPC style) and print the plan in IPC format.

Nothing here knows the robot: the domain and problem files are read by unified-planning's reader,
solved by Fast Downward (lama-first) or pyperplan through UP, and checked by UP's plan validator.
The plan is one ``(action arg ...)`` per line and a ``; cost = N (unit cost)`` line, as the IPC
validators (VAL) read it; with action costs (``:metric minimize (total-cost)``) the cost is the
metric's value as UP's validator computes it, marked ``(general cost)``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from agent.authoring.up_reading import read_pddl
from agent.planning.domain import shown
from agent.planning.planner import private_cwd
from envs.errors import PlanningError

ENGINES = {"fd": "fast-downward", "pyperplan": "pyperplan"}


@dataclass(frozen=True)
class IpcPlan:
    """A plan found for a PDDL problem."""

    steps: tuple[str, ...]  # "(pick-up a)", in order
    cost: int | Fraction
    unit_cost: bool
    engine: str
    plan_time_s: float
    validated: bool  # UP's validator said VALID (False: not asked)

    def format(self) -> str:
        """The plan as an IPC plan file."""
        kind = "unit cost" if self.unit_cost else "general cost"
        return "".join(f"{step}\n" for step in self.steps) + f"; cost = {self.cost} ({kind})\n"


def plan_problem(domain: Path, problem: Path, planner: str = "fd", validate: bool = False,
                 timeout_s: float | None = None) -> IpcPlan:
    """Solve ``problem`` of ``domain``; ``PlanningError`` when it is unsolvable, the planner fails or
    (``validate``) UP's validator rejects the plan."""
    from unified_planning.engines import PlanGenerationResultStatus as Status
    from unified_planning.engines import ValidationResultStatus
    from unified_planning.exceptions import UPException
    from unified_planning.shortcuts import OneshotPlanner, PlanValidator

    if planner not in ENGINES:
        raise PlanningError(f"--planner: unknown planner {planner!r} (choices: {', '.join(ENGINES)})")
    engine = ENGINES[planner]
    read_pddl(domain)  # so that an error in the domain is blamed on the domain file
    task = read_pddl(domain, problem)
    start = time.perf_counter()
    try:
        with OneshotPlanner(name=engine) as solver, private_cwd():
            result = solver.solve(task, timeout=timeout_s, output_stream=None)
    except UPException as exc:
        raise PlanningError(f"{shown(problem)}: {engine} cannot solve this problem: {' '.join(str(exc).split())}") \
            from exc
    plan_time = time.perf_counter() - start
    if result.status in (Status.UNSOLVABLE_PROVEN, Status.UNSOLVABLE_INCOMPLETELY):
        raise PlanningError(f"{shown(problem)}: no plan reaches the goal ({engine} says {result.status.name})")
    if result.status not in (Status.SOLVED_SATISFICING, Status.SOLVED_OPTIMALLY):
        log = " ".join(" ".join(m.message for m in result.log_messages or ()).split())[-500:]
        raise PlanningError(f"{shown(problem)}: {engine} failed with status {result.status.name}"
                            + (f": {log}" if log else ""))
    steps = tuple("(" + " ".join([a.action.name, *(str(p) for p in a.actual_parameters)]) + ")"
                  for a in result.plan.actions)
    unit_cost = not task.quality_metrics
    cost: int | Fraction = len(steps)
    if validate or not unit_cost:
        with PlanValidator(name="sequential_plan_validator") as validator:
            validation = validator.validate(task, result.plan)
        if validation.status != ValidationResultStatus.VALID:
            reason = validation.reason.name if validation.reason else "no reason given"
            raise PlanningError(f"{shown(problem)}: the plan {engine} returned is invalid for UP's validator: {reason}")
        if not unit_cost:
            values = list((validation.metric_evaluations or {}).values())
            if len(values) != 1:
                raise PlanningError(f"{shown(problem)}: expected one quality metric, found {len(values)}")
            cost = values[0]
    return IpcPlan(steps, cost, unit_cost, engine, plan_time, validated=validate)
