"""Fast Downward without its driver: the translator runs in this process, the search binary reads a pipe.

Through unified-planning one Fast Downward call costs about 100 ms where the search takes 3 to 7 ms: UP
writes PDDL files, starts the driver (a Python process), which starts the translator (another Python
process, which imports itself and re-parses the files) and then the search binary. Here the translator
(the ``fast_downward.translate`` package that up-fast-downward installs and its driver runs) is imported
once, reads the domain once and each problem from memory, and its SAS task goes straight into the stdin
of the same ``downward`` binary with the same search configuration, so one call costs the translation
plus the search.

The problem lists objects, initial atoms and goal atoms in sorted order, so the same inputs give the
same SAS task and the same plan (the translator's output does not depend on Python's hash seed).
"""

from __future__ import annotations

import contextlib
import gc
import io
import itertools
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from agent.planning import canonical, fd_invariants, fd_search, grounder, strips_sas
from envs.errors import PlanningError

_Atom = tuple[str, tuple[str, ...]]
#: parsed domains kept per ``FastDownward`` (one per goal with the optimal engine's goal action)
DOMAIN_MEMO_SIZE = 16  # ("on", ("d1", "d2"))

#: Fast Downward's ``lama-first`` alias (``driver/aliases.py`` of up-fast-downward 1.0.0, the configuration
#: UP's ``fast-downward`` engine runs); a test checks it against the installed driver.
LAMA_FIRST = (
    "let(hlm, eval_modify_costs(landmark_sum(lm_factory=lm_reasonable_orders_hps(lm_rhw()),pref=false),"
    "cost_type=one),let(hff, eval_modify_costs(ff(),cost_type=one),"
    "lazy_greedy([hff,hlm],preferred=[hff,hlm],cost_type=one,reopen_closed=false)))"
)
#: the search configuration of each UP engine name (``fast-downward-opt`` is UP's ``astar(lmcut())``)
SEARCH_CONFIGS = {"fast-downward": LAMA_FIRST, "fast-downward-opt": "astar(lmcut())",
                  # optimal on tasks with conditional effects or axioms, which LM-cut does not support
                  "fast-downward-opt-blind": "astar(blind())"}

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

    def raise_unless_solved(self, unsolvable: str, failed: str, log_chars: int = 500) -> None:
        """Raise ``PlanningError`` unless a plan was found: ``unsolvable`` when the search showed (or gave up
        showing) that none exists, else ``failed`` with the end of the search's log."""
        if self.status in UNSOLVABLE:
            raise PlanningError(unsolvable)
        if self.status != "SOLVED":
            raise PlanningError(with_log(failed, self.log, log_chars))


def with_log(message: str, log: str, chars: int = 500) -> str:
    """``message`` followed by the last ``chars`` characters of a planner's ``log``, whitespace folded: a failed
    search says why at the end of its log."""
    tail = " ".join(log.split())[-chars:]
    return message + (f": {tail}" if tail else "")


def search_binary() -> Path:
    """The ``downward`` binary that up-fast-downward ships and its driver runs (found without importing the
    package, which imports unified-planning)."""
    import importlib.util

    spec = importlib.util.find_spec("up_fast_downward")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    binary = Path(folders[0] if folders else ".") / "downward" / "builds" / "release" / "bin" / "downward"
    if not folders or not binary.is_file():
        raise PlanningError(f"Fast Downward's search binary is missing: {binary} (reinstall up-fast-downward)")
    return binary


