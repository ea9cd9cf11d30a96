"""From pair probabilities to a consistent goal.

The network scores every "x ends up on y" independently, so its raw reading can ask for the impossible:
a block on two blocks, two blocks on one, a cycle, a larger disc on a smaller one. The decoder keeps
the most probable atoms that fit together: it takes the pairs the network believes (probability at
least ``THRESHOLD``) from the most to the least probable and drops each one that contradicts those
already kept, saying why.

An instruction always asks for something, so an empty reading is no goal either: when no pair reaches
``THRESHOLD``, the most probable goal that is not empty is the single most probable allowed pair, and the
decoder keeps it, its low probability on record. Below ``FLOOR`` it is no reading at all but a guess, and the
decoder raises an error instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from agent.errors import GoalError
from agent.perception.inputs import TABLE, pair_atom

THRESHOLD = 0.5
#: the least probability a lone atom needs to be read when no atom reaches ``THRESHOLD``
FLOOR = 0.1
#: supports that hold any number of objects; every other support holds one directly
SHARED_SUPPORTS = ("table", "bin")


@dataclass(frozen=True)
class Reading:
    """A decoded goal: its atoms, their probabilities, and the atoms dropped to make it consistent."""

    goal: tuple[str, ...]
    confidence: dict[str, float]
    dropped: dict[str, str] = field(default_factory=dict)


def decode(probabilities: np.ndarray, names: Sequence[str], kinds: Sequence[str],
           allowed: Callable[[str, str], bool] | None = None, threshold: float = THRESHOLD) -> Reading:
    """``probabilities[a, b]``: object a ends up on object b (b = len(names): the table). ``allowed(x, y)``
    vetoes pairs the domain forbids (e.g. a disc on a smaller one)."""
    n = len(names)
    support_names = [*names, TABLE]
    support_kinds = [*kinds, TABLE]
    ranked = sorted(((float(probabilities[a, b]), a, b) for a in range(n) for b in range(n + 1)
                     if probabilities[a, b] >= FLOOR), key=lambda c: (-c[0], names[c[1]], support_names[c[2]]))
    on: dict[int, int] = {}
    held: set[int] = set()
    confidence: dict[str, float] = {}
    dropped: dict[str, str] = {}
    for p, a, b in (c for c in ranked if c[0] >= threshold):
        atom = pair_atom(names[a], support_names[b], support_kinds[b])
        reason = _conflict(a, b, on, held, names, support_kinds, allowed)
        if reason:
            dropped[atom] = f"{reason} (p={p:.2f})"
            continue
        on[a] = b
        if support_kinds[b] not in SHARED_SUPPORTS:
            held.add(b)
        confidence[atom] = round(p, 4)
    if not confidence:  # the most probable goal that asks for something: the likeliest atom the domain allows
        for p, a, b in ranked:
            if not _conflict(a, b, {}, set(), names, support_kinds, allowed):
                confidence[pair_atom(names[a], support_names[b], support_kinds[b])] = round(p, 4)
                break
    if not confidence:
        best = np.unravel_index(int(np.argmax(probabilities)), probabilities.shape)
        guess = pair_atom(names[best[0]], support_names[best[1]], support_kinds[best[1]])
        raise GoalError(f"could not read a goal from the instruction: no atom reached probability {threshold}, "
                        f"and none the domain allows reached {FLOOR} (best: {guess} at {probabilities[best]:.2f})")
    return Reading(tuple(sorted(confidence)), confidence, dropped)


def _conflict(a: int, b: int, on: dict[int, int], held: set[int], names: Sequence[str], support_kinds: Sequence[str],
              allowed: Callable[[str, str], bool] | None) -> str:
    """Why putting object a on support b contradicts the pairs kept so far ('' when it does not)."""
    if a in on:
        return f"{names[a]} is already to go elsewhere"
    if b in held:
        return f"something else is already to go on {names[b]}"
    below = b
    while below in on:
        below = on[below]
        if below == a:
            return "it would make a cycle"
    if b < len(names) and allowed is not None and not allowed(names[a], names[b]):
        return f"the domain does not allow {names[a]} on {names[b]}"
    return ""
