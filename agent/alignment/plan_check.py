"""Before acting, simulate the rest of the plan in the (aligned) model: a plan it predicts to fail is
rejected and the agent replans, as model-predictive control does with a learned world model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from agent.planning.atoms import holds
from agent.planning.planner import Operator, Planner


def check_plan(planner: Planner, objects: Mapping[str, str], state: Iterable[str], operators: Sequence[Operator],
               goal: Iterable[str]) -> str:
    """Why the plan fails in ``planner``'s domain from ``state`` (an operator it predicts inapplicable, or
    a goal it does not reach), or "" when it predicts success."""
    current = frozenset(state)
    for operator in operators:
        after = planner.predict(objects, current, operator)
        if after is None:
            return f"the model predicts {operator} inapplicable"
        current = after
    if holds(goal, current):
        return ""
    return f"the model predicts the plan ends without {' '.join(sorted(set(goal) - current))}"