class FastDownward:
    """Plans over one PDDL domain file; the domain is read once and the translator loaded once."""

    def __init__(self, domain_pddl: Path) -> None:
        from fast_downward.translate import options
        from fast_downward.translate.pddl_parser import lisp_parser

        # The domain as the translator's reader turns it into nested lists (names lower-cased), reused.
        self.domain = lisp_parser.parse_nested_list(io.StringIO(domain_pddl.read_text(encoding="utf-8")))
        self.domain_name = self.domain[1][1]
        self._words = _words(self.domain)
        self._lifted, self._invariants_key = repr(self.domain), _invariants_key(self.domain)
        self._constants = any(isinstance(block, list) and block[:1] == [":constants"] for block in self.domain)
        self.binary = search_binary()
        #: parsed domains (the optimal engine's goal action makes one per goal), by their text
        self._domains: OrderedDict[str, tuple] = OrderedDict()
        #: per goal action's shape (its name, parameters and effect): the invariants' key, the parsed domain
        self._shapes: dict[str, tuple[str, tuple]] = {}
        self._encoder = strips_sas.Encoder()
        if options.options is None:
            # The translator reads its settings from a module global; its defaults are what the driver uses.
            options.set_options(["domain.pddl", "problem.pddl"])
        #: whether the domain is one ``sas`` takes its own way (see ``_Typing``), and its typing
        self._typing = _typing(self.domain)

    def task(self, objects: Mapping[str, str], state: Iterable[_Atom], goal: Iterable[_Atom],
             goal_action: bool, variables: Mapping[str, str] | None = None) -> tuple[list, list]:
        """The domain and problem as the translator's nested lists, everything sorted and lower case.

        With ``goal_action`` the goal becomes the precondition of one more action, ``reach_goalN``, that
        makes a new atom ``(goalN)`` true, and the objects it names become constants of the domain: the
        task UP's optimal Fast Downward engine hands to the planner, so ties break as they do there. The
        goal's ``variables`` (name -> type) become that action's parameters, so the planner chooses them;
        a goal with variables needs the goal action."""
        parts = self._parts(objects, state, goal, goal_action, variables)
        if parts.action is None:
            return self.domain, parts.problem
        return _with_goal_action(self.domain, parts.constants, parts.goal_atom, parts.action), parts.problem

    def _parts(self, objects: Mapping[str, str], state: Iterable[_Atom], goal: Iterable[_Atom],
               goal_action: bool, variables: Mapping[str, str] | None) -> _Parts:
        """``task``'s problem and, with ``goal_action``, what it adds to the domain (see ``_Parts``)."""
        variables = {name.lower(): kind.lower() for name, kind in (variables or {}).items()}
        if variables and not goal_action:
            raise ValueError("a goal with variables needs the goal action")
        objects = {name.lower(): kind.lower() for name, kind in objects.items()}
        goal_lists = [[predicate.lower(), *(a.lower() for a in args)] for predicate, args in sorted(goal)]
        constants: dict[str, str] = {}
        goal_atom: list = []
        action = None
        if goal_action:
            goal_atom = [_free_name(self._words, objects, "goal")]
            goal_objects = {a for atom in goal_lists for a in atom[1:]}
            constants = {name: objects.pop(name) for name in sorted(goal_objects) if name in objects}
            parameters = [token for name in sorted(variables) for token in (name, "-", variables[name])]
            action = [":action", _free_name(self._words, objects, "reach_goal"), ":parameters", parameters,
                      ":precondition", ["and", *goal_lists], ":effect", ["and", goal_atom]]
            goal_lists = [goal_atom]
        typed = [token for name in sorted(objects) for token in (name, "-", objects[name])]
        problem = ["define", ["problem", f"{self.domain_name}-problem"], [":domain", self.domain_name],
                   [":objects", *typed],
                   [":init", *([p.lower(), *(a.lower() for a in args)] for p, args in sorted(state))],
                   [":goal", ["and", *goal_lists]]]
        return _Parts(problem, constants, goal_atom, action)

    def sas(self, objects: Mapping[str, str], state: Iterable[_Atom], goal: Iterable[_Atom], goal_action: bool,
            variables: Mapping[str, str] | None = None) -> str:
        """``translate(*task(...))``, sooner: the objects renamed in the order of their names
        (``agent.planning.canonical``), so that scenes of one shape share what the encoder keeps, and the
        real names written back into the text."""
        typing = self._typing
        if typing is None:  # not plain STRIPS: the translator's own steps, with the real names
            return self.translate(*self.task(objects, state, goal, goal_action, variables))
        leaf_typed = canonical.leaf_typed(typing.types, [*typing.arguments,
                                                         *(kind.lower() for kind in (variables or {}).values())])
        renaming = canonical.renaming(objects, self._words, self._constants, leaf_typed)
        if renaming is None:
            text = self._sas(objects, state, goal, goal_action, variables)
        else:
            text = self._sas(renaming.objects(objects), renaming.atoms(state), renaming.atoms(goal), goal_action,
                             variables)
            text = None if text is None else renaming.restore(text)
        # the translator's own steps where the grounder's do not apply (with the real names: the renaming's
        # argument is made for the grounder's steps)
        return self.translate(*self.task(objects, state, goal, goal_action, variables)) if text is None else text

    def _sas(self, objects: Mapping[str, str], state: Iterable[_Atom], goal: Iterable[_Atom], goal_action: bool,
             variables: Mapping[str, str] | None = None) -> str | None:
        """``translate(*task(...))`` for a task ``strips_sas`` encodes (None for others), sooner for the
        optimal engine's goal action.

        There every goal is a new lifted task (the goal action holds the goal, and its objects are
        constants), which the translator would parse, ground and encode anew. Here the domain with a goal
        action of the same name, parameters and effect is parsed once and only the goal action per call,
        and the encoder keeps the domain's part per objects (``strips_sas.Encoder``), so a new goal costs
        about what a replan does. ``tests/test_grounder.py`` checks the text against ``translate``."""
        from fast_downward.translate import normalize, pddl
        from fast_downward.translate.pddl_parser import parsing_functions as parsing

        parts = self._parts(objects, state, goal, goal_action, variables)
        if parts.action is None:
            with _translating(self._invariants_key):
                task = self._parse_task(self._lifted, self.domain, parts.problem)
                normalize.normalize(task)
                return self._encoder.sas_text(task) if strips_sas.usable(task) else None
        shape_key = repr([*parts.action[:5], *parts.action[6:]])  # all but the goal
        if shape_key not in self._shapes:
            shape = _with_goal_action(self.domain, {}, parts.goal_atom,
                                      [*parts.action[:5], ["and"], *parts.action[6:]])
            self._shapes[shape_key] = (_invariants_key(shape), self._parsed(repr(shape), shape))
        lifted_key, (name, requirements, types, type_dict, constants, predicates, predicate_dict, functions, actions,
                     axioms) = self._shapes[shape_key]
        with _translating(lifted_key):
            # what ``_parse_task`` makes of ``task``'s lists: the goal's objects are constants, after the domain's
            goal_constants = [pddl.TypedObject(obj, kind) for obj, kind in parts.constants.items()]
            constant_names = {c.name for c in constants} | set(parts.constants)
            goal_action_parsed = parsing.parse_action(parsing.Context(), parts.action, type_dict, predicate_dict,
                                                      constant_names)
            problem_name, _, problem_requirements, problem_objects, init, goal_condition, use_metric = \
                parsing.parse_problem_pddl(parsing.Context(), parts.problem, type_dict, predicate_dict,
                                           constant_names)
            every_object = [*constants, *goal_constants, *problem_objects]
            init += [pddl.Atom("=", (o.name, o.name)) for o in every_object]
            requirements = pddl.Requirements(sorted(set(requirements.requirements
                                                        + problem_requirements.requirements)))
            task = pddl.Task(name, problem_name, requirements, list(types), every_object, list(predicates),
                             list(functions), init, goal_condition, [*actions[:-1], goal_action_parsed],
                             list(axioms), use_metric)
            normalize.normalize(task)
            return self._encoder.sas_text(task, goal_action=True) if strips_sas.usable(task) else None

    def translate(self, domain: list, problem: list, grounder: bool = True) -> str:
        """The SAS task of a domain and problem, as the translator would write it to ``output.sas``.

        Plain STRIPS tasks are grounded and encoded by ``agent.planning.strips_sas`` (the same task, sooner,
        and sooner again for objects met before);
        ``grounder=False`` runs the translator's own ``pddl_to_sas`` on them too, the reference tests compare with."""
        from fast_downward.translate import normalize
        from fast_downward.translate.main import pddl_to_sas

        lifted = repr(domain)
        # The goal is a conjunction of atoms (``task`` builds it so), which normalising leaves alone: the
        # lifted task, and so its invariants, is the domain's.
        with _translating(_invariants_key(domain)):
            task = self._parse_task(lifted, domain, problem)
            normalize.normalize(task)
            if grounder and strips_sas.usable(task):
                return self._encoder.sas_text(task)
            sas = io.StringIO()
            pddl_to_sas(task).output(sas)
            return sas.getvalue()

    def _parse_task(self, lifted: str, domain: list, problem: list) -> Any:
        """The translator's ``parse_task``, with the domain parsed once per lifted text and reused.

        Each task gets its own lists; the parsed actions are shared where normalising leaves them as they
        are (``_parsed``). ``tests/test_fast_downward.py`` checks that the SAS tasks equal those of a fresh
        translator."""
        from fast_downward.translate import pddl
        from fast_downward.translate.pddl_parser import parsing_functions as parsing

        name, requirements, types, type_dict, constants, predicates, predicate_dict, functions, actions, axioms = \
            self._parsed(lifted, domain)
        problem_name, _, problem_requirements, objects, init, goal, use_metric = parsing.parse_problem_pddl(
            parsing.Context(), problem, type_dict, predicate_dict, {c.name for c in constants})
        requirements = pddl.Requirements(sorted(set(requirements.requirements + problem_requirements.requirements)))
        objects = constants + objects
        init += [pddl.Atom("=", (o.name, o.name)) for o in objects]
        return pddl.Task(name, problem_name, requirements, list(types), objects, list(predicates), list(functions),
                         init, goal, list(actions), list(axioms), use_metric)

    def _parsed(self, lifted: str, domain: list) -> tuple:
        """The translator's ``parse_domain_pddl`` of ``domain``, kept per lifted text (``lifted``) where
        normalising leaves its actions as they are (``_normal``); others it rewrites in place (quantified
        conditions become axioms that only the first task would get), so those are parsed anew per task."""
        from fast_downward.translate.pddl_parser import parsing_functions as parsing

        if lifted not in self._domains:
            parsed = tuple(parsing.parse_domain_pddl(parsing.Context(), domain))
            if not _normal(parsed[8], parsed[9]):  # actions, axioms
                return parsed
            self._domains[lifted] = parsed
            while len(self._domains) > DOMAIN_MEMO_SIZE:
                self._domains.popitem(last=False)
        self._domains.move_to_end(lifted)
        return self._domains[lifted]

    def search(self, sas: str, engine: str, timeout_s: float | None = None) -> SearchResult:
        """Run the search binary on a SAS task with ``engine``'s configuration (a process started ahead of
        the call, see ``agent.planning.fd_search``)."""
        config = SEARCH_CONFIGS[engine]
        process = fd_search.take(self.binary, config)
        try:
            code, log = process.finish(sas, timeout_s)
            if code is None:
                return SearchResult("TIMEOUT")
            if code != _SOLVED:
                return SearchResult(_STATUS.get(code, "INTERNAL_ERROR"), log=log)
            if not process.plan_file.is_file():
                return SearchResult("INTERNAL_ERROR", log=log)
            lines = process.plan_file.read_text(encoding="utf-8").splitlines()
        finally:
            process.discard()
            fd_search.prepare(self.binary, config)
        steps = []
        for line in lines:
            line = line.strip()
            if line and not line.startswith(";"):
                name, *args = line.strip("()").split()
                steps.append((name, tuple(args)))
        return SearchResult("SOLVED", tuple(steps), log)

    def solve(self, objects: Mapping[str, str], state: Iterable[_Atom], goal: Iterable[_Atom], engine: str,
              timeout_s: float | None = None, variables: Mapping[str, str] | None = None) -> SearchResult:
        """Translate and search; names in the plan are lower case, as Fast Downward writes them. The goal's
        ``variables`` (name -> type) are left for the planner to choose."""
        goal_action = engine == "fast-downward-opt" or bool(variables)
        result = self.search(self.sas(objects, state, goal, goal_action, variables), engine, timeout_s)
        if goal_action and result.status == "SOLVED":
            return SearchResult(result.status, result.plan[:-1], result.log)  # without reach_goal
        return result


