"""Task planning over a detected state with Fast Downward and unified-planning.

The planner turns a detected state (a set of atom strings) and a goal into a plan, checks the plan
step by step, and records the state the domain predicts after every operator so the agent knows what
to expect. On STRIPS domains Fast Downward runs in this process (``agent.planning.fast_downward``) and the
domain's STRIPS model (``agent.planning.strips``) checks and predicts; otherwise UP's planner, validator and
simulator do. Goals are checked against the domain and the scene first: an unknown object in a goal
makes Fast Downward fail without saying why, so we say why. A goal may name variables (``?b1``, see
``agent.planning.atoms``) and leave the planner to choose their objects.

Everything is sorted before it reaches a planner, so the same inputs give the same plan.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from agent.planning import PLANNERS
from agent.planning.atoms import Atom as _Atom
from agent.planning.atoms import format_atom, holds, is_variable, parse_atom, valid_variable
from agent.planning.domain import Domain
from agent.planning.fast_downward import SEARCH_CONFIGS, FastDownward, with_log
from envs.errors import ConfigError, GoalError, PlanningError

if TYPE_CHECKING:
    from unified_planning.model import FNode, Problem, State

    from agent.planning.strips import StripsModel


# Optimal search (A* + LM-cut) is cheap up to about this many objects and gives the robot the
# fewest moves; beyond it we take lama-first's slightly longer plans to keep planning time bounded.
OPTIMAL_MAX_OBJECTS = 10

#: ground choices a goal's variables may leave (objects per variable, multiplied): the planner grounds the
#: goal once per choice, which took 1.4 s at 46,656 (6 variables over 6 blocks) and 76 s at 823,543
MAX_GOAL_GROUNDINGS = 50_000

#: plans kept for repeated (engine, objects, state, goal) calls; a plan of 500 steps with its states is ~1 MB
CACHE_SIZE = 64


@dataclass(frozen=True)
class Operator:
    """A ground action, e.g. ``(pick d1 left)``."""

    name: str
    args: tuple[str, ...]

    def __str__(self) -> str:
        return format_atom(self.name, self.args)

    @classmethod
    def parse(cls, text: str) -> Operator:
        """Read an operator written as ``"(pick d1 left)"``."""
        try:
            name, args = parse_atom(text)
        except ValueError as exc:
            raise GoalError(f"operator {exc}") from exc
        return cls(name, args)


@dataclass(frozen=True)
class Plan:
    """Operators to run, and the detected state the domain predicts after each of them."""

    operators: tuple[Operator, ...]
    predicted: tuple[frozenset[str], ...]
    engine: str
    plan_time_s: float
    #: True when the plan came from the planner's cache of earlier calls with the same inputs
    cached: bool = False


@contextmanager
def private_cwd() -> Iterator[None]:
    """Run the planner in a fresh temporary directory: Fast Downward's driver writes its translated task
    (``output.sas``) into the working directory, so two planners started from one directory (parallel
    evaluations, several users of one checkout) would otherwise read each other's tasks."""
    previous = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="nesy-plan-") as folder:
        os.chdir(folder)
        try:
            yield
        finally:
            os.chdir(previous)


