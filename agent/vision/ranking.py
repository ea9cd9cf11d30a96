"""The order of Hanoi discs, narrowest first: what names them ``d1``..``dN`` and what ``smaller`` says.

Adjacent discs differ by 3 mm in half width, about half of what one pixel covers across the table, so a
measured width alone swaps two of them now and then (validation-larger: 10 of 150 scenes, 7 of them a disc
read wider than the disc it rests on). The stacking is evidence too: Hanoi's rules never let a disc rest on
a narrower one, and every scene of the domain keeps them, so a disc above another in one tower is the
smaller. That evidence only breaks near-ties (``STACK_TIE``): two discs whose measured widths differ by
more are ordered by width even when the wider stands on the narrower, so an illegal stack that the camera
measures clearly is read as it is, not as the rules would have it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: measured half widths closer than this (m) are within the measurement's resolution: on validation and
#: validation-larger a disc resting on a wider one was measured at most 0.9 mm wider than it (7 of 196
#: such pairs of adjacent widths), and adjacent widths differ by 3 mm
STACK_TIE = 0.002
#: a disc is above another in one tower when their centres lie within the narrower one's half width and this
#: (m) of each other across the table, and its own pixels reach at least ``STACK_STEP`` less low (discs are
#: 1.35 cm thick or more; towers stand 20 cm apart)
TOWER_SLACK = 0.01
STACK_STEP = 0.01


@dataclass(frozen=True)
class Disc:
    """What the ranking reads of a disc: its measured half width, its centre and how low its pixels reach."""

    half: float
    centre: tuple[float, float, float]
    low: float


def above(a: Disc, b: Disc) -> bool:
    """Whether ``a`` stands higher than ``b`` in the same tower."""
    across = ((a.centre[0] - b.centre[0]) ** 2 + (a.centre[1] - b.centre[1]) ** 2) ** 0.5
    return across < min(a.half, b.half) + TOWER_SLACK and a.low - b.low > STACK_STEP


def disc_order(discs: Sequence[Disc]) -> list[int]:
    """Indices of ``discs``, narrowest first: the narrowest disc that no undecided disc must precede goes
    next, where ``a`` must precede ``b`` when it is clearly narrower (by ``STACK_TIE`` or more), or when
    their widths are a near-tie and ``a`` stands above ``b`` in one tower. Equal widths: the higher first.
    Should these precedences form a cycle (a misread tower), the narrowest undecided disc goes next."""
    def before(a: Disc, b: Disc) -> bool:
        if abs(a.half - b.half) < STACK_TIE:
            return above(a, b)
        return a.half < b.half

    def key(i: int) -> tuple[float, float]:
        return discs[i].half, -discs[i].centre[2]

    left = sorted(range(len(discs)), key=key)
    order: list[int] = []
    while left:
        free = [i for i in left if not any(before(discs[j], discs[i]) for j in left if j != i)]
        order.append((free or left)[0])
        left.remove(order[-1])
    return order
