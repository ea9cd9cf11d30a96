"""Relaxed grounding of a plain STRIPS task, in place of Fast Downward's Datalog exploration.

Fast Downward's translator grounds a task by turning it into a Datalog program and computing its model
(``instantiate.explore``): general enough for quantifiers, conditional effects and axioms, and about 40%
of a translation. The project's domains need none of that: preconditions are conjunctions of atoms and
effects add or delete atoms. For such a task a relaxed forward fixpoint gives the same model: an action
is reachable when its parameters have objects of their types and its preconditions are reachable atoms,
and then its add effects are reachable too. Static predicates (no action changes them) are only ever
true where the initial state says so, and are looked up there.

``explore`` finds what ``instantiate.explore`` finds on such a task (the relaxed-reachable flag, the
reached fluent atoms as the translator's atoms, the ground actions, the ground goal and each action's
reached parameters), so the translator's fact groups and invariants run unchanged on it;
``tests/test_grounder.py`` checks that the SAS tasks are the same, text for text.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from typing import Any, NamedTuple

from agent.planning.memo import recall

_GroundAtom = tuple[str, tuple[str, ...]]
#: a binding to fire: the action's index, its parameters' objects, its ground preconditions
_Candidate = tuple[int, tuple[str, ...], list[_GroundAtom]]


#: typed bindings (all actions together) up to which ``explore`` enumerates them; beyond, the translator's
#: join over the preconditions grounds faster (blocks with 20 blocks has 840)
MAX_BINDINGS = 100_000


def is_plain_strips(task: Any) -> bool:
    """Whether a normalised translator task is one ``explore`` grounds as the translator would, and soon:
    no axioms, no action costs, an initial state of atoms, actions and goal made of positive atoms (no
    negation, equality, quantified or conditional effects), at most ``MAX_BINDINGS`` typed bindings."""
    from fast_downward.translate import pddl

    if task.axioms or task.use_min_cost_metric or not all(isinstance(fact, pddl.Atom) for fact in task.init):
        return False
    if _atoms(task.goal) is None or not plain_actions(task.actions):
        return False
    objects_by_type = _objects_by_type(task)
    bindings = sum(math.prod(len(objects_by_type.get(p.type_name, ())) for p in action.parameters)
                   for action in task.actions)
    return bindings <= MAX_BINDINGS


def plain_actions(actions: list[Any]) -> bool:
    """Whether actions (parsed or normalised: normalising leaves such actions as they are) have no costs,
    preconditions made of positive atoms and unconditional add and delete effects."""
    from fast_downward.translate import pddl

    for action in actions:
        if action.cost is not None or action.num_external_parameters != len(action.parameters):
            return False
        if _atoms(action.precondition) is None:
            return False
        for effect in action.effects:
            if effect.parameters or not isinstance(effect.condition, pddl.Truth):
                return False
            if not isinstance(effect.literal, (pddl.Atom, pddl.NegatedAtom)) or effect.literal.predicate == "=":
                return False
    return True


def _objects_by_type(task: Any) -> dict[str, list[str]]:
    """Each type's objects, its subtypes' included, in the task's order (``instantiate.get_objects_by_type``)."""
    objects_by_type: dict[str, list[str]] = defaultdict(list)
    supertypes = {kind.name: kind.supertype_names for kind in task.types}
    for obj in task.objects:
        for kind in (obj.type_name, *supertypes[obj.type_name]):
            objects_by_type[kind].append(obj.name)
    return objects_by_type


def _atoms(condition: Any) -> list[Any] | None:
    """The positive atoms of a condition that is a conjunction of them (or one, or none); None otherwise."""
    from fast_downward.translate import pddl

    if isinstance(condition, pddl.Truth):
        return []
    parts = condition.parts if isinstance(condition, pddl.Conjunction) else (condition,)
    if all(isinstance(part, pddl.Atom) and part.predicate != "=" for part in parts):
        return list(parts)
    return None


