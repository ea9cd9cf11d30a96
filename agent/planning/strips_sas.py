"""Fast Downward's ``pddl_to_sas`` for plain STRIPS tasks, on our grounder and a direct operator encoding.

The translator's ``pddl_to_sas`` grounds the task (``instantiate.explore``), groups atoms into variables
from the mutex invariants, turns each ground action into a finite-domain operator, and then simplifies
and reorders the variables. On a task that ``grounder.is_plain_strips`` accepts, ``Encoder`` grounds with
``agent.planning.grounder`` and encodes operators with ``_operator``: the translator's
``translate_strips_operator`` with what cannot occur there left out (negative conditions, conditional
effects, implied preconditions), which is most of its cost. Fact groups, simplification and variable
order are the translator's own functions, so the task the search reads is the same, text for text
(``tests/test_grounder.py``).

An agent plans again and again over the same objects (replans, new episodes of one scene), and then
most of that work repeats: the fact groups and operators depend on the task only through its ground
actions, reached atoms and the groups its invariants give, and simplification and variable order only
through which values each variable can reach from the initial state and which variables the goal
names. ``Encoder`` keeps each part under exactly those inputs (``agent.planning.sas_finish``), so a new
state of known objects costs the grounding and a few look-ups.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from agent.planning import grounder, sas_finish
from agent.planning.sas_finish import sas_text

#: encodings kept per ``Encoder`` (one per domain): objects, reached atoms and ground actions met recently
MEMO_SIZE = 16


def usable(task: Any) -> bool:
    """Whether ``Encoder`` gives the translator's result: a plain STRIPS task and the translator's default
    options (the encoding ``_operator`` assumes, simplification and variable order as ``sas_finish``
    replays them)."""
    from fast_downward.translate.options import get_options

    options = get_options()
    return (options.use_partial_encoding and not options.add_implied_preconditions and not options.keep_no_ops
            and not options.generate_relaxed_task and options.filter_unreachable_facts
            and options.reorder_variables and options.filter_unimportant_vars and grounder.is_plain_strips(task))


class Encoder:
    """The SAS tasks of plain STRIPS tasks, as text, with the parts that repeat across calls kept."""

    def __init__(self) -> None:
        self.grounder = grounder.Grounder(MEMO_SIZE)
        self._encodings: OrderedDict[tuple, sas_finish.Encoding] = OrderedDict()

    def sas_text(self, task: Any, goal_action: bool = False) -> str:
        """The translator's SAS task for a normalised task that ``usable`` accepts, as ``output.sas`` holds it.
        With ``goal_action`` its last action is the optimal engine's goal action: the encoding is kept for
        the domain's part (the same for every goal over the same objects) and the goal action's operators
        are encoded per call."""
        from fast_downward.translate import invariant_finder
        from fast_downward.translate import main as translator

        grounding = self.grounder.explore(task, goal_action)
        if not grounding.relaxed_reachable:
            return sas_text(translator.unsolvable_sas_task("No relaxed solution"))
        if grounding.goal_list is None:
            return sas_text(translator.unsolvable_sas_task("Trivially false goal"))
        # the groups the invariants give for this initial state (``fact_groups.compute_groups``' first step:
        # ``get_groups`` without its timers, whose clock reads and progress lines cost a third of it), in the
        # order of the atoms that make them useful, which ``_encode`` sorts away
        invariants = list(invariant_finder.find_invariants(task, grounding.reachable_params))
        found = list(invariant_finder.useful_groups(invariants, task.init))
        key = (grounding.key, tuple(sorted(tuple(sorted(group)) for group in found)))
        encoding = self._encodings.get(key)
        if encoding is None:
            encoding = self._encodings[key] = _encode(task, grounding.atoms, grounding.actions, found)
            while len(self._encodings) > MEMO_SIZE:
                self._encodings.popitem(last=False)
        self._encodings.move_to_end(key)
        init = [size - 1 for size in encoding.ranges]  # the closed world: each variable's "none of those"
        for fact in task.init:
            for var, val in encoding.strips_to_sas.get((fact.predicate, fact.args), ()):
                init[var] = val
        goal = _condition(grounding.goal_list, encoding.strips_to_sas, encoding.mutex_dict)
        if goal is None:
            return sas_text(translator.unsolvable_sas_task("Goal violates a mutex"))
        if not goal:
            return sas_text(translator.solvable_sas_task("Empty goal"))
        extra = [operator for operator in (_operator(action, encoding.strips_to_sas, encoding.ranges,
                                                     encoding.mutex_dict) for action in grounding.goal_actions)
                 if operator is not None]
        return encoding.sas_text(init, goal, extra)


def _encode(task: Any, atoms: set, actions: list[grounder.GroundAction], found: list) -> sas_finish.Encoding:
    """``fact_groups.compute_groups`` on the groups ``found`` (without atoms negated in the goal: there are
    none), and the operators of ``actions``."""
    from fast_downward.translate import fact_groups
    from fast_downward.translate import main as translator

    groups = fact_groups.sort_groups(fact_groups.instantiate_groups(found, task, atoms))
    mutex_groups = fact_groups.collect_all_mutex_groups(groups, atoms)
    groups = fact_groups.sort_groups(fact_groups.choose_groups(groups, atoms, set()))
    translation_key = fact_groups.build_translation_key(groups)
    ranges, strips_to_sas = translator.strips_to_sas_dictionary(groups, assert_partial=True)
    _, mutex_dict = translator.strips_to_sas_dictionary(mutex_groups, assert_partial=False)
    mutex_key = translator.build_mutex_key(strips_to_sas, mutex_groups)
    # the tables keyed by (predicate, args), as the grounder names atoms
    strips_to_sas = {(atom.predicate, atom.args): pairs for atom, pairs in strips_to_sas.items()}
    mutex_dict = {(atom.predicate, atom.args): pairs for atom, pairs in mutex_dict.items()}
    operators = []
    for action in actions:
        operator = _operator(action, strips_to_sas, ranges, mutex_dict)
        if operator is not None:
            operators.append(operator)
    return sas_finish.Encoding(ranges, translation_key, mutex_key, strips_to_sas, mutex_dict, operators,
                               task.use_min_cost_metric)


def _condition(facts: list, strips_to_sas: dict, mutex_dict: dict) -> dict[int, int] | None:
    """``translate_strips_conditions`` on positive atoms: each atom's value of its variable, in the order
    the atoms come; None when two atoms are mutex (they share a group of the full encoding) or want
    different values of one variable."""
    for table in (mutex_dict, strips_to_sas):
        condition: dict[int, int] = {}
        for fact in facts:
            for var, val in table[fact]:
                if condition.setdefault(var, val) != val:
                    return None
    return condition


def _operator(action: grounder.GroundAction, strips_to_sas: dict, ranges: list[int], mutex_dict: dict) -> Any:
    """``translate_strips_operator`` for an action with positive preconditions and unconditional effects."""
    from fast_downward.translate import sas_tasks

    condition = _condition(action.precondition, strips_to_sas, mutex_dict)
    if condition is None:
        return None
    # var -> value -> effect conditions, as (var, val) lists; an add effect has none
    effects: dict[int, dict[int, list[list[tuple[int, int]]]]] = {}
    added = set()
    for fact in action.add:
        for var, val in strips_to_sas[fact]:
            effects.setdefault(var, {}).setdefault(val, []).append([])
            added.add(var)
    for fact in action.delete:
        for var, val in strips_to_sas[fact]:
            if var not in added:  # else an add effect on the variable sets its value anyway
                # the deleted value, if it holds, becomes "none of those"
                effects.setdefault(var, {}).setdefault(ranges[var] - 1, []).append([(var, val)])
    pre_post = []
    prevail = dict(condition)
    for var, by_value in effects.items():
        pre = condition.get(var, -1)
        changed = False
        for post, conditions in by_value.items():
            if pre == post:
                continue
            if ranges[var] == 2 and conditions != [[]] and 1 - post not in by_value:
                # binary variable: "var = the other value" as a condition of setting it is no condition
                conditions = [[c for c in cond if c != (var, 1 - post)] for cond in conditions]
                if any(not cond for cond in conditions):
                    conditions = [[]]
            for cond in conditions:
                if any(c_var in condition and condition[c_var] != c_val for c_var, c_val in cond):
                    continue  # contradicts the precondition: never fires
                pre_post.append((var, pre, post, [(c_var, c_val) for c_var, c_val in cond if c_var not in condition]))
                changed = True
        if changed:
            prevail.pop(var, None)
    if not pre_post:
        return None
    return sas_tasks.SASOperator(action.name, list(prevail.items()), pre_post, 1)
