"""From pair probabilities to a consistent goal.

The network scores every "x ends up on y" independently, so its raw reading can ask for the impossible:
a block on two blocks, two blocks on one, a cycle, a larger disc on a smaller one. The decoder reads the
most probable goal that fits together. With independent atoms, a goal's probability is the product of
its atoms' probabilities and of the others' complements, so the most probable consistent goal is the
consistent set of believed atoms (probability at least ``THRESHOLD``) with the largest sum of log-odds.
Taking atoms greedily from the most probable would not do: when a tower's top disc is read onto both the
next disc and the one below that, keeping the slightly likelier skip throws away two atoms for one. A
branch-and-bound search finds the best set, starting from the greedy one and never returning worse; every
believed atom left out is reported with the conflict that excludes it.

An instruction always asks for something, so an empty reading is no goal either: when no pair reaches
``THRESHOLD``, the most probable goal that is not empty is the single most probable allowed pair, and the
decoder keeps it, its low probability on record. Below ``FLOOR`` it is no reading at all but a guess, and the
decoder raises an error instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from agent.perception.inputs import TABLE, pair_atom
from envs.errors import GoalError

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
    believed = [c for c in ranked if c[0] >= threshold]
    on = _Search(believed, names, support_kinds, allowed).best()
    confidence: dict[str, float] = {}
    dropped: dict[str, str] = {}
    held = _held(on, support_kinds)
    for p, a, b in believed:
        atom = pair_atom(names[a], support_names[b], support_kinds[b])
        if on.get(a) == b:
            confidence[atom] = round(p, 4)
        else:
            reason = _conflict(a, b, on, held, names, support_kinds, allowed) or "a likelier goal leaves it out"
            dropped[atom] = f"{reason} (p={p:.2f})"
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


class _Search:
    """Branch and bound over the believed atoms, subject by subject: each subject keeps one of its supports
    or none, and a branch is cut when even the best supports of the subjects left cannot beat the best
    goal found. Its first goal is the greedy one, and after ``BUDGET`` branches it stops with the best so
    far, so a reading with many believed atoms (an untrained network's) costs no more than a moment."""

    BUDGET = 20_000

    def __init__(self, believed: Sequence[tuple[float, int, int]], names: Sequence[str], support_kinds: Sequence[str],
                 allowed: Callable[[str, str], bool] | None) -> None:
        self.names, self.support_kinds, self.allowed = names, support_kinds, allowed
        self.options: dict[int, list[tuple[float, int]]] = {}
        for p, a, b in believed:  # most probable first
            self.options.setdefault(a, []).append((_log_odds(p), b))
        self.subjects = list(self.options)
        self.ceiling = [sum(self.options[a][0][0] for a in self.subjects[k:]) for k in range(len(self.subjects) + 1)]
        self.branches = 0
        self.best_on = self._greedy(believed)
        self.best_score = sum(w for a, b in self.best_on.items() for w, c in self.options[a] if c == b)

    def best(self) -> dict[int, int]:
        self._extend(0, {}, 0.0)
        return self.best_on

    def _greedy(self, believed: Sequence[tuple[float, int, int]]) -> dict[int, int]:
        on: dict[int, int] = {}
        for _, a, b in believed:
            if not _conflict(a, b, on, _held(on, self.support_kinds), self.names, self.support_kinds, self.allowed):
                on[a] = b
        return on

    def _extend(self, k: int, on: dict[int, int], score: float) -> None:
        self.branches += 1
        if score > self.best_score + 1e-9:
            self.best_on, self.best_score = dict(on), score
        if (k == len(self.subjects) or self.branches > self.BUDGET
                or score + self.ceiling[k] <= self.best_score + 1e-9):
            return
        a = self.subjects[k]
        held = _held(on, self.support_kinds)
        for weight, b in self.options[a]:
            if not _conflict(a, b, on, held, self.names, self.support_kinds, self.allowed):
                on[a] = b
                self._extend(k + 1, on, score + weight)
                del on[a]
        self._extend(k + 1, on, score)


def _log_odds(p: float) -> float:
    """How much an atom adds to its goal's log-probability (a hair above zero at p = 0.5, so a believed atom
    that fits is always kept)."""
    p = min(max(p, 1e-6), 1.0 - 1e-6)
    return float(np.log(p / (1.0 - p))) + 1e-6


def _held(on: dict[int, int], support_kinds: Sequence[str]) -> set[int]:
    """Supports already taken by an object (a table or a bin holds any number)."""
    return {b for b in on.values() if support_kinds[b] not in SHARED_SUPPORTS}


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
