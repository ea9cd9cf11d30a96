"""What GoalNet's own numbers say against acting on its reading.

The shared checks (``agent.goals.refusal``) judge a goal against the scene and the domain; these judge the
reading behind it, from the pair probabilities:

- ``not-an-instruction``: no pair reached the decoder's threshold, so the network read no goal it
  believes (the decoder's fallback atom is a guess, not a reading);
- ``contradiction``: the network believes both ``x on y`` and ``y on x`` at ``CONTRADICTION_P`` or more,
  and the decoder had to drop one: the instruction asked for both;
- ``ambiguous``: the reading moves one object, and a second support for it, or (on a support that holds
  one object) a second object for that support, reaches ``RIVAL_P`` within ``TIE`` of the kept pair: two
  objects fit one reference nearly equally.

Both are narrower than they could be, on purpose. On the generated validation splits (``test``,
``held-out-templates``, ``held-out-colours``, ``larger``) the network also believes conflicting pairs in
long towers (``d1`` on ``d2`` and on ``d3`` at p = 0.99 in a six-disc tower), which the decoder resolves
rightly: counting every dropped pair or every runner-up as a contradiction or an ambiguity refused 8% of
those instructions; these bounds refuse well under 1% (``tests/test_refusal.py`` checks it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agent.perception.decoder import SHARED_SUPPORTS, THRESHOLD, Reading
from agent.perception.inputs import TABLE, atom_pair
from envs.errors import Refusal

CONTRADICTION_P = 0.9
RIVAL_P = 0.5
TIE = 0.25


def doubt(probabilities: np.ndarray, names: Sequence[str], kinds: Sequence[str], reading: Reading) -> None:
    """Refuse a reading the probabilities do not back; ``probabilities`` as ``agent.perception.decoder``."""
    if max(reading.confidence.values()) < THRESHOLD:
        atom, p = max(reading.confidence.items(), key=lambda item: item[1])
        raise Refusal("not-an-instruction", f"no goal read with confidence (the likeliest, {atom}, at p={p:.2f})")
    for atom, why in reading.dropped.items():
        p = float(why.rsplit("p=", 1)[-1].rstrip(")"))
        subject, support = atom_pair(atom)
        reverse = next((a for a in reading.goal if atom_pair(a) == (support, subject)), None)
        if p >= CONTRADICTION_P and reverse is not None and reading.confidence[reverse] >= CONTRADICTION_P:
            raise Refusal("contradiction", f"it asks for {atom} (p={p:.2f}) and for {reverse} "
                                           f"(p={reading.confidence[reverse]:.2f}), which cannot both hold")
    if len(reading.goal) != 1:
        return
    (atom,) = reading.goal
    subject, support = atom_pair(atom)
    supports = [*names, TABLE]
    a, b = names.index(subject), supports.index(support)
    kept = float(probabilities[a, b])
    row = probabilities[a].copy()
    row[b] = 0.0
    column = probabilities[:, b].copy()
    if b == len(names) or kinds[b] in SHARED_SUPPORTS:  # it holds any number: no rival for it
        column[:] = 0.0
    column[a] = 0.0
    if row.max() >= RIVAL_P and kept - row.max() <= TIE:
        raise Refusal("ambiguous", f"{subject} could go on {support} (p={kept:.2f}) or on "
                                   f"{supports[int(np.argmax(row))]} (p={row.max():.2f})")
    if column.max() >= RIVAL_P and kept - column.max() <= TIE:
        raise Refusal("ambiguous", f"{subject} (p={kept:.2f}) or {names[int(np.argmax(column))]} "
                                   f"(p={column.max():.2f}) could be the one to go on {support}")
