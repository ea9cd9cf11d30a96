"""Check a plan on the grounded task Fast Downward's translator made (its SAS task) by simulating it.

Used where unified-planning cannot read a file and its validator therefore cannot check the plan: the plan is
replayed on the translator's finite-domain task, operator by operator. Each operator's preconditions (prevail
conditions and the ``pre`` of each effect) must hold in the state reached so far; its effects fire when their
conditions hold in that state, all at once; derived variables are recomputed from the axioms after every step;
the goal must hold at the end. This checks the search's answer against the translated task, not the translator
against the PDDL: that is what an independent validator (UP's, or VAL) is for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SasCheck:
    """What replaying a plan gave: ``error`` is None when the plan is valid; ``cost`` counts its operators'
    costs (each operator costs 1 on a task without a metric, as the search counts it)."""

    error: str | None
    cost: int


def check_sas_plan(task: Any, steps: Sequence[str]) -> SasCheck:
    """Replay ``steps`` (``"(name arg ...)"``, as the search writes them) on a translator ``SASTask``."""
    operators = {_tokens(op.name): op for op in task.operators}  # "(wait )" there, "(wait)" in a plan
    variables = task.variables
    layers = _axiom_layers(task)
    defaults = {var: task.init.values[var] for var in range(len(variables.ranges))
                if variables.axiom_layers[var] >= 0}
    state = list(task.init.values)
    _evaluate_axioms(state, layers, defaults)
    cost = 0
    for index, step in enumerate(steps, start=1):
        op = operators.get(_tokens(step))
        if op is None:
            return SasCheck(f"step {index} {step}: no such ground action in the translated task", cost)
        unmet = [(var, value) for var, value in op.prevail if state[var] != value]
        unmet += [(var, pre) for var, pre, _, _ in op.pre_post if pre != -1 and state[var] != pre]
        if unmet:
            return SasCheck(f"step {index} {step}: precondition {_fact(variables, *unmet[0])} does not hold", cost)
        changes = [(var, post) for var, _, post, conditions in op.pre_post
                   if all(state[c_var] == c_value for c_var, c_value in conditions)]
        for var, post in changes:
            state[var] = post
        _evaluate_axioms(state, layers, defaults)
        cost += op.cost if task.metric else 1
    unmet_goal = [(var, value) for var, value in task.goal.pairs if state[var] != value]
    if unmet_goal:
        return SasCheck(f"the goal {_fact(variables, *unmet_goal[0])} does not hold after the last step", cost)
    return SasCheck(None, cost)


def _tokens(step: str) -> tuple[str, ...]:
    return tuple(step.lower().strip().strip("()").split())


def _axiom_layers(task: Any) -> list[list[Any]]:
    """The axioms grouped by the layer of the variable they derive, lowest layer first."""
    by_layer: dict[int, list[Any]] = {}
    for axiom in task.axioms:
        by_layer.setdefault(task.variables.axiom_layers[axiom.effect[0]], []).append(axiom)
    return [by_layer[layer] for layer in sorted(by_layer)]


def _evaluate_axioms(state: list[int], layers: list[list[Any]], defaults: dict[int, int]) -> None:
    """Derived variables as the axioms make them (stratified: layer by layer, each to its fixpoint), starting
    from their default values (the initial state's, in the translator's output)."""
    for var, value in defaults.items():
        state[var] = value
    for axioms in layers:
        changed = True
        while changed:
            changed = False
            for axiom in axioms:
                var, value = axiom.effect
                if state[var] != value and all(state[c_var] == c_value for c_var, c_value in axiom.condition):
                    state[var] = value
                    changed = True


def _fact(variables: Any, var: int, value: int) -> str:
    """A variable's value as the translator names it, e.g. ``Atom at(truck1, depot)``."""
    name = variables.value_names[var][value]
    return name if name != "<none of those>" else f"var{var} = none of its atoms"
