"""``nesy plan`` through Fast Downward's translator, for files unified-planning cannot read or plan.

unified-planning's reader refuses some valid PDDL that Fast Downward reads: a parameter name repeated in a
predicate declaration (logistics00), ``(aircraft?a)`` without a space (zenotravel), an object named like its
type (tidybot), a predicate and an action of one name (floortile, spider), ``either`` types (storage), derived
predicates (psr, optical-telegraphs, philosophers); and UP's Fast Downward engine fails on some tasks it reads
(it writes ``:numeric-fluents`` for tetris's costs, which the translator refuses). For those the translator
(the ``fast_downward.translate`` package up-fast-downward installs, as in ``agent.fast_downward``) reads the
files in this process, its SAS task goes to the ``downward`` search binary, and the plan is checked by replaying
it on that SAS task (``sas_plan_check``): there is no UP problem for UP's validator to check it on.
"""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.authoring.sas_plan_check import check_sas_plan
from agent.planning.domain import shown
from envs.errors import PlanningError

#: search configurations: Fast Downward's lama-first, and A* with LM-cut (UP's ``fast-downward-opt``), which
#: supports neither conditional effects nor axioms; A* with the blind heuristic is optimal on any task
SATISFICING, OPTIMAL, OPTIMAL_ANY_TASK = "fast-downward", "fast-downward-opt", "fast-downward-opt-blind"


class TranslatorError(Exception):
    """The translator refused a file: ``message`` is its reason, on one line."""


@dataclass(frozen=True)
class TranslatedTask:
    """A problem as the translator grounds it."""

    sas: Any  # fast_downward.translate.sas_tasks.SASTask
    metric: bool  # the problem has a :metric (action costs)
    seconds: float


def read_with_translator(domain: Path, problem: Path | None = None) -> Any:
    """The translator's parsed ``pddl.Task`` of ``domain`` and ``problem`` (or, without a problem, the domain's
    parts); ``TranslatorError`` with the translator's reason when it refuses them."""
    from fast_downward.translate.pddl_parser import ParseError, lisp_parser, parsing_functions

    chatter = io.StringIO()
    try:
        with contextlib.redirect_stdout(chatter), contextlib.redirect_stderr(chatter):
            domain_lists = lisp_parser.parse_nested_list(io.StringIO(domain.read_text(encoding="utf-8")))
            if problem is None:
                return list(parsing_functions.parse_domain_pddl(parsing_functions.Context(), domain_lists))
            problem_lists = lisp_parser.parse_nested_list(io.StringIO(problem.read_text(encoding="utf-8")))
            return parsing_functions.parse_task(domain_lists, problem_lists)
    except ParseError as exc:  # where in the file it was, one "\t->" line per level, then what is wrong
        lines = str(exc).splitlines()
        what = [line for line in lines[1:] if not line.startswith("\t->")] or lines[-1:]
        raise TranslatorError(_one_line(" ".join(what))) from exc
    except SystemExit as exc:
        raise TranslatorError(_one_line(str(exc))) from exc
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, StopIteration) as exc:
        # the translator's parser assumes well-formed input in places and fails on what it did not expect
        if isinstance(exc, StopIteration):  # its parser ran out of tokens
            raise TranslatorError("the file ends before its definition does") from exc
        raise TranslatorError(f"{type(exc).__name__}: {_one_line(str(exc))}") from exc


def translate(domain: Path, problem: Path) -> TranslatedTask:
    """The SAS task of a problem, as Fast Downward's driver would have the translator write it."""
    from fast_downward.translate import normalize, options
    from fast_downward.translate.main import pddl_to_sas

    if options.options is None:  # the translator reads its settings from a module global; these are the driver's
        options.set_options(["domain.pddl", "problem.pddl"])
    start = time.perf_counter()
    task = read_with_translator(domain, problem)
    chatter = io.StringIO()
    try:
        with contextlib.redirect_stdout(chatter), contextlib.redirect_stderr(chatter):
            normalize.normalize(task)
            sas = pddl_to_sas(task)
    except SystemExit as exc:  # e.g. a derived predicate in an effect
        raise TranslatorError(_one_line(str(exc))) from exc
    return TranslatedTask(sas, bool(task.use_min_cost_metric), time.perf_counter() - start)


def search_config(task: TranslatedTask, optimal: bool) -> str:
    """The search for a task: lama-first, or optimal A* with LM-cut where LM-cut supports the task."""
    if not optimal:
        return SATISFICING
    conditional = any(conditions for op in task.sas.operators for *_, conditions in op.pre_post)
    return OPTIMAL_ANY_TASK if conditional or task.sas.axioms else OPTIMAL


def plan_translated(domain: Path, problem: Path, optimal: bool = False, timeout_s: float | None = None,
                    ) -> tuple[tuple[str, ...], int, bool, str, float]:
    """Plan with the translator and the search binary and check the plan on the SAS task: the steps, the
    cost, whether it is a general (``:metric``) cost, the search configuration, and the time taken."""
    from agent.planning.fast_downward import SEARCH_CONFIGS, FastDownward

    start = time.perf_counter()
    task = translate(domain, problem)
    engine = search_config(task, optimal)
    sas_text = io.StringIO()
    task.sas.output(sas_text)
    result = FastDownward(domain).search(sas_text.getvalue(), engine, timeout_s)
    where = shown(problem)
    result.raise_unless_solved(f"{where}: no plan reaches the goal (Fast Downward says {result.status})",
                               f"{where}: Fast Downward ({SEARCH_CONFIGS[engine]}) failed with status {result.status}",
                               log_chars=300)
    steps = tuple("(" + " ".join([name, *args]) + ")" for name, args in result.plan)
    checked = check_sas_plan(task.sas, steps)
    if checked.error is not None:
        raise PlanningError(f"{where}: the plan Fast Downward returned is invalid on the translated task: "
                            f"{checked.error}")
    return steps, checked.cost, task.metric, engine, time.perf_counter() - start


def _one_line(text: str) -> str:
    return " ".join(text.split())
