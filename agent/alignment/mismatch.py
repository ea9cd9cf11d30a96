"""Sort each logged transition by how the domain's prediction went wrong, if it did.

The prediction is UP's sequential simulator run on the domain being repaired: is the operator applicable
in the detected state before it, and which state follows.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.alignment.transitions import Transition
from agent.planning.planner import Operator, Planner

#: the prediction was right (applicable and that next state, or inapplicable and the skill failed)
MATCH = "match"
#: predicted applicable, but the skill failed: a precondition is missing
MISSING_PRECONDITION = "missing precondition"
#: predicted inapplicable, but the skill succeeded: a precondition is too strong
PRECONDITION_TOO_STRONG = "precondition too strong"
#: predicted applicable and the skill succeeded, but the next state differs: an effect is wrong
WRONG_EFFECT = "wrong effect"


@dataclass(frozen=True)
class Classified:
    transition: Transition
    kind: str
    #: the state the domain predicts after the operator; None when it predicts it inapplicable
    predicted: frozenset[str] | None

    @property
    def operator(self) -> Operator:
        return Operator.parse(self.transition.operator)


def classify(planner: Planner, transition: Transition) -> Classified:
    """Compare one transition with ``planner``'s domain."""
    predicted = planner.predict(transition.object_types, transition.before, Operator.parse(transition.operator))
    success = transition.skill_success
    if predicted is None:
        kind = PRECONDITION_TOO_STRONG if success else MATCH
    elif not success:
        kind = MISSING_PRECONDITION
    else:
        kind = MATCH if predicted == transition.after else WRONG_EFFECT
    return Classified(transition, kind, predicted)
