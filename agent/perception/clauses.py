"""An instruction of several clauses, read clause by clause: what each asks for, and whether they agree.

GoalNet reads a whole sentence into one goal, and its decoder keeps the most probable goal that fits
together. So when two clauses ask for things that cannot both hold ("put d1 on the middle peg and d1 on
the right peg"), the decoder silently keeps one of them, and the checks after it see a consistent goal;
and when two clauses ask for compatible things, the network sometimes keeps only the first. Reading each
clause on its own gives each one its own goal, and the domain's mutual exclusions (one support per object,
one object directly on each ``on`` support, no cycle: ``agent.goals.refusal.check_supports``) then say
whether the clauses agree.

A clause is a piece of the instruction between breaks (punctuation, "and", "then", "also", "but", "plus",
"as well as"). The pieces are rebuilt into clauses that stand alone, from the sentence's structure:

- a piece with no place in it ("put green" in "put green and blue on yellow") is one subject of a
  coordination: it goes where the piece after it says ("put green on yellow"), or, where that piece has a
  verb of its own ("take d1 and put it on d2"), is read together with it;
- a piece that starts with a place ("put blue2 on the table and in the blue bin") takes what the piece
  before it says up to its own place ("put blue2 in the blue bin");
- a piece that starts with no verb takes the first clause's ("put red on blue, green on red").

A clause with a pronoun ("then put green on it") means nothing alone, so such an instruction is not read
by clauses at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.goals.refusal import check_supports
from agent.perception.decoder import Reading
from envs.errors import Refusal

#: where an instruction breaks into clauses
_BREAK = re.compile(r"[,;.:!?]|\b(?:and|then|also|but|plus|as well as)\b")
#: the verbs an instruction starts with; a clause without one takes the first clause's (else "put")
_VERB = re.compile(r"(?:put|place|move|set|drop|stack|keep|leave|build|make|sort|transfer|shift|bring|take|get"
                   r"|lay|slide|pop|throw|toss)\b")
#: the words that say where something goes; ``sort`` names a whole goal with no place word
_PLACE = re.compile(r"\b(?:on|onto|in|into|to|under|beneath|below|above|over|inside|atop|top|sort)\b")
#: a place at a piece's start, and the last place in a clause (what a place-first piece replaces)
_LEADING_PLACE = re.compile(r"(?:on top of|on|onto|in|into|to|inside)\b")
_LAST_PLACE = re.compile(r".*\s(?:on top of|on|onto|in|into|to|inside)\b", re.DOTALL)
_PRONOUN = re.compile(r"\b(?:it|its|them|they|their|there)\b")
#: the least probability a clause's atom needs to count as what that clause asks for
SURE = 0.9


def split_clauses(text: str) -> list[str]:
    """The clauses of ``text``, each rebuilt to stand alone (see the module's docstring); fewer than two
    when the text is one clause or a clause leans on another through a pronoun."""
    pieces = [p.strip() for p in _BREAK.split(text.lower()) if p and re.search(r"[a-z0-9]", p)]
    joined: list[str] = []
    pending = ""
    for piece in pieces:
        place = _PLACE.search(piece)
        if pending and place and not _VERB.match(piece):  # "put green and blue on yellow": each on yellow
            joined.append(f"{pending} {piece[place.start():]}")
        elif pending:  # "take d1 and put it on d2": one clause
            piece = f"{pending} and {piece}"
        pending = ""
        if place is None:
            pending = piece
            continue
        if _LEADING_PLACE.match(piece) and joined and (before := _LAST_PLACE.match(joined[-1])):
            piece = before.group(0).rsplit(" ", 1)[0] + " " + piece
        joined.append(piece)
    if pending and joined:
        joined[-1] = f"{joined[-1]} and {pending}"
    if len(joined) < 2 or any(_PRONOUN.search(clause) for clause in joined):
        return []
    first = _VERB.match(joined[0])
    verb = first.group(0) if first else "put"
    return [clause if _VERB.match(clause) else f"{verb} {clause}" for clause in joined]


def join_clauses(clauses: Sequence[str], readings: Sequence[Reading | None]) -> Reading | None:
    """The goal the clauses ask for together: the union of each clause's sure atoms (p >= ``SURE``), or a
    ``Refusal`` (contradiction, or impossible for a cycle) where atoms of different clauses cannot all hold.
    ``None`` where some clause was read with no sure atom: the clauses say too little on their own, and
    the whole sentence's reading stands. ``readings[i]`` is clause i's (``None``: no goal read)."""
    sure = [{atom: p for atom, p in r.confidence.items() if p >= SURE} if r else {} for r in readings]
    asked = {atom: p for atoms in sure for atom, p in atoms.items()}
    told = [f"{clause!r}: {' '.join(sorted(atoms))}" for clause, atoms in zip(clauses, sure) if atoms]
    if sum(bool(atoms) for atoms in sure) >= 2:
        try:
            check_supports(asked)
        except Refusal as refusal:
            raise Refusal(refusal.reason, f"{refusal.detail} (read clause by clause: {'; '.join(told)})") from None
    if not all(sure):
        return None
    return Reading(tuple(sorted(asked)), asked)
