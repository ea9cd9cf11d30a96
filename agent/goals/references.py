"""Which scene object a word of an instruction refers to, decided from the scene: one object, or a refusal.

The rule reader's forms leave a slot per object ("put X on Y"); the word in a slot is resolved here against
the objects of the kinds that slot takes. A word fits a set of objects, and how many there are decides:

- an object's name (``red``, ``d3``, ``blue_bin``) fits that object;
- a colour (``blue`` in "the blue cube") fits the objects of the slot's kinds that have it;
- a bare reference (``the block``, ``the cube``, written ``any_block`` by the reader's normaliser) fits every
  object of that kind; a pronoun with nothing named before it (``it``, ``that``) fits every object of the
  slot's kinds (``any_thing``);
- ``other`` / ``another`` fits the slot's objects that the instruction does not name;
- a superlative of size (``biggest``, ``smallest``) fits the largest or smallest disc (Hanoi discs are
  numbered by size);
- a phrase that narrows a reference by where the object stands ("the top block of the tallest stack", "the
  cube on the left", "the big disc"), marked beforehand by ``agent.goals.descriptions``, fits what the
  scene says it does;
- from the detected state: ``empty`` / ``free`` fits the pegs and bins (else the slot's objects) that nothing
  stands on or in; ``top`` fits the objects with nothing on them that stand on one of their kind (the tops of
  stacks; where no stack has two, every object with nothing on it), ``bottom`` the objects of a stack that
  stand on the table or a peg.

One fit is the object; none is absent (``absent-object`` where the word names an object, else the reader
cannot read it); two or more is ``ambiguous``: the robot would have to guess which one was meant.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from agent.planning.atoms import parse_atom
from envs.errors import InstructionError, Refusal

#: the words a bare reference to a kind is written as (see ``mark_bare_references``), and the kinds each means
BARE = {"any_block": ("block", "cube"), "any_cube": ("cube", "block"), "any_disc": ("disc",), "any_peg": ("peg",),
        "any_bin": ("bin",), "any_thing": ()}
_KINDS = r"(block|cube|disc|disk|ring|peg|rod|pole|bin)"
_BARE_KIND = re.compile(rf"\b(?:(?:the|a|an|that|this|one|any|some|whichever|either) {_KINDS}\b"
                        rf"|one of the (?:\w+ )?{_KINDS}s\b)")
_KIND_OF = {"disk": "disc", "ring": "disc", "rod": "peg", "pole": "peg"}
_PRONOUN = re.compile(r"\b(?:it|that|this)\b")
_OTHER = frozenset(("other", "another"))
_LARGEST = frozenset(("biggest", "largest"))
_SMALLEST = frozenset(("smallest", "tiniest", "littlest"))
_EMPTY = frozenset(("empty", "free", "vacant", "unused"))
_TOP = frozenset(("top", "topmost", "uppermost", "upper", "higher"))
_BOTTOM = frozenset(("bottom", "bottommost", "lowest", "lower"))
#: kinds that hold other objects, which "empty" describes
_HOLDERS = ("peg", "bin")


@dataclass(frozen=True)
class Objects:
    """The scene's objects as a reader sees them: kinds, colours (may be empty), the names the text says, and
    the detected state (may be empty: then "keep X where it is" asks for nothing)."""

    kinds: Mapping[str, str]
    colours: Mapping[str, str] = field(default_factory=dict)
    named: Collection[str] = ()
    state: Collection[str] = ()
    #: what each phrase marker of the text stands for: the phrase and the objects it fits
    #: (``agent.goals.descriptions``)
    described: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    def of_kinds(self, kinds: Collection[str]) -> list[str]:
        return sorted((n for n, k in self.kinds.items() if not kinds or k in kinds), key=natural)


def natural(name: str) -> list[int | str]:
    """Sort key that puts d2 before d10: the discs' order is their size order."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def mark_bare_references(text: str, names: Collection[str]) -> str:
    """Lowercased ``text`` with each kind noun that stands with no word to say which ("the block", "a disc")
    written as ``any_<kind>``, and a pronoun that comes before any object's name as ``any_thing`` (with
    nothing before it, it can only mean "one of them")."""
    text = _BARE_KIND.sub(lambda m: f"any_{_KIND_OF.get(kind := m.group(1) or m.group(2), kind)}", text.lower())
    text = re.sub(r"\bone of them\b", "it", text)  # with nothing named before it, as "it" is
    first_name = min((m.start() for n in names for m in re.finditer(rf"\b{re.escape(n)}\b", text)), default=len(text))
    pronoun = _PRONOUN.search(text[:first_name])
    if pronoun:
        text = text[:pronoun.start()] + "any_thing" + text[pronoun.end():]
    return text


def resolve(word: str, kinds: Collection[str], objects: Objects, what: str) -> str | None:
    """The one object of ``kinds`` that ``word`` refers to; ``None`` when ``word`` is no reference this
    module knows (the caller says it cannot read it); a ``Refusal`` when it fits several, or names a colour
    none of them has."""
    if word in objects.kinds:
        return word
    if word in objects.described:
        said, described = objects.described[word]
        fits = [n for n in described if not kinds or objects.kinds.get(n) in kinds]
    elif word in BARE:
        fits = objects.of_kinds(BARE[word] or kinds)
        said = f"the {BARE[word][0]}" if BARE[word] else "it"
    elif word in _OTHER:
        fits = [n for n in objects.of_kinds(kinds) if n not in objects.named]
        said = f"the {word} {what}"
    elif word in _LARGEST | _SMALLEST and "disc" in kinds:
        discs = objects.of_kinds(("disc",))
        fits = discs[-1:] if word in _LARGEST else discs[:1]
        said = f"the {word} disc"
    elif word in _EMPTY | _TOP | _BOTTOM and objects.state:
        fits = _by_state(word, objects.of_kinds(kinds), objects)
        said = f"the {word} {what}"
    elif word in set(objects.colours.values()):
        fits = [n for n in objects.of_kinds(kinds) if objects.colours.get(n) == word]
        said = f"the {word} {what}"
        if not fits:
            raise Refusal("absent-object", f"no {what} here is {word} ({', '.join(objects.of_kinds(kinds))})")
    else:
        return None
    if len(fits) == 1:
        return fits[0]
    if not fits:
        raise InstructionError(f"{said!r} fits no {what} in the scene")
    raise Refusal("ambiguous", f"{said!r} could be any of {', '.join(fits)}: say which")


def _by_state(word: str, candidates: list[str], objects: Objects) -> list[str]:
    """The ``candidates`` an empty / top / bottom reference fits in the detected state."""
    support: dict[str, str] = {}
    for atom in objects.state:
        predicate, args = parse_atom(atom)
        if predicate in ("on", "in"):
            support[args[0]] = args[1]
    carrying = set(support.values())
    if word in _EMPTY:
        holders = [n for n in candidates if objects.kinds[n] in _HOLDERS]
        return [n for n in holders or candidates if n not in carrying]
    candidates = [n for n in candidates if objects.kinds[n] not in _HOLDERS] or candidates  # a disc, not a peg
    kinds = {objects.kinds[n] for n in candidates}
    stacked = [n for n in candidates if objects.kinds.get(support.get(n, ""), "") in kinds]
    if word in _TOP:
        tops = [n for n in stacked if n not in carrying]
        return tops or [n for n in candidates if n not in carrying]
    return [n for n in candidates if n in carrying and n not in stacked]