def _normal(actions: list[Any], axioms: list[Any]) -> bool:
    """Whether normalising leaves parsed actions as they are: no axioms, preconditions that are literals or
    a conjunction of them, effects without parameters or conditions."""
    from fast_downward.translate import pddl

    def literals(condition: Any) -> bool:
        parts = condition.parts if isinstance(condition, pddl.Conjunction) else (condition,)
        return all(isinstance(part, (pddl.Literal, pddl.Truth)) for part in parts)

    return not axioms and all(literals(action.precondition) and all(not effect.parameters and isinstance(
        effect.condition, pddl.Truth) for effect in action.effects) for action in actions)


class _Typing(NamedTuple):
    """A plain STRIPS domain's type tree (type, parent) and the types of its predicates' and actions'
    arguments."""

    types: list[tuple[str, str | None]]
    arguments: set[str]


def _typing(domain: list) -> _Typing | None:
    """The typing of a domain whose actions ``grounder.plain_actions`` accepts, from a parse of its own;
    None for others (or where the translator's parser refuses it: ``translate`` then says why).

    Only such domains take ``FastDownward.sas``'s own way: it shares a domain's parsed actions across calls
    and goals, which is safe where normalising leaves them as they are; elsewhere (quantified conditions
    become axioms, in place) every call goes to ``translate``."""
    from fast_downward.translate.pddl_parser import parsing_functions as parsing

    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the parser reports what it ignores
            _, _, types, _, _, predicates, _, _, actions, axioms = parsing.parse_domain_pddl(parsing.Context(), domain)
    except (SystemExit, Exception):
        return None
    if axioms or not grounder.plain_actions(actions):
        return None
    arguments = [arg.type_name for predicate in predicates if predicate.name != "=" for arg in predicate.arguments]
    arguments += [param.type_name for action in actions for param in action.parameters]
    if not all(isinstance(name, str) for name in arguments):  # ``(either a b)`` types: the translator's way
        return None
    return _Typing([(kind.name, kind.basetype_name) for kind in types], set(arguments))