class Planner:
    """Plans with one engine over one domain; the parsed domain is reused across calls.

    Fast Downward runs in process (see ``agent.planning.fast_downward``) and plans are checked and replayed with the
    domain's STRIPS model, on domains that are plain STRIPS; other domains and pyperplan go through UP's
    planner, validator and simulator. Plans are cached by (engine, objects, state, goal): the search is
    deterministic, so a hit returns exactly the plan a new search would, only sooner. Agents meet the
    same problem again (every Hanoi episode starts from the same tower; a retried scene repeats its state).
    """

    def __init__(self, domain: Domain, engine: str = "auto", timeout_s: float | None = None,
                 cache_size: int = CACHE_SIZE, in_process: bool = True) -> None:
        """``in_process=False`` plans every call through UP's engines: the reference that tests and
        ``benchmarks/planning.py`` compare the in-process path with."""
        if engine not in PLANNERS:
            raise ConfigError(f"unknown planning engine {engine!r} (choices: {', '.join(PLANNERS)})")
        self.domain = domain
        self.engine = engine
        self.timeout_s = timeout_s
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple, Plan] = OrderedDict()
        # False: not decided yet; None: this domain goes through UP
        self._in_process: tuple[FastDownward, StripsModel] | bool | None = False if in_process else None

    def engine_for(self, n_objects: int) -> str:
        """The engine that ``auto`` resolves to for a problem with ``n_objects`` objects."""
        if self.engine != "auto":
            return self.engine
        return "fast-downward-opt" if n_objects <= OPTIMAL_MAX_OBJECTS else "fast-downward"

    def plan(self, objects: Mapping[str, str], state: Iterable[str], goal: Iterable[str]) -> Plan:
        """Plan from ``state`` to ``goal``; ``objects`` maps each object name to its PDDL type.

        ``plan_time_s`` is the whole call: checks, cache look-up, search, validation and prediction."""
        start = time.perf_counter()
        self._check_objects(objects)
        state_atoms = _checked_atoms("state atom", state, objects, self.domain)
        goal_atoms = _checked_atoms("goal atom", goal, objects, self.domain, variables=True)
        variables = _variable_types(goal_atoms, self.domain)
        _check_groundings(variables, objects, self.domain)
        engine = self.engine_for(len(objects))
        if holds(map(_text, goal_atoms), map(_text, state_atoms)):
            return Plan((), (), engine, time.perf_counter() - start)
        key = (engine, tuple(sorted(objects.items())), tuple(state_atoms), tuple(goal_atoms))
        if key in self._cache:
            self._cache.move_to_end(key)
            return replace(self._cache[key], plan_time_s=time.perf_counter() - start, cached=True)
        goal_text = " ".join(format_atom(*atom) for atom in goal_atoms)
        in_process = self._in_process_planner(engine, objects)
        if in_process is None:
            plan = self._plan_with_up(objects, state_atoms, goal_atoms, variables, engine, goal_text)
        else:
            plan = self._plan_in_process(*in_process, objects, state_atoms, goal_atoms, variables, engine, goal_text)
        self._cache[key] = plan
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return replace(plan, plan_time_s=time.perf_counter() - start)

    def _in_process_planner(self, engine: str, objects: Mapping[str, str]) -> tuple[FastDownward, StripsModel] | None:
        """Fast Downward in process and the STRIPS model, where the engine and the domain allow them."""
        if engine not in SEARCH_CONFIGS or not _unique_lower(objects):
            return None
        if self._in_process is False:
            model = self.domain.strips
            names = [*self.domain.types, *self.domain.predicates, *self.domain.actions]
            usable = model is not None and _unique_lower(names)
            self._in_process = (FastDownward(self.domain.pddl_path), model) if usable else None
        return self._in_process

    def _plan_in_process(self, fast_downward: FastDownward, model: StripsModel, objects: Mapping[str, str],
                         state_atoms: list[_Atom], goal_atoms: list[_Atom], variables: Mapping[str, str], engine: str,
                         goal_text: str) -> Plan:
        """Translate and search in process; check the plan step by step and record the predicted states."""
        result = fast_downward.solve(objects, state_atoms, goal_atoms, engine, self.timeout_s, variables)
        result.raise_unless_solved(f"no plan reaches goal {goal_text}: {engine} says {result.status}",
                                   f"{engine} failed on goal {goal_text}: status {result.status}")
        object_names = {name.lower(): name for name in objects}
        action_names = {name.lower(): name for name in self.domain.actions}
        operators, predicted = [], []
        current = frozenset(format_atom(*atom) for atom in state_atoms)
        for step, (name, args) in enumerate(result.plan, start=1):
            operator = Operator(action_names.get(name, name), tuple(object_names.get(a, a) for a in args))
            after = model.apply(current, operator.name, operator.args) if operator.name in model.actions else None
            if after is None:
                raise PlanningError(f"{engine} returned an invalid plan for goal {goal_text}: "
                                    f"step {step} {operator} is not applicable")
            operators.append(operator)
            predicted.append(after)
            current = after
        if not holds(map(_text, goal_atoms), current):
            raise PlanningError(f"{engine} returned an invalid plan for goal {goal_text}: "
                                "the goal does not hold after it")
        return Plan(tuple(operators), tuple(predicted), engine, 0.0)

    def _plan_with_up(self, objects: Mapping[str, str], state_atoms: list[_Atom], goal_atoms: list[_Atom],
                      variables: Mapping[str, str], engine: str, goal_text: str) -> Plan:
        """Solve, validate and replay through unified-planning's engines."""
        from unified_planning.engines import PlanGenerationResultStatus as Status
        from unified_planning.engines import ValidationResultStatus
        from unified_planning.shortcuts import (
            MinimizeSequentialPlanLength,
            OneshotPlanner,
            PlanValidator,
            SequentialSimulator,
        )

        problem, ground = self._problem(objects, state_atoms, goal_atoms, variables)
        if engine.endswith("-opt"):
            problem.add_quality_metric(MinimizeSequentialPlanLength())
        with OneshotPlanner(name=engine) as solver, private_cwd():
            result = solver.solve(problem, timeout=self.timeout_s, output_stream=None)
        if result.status in (Status.UNSOLVABLE_PROVEN, Status.UNSOLVABLE_INCOMPLETELY):
            raise PlanningError(f"no plan reaches goal {goal_text}: {engine} says {result.status.name}")
        if result.status not in (Status.SOLVED_SATISFICING, Status.SOLVED_OPTIMALLY):
            log = " ".join(m.message for m in result.log_messages or ())
            raise PlanningError(with_log(f"{engine} failed on goal {goal_text}: status {result.status.name}", log))
        with PlanValidator(name="sequential_plan_validator") as validator:
            validation = validator.validate(problem, result.plan)
        if validation.status != ValidationResultStatus.VALID:
            raise PlanningError(f"{engine} returned an invalid plan for goal {goal_text}: {validation.reason}")
        operators, predicted = [], []
        with SequentialSimulator(problem, name="sequential_simulator") as simulator:
            current = simulator.get_initial_state()
            for instance in result.plan.actions:
                current = simulator.apply(current, instance)
                args = tuple(p.object().name for p in instance.actual_parameters)
                operators.append(Operator(instance.action.name, args))
                predicted.append(_true_atoms(current, ground))
        return Plan(tuple(operators), tuple(predicted), engine, 0.0)

    def up_problem(self, objects: Mapping[str, str], state: Iterable[str], goal: Iterable[str]) -> Problem:
        """The UP problem of a planning call, as UP's engines get it: to compare with them and validate."""
        self._check_objects(objects)
        goal_atoms = _checked_atoms("goal atom", goal, objects, self.domain, variables=True)
        problem, _ = self._problem(objects, _checked_atoms("state atom", state, objects, self.domain), goal_atoms,
                                   _variable_types(goal_atoms, self.domain))
        return problem

    def predict(self, objects: Mapping[str, str], state: Iterable[str], operator: Operator) -> frozenset[str] | None:
        """The state the domain predicts after ``operator`` in ``state``; None if it is inapplicable there."""
        from unified_planning.exceptions import UPInvalidActionError
        from unified_planning.shortcuts import SequentialSimulator

        self._check_objects(objects)
        actions = self.domain.actions
        if operator.name not in actions:
            raise GoalError(
                f"operator {operator}: unknown action {operator.name!r} (actions: {', '.join(sorted(actions))})"
            )
        params = actions[operator.name]
        _check_args(f"operator {operator}", operator.args, [t for _, t in params], objects, self.domain)
        problem, ground = self._problem(objects, _checked_atoms("state atom", state, objects, self.domain), [], {})
        action = problem.action(operator.name)
        args = [problem.object(a) for a in operator.args]
        with SequentialSimulator(problem, name="sequential_simulator") as simulator:
            try:
                after = simulator.apply(simulator.get_initial_state(), action, args)
            except UPInvalidActionError:  # grounding found a precondition false for good (a static one)
                return None
        return None if after is None else _true_atoms(after, ground)

    def _check_objects(self, objects: Mapping[str, str]) -> None:
        """Every object's type is one the domain declares (UP would fail later, less clearly)."""
        for name in sorted(objects):
            if objects[name] not in self.domain.types:
                raise GoalError(
                    f"object {name!r} has type {objects[name]!r}, which {self.domain.name} does not declare "
                    f"(types: {', '.join(sorted(self.domain.types))})"
                )

    def _problem(
        self, objects: Mapping[str, str], state: list[_Atom], goal: list[_Atom], variables: Mapping[str, str]
    ) -> tuple[Problem, list[tuple[str, FNode]]]:
        """The UP problem for this scene, and every ground atom with its UP expression, sorted. A goal with
        variables becomes one existential condition over them."""
        from unified_planning.model import Object, Variable
        from unified_planning.shortcuts import And, Exists

        problem = self.domain.new_problem(f"{self.domain.name}-problem")
        for name in sorted(objects):
            problem.add_object(Object(name, problem.user_type(objects[name])))
        terms = {name: Variable(name[1:], problem.user_type(kind)) for name, kind in variables.items()}

        def expression(predicate: str, args: tuple[str, ...]) -> FNode:
            return problem.fluent(predicate)(*(terms[a] if a in terms else problem.object(a) for a in args))

        for predicate, args in state:
            problem.set_initial_value(expression(predicate, args), True)
        if terms:
            problem.add_goal(Exists(And(*(expression(*atom) for atom in goal)), *terms.values()))
        else:
            for predicate, args in goal:
                problem.add_goal(expression(predicate, args))
        ground = sorted(
            (format_atom(f.fluent().name, (a.object().name for a in f.args)), f)
            for f in problem.initial_values
        )
        return problem, ground


