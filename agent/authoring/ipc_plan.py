"""``nesy plan``: plan any PDDL problem (IPC style) and print the plan in IPC format.

Nothing here knows the robot. The domain and problem files are read by unified-planning's reader, solved by
Fast Downward (lama-first, or A* with LM-cut with ``optimal``) or pyperplan through UP, and checked by UP's plan
validator. Where UP's reader refuses a file, or UP's Fast Downward engine fails on a task it read, Fast
Downward's translator reads the files instead (``translator_plan``) and the plan is checked by replaying it on
the translated task. What neither supports is named at its line (``pddl_features``). UP's warnings become
one-line notes. The plan is one ``(action arg ...)`` per line and a ``; cost = N (unit cost)`` line, as the IPC
validators (VAL) read it; with action costs (``:metric minimize (total-cost)``) the cost is the metric's value,
marked ``(general cost)``.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from agent.authoring.pddl_features import FD_TRANSLATOR, explain_refusal, find_constructs
from agent.authoring.translator_plan import TranslatorError, plan_translated, read_with_translator
from agent.authoring.up_reading import PddlReadError, read_pddl, read_text
from agent.planning.domain import shown
from agent.planning.fast_downward import with_log
from agent.planning.planner import private_cwd
from envs.errors import DomainError, PlanningError

ENGINES = {"fd": "fast-downward", "pyperplan": "pyperplan"}


@dataclass(frozen=True)
class IpcPlan:
    """A plan found for a PDDL problem."""

    steps: tuple[str, ...]  # "(pick-up a)", in order
    cost: int | Fraction
    unit_cost: bool
    engine: str
    plan_time_s: float
    validated: bool  # the plan was checked and is valid (False: not asked)
    #: what checked it: "UP's sequential plan validator" or "a replay on the translated task"
    checked_by: str = ""
    notes: tuple[str, ...] = ()  # one line each: what the CLI says besides the plan

    def format(self) -> str:
        """The plan as an IPC plan file."""
        kind = "unit cost" if self.unit_cost else "general cost"
        return "".join(f"{step}\n" for step in self.steps) + f"; cost = {self.cost} ({kind})\n"


#: UP's Fast Downward engine statuses after which the translator is tried: UP wrote a task the translator
#: refuses (``:numeric-fluents`` for action costs) or UP did not know what the task needs
_TRANSLATOR_AFTER = ("INTERNAL_ERROR", "UNSUPPORTED_PROBLEM")
UP_VALIDATOR = "UP's sequential plan validator"
REPLAY = "a replay on Fast Downward's translated task"


def plan_problem(domain: Path, problem: Path, planner: str = "fd", validate: bool = False,
                 timeout_s: float | None = None, optimal: bool = False) -> IpcPlan:
    """Solve ``problem`` of ``domain``; ``PlanningError`` when it is unsolvable, the planner fails or
    (``validate``) the plan is invalid; ``DomainError`` when no reader reads the files. ``optimal`` (with
    Fast Downward only) asks for a plan of least cost."""
    from unified_planning.engines import PlanGenerationResultStatus as Status
    from unified_planning.exceptions import UPException
    from unified_planning.shortcuts import OneshotPlanner

    if planner not in ENGINES:
        raise PlanningError(f"--planner: unknown planner {planner!r} (choices: {', '.join(ENGINES)})")
    if optimal and planner != "fd":
        raise PlanningError(f"--optimal: only Fast Downward plans optimally here, not {planner} (use --planner fd)")
    for path in (domain, problem):
        read_text(path)
        if planner == "fd":  # UP's engine may fail on them without a word (NotImplementedError for durative actions)
            _refuse_what_fast_downward_cannot_read(path)
    notes: list[str] = []
    try:
        with _up_notes(notes):
            read_pddl(domain)  # so that an error in the domain is blamed on the domain file
            task = read_pddl(domain, problem)
    except PddlReadError as exc:
        if planner != "fd":
            raise
        return _translated(domain, problem, optimal, timeout_s, notes, refused=exc)
    engine = "fast-downward-opt" if optimal else ENGINES[planner]
    if optimal:
        from unified_planning.shortcuts import MinimizeSequentialPlanLength

        if not task.quality_metrics:  # without a metric UP's optimal engine has nothing to minimise
            task.add_quality_metric(MinimizeSequentialPlanLength())
    start = time.perf_counter()
    try:
        with _up_notes(notes), OneshotPlanner(name=engine) as solver, private_cwd():
            result = solver.solve(task, timeout=timeout_s, output_stream=None)
    except UPException as exc:
        reason = " ".join(str(exc).split())
        if planner != "fd":
            raise PlanningError(f"{shown(problem)}: {engine} cannot solve this problem: {reason}") from exc
        notes.append(f"unified-planning's {engine} engine refuses this problem ({reason[:200]}); "
                     "planning with Fast Downward's translator")
        return _translated(domain, problem, optimal, timeout_s, notes)
    plan_time = time.perf_counter() - start
    if result.status in (Status.UNSOLVABLE_PROVEN, Status.UNSOLVABLE_INCOMPLETELY):
        raise PlanningError(f"{shown(problem)}: no plan reaches the goal ({engine} says {result.status.name})")
    if result.status not in (Status.SOLVED_SATISFICING, Status.SOLVED_OPTIMALLY):
        if planner == "fd" and result.status.name in _TRANSLATOR_AFTER:
            notes.append(f"unified-planning's {engine} engine failed ({result.status.name}) on the task it wrote; "
                         "planning with Fast Downward's translator on the files themselves")
            return _translated(domain, problem, optimal, timeout_s, notes)
        log = " ".join(m.message for m in result.log_messages or ())
        raise PlanningError(with_log(f"{shown(problem)}: {engine} failed with status {result.status.name}", log))
    steps = tuple("(" + " ".join([a.action.name, *(str(p) for p in a.actual_parameters)]) + ")"
                  for a in result.plan.actions)
    unit_cost = not any(_is_cost_metric(metric) for metric in task.quality_metrics)
    cost: int | Fraction = len(steps)
    if validate or not unit_cost:
        metric_value = _up_validate(task, result.plan, problem, engine, unit_cost, notes)
        cost = cost if metric_value is None else metric_value
    return IpcPlan(steps, cost, unit_cost, engine, plan_time, validated=validate,
                   checked_by=UP_VALIDATOR if validate else "", notes=tuple(dict.fromkeys(notes)))


def _up_validate(task, plan, problem: Path, engine: str, unit_cost: bool, notes: list[str]) -> int | Fraction | None:
    """Check the plan with UP's validator; the metric's value when the task has action costs."""
    from unified_planning.engines import ValidationResultStatus
    from unified_planning.shortcuts import PlanValidator

    with _up_notes(notes), PlanValidator(name="sequential_plan_validator") as validator:
        validation = validator.validate(task, plan)
    if validation.status != ValidationResultStatus.VALID:
        reason = validation.reason.name if validation.reason else "no reason given"
        raise PlanningError(f"{shown(problem)}: the plan {engine} returned is invalid for UP's validator: {reason}")
    if unit_cost:
        return None
    values = [value for metric, value in (validation.metric_evaluations or {}).items() if _is_cost_metric(metric)]
    if len(values) != 1:
        raise PlanningError(f"{shown(problem)}: expected one action-cost metric, found {len(values)}")
    return values[0]


def _is_cost_metric(metric: object) -> bool:
    """Whether a UP quality metric is an action-cost metric (not the plan length ``optimal`` adds)."""
    from unified_planning.model.metrics import MinimizeSequentialPlanLength

    return not isinstance(metric, MinimizeSequentialPlanLength)


def _translated(domain: Path, problem: Path, optimal: bool, timeout_s: float | None, notes: list[str],
                refused: PddlReadError | None = None) -> IpcPlan:
    """Plan through Fast Downward's translator; when it refuses the files too, say what neither reads."""
    try:
        for path in (domain, problem):  # the translator's own reason, blamed on the right file
            read_with_translator(domain, None if path == domain else problem)
    except TranslatorError as exc:
        blamed = path
        construct = next((c for c in find_constructs(blamed.read_text(encoding="utf-8"))
                          if c.unsupported_by == FD_TRANSLATOR), None)
        if construct is not None:
            tail = f"; {refused.finding.message}" if refused is not None else ""
            raise DomainError(f"{shown(blamed)}:{construct.line}: {construct.sentence()} "
                              f"(nor by unified-planning's Fast Downward engine){tail}") from exc
        if refused is not None:
            raise DomainError(f"{refused}; Fast Downward's translator refuses it too: {exc}") from exc
        raise PlanningError(f"{shown(blamed)}: Fast Downward's translator refuses it: {exc}") from exc
    if refused is not None:
        notes.append(f"unified-planning cannot read it: {_reason(refused, (domain, problem))}; "
                     "planned with Fast Downward's translator, which reads it")
    try:
        steps, cost, metric, engine, seconds = plan_translated(domain, problem, optimal, timeout_s)
    except TranslatorError as exc:
        raise PlanningError(f"{shown(problem)}: Fast Downward's translator refuses it: {exc}") from exc
    return IpcPlan(steps, cost, not metric, f"{engine} (translator)", seconds, validated=True, checked_by=REPLAY,
                   notes=tuple(dict.fromkeys(notes)))


