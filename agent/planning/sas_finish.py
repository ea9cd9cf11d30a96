"""The translator's last steps (simplification, variable order, writing), kept for the inputs they read.

After encoding, Fast Downward's translator removes the values a variable cannot reach from its initial
value and the variables left with one value (``simplify.filter_unreachable_propositions``), orders the
variables along the causal graph and drops those the goal does not depend on
(``variable_order.find_and_apply_variable_order``), and writes the task. On an encoded task (variables,
mutex groups, operators) these steps read the initial state only through each variable's reachable
values in its domain transition graph, and the goal only through which variables it names (which of
them stay, and the causal graph's goal weights); the values themselves are just renamed. So
``Encoding.sas_text`` runs the translator's own steps once per (reachable values, goal variables) and
keeps their result as text plus the renaming, and a later call with other values only renames its
initial state and goal and writes those two sections.
"""

from __future__ import annotations

import copy
import heapq
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from agent.planning.memo import recall

#: finished tasks kept per encoding (reachable values and goal variables met recently)
MEMO_SIZE = 16


@dataclass
class _Finished:
    """One simplified and ordered task: each old variable's new value numbers (``always_true`` or
    ``always_false`` for removed values), its place in the final order (None when removed), and the
    task's text before its initial state and after its goal."""

    new_values: list[list[Any]]
    position: list[int | None]
    head: str
    tail: str


@dataclass
class _Renamed:
    """The encoding after ``filter_unreachable_propositions`` for one set of reachable values: the renaming,
    the renamed variables and mutex groups, the operators that survive it (sorted by name, as the task
    lists them) and their causal graph's arcs (``CausalGraph.weight_graph_from_ops`` on them)."""

    renaming: Any
    variables: Any
    mutexes: list[Any]
    operators: list[Any]
    weights: dict[int, dict[int, int]]
    predecessors: dict[int, set[int]]
    #: per goal variables and weights of the extra operators' arcs: the variable order
    orders: OrderedDict[tuple, list[int]] = field(default_factory=OrderedDict)
    #: per final variable order: the text before the initial state and each surviving operator's text
    ordered: OrderedDict[tuple[int, ...], tuple[str, list[tuple[str, str]]]] = field(default_factory=OrderedDict)


