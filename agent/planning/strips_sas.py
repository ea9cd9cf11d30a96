"""Fast Downward's ``pddl_to_sas`` for plain STRIPS tasks, on our grounder and a direct operator encoding.

The translator's ``pddl_to_sas`` grounds the task (``instantiate.explore``), groups atoms into variables
from the mutex invariants, turns each ground action into a finite-domain operator, and then simplifies
and reorders the variables. On a task that ``grounder.is_plain_strips`` accepts, this module grounds with
``agent.planning.grounder`` and encodes operators with ``_operator``: the translator's
``translate_strips_operator`` with what cannot occur there left out (negative conditions, conditional
effects, implied preconditions), which is most of its cost; ``sas_text`` writes the task in one join.
Fact groups, simplification and variable order are the translator's own functions, so the task the
search reads is the same, text for text (``tests/test_grounder.py``).
"""

from __future__ import annotations

from typing import Any

from agent.planning import grounder


def usable(task: Any) -> bool:
    """Whether ``pddl_to_sas`` here gives the translator's result: a plain STRIPS task and the translator's
    default encoding options (the ones ``_operator`` assumes)."""
    from fast_downward.translate.options import get_options

    options = get_options()
    return (options.use_partial_encoding and not options.add_implied_preconditions and not options.keep_no_ops
            and not options.generate_relaxed_task and grounder.is_plain_strips(task))


def pddl_to_sas(task: Any) -> Any:
    """The translator's ``pddl_to_sas`` for a normalised task that ``usable`` accepts."""
    from fast_downward.translate import fact_groups, simplify, variable_order
    from fast_downward.translate import main as translator
    from fast_downward.translate.options import get_options

    relaxed_reachable, atoms, actions, goal_list, reachable_action_params = grounder.explore(task)
    if not relaxed_reachable:
        return translator.unsolvable_sas_task("No relaxed solution")
    if goal_list is None:
        return translator.unsolvable_sas_task("Trivially false goal")
    groups, mutex_groups, translation_key = fact_groups.compute_groups(task, atoms, reachable_action_params, set())
    ranges, strips_to_sas = translator.strips_to_sas_dictionary(groups, assert_partial=True)
    _, mutex_dict = translator.strips_to_sas_dictionary(mutex_groups, assert_partial=False)
    mutex_key = translator.build_mutex_key(strips_to_sas, mutex_groups)

    sas_task = _task(task, actions, goal_list, groups, translation_key, ranges, strips_to_sas, mutex_dict,
                     mutex_key)
    options = get_options()
    if options.filter_unreachable_facts:
        try:
            simplify.filter_unreachable_propositions(sas_task)
        except simplify.Impossible:
            return translator.unsolvable_sas_task("Simplified to trivially false goal")
        except simplify.TriviallySolvable:
            return translator.solvable_sas_task("Simplified to empty goal")
    if options.reorder_variables or options.filter_unimportant_vars:
        variable_order.find_and_apply_variable_order(sas_task, options.reorder_variables,
                                                     options.filter_unimportant_vars)
    return sas_task


def _task(task: Any, actions: list, goal_list: list, groups: list, translation_key: list, ranges: list[int],
          strips_to_sas: dict, mutex_dict: dict, mutex_key: list) -> Any:
    """The translator's ``translate_task`` for plain STRIPS: no axioms to layer, operators from ``_operator``."""
    from fast_downward.translate import main as translator
    from fast_downward.translate import sas_tasks

    init = [len(group) for group in groups]  # the closed world: each variable's "none of those" value
    for fact in task.init:
        for var, val in strips_to_sas.get(fact, ()):
            init[var] = val
    goal = _condition(goal_list, strips_to_sas, mutex_dict)
    if goal is None:
        return translator.unsolvable_sas_task("Goal violates a mutex")
    if not goal:
        return translator.solvable_sas_task("Empty goal")
    operators = []
    for action in actions:
        operator = _operator(action, strips_to_sas, ranges, mutex_dict)
        if operator is not None:
            operators.append(operator)
    return sas_tasks.SASTask(
        sas_tasks.SASVariables(ranges, [-1] * len(ranges), translation_key),
        [sas_tasks.SASMutexGroup(group) for group in mutex_key], sas_tasks.SASInit(init),
        sas_tasks.SASGoal(list(goal.items())), operators, [], task.use_min_cost_metric)


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


def sas_text(task: Any) -> str:
    """``SASTask.output``'s text, built in one join rather than a ``print`` call per number."""
    from fast_downward.translate.sas_tasks import SAS_FILE_VERSION

    lines = ["begin_version", str(SAS_FILE_VERSION), "end_version", "begin_metric", str(int(task.metric)),
             "end_metric", str(len(task.variables.ranges))]
    variables = task.variables
    for var, (size, layer, values) in enumerate(zip(variables.ranges, variables.axiom_layers, variables.value_names)):
        lines += ["begin_variable", f"var{var}", str(layer), str(size), *map(str, values), "end_variable"]
    lines.append(str(len(task.mutexes)))
    for mutex in task.mutexes:
        lines += ["begin_mutex_group", str(len(mutex.facts)), *(f"{var} {val}" for var, val in mutex.facts),
                  "end_mutex_group"]
    lines += ["begin_state", *map(str, task.init.values), "end_state", "begin_goal", str(len(task.goal.pairs)),
              *(f"{var} {val}" for var, val in task.goal.pairs), "end_goal", str(len(task.operators))]
    for op in task.operators:
        lines += ["begin_operator", op.name[1:-1], str(len(op.prevail)), *(f"{var} {val}" for var, val in op.prevail),
                  str(len(op.pre_post))]
        for var, pre, post, cond in op.pre_post:
            conditions = (f"{c_var} {c_val}" for c_var, c_val in cond)
            lines.append(" ".join([str(len(cond)), *conditions, f"{var} {pre} {post}"]))
        lines += [str(op.cost), "end_operator"]
    lines.append(str(len(task.axioms)))
    for axiom in task.axioms:
        var, val = axiom.effect
        lines += ["begin_rule", str(len(axiom.condition)), *(f"{c_var} {c_val}" for c_var, c_val in axiom.condition),
                  f"{var} {1 - val} {val}", "end_rule"]
    return "\n".join(lines) + "\n"