def _refuse_what_fast_downward_cannot_read(path: Path) -> None:
    construct = next((c for c in find_constructs(path.read_text(encoding="utf-8"))
                      if c.unsupported_by == FD_TRANSLATOR), None)
    if construct is not None:
        raise DomainError(f"{shown(path)}:{construct.line}: {construct.sentence()} (nor by unified-planning's "
                          "Fast Downward engine)")


def _reason(error: PddlReadError, files: tuple[Path, ...]) -> str:
    """The reader's complaint, where it is (see ``pddl_features.explain_refusal``)."""
    texts = {shown(path): path.read_text(encoding="utf-8") for path in files}
    message = error.finding.message.removeprefix("unified-planning cannot read it: ")
    file, line, message = explain_refusal(message, error.finding.file, error.finding.line, error.located, texts)
    return f"{file}:{line}: {message}"


_CANNOT_ESTABLISH = re.compile(r"We cannot establish whether (.+?) can (solve|validate) this problem")


@contextmanager
def _up_notes(notes: list[str]) -> Iterator[None]:
    """UP's ``UserWarning``s (printed with their site-packages path otherwise) as one-line notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            yield
        finally:
            for warning in caught:
                if issubclass(warning.category, UserWarning):
                    message = " ".join(str(warning.message).split())
                    known = _CANNOT_ESTABLISH.search(message)
                    if known:  # e.g. action costs of a kind its engines do not declare
                        did = "planned" if known.group(2) == "solve" else "checked"
                        message = (f"unified-planning cannot tell whether its {known.group(1)} engine supports "
                                   f"this problem's features; it {did} anyway")
                    else:
                        message = f"unified-planning: {message}"
                    notes.append(message)