class _Parts(NamedTuple):
    """A call's problem (nested lists) and, with the optimal engine's goal action, what it adds to the
    domain: the goal's objects as constants (name -> type), the goal atom and the action (else ``action``
    is None)."""

    problem: list
    constants: dict[str, str]
    goal_atom: list
    action: list | None


@contextlib.contextmanager
def _translating(lifted_key: str) -> Iterator[None]:
    """While translating: the translator's chatter on stdout silenced, invariants answered from the memo
    (``fd_invariants``) for ``lifted_key``, and the garbage collector off.

    The translator makes many small objects and frees them in bulk at the end: the collector's passes over
    them (and over everything else in an agent process) cost 10 to 20% of a translation."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        with contextlib.redirect_stdout(io.StringIO()), fd_invariants.memoized(lifted_key):
            yield
    finally:
        if collecting:
            gc.enable()


def _free_name(used: frozenset[str], objects: Mapping[str, str], prefix: str) -> str:
    """``prefix0``, ``prefix1``, ...: the first that names nothing in the domain (``used``: its words) or the
    problem (UP's rule)."""
    names = (f"{prefix}{n}" for n in itertools.count())
    return next(name for name in names if name not in used and name not in objects)


def _words(domain: list) -> frozenset[str]:
    """Every word of a domain's nested lists."""
    used = set()
    pending = list(domain)
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        else:
            used.add(item)
    return frozenset(used)


def _invariants_key(domain: list) -> str:
    """The text that Fast Downward's invariants of ``domain`` depend on (see ``agent.planning.fd_invariants``):
    the domain without its constants (the invariant search reads no objects) and, where its last action is
    a goal action as ``task`` makes it, without that action's precondition.

    A goal action only adds a new atom without arguments, the last predicate declared, which nothing else
    names. The search then makes one more candidate, that atom alone, last among its first candidates;
    the one action that threatens it deletes nothing, so the candidate fails and adds none, after one
    draw of the checker's random numbers, whatever the precondition. Every other candidate is checked
    against the domain's actions only. So the goal action's precondition (the goal) changes nothing."""
    blocks = [block for block in domain if not (isinstance(block, list) and block and block[0] == ":constants")]
    last = blocks[-1]
    if isinstance(last, list) and len(last) == 8 and last[0] == ":action" and last[4:7:2] == [":precondition",
                                                                                                 ":effect"]:
        predicates = next((block for block in blocks if isinstance(block, list) and block
                           and block[0] == ":predicates"), [])
        goal_atom = predicates[-1] if len(predicates) > 1 else None
        effect = last[7]
        others = repr([*blocks[:-1], last[:7]]).replace(repr(goal_atom), "", 1)  # all but its declaration
        if (effect == ["and", goal_atom] and isinstance(goal_atom, list) and len(goal_atom) == 1
                and repr(goal_atom[0]) not in others):
            return repr([*blocks[:-1], [*last[:5], "<goal>", *last[6:]]])
    return repr(blocks)


def _with_goal_action(domain: list, constants: Mapping[str, str], goal_atom: list, action: list) -> list:
    """A copy of ``domain`` with the goal predicate, the goal action and the goal's objects as constants."""
    typed = [token for name in sorted(constants) for token in (name, "-", constants[name])]
    blocks = [list(block) if isinstance(block, list) and block and block[0] in (":predicates", ":constants")
              else block for block in domain]
    heads = [block[0] if isinstance(block, list) and block else None for block in blocks]
    if ":constants" in heads:
        blocks[heads.index(":constants")].extend(typed)
    elif typed:
        # constants come after requirements and types, before predicates
        at = max((i + 1 for i, head in enumerate(heads) if head in (":requirements", ":types")), default=2)
        blocks.insert(at, [":constants", *typed])
        heads.insert(at, ":constants")
    blocks[heads.index(":predicates")].append(goal_atom)
    return [*blocks, action]