@dataclass
class Encoding:
    """A task's variables, mutex groups and operators as the translator encodes them, before simplifying;
    ``strips_to_sas`` and ``mutex_dict`` map atoms as ``(predicate, args)`` to (variable, value) pairs.

    The operators of the optimal engine's goal action come with each call (``extra``), not with the
    encoding: they are all that differs between two goals over the same objects. Simplification and
    variable order then run on the encoding's operators once per set of reachable values and order, and
    per call only on the goal's operators and the causal graph (which they extend)."""

    ranges: list[int]
    translation_key: list[list[str]]
    mutex_key: list[list[tuple[int, int]]]
    strips_to_sas: dict
    mutex_dict: dict
    operators: list[Any]
    metric: bool
    _arcs: list[dict[int, set[int]]] = field(default_factory=list)
    _renamed: OrderedDict[tuple, _Renamed] = field(default_factory=OrderedDict)
    _finished: OrderedDict[tuple, _Finished] = field(default_factory=OrderedDict)

    def sas_text(self, init: list[int], goal: dict[int, int], extra: list[Any] | None = None) -> str:
        """The finished task's text from this encoding's initial values and goal (neither empty nor
        contradictory: the caller settles those first, as the translator does) and ``extra`` operators
        (encoded as this encoding's, sorted among them by name)."""
        from fast_downward.translate import main as translator
        from fast_downward.translate import simplify

        extra = extra or []
        if not self._arcs:
            self._arcs = [dict(dtg.arcs) for dtg in simplify.build_dtgs(self._task([0] * len(self.ranges), {}))]
        arcs = self._arcs
        if extra:
            arcs = list(arcs)
            for var, dtg in enumerate(simplify.build_dtgs(self._task([0] * len(self.ranges), {}, extra, False))):
                for source, targets in dtg.arcs.items():
                    if arcs[var] is self._arcs[var]:
                        arcs[var] = {value: set(ends) for value, ends in arcs[var].items()}
                    arcs[var].setdefault(source, set()).update(targets)
        reachable = tuple(frozenset(_reachable(var_arcs, value)) for var_arcs, value in zip(arcs, init))
        key = (reachable, frozenset(goal), tuple(map(_operator_key, extra)))
        finished = self._finished.get(key)
        if finished is None:
            renamed = recall(self._renamed, reachable, lambda: self._rename(reachable), MEMO_SIZE)
            new_goal = [renamed.renaming.translate_pair(pair) for pair in sorted(goal.items())]
            kept = [pair for pair in new_goal if pair[1] is not simplify.always_true]
            if any(value is simplify.always_false for _, value in kept):
                return sas_text(translator.unsolvable_sas_task("Simplified to trivially false goal"))
            if not kept:
                return sas_text(translator.solvable_sas_task("Simplified to empty goal"))
            finished = recall(self._finished, key, lambda: self._finish(renamed, kept, extra), MEMO_SIZE)
        self._finished.move_to_end(key)
        goal_pairs = []
        for var, value in sorted(goal.items()):
            new_value = finished.new_values[var][value]
            if new_value is simplify.always_false:
                return sas_text(translator.unsolvable_sas_task("Simplified to trivially false goal"))
            position = finished.position[var]
            if new_value is not simplify.always_true and position is not None:
                goal_pairs.append((position, new_value))
        if not goal_pairs:
            return sas_text(translator.solvable_sas_task("Simplified to empty goal"))
        values = [0] * sum(position is not None for position in finished.position)
        for var, value in enumerate(init):
            position = finished.position[var]
            if position is not None:
                values[position] = finished.new_values[var][value]
        return finished.head + "\n".join(_state_and_goal(values, sorted(goal_pairs))) + "\n" + finished.tail

    def _task(self, init: list[int], goal: dict[int, int], operators: list[Any] | None = None,
              mutexes: bool = True) -> Any:
        """A fresh translator task of this encoding (the translator's steps change their task in place),
        with ``operators`` in place of the encoding's where given."""
        from fast_downward.translate import sas_tasks

        return sas_tasks.SASTask(
            sas_tasks.SASVariables(list(self.ranges), [-1] * len(self.ranges), list(self.translation_key)),
            [sas_tasks.SASMutexGroup(group) for group in self.mutex_key] if mutexes else [],
            sas_tasks.SASInit(list(init)), sas_tasks.SASGoal(list(goal.items())),
            list(self.operators if operators is None else operators), [], self.metric)

    def _rename(self, reachable: tuple[frozenset[int], ...]) -> _Renamed:
        """``filter_unreachable_propositions`` on the encoding's variables, mutex groups and operators, with
        ``reachable`` holding each variable's values reachable from the initial state (what
        ``build_renaming`` reads of the graphs); the goal is renamed per call."""
        from fast_downward.translate import simplify, variable_order

        task = self._task([min(values) for values in reachable], {})
        renaming = simplify.VarValueRenaming()
        for size, values in zip(self.ranges, reachable):
            renaming.register_variable(size, min(values), values)
        renaming.apply_to_variables(task.variables)
        renaming.apply_to_mutexes(task.mutexes)
        renaming.apply_to_operators(task.operators)
        graph = variable_order.CausalGraph(task)
        return _Renamed(renaming, task.variables, task.mutexes, task.operators,
                        {source: dict(targets) for source, targets in graph.weighted_graph.items()},
                        {target: set(sources) for target, sources in graph.predecessor_graph.items()})

    def _finish(self, renamed: _Renamed, goal: list[tuple[int, int]], extra: list[Any]) -> _Finished:
        """``find_and_apply_variable_order`` (both options on, as ``strips_sas.usable`` demands) on the
        renamed task, its goal (renamed, none always false) and the ``extra`` operators, keeping the
        renaming and the order they apply. The causal graph is the kept one of the encoding's operators
        plus the extra operators' arcs (weights add up, whatever the operators' order)."""
        from fast_downward.translate import sas_tasks, variable_order

        variables = renamed.variables
        extra_task = sas_tasks.SASTask(
            sas_tasks.SASVariables(list(variables.ranges), list(variables.axiom_layers), list(variables.value_names)),
            [], sas_tasks.SASInit([0] * len(variables.ranges)), sas_tasks.SASGoal(goal),
            [op for op in map(renamed.renaming.translate_operator, extra) if op is not None], [], self.metric)
        graph = variable_order.CausalGraph(extra_task)
        # the order depends on the operators only through the graph's weights: goals whose operators add the
        # same weights (a goal on the same variables, other values) share it
        weights = sorted((source, tuple(sorted(targets.items()))) for source, targets in graph.weighted_graph.items())
        key = (tuple(goal_var for goal_var, _ in extra_task.goal.pairs), tuple(weights))

        def variable_order_of_graph() -> list[int]:
            for source, targets in renamed.weights.items():
                for target, weight in targets.items():
                    graph.weighted_graph[source][target] += weight
            for target, sources in renamed.predecessors.items():
                graph.predecessor_graph[target] |= sources
            necessary = graph.calculate_important_vars(extra_task.goal)
            return [var for var in graph.get_ordering() if necessary[var]]

        order = recall(renamed.orders, key, variable_order_of_graph, MEMO_SIZE)
        head, operators = recall(renamed.ordered, tuple(order), lambda: self._ordered(renamed, order),
                                    MEMO_SIZE)
        variable_order.VariableOrder(order).apply_to_task(extra_task)
        extra_lines = [(op.name, "\n".join(_operator_lines(op))) for op in extra_task.operators]
        merged = [text for _, text in heapq.merge(operators, extra_lines, key=lambda named: named[0])]
        tail = "\n".join([str(len(merged)), *merged, "0"]) + "\n"  # no axioms
        place = {var: i for i, var in enumerate(order)}
        position = [None if new_var is None else place.get(new_var) for new_var in renamed.renaming.new_var_nos]
        return _Finished(renamed.renaming.new_values, position, head, tail)

    def _ordered(self, renamed: _Renamed, order: list[int]) -> tuple[str, list[tuple[str, str]]]:
        """``VariableOrder(order)`` applied to the renamed task: the text before its initial state, and each
        operator that keeps an effect, by name, as text."""
        from fast_downward.translate import sas_tasks, variable_order

        variables = renamed.variables
        # shallow copies: the order replaces the lists of the mutex groups and operators, never changes them
        task = sas_tasks.SASTask(
            sas_tasks.SASVariables(list(variables.ranges), list(variables.axiom_layers), list(variables.value_names)),
            [copy.copy(mutex) for mutex in renamed.mutexes], sas_tasks.SASInit([0] * len(variables.ranges)),
            sas_tasks.SASGoal([]), [copy.copy(op) for op in renamed.operators], [], self.metric)
        variable_order.VariableOrder(order).apply_to_task(task)
        return ("\n".join(_head_lines(task)) + "\n",
                [(op.name, "\n".join(_operator_lines(op))) for op in task.operators])


