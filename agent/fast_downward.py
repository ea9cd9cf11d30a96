"""Fast Downward without its driver: the translator runs in this process, the search binary reads a pipe.

Through unified-planning one Fast Downward call costs about 100 ms where the search takes 3 to 7 ms: UP
writes PDDL files, starts the driver (a Python process), which starts the translator (another Python
process, which imports itself and re-parses the files) and then the search binary. Here the translator
(the ``fast_downward.translate`` package that up-fast-downward installs and its driver runs) is imported
once, reads the PDDL text from memory, and its SAS task goes straight into the stdin of the same
``downward`` binary with the same search configuration, so one call costs the translation plus the search.

The problem text lists objects, initial atoms and goal atoms in sorted order, so the same inputs give the
same SAS task and the same plan.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from agent.errors import PlanningError

#: Fast Downward's ``lama-first`` alias (``driver/aliases.py`` of up-fast-downward 1.0.0, the configuration
#: UP's ``fast-downward`` engine runs); a test checks it against the installed driver.
LAMA_FIRST = (
    "let(hlm, eval_modify_costs(landmark_sum(lm_factory=lm_reasonable_orders_hps(lm_rhw()),pref=false),"
    "cost_type=one),let(hff, eval_modify_costs(ff(),cost_type=one),"
    "lazy_greedy([hff,hlm],preferred=[hff,hlm],cost_type=one,reopen_closed=false)))"
)
#: the search configuration of each UP engine name (``fast-downward-opt`` is UP's ``astar(lmcut())``)
SEARCH_CONFIGS = {"fast-downward": LAMA_FIRST, "fast-downward-opt": "astar(lmcut())"}

# The search binary's exit codes (https://www.fast-downward.org/ExitCodes), named as UP names them.
_SOLVED = 0
_STATUS = {10: "UNSOLVABLE_PROVEN", 11: "UNSOLVABLE_PROVEN", 12: "UNSOLVABLE_INCOMPLETELY",
           13: "UNSOLVABLE_INCOMPLETELY", 20: "MEMOUT", 21: "TIMEOUT", 22: "MEMOUT", 23: "TIMEOUT", 24: "MEMOUT",
           34: "UNSUPPORTED_PROBLEM"}
UNSOLVABLE = ("UNSOLVABLE_PROVEN", "UNSOLVABLE_INCOMPLETELY")


@dataclass(frozen=True)
class SearchResult:
    """What one call found: ``status`` is ``SOLVED`` (with ``plan``) or the UP status name of the failure."""

    status: str
    plan: tuple[tuple[str, tuple[str, ...]], ...] = ()
    log: str = ""


def search_binary() -> Path:
    """The ``downward`` binary that up-fast-downward ships and its driver runs."""
    import up_fast_downward

    binary = Path(up_fast_downward.__file__).parent / "downward" / "builds" / "release" / "bin" / "downward"
    if not binary.is_file():
        raise PlanningError(f"Fast Downward's search binary is missing: {binary} (reinstall up-fast-downward)")
    return binary


class FastDownward:
    """Plans over one PDDL domain file; the domain text and the translator are loaded once."""

    def __init__(self, domain_pddl: Path, domain_name: str) -> None:
        from fast_downward.translate import options

        self.domain_text = domain_pddl.read_text(encoding="utf-8")
        self.domain_name = domain_name
        self.binary = search_binary()
        if options.options is None:
            # The translator reads its settings from a module global; its defaults are what the driver uses.
            options.set_options(["domain.pddl", "problem.pddl"])

    def problem_text(self, objects: Mapping[str, str], state: Iterable[str], goal: Iterable[str]) -> str:
        """The PDDL problem, everything sorted; atoms are given as ``"(on a b)"`` texts."""
        objects_text = " ".join(f"{name} - {objects[name]}" for name in sorted(objects))
        return (f"(define (problem {self.domain_name}-problem) (:domain {self.domain_name})\n"
                f" (:objects {objects_text})\n (:init {' '.join(sorted(state))})\n"
                f" (:goal (and {' '.join(sorted(goal))})))\n")

    def translate(self, problem: str) -> str:
        """The SAS task of ``problem``, as the translator would write it to ``output.sas``."""
        from fast_downward.translate import normalize
        from fast_downward.translate.main import pddl_to_sas
        from fast_downward.translate.pddl_parser import lisp_parser, parsing_functions

        chatter = io.StringIO()  # the translator reports its progress on stdout
        with contextlib.redirect_stdout(chatter):
            task = parsing_functions.parse_task(
                lisp_parser.parse_nested_list(io.StringIO(self.domain_text)),
                lisp_parser.parse_nested_list(io.StringIO(problem)),
            )
            normalize.normalize(task)
            sas_task = pddl_to_sas(task)
            sas = io.StringIO()
            sas_task.output(sas)
        return sas.getvalue()

    def search(self, sas: str, engine: str, timeout_s: float | None = None) -> SearchResult:
        """Run the search binary on a SAS task with ``engine``'s configuration."""
        with tempfile.TemporaryDirectory(prefix="nesy-fd-") as folder:
            plan_file = Path(folder) / "plan"
            command = [str(self.binary), "--search", SEARCH_CONFIGS[engine], "--internal-plan-file", str(plan_file)]
            try:
                done = subprocess.run(command, input=sas, capture_output=True, text=True, cwd=folder,
                                      timeout=timeout_s, check=False)
            except subprocess.TimeoutExpired:
                return SearchResult("TIMEOUT")
            log = done.stdout[-2000:] + done.stderr[-2000:]
            if done.returncode != _SOLVED:
                return SearchResult(_STATUS.get(done.returncode, "INTERNAL_ERROR"), log=log)
            if not plan_file.is_file():
                return SearchResult("INTERNAL_ERROR", log=log)
            lines = plan_file.read_text(encoding="utf-8").splitlines()
        steps = []
        for line in lines:
            line = line.strip()
            if line and not line.startswith(";"):
                name, *args = line.strip("()").split()
                steps.append((name, tuple(args)))
        return SearchResult("SOLVED", tuple(steps), log)

    def solve(self, objects: Mapping[str, str], state: Iterable[str], goal: Iterable[str], engine: str,
              timeout_s: float | None = None) -> SearchResult:
        """Translate and search; names in the plan are lower case, as Fast Downward writes them."""
        return self.search(self.translate(self.problem_text(objects, state, goal)), engine, timeout_s)
