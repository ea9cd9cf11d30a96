"""STRIPS progression over a domain's actions, to check plans and predict states without building a UP problem.

UP's validator and simulator need a UP problem with every ground atom: at 20 blocks building it and
validating a 54-step plan costs about 40 ms, ten times the search. For the domains the robot uses
(conjunctions of literals as preconditions, unconditional add and delete effects) one step is a set
difference and a union. The model is read from UP's parse of the domain, so it has the same actions as
the planner's problems; a domain with any other construct gets ``None`` and stays on UP's simulator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent.planning.atoms import format_atom

if TYPE_CHECKING:
    from unified_planning.model import FNode, InstantaneousAction, Problem

# An atom of an action schema: predicate and arguments, each ("param", index) or ("object", name).
_Term = tuple[str, int | str]
_Schema = tuple[str, tuple[_Term, ...]]


@dataclass(frozen=True)
class ActionModel:
    """One action as sets of atom schemas."""

    name: str
    arity: int
    positive: tuple[_Schema, ...]
    negative: tuple[_Schema, ...]
    add: tuple[_Schema, ...]
    delete: tuple[_Schema, ...]


class StripsModel:
    """Applies ground operators to states given as sets of atom texts."""

    def __init__(self, actions: dict[str, ActionModel]) -> None:
        self.actions = actions
        self._ground: dict[str, Callable[[tuple[str, ...]], tuple[list[str], ...]]] = {}

    @classmethod
    def of(cls, shell: Problem) -> StripsModel | None:
        """The model of a parsed domain, or None when an action uses more than STRIPS with negation."""
        actions = {}
        for action in shell.actions:
            model = _action_model(action)
            if model is None:
                return None
            actions[action.name] = model
        return cls(actions)

    @classmethod
    def of_translator(cls, actions: list[Any]) -> StripsModel | None:
        """The model of actions as Fast Downward's parser reads them (``pddl.Action``), or None as ``of``."""
        models = {}
        for action in actions:
            model = _translator_action_model(action)
            if model is None:
                return None
            models[action.name] = model
        return cls(models)

    def apply(self, state: frozenset[str], name: str, args: tuple[str, ...]) -> frozenset[str] | None:
        """The state after ``(name *args)``, or None when its precondition does not hold in ``state``."""
        action = self.actions[name]
        if len(args) != action.arity:
            return None
        if name not in self._ground:
            self._ground[name] = _grounder(action)
        positive, negative, delete, add = self._ground[name](args)
        if not state.issuperset(positive) or not state.isdisjoint(negative):
            return None
        return state.difference(delete).union(add)


def _grounder(action: ActionModel) -> Callable[[tuple[str, ...]], tuple[list[str], ...]]:
    """A function from an action's arguments to its ground positive and negative preconditions, delete and
    add effects as atom texts (``format_atom``'s), each atom one ``%`` format: a plan's check grounds
    every step's atoms, thousands on a long plan."""
    def formats(schemas: tuple[_Schema, ...]) -> list[tuple[str, tuple[int, ...]]]:
        compiled = []
        for predicate, terms in schemas:
            text = format_atom(predicate.replace("%", "%%"),
                               ("%s" if kind == "param" else str(v).replace("%", "%%") for kind, v in terms))
            compiled.append((text, tuple(int(v) for kind, v in terms if kind == "param")))
        return compiled

    parts = [formats(schemas) for schemas in (action.positive, action.negative, action.delete, action.add)]
    return lambda args: tuple([text % tuple(args[i] for i in picks) for text, picks in part] for part in parts)


def _action_model(action: InstantaneousAction) -> ActionModel | None:
    from unified_planning.model import InstantaneousAction

    if not isinstance(action, InstantaneousAction):
        return None
    index = {p.name: i for i, p in enumerate(action.parameters)}
    positive: list[_Schema] = []
    negative: list[_Schema] = []
    for condition in action.preconditions:
        for literal in condition.args if condition.is_and() else (condition,):
            atom = literal.arg(0) if literal.is_not() else literal
            schema = _schema(atom, index)
            if schema is None:
                return None
            (negative if literal.is_not() else positive).append(schema)
    add: list[_Schema] = []
    delete: list[_Schema] = []
    for effect in action.effects:
        if effect.is_conditional() or effect.is_forall() or not effect.is_assignment():
            return None
        schema = _schema(effect.fluent, index)
        if schema is None or not (effect.value.is_true() or effect.value.is_false()):
            return None
        (add if effect.value.is_true() else delete).append(schema)
    return ActionModel(action.name, len(index), tuple(positive), tuple(negative), tuple(add), tuple(delete))


def _translator_action_model(action: Any) -> ActionModel | None:
    from fast_downward.translate import pddl

    index = {p.name: i for i, p in enumerate(action.parameters)}
    condition = action.precondition
    parts = condition.parts if isinstance(condition, pddl.Conjunction) else (condition,)
    positive: list[_Schema] = []
    negative: list[_Schema] = []
    for part in parts:
        if isinstance(part, pddl.Truth):
            continue
        if not isinstance(part, pddl.Literal) or part.predicate == "=":
            return None
        (negative if part.negated else positive).append(_translator_schema(part, index))
    add: list[_Schema] = []
    delete: list[_Schema] = []
    for effect in action.effects:
        if effect.parameters or not isinstance(effect.condition, pddl.Truth):
            return None
        (delete if effect.literal.negated else add).append(_translator_schema(effect.literal, index))
    return ActionModel(action.name, len(index), tuple(positive), tuple(negative), tuple(add), tuple(delete))


def _translator_schema(literal: Any, index: dict[str, int]) -> _Schema:
    terms: list[_Term] = [("param", index[arg]) if arg in index else ("object", arg) for arg in literal.args]
    return literal.predicate, tuple(terms)


def _schema(atom: FNode, index: dict[str, int]) -> _Schema | None:
    """An atom over parameters and objects; None for anything else (equality, nested formulas)."""
    if not atom.is_fluent_exp():
        return None
    terms: list[_Term] = []
    for arg in atom.args:
        if arg.is_parameter_exp():
            terms.append(("param", index[arg.parameter().name]))
        elif arg.is_object_exp():
            terms.append(("object", arg.object().name))
        else:
            return None
    return atom.fluent().name, tuple(terms)