class GroundAction(NamedTuple):
    """A reached ground action as the translator's ``PropositionalAction`` holds it: name ``(stack b1 b2)``,
    fluent preconditions, add effects and the delete effects that no add effect overrides, each atom as
    ``(predicate, args)`` (tuples hash and compare in C; the translator's atoms do so in Python)."""

    name: str
    precondition: list[_GroundAtom]
    add: list[_GroundAtom]
    delete: list[_GroundAtom]


class _Schema(NamedTuple):
    """An action compiled for grounding: each atom as a function from the parameters' objects to the atom."""

    action: Any
    preconditions: list[Callable[[tuple[str, ...]], _GroundAtom]]
    static: list[int]  # positions in ``preconditions`` of atoms no action changes
    add: list[Callable[[tuple[str, ...]], _GroundAtom]]
    delete: list[Callable[[tuple[str, ...]], _GroundAtom]]


class Grounding(NamedTuple):
    """What ``instantiate.explore`` finds on a task that ``is_plain_strips`` accepts: whether the goal is
    relaxed reachable, the reached fluent atoms (the translator's), the reached ground actions
    (``GroundAction``, sorted), the goal's fluent atoms (as ``(predicate, args)``; None when a static one
    is false) and each action's reached parameters;
    ``key`` names the atoms, actions and parameters (equal keys, equal groundings but for the goal).
    With a goal action, ``actions`` holds the domain's and ``goal_actions`` the goal action's (the
    translator lists them last), and ``key`` leaves the goal action's precondition out."""

    relaxed_reachable: bool
    atoms: set
    actions: list[GroundAction]
    goal_list: list | None
    reachable_params: dict
    key: tuple
    goal_actions: list[GroundAction]


class _Bindings(NamedTuple):
    """A task's compiled actions, the typed bindings whose static preconditions hold, and those bindings
    as numbers for the fixpoint: the fluent atoms they need or add (``atoms``, numbered by ``ids``), per
    binding the number of distinct atoms it needs and the atoms it adds, per atom the bindings that need it."""

    schemas: list[_Schema]
    fluent: set[str]
    candidates: list[_Candidate]
    atoms: list[_GroundAtom]
    ids: dict[_GroundAtom, int]
    needs: list[int]
    adds: list[list[int]]
    needed_by: list[list[int]]


class _Ground(NamedTuple):
    """The ground task of one relaxed model: its fluent atoms as the translator's atoms, the actions, and
    each action's reached parameters."""

    atoms: dict[_GroundAtom, Any]
    atom_set: set
    actions: list[GroundAction]
    reachable_params: dict