def _unique_lower(names: Iterable[str]) -> bool:
    """Whether names stay distinct in lower case: Fast Downward lower-cases every name it reads."""
    names = list(names)
    return len({n.lower() for n in names}) == len(names)


def _text(atom: _Atom) -> str:
    return format_atom(*atom)


def _checked_atoms(what: str, texts: Iterable[str], objects: Mapping[str, str], domain: Domain,
                   variables: bool = False) -> list[_Atom]:
    """Parse atoms and check them against the domain's predicates and the scene's objects (or, where
    ``variables``, well-formed variables); sorted, unique."""
    atoms = set()
    for text in sorted(texts):
        try:
            predicate, args = parse_atom(text)
        except ValueError as exc:
            raise GoalError(f"{what} {exc}") from exc
        label = f"{what} {text}"
        if predicate not in domain.predicates:
            raise GoalError(
                f"{label}: unknown predicate {predicate!r} (predicates: {', '.join(sorted(domain.predicates))})"
            )
        _check_args(label, args, domain.predicates[predicate], objects, domain, variables)
        atoms.add((predicate, args))
    return sorted(atoms)


def _check_args(
    label: str, args: tuple[str, ...], types: Iterable[str], objects: Mapping[str, str], domain: Domain,
    variables: bool = False,
) -> None:
    """Arity, object names and types of an atom's or an operator's arguments."""
    types = tuple(types)
    if len(args) != len(types):
        raise GoalError(f"{label}: takes {len(types)} argument(s) ({', '.join(types) or 'none'}), got {len(args)}")
    for position, (arg, expected) in enumerate(zip(args, types), start=1):
        if variables and is_variable(arg):
            if not valid_variable(arg):
                raise GoalError(f"{label}: {arg!r} is not a variable name (a letter after '?', then letters, "
                                "digits, '_' or '-')")
            continue
        if arg not in objects:
            raise GoalError(f"{label}: unknown object {arg!r} (objects: {', '.join(sorted(objects))})")
        if not domain.is_subtype(objects[arg], expected):
            raise GoalError(f"{label}: argument {position} must be a {expected}, but {arg!r} is a {objects[arg]}")


