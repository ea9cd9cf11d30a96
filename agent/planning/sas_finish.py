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

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

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
class Encoding:
    """A task's variables, mutex groups and operators as the translator encodes them, before simplifying;
    ``strips_to_sas`` and ``mutex_dict`` map atoms as ``(predicate, args)`` to (variable, value) pairs."""

    ranges: list[int]
    translation_key: list[list[str]]
    mutex_key: list[list[tuple[int, int]]]
    strips_to_sas: dict
    mutex_dict: dict
    operators: list[Any]
    metric: bool
    _arcs: list[dict[int, set[int]]] = field(default_factory=list)
    _finished: OrderedDict[tuple, _Finished] = field(default_factory=OrderedDict)

    def sas_text(self, init: list[int], goal: dict[int, int]) -> str:
        """The finished task's text from this encoding's initial values and goal (neither empty nor
        contradictory: the caller settles those first, as the translator does)."""
        from fast_downward.translate import main as translator
        from fast_downward.translate import simplify

        if not self._arcs:
            self._arcs = [dict(dtg.arcs) for dtg in simplify.build_dtgs(self._task([0] * len(self.ranges), {}))]
        reachable = tuple(frozenset(_reachable(arcs, value)) for arcs, value in zip(self._arcs, init))
        key = (reachable, frozenset(goal))
        finished = self._finished.get(key)
        if finished is None:
            try:
                finished = self._finish(init, goal, reachable)
            except simplify.Impossible:
                return sas_text(translator.unsolvable_sas_task("Simplified to trivially false goal"))
            except simplify.TriviallySolvable:
                return sas_text(translator.solvable_sas_task("Simplified to empty goal"))
            self._finished[key] = finished
            while len(self._finished) > MEMO_SIZE:
                self._finished.popitem(last=False)
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

    def _task(self, init: list[int], goal: dict[int, int]) -> Any:
        """A fresh translator task of this encoding (the translator's steps change their task in place)."""
        from fast_downward.translate import sas_tasks

        return sas_tasks.SASTask(
            sas_tasks.SASVariables(list(self.ranges), [-1] * len(self.ranges), list(self.translation_key)),
            [sas_tasks.SASMutexGroup(group) for group in self.mutex_key], sas_tasks.SASInit(list(init)),
            sas_tasks.SASGoal(list(goal.items())), list(self.operators), [], self.metric)

    def _finish(self, init: list[int], goal: dict[int, int], reachable: tuple[frozenset[int], ...]) -> _Finished:
        """``filter_unreachable_propositions`` and ``find_and_apply_variable_order`` (both options on, as
        ``strips_sas.usable`` demands), keeping the renaming and the order they apply. ``reachable`` holds
        each variable's values reachable from ``init`` (what ``build_renaming`` reads of the graphs)."""
        from fast_downward.translate import simplify, variable_order

        task = self._task(init, goal)
        renaming = simplify.VarValueRenaming()
        for size, value, values in zip(self.ranges, init, reachable):
            renaming.register_variable(size, value, values)
        renaming.apply_to_task(task)  # raises Impossible or TriviallySolvable as the translator's call does
        graph = variable_order.CausalGraph(task)
        necessary = graph.calculate_important_vars(task.goal)
        order = [var for var in graph.get_ordering() if necessary[var]]
        variable_order.VariableOrder(order).apply_to_task(task)
        place = {var: i for i, var in enumerate(order)}
        position = [None if new_var is None else place.get(new_var) for new_var in renaming.new_var_nos]
        text = sas_text(task)
        head, _, rest = text.partition("begin_state\n")
        _, _, tail = rest.partition("end_goal\n")
        return _Finished(renaming.new_values, position, head, tail)


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
    lines += [*_state_and_goal(task.init.values, task.goal.pairs), str(len(task.operators))]
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