def _operator_key(op: Any) -> tuple:
    """An encoded operator as a hashable value (its name and conditions)."""
    return op.name, tuple(op.prevail), tuple((var, pre, post, tuple(cond)) for var, pre, post, cond in op.pre_post)


def _reachable(arcs: dict[int, set[int]], init: int) -> set[int]:
    """The values reachable from ``init`` along a domain transition graph's arcs
    (``DomainTransitionGraph.reachable``)."""
    queue = [init]
    reachable = {init}
    while queue:
        new = arcs.get(queue.pop(), set()) - reachable
        reachable |= new
        queue.extend(new)
    return reachable


def _state_and_goal(values: list[int], goal: list[tuple[int, int]]) -> list[str]:
    return ["begin_state", *map(str, values), "end_state", "begin_goal", str(len(goal)),
            *(f"{var} {val}" for var, val in goal), "end_goal"]


def sas_text(task: Any) -> str:
    """``SASTask.output``'s text, built in one join rather than a ``print`` call per number."""
    lines = [*_head_lines(task), *_state_and_goal(task.init.values, task.goal.pairs), str(len(task.operators))]
    for op in task.operators:
        lines += _operator_lines(op)
    lines.append(str(len(task.axioms)))
    for axiom in task.axioms:
        var, val = axiom.effect
        lines += ["begin_rule", str(len(axiom.condition)), *(f"{c_var} {c_val}" for c_var, c_val in axiom.condition),
                  f"{var} {1 - val} {val}", "end_rule"]
    return "\n".join(lines) + "\n"


def _operator_lines(op: Any) -> list[str]:
    """One operator's lines of ``SASTask.output``."""
    lines = ["begin_operator", op.name[1:-1], str(len(op.prevail)), *(f"{var} {val}" for var, val in op.prevail),
             str(len(op.pre_post))]
    for var, pre, post, cond in op.pre_post:
        conditions = (f"{c_var} {c_val}" for c_var, c_val in cond)
        lines.append(" ".join([str(len(cond)), *conditions, f"{var} {pre} {post}"]))
    return [*lines, str(op.cost), "end_operator"]


def _head_lines(task: Any) -> list[str]:
    """The lines of ``SASTask.output`` before the initial state: version, metric, variables, mutex groups."""
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
    return lines