def _variable_types(goal: list[_Atom], domain: Domain) -> dict[str, str]:
    """Each goal variable's type: the most specific of the parameter types it stands for, which must all
    admit it (``(on ?x ?p)`` with ``?x`` also a peg in ``(clear ?x)`` is an error only if no type fits both)."""
    wanted: dict[str, set[str]] = {}
    for predicate, args in goal:
        for arg, kind in zip(args, domain.predicates[predicate]):
            if is_variable(arg):
                wanted.setdefault(arg, set()).add(kind)
    types = {}
    for variable, kinds in sorted(wanted.items()):
        fitting = [k for k in sorted(kinds) if all(domain.is_subtype(k, other) for other in kinds)]
        if not fitting:
            raise GoalError(f"goal variable {variable} stands for objects of unrelated types "
                            f"{', '.join(sorted(kinds))}")
        types[variable] = fitting[0]
    return types


def _check_groundings(variables: Mapping[str, str], objects: Mapping[str, str], domain: Domain) -> None:
    """Refuse a goal whose variables leave more choices than the planner can ground in reasonable time."""
    choices = 1
    for kind in variables.values():
        choices *= sum(domain.is_subtype(k, kind) for k in objects.values())
    if choices > MAX_GOAL_GROUNDINGS:
        raise GoalError(f"the goal's {len(variables)} variables ({', '.join(sorted(variables))}) leave {choices:,} "
                        f"choices of objects, more than the planner grounds in reasonable time "
                        f"({MAX_GOAL_GROUNDINGS:,}); name some of the objects instead")


def _true_atoms(state: State, ground: list[tuple[str, FNode]]) -> frozenset[str]:
    """The atoms that hold in a UP simulator state."""
    return frozenset(text for text, expression in ground if state.get_value(expression).is_true())