class Grounder:
    """``explore`` for one domain, with what repeats across calls kept: the typed bindings whose static
    preconditions hold, per (lifted task, objects, static atoms), and the ground task, per relaxed model
    (an agent's new states of the same objects mostly reach the same atoms).

    The optimal engine's goal action (``goal_action``: the task's last action, which only adds an atom
    that nothing reads) is grounded apart: it changes what no other action reaches, so the domain's part
    is kept per objects and the goal's part, a few bindings, is all a new goal costs."""

    def __init__(self, memo_size: int = 16) -> None:
        self.memo_size = memo_size
        self._bindings: OrderedDict[tuple, _Bindings] = OrderedDict()
        self._ground: OrderedDict[tuple, _Ground] = OrderedDict()

    def explore(self, task: Any, goal_action: bool = False) -> Grounding:
        """What ``instantiate.explore`` finds on ``task``, a task that ``is_plain_strips`` accepts; with
        ``goal_action``, its last action is the goal action."""
        init: set[_GroundAtom] = {(fact.predicate, fact.args) for fact in task.init}
        fluent = {effect.literal.predicate for action in task.actions for effect in action.effects}
        actions = task.actions[:-1] if goal_action else task.actions
        # the parsed actions themselves (shared by the tasks of one parsed domain), not their text; the
        # objects as a set (the ground task does not depend on their order, and a goal's objects come first
        # in the optimal engine's task, as its constants)
        lifted = (tuple(actions), tuple((kind.name, *kind.supertype_names) for kind in task.types),
                  tuple(sorted((obj.name, obj.type_name) for obj in task.objects)),
                  frozenset(atom for atom in init if atom[0] not in fluent))
        objects_by_type = _objects_by_type(task)
        bindings = recall(self._bindings, lifted, lambda: _bind(actions, objects_by_type, init, fluent),
                           self.memo_size)

        reached, fired = _fixpoint(bindings, init)
        # the relaxed model: the static initial atoms (in ``lifted``), the reached fluent ones and the other
        # fluent initial ones
        others = frozenset(atom for atom in init if atom[0] in fluent and atom not in bindings.ids)
        key: tuple = (lifted, bytes(reached), others)

        def ground_task() -> _Ground:
            model = init | {atom for atom, hit in zip(bindings.atoms, reached) if hit}
            return _ground_task(bindings, model, [bindings.candidates[c] for c in fired])

        ground = recall(self._ground, key, ground_task, self.memo_size)
        atom_set, reachable_params = ground.atom_set, ground.reachable_params
        goal_actions: list[tuple[tuple[str, ...], GroundAction]] = []
        reached_goal: set[_GroundAtom] = set()  # the goal action's effects, where it fires
        if goal_action:
            def in_model(atom: _GroundAtom) -> bool:
                return atom in init or (atom in bindings.ids and reached[bindings.ids[atom]] == 1)

            action = task.actions[-1]
            goal_actions = _ground_goal_action(action, fluent, objects_by_type, in_model, ground.atoms)
            reachable_params = defaultdict(list, reachable_params)
            reachable_params[action] = [args for args, _ in goal_actions]
            reached_goal = {atom for _, ground_action in goal_actions for atom in ground_action.add}
            atom_set = atom_set | {_translator_atom(atom) for atom in reached_goal}
            key = (key, tuple((effect.literal.predicate, effect.literal.args) for effect in action.effects))
        goal = [(part.predicate, part.args) for part in _atoms(task.goal) or ()]
        goal_list: list | None = []
        for atom in goal:
            if atom in ground.atoms or atom in reached_goal:
                goal_list.append(atom)  # type: ignore[union-attr]
            elif atom not in init:
                goal_list = None
                break
        relaxed_reachable = all(atom in init or atom in reached_goal
                                or (atom in bindings.ids and reached[bindings.ids[atom]]) for atom in goal)
        return Grounding(relaxed_reachable, atom_set, ground.actions, goal_list, reachable_params, key,
                         [action for _, action in goal_actions])


def _bind(actions: list[Any], objects_by_type: dict[str, list[str]], init: set[_GroundAtom],
          fluent: set[str]) -> _Bindings:
    """Every typed binding of every action whose static preconditions hold (static atoms are the initial
    ones), with its fluent preconditions: it fires once all of those are reached."""
    schemas = [_schema(action, fluent) for action in actions]
    candidates: list[_Candidate] = []
    for index, schema in enumerate(schemas):
        for args in itertools.product(*(objects_by_type.get(p.type_name, ()) for p in schema.action.parameters)):
            ground = [atom(args) for atom in schema.preconditions]
            if all(ground[i] in init for i in schema.static):
                candidates.append((index, args, ground))
    ids: dict[_GroundAtom, int] = {}
    needs: list[int] = []
    adds: list[list[int]] = []
    needed_by: list[list[int]] = []
    for candidate, (index, args, ground) in enumerate(candidates):
        needed = {ids.setdefault(atom, len(ids)) for atom in ground if atom[0] in fluent}
        needs.append(len(needed))
        adds.append([ids.setdefault(atom(args), len(ids)) for atom in schemas[index].add])
        needed_by.extend([] for _ in range(len(ids) - len(needed_by)))
        for atom_id in needed:
            needed_by[atom_id].append(candidate)
    return _Bindings(schemas, fluent, candidates, list(ids), ids, needs, adds, needed_by)


def _fixpoint(bindings: _Bindings, init: set[_GroundAtom]) -> tuple[bytearray, list[int]]:
    """The relaxed fixpoint from ``init``: which of the bindings' atoms are reached (one byte each) and which
    bindings fire (all their fluent preconditions reached). Counts each binding's preconditions down as
    atoms are reached, so every binding and atom is looked at once."""
    missing = list(bindings.needs)
    reached = bytearray(len(bindings.atoms))
    queue = [bindings.ids[atom] for atom in init if atom in bindings.ids]
    for atom_id in queue:
        reached[atom_id] = 1
    ready = [candidate for candidate, count in enumerate(missing) if not count]
    fired: list[int] = []
    while ready or queue:
        while ready:
            candidate = ready.pop()
            fired.append(candidate)
            for atom_id in bindings.adds[candidate]:
                if not reached[atom_id]:
                    reached[atom_id] = 1
                    queue.append(atom_id)
        if queue:
            for candidate in bindings.needed_by[queue.pop()]:
                missing[candidate] -= 1
                if not missing[candidate]:
                    ready.append(candidate)
    return reached, fired


def _ground_goal_action(action: Any, fluent: set[str], objects_by_type: dict[str, list[str]],
                        in_model: Callable[[_GroundAtom], bool], fluent_atoms: dict[_GroundAtom, Any],
                        ) -> list[tuple[tuple[str, ...], GroundAction]]:
    """The goal action's reached bindings, sorted, each with its ground action: those whose preconditions
    are all in the relaxed model (nothing else reads its effect, so it adds nothing to the model)."""
    schema = _schema(action, fluent)
    reached = []
    for args in itertools.product(*(objects_by_type.get(p.type_name, ()) for p in action.parameters)):
        ground = [atom(args) for atom in schema.preconditions]
        if all(map(in_model, ground)):
            name = f"({action.name} {' '.join(args)})"
            add = [effect(args) for effect in schema.add]
            reached.append((args, GroundAction(name, [atom for atom in ground if atom in fluent_atoms], add, [])))
    return sorted(reached, key=lambda pair: pair[0])


def _translator_atom(atom: _GroundAtom) -> Any:
    from fast_downward.translate import pddl

    return pddl.Atom(*atom)


def _ground_task(bindings: _Bindings, model: set[_GroundAtom], fired: list[_Candidate]) -> _Ground:
    from fast_downward.translate import pddl

    atoms: dict[_GroundAtom, Any] = {atom: pddl.Atom(*atom) for atom in model if atom[0] in bindings.fluent}
    actions = []
    reachable_params: dict[Any, list[tuple[str, ...]]] = defaultdict(list)
    for index, args, ground in sorted(fired, key=lambda candidate: candidate[:2]):
        schema = bindings.schemas[index]
        reachable_params[schema.action].append(args)
        add = [effect(args) for effect in schema.add]
        added = set(add)
        # a delete effect of an atom never reached is dropped, and an add effect overrides a delete one
        delete = [atom for atom in (effect(args) for effect in schema.delete) if atom in atoms and atom not in added]
        if add or delete:
            name = f"({schema.action.name} {' '.join(args)})"
            actions.append(GroundAction(name, [atom for atom in ground if atom in atoms], add, delete))
    return _Ground(atoms, set(atoms.values()), actions, reachable_params)


def _schema(action: Any, fluent: set[str]) -> _Schema:
    names = [p.name for p in action.parameters]
    preconditions = _atoms(action.precondition) or []
    return _Schema(action, [_compile(atom, names) for atom in preconditions],
                   [i for i, atom in enumerate(preconditions) if atom.predicate not in fluent],
                   [_compile(e.literal, names) for e in action.effects if not e.literal.negated],
                   [_compile(e.literal, names) for e in action.effects if e.literal.negated])


def _compile(literal: Any, names: list[str]) -> Callable[[tuple[str, ...]], _GroundAtom]:
    """A function from an action's parameter objects to the ground atom of ``literal`` (positive)."""
    predicate = literal.predicate
    if all(arg in names for arg in literal.args) and literal.args:
        if len(literal.args) == 1:
            position = names.index(literal.args[0])
            return lambda args: (predicate, (args[position],))
        pick = operator.itemgetter(*(names.index(arg) for arg in literal.args))
        return lambda args: (predicate, pick(args))
    terms = [(names.index(arg), "") if arg in names else (-1, arg) for arg in literal.args]
    return lambda args: (predicate, tuple(args[i] if i >= 0 else constant for i, constant in terms))
