"""Rule-based instruction parser: English instruction -> goal atoms.

It is the goal oracle until a learned perception module exists: a handful of phrasings per task,
matched after normalising case, punctuation and filler words. Everything it cannot read exactly is an
``InstructionError`` that says what it did not understand and what it can read, because a goal guessed
from a misread instruction would send the robot off to do the wrong thing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from agent.goals.refusal import SceneFacts, check_goal, check_words, names_an_object
from agent.planning.planner import format_atom
from envs.errors import InstructionError, Refusal, quoted
from envs.scenes.base import COLORS

if TYPE_CHECKING:
    from agent.planning.domain import Domain

# Words that carry no meaning for the goal ("put the red block on the blue one" = "put red on blue").
_FILLERS = frozenset(["please", "can", "could", "you", "now", "then", "a", "an", "the", "one", "ones", "block",
                      "blocks", "cube", "cubes", "peg", "pegs", "rod", "rods", "pole", "poles"])
_SYNONYMS = {"onto": "on", "into": "in", "inside": "in", "color": "colour", "center": "middle", "centre": "middle"}

_Goal = frozenset[str]
_Form = tuple[re.Pattern[str], Callable[[re.Match[str], Mapping[str, str]], _Goal], str]


def _words(text: str) -> str:
    """Lowercase words without punctuation, fillers and synonyms, joined by single spaces."""
    text = re.sub(r"(\w+)_bin\b", r"\1 bin", text.lower())
    words = [_SYNONYMS.get(w, w) for w in re.sub(r"[^a-z0-9_]+", " ", text).split() if w not in _FILLERS]
    return re.sub(r"\bon top of\b", "on", " ".join(words))


def _natural(name: str) -> list[int | str]:
    """Sort key that puts d2 before d10: the discs' order is their size order."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _of_kind(objects: Mapping[str, str], kind: str) -> list[str]:
    """Names of the scene objects of one kind, in natural order."""
    return sorted((n for n, k in objects.items() if k == kind), key=_natural)


def _unknown(word: str, what: str, names: list[str], said: str | None = None) -> InstructionError:
    """A slot of a form that names no object of the scene: an absent object where the word said (``said``,
    default ``word``) is an object's name ("purple", "d5"), else a word this reader cannot resolve ("it",
    "leftmost")."""
    message = f"unknown {what} {word!r} (in the scene: {', '.join(names) or 'none'})"
    return Refusal("absent-object", message) if names_an_object(said or word) else InstructionError(message)


def _hanoi_tower(match: re.Match[str], objects: Mapping[str, str]) -> _Goal:
    discs, pegs = _of_kind(objects, "disc"), _of_kind(objects, "peg")
    peg = match.group(1)
    if peg not in pegs:
        raise _unknown(peg, "peg", pegs)
    if not discs:
        raise InstructionError("there are no discs in the scene to move")
    below = [*discs[1:], peg]
    return frozenset(format_atom("on", (disc, under)) for disc, under in zip(discs, below))


def _blocks_tower(match: re.Match[str], objects: Mapping[str, str]) -> _Goal:
    blocks = _of_kind(objects, "block")
    names = match.group(1).split(" on ")
    on_table = names[-1] == "table"
    stack = names[:-1] if on_table else names
    if "table" in stack:
        raise InstructionError(f"only the bottom of a tower can be the table: {' on '.join(names)}")
    for name in stack:
        if name not in blocks:
            raise _unknown(name, "block", blocks)
    if len(set(stack)) < len(stack):
        raise Refusal("impossible", f"a block cannot be on itself: {' on '.join(names)}")
    atoms = {format_atom("on", pair) for pair in zip(stack, stack[1:])}
    if on_table:
        atoms.add(format_atom("ontable", (stack[-1],)))
    return frozenset(atoms)


def _hanoi_disc(match: re.Match[str], objects: Mapping[str, str]) -> _Goal:
    """One disc onto a disc or a peg: the domain, not the parser, says whether it may go there."""
    disc, target = match.groups()
    discs = _of_kind(objects, "disc")
    if disc not in discs:
        raise _unknown(disc, "disc", discs)
    if target not in objects:
        raise _unknown(target, "disc or peg", [*discs, *_of_kind(objects, "peg")])
    return frozenset({format_atom("on", (disc, target))})


def _no_change(match: re.Match[str], objects: Mapping[str, str]) -> _Goal:
    """A request to leave the scene as it is: the empty goal, which every reader refuses as no change."""
    return frozenset()


def _one_tower(match: re.Match[str], objects: Mapping[str, str]) -> _Goal:
    """Every block in one tower, in an order the planner chooses: a chain of ``on`` atoms over one
    variable per block (``(on ?b1 ?b2) (on ?b2 ?b3) ...``), which holds only when all the blocks stand
    in a single stack."""
    blocks = _of_kind(objects, "block")
    if not blocks:
        raise InstructionError("there are no blocks in the scene to stack")
    places = [f"?b{i}" for i in range(1, len(blocks) + 1)]
    if len(places) == 1:
        return frozenset({format_atom("ontable", places)})
    return frozenset(format_atom("on", pair) for pair in zip(places, places[1:]))


def _bin(colour: str, objects: Mapping[str, str]) -> str:
    bins = _of_kind(objects, "bin")
    name = f"{colour}_bin"
    if name not in bins:
        raise _unknown(name, "bin", bins, said=colour)
    return name


def _colour(cube: str) -> str:
    return cube.rstrip("0123456789")


def _sort_all(match: re.Match[str], objects: Mapping[str, str]) -> _Goal:
    cubes = _of_kind(objects, "cube")
    if not cubes:
        raise InstructionError("there are no cubes in the scene to sort")
    return frozenset(format_atom("in", (cube, _bin(_colour(cube), objects))) for cube in cubes)


def _sort_colour(match: re.Match[str], objects: Mapping[str, str]) -> _Goal:
    colour, target = match.groups()
    cubes = _of_kind(objects, "cube")
    chosen = [cube for cube in cubes if _colour(cube) == colour]
    if not chosen:
        colours = sorted({_colour(cube) for cube in cubes})
        raise _unknown(colour, "cube colour", colours)
    target_bin = _bin(target, objects)
    return frozenset(format_atom("in", (cube, target_bin)) for cube in chosen)


def _sort_one(match: re.Match[str], objects: Mapping[str, str]) -> _Goal:
    cube, target = match.groups()
    cubes = _of_kind(objects, "cube")
    if cube not in cubes:
        raise _unknown(cube, "cube", cubes)
    return frozenset({format_atom("in", (cube, _bin(target, objects)))})


_PUT = r"(?:put|place|move|set|drop|stack)"
_NO_CHANGE: _Form = (
    re.compile(r"do nothing|(?:leave|keep) (?:everything|it all|all|them|it|things)"
               r"(?: (?:where|as|how) (?:it is|they are|is|it was|they were))?(?: alone)?"),
    _no_change,
    "leave everything where it is (nothing to do)",
)
#: words of the forms that any English sentence may have: they do not make a sentence an instruction
_FUNCTION_WORDS = frozenset(("it", "is", "as", "are", "they", "them", "was", "were", "of", "from", "with", "how",
                             "any", "in", "on", "all", "do", "to"))
#: the word joining the clauses of an instruction that asks for several things ("then" is a filler)
_CLAUSE_BREAK = re.compile(r" and ")
_FORMS: dict[str, list[_Form]] = {
    "hanoi": [
        (
            re.compile(rf"{_PUT} (d\d+) on (\w+)"),
            _hanoi_disc,
            "put d1 on d2 / put d1 on the left peg",
        ),
        (
            re.compile(
                r"(?:move|put|transfer|shift|bring|stack) (?:all |whole |entire )?"
                r"(?:tower|stack|discs|disks) (?:to|on|in) (\w+)"
            ),
            _hanoi_tower,
            "move the tower to the right peg (left, middle/center, right)",
        ),
    ],
    "blocks": [
        (
            re.compile(rf"(?:(?:{_PUT}|build|make) (?:all|every|everything) in (?:single |same )?tower"
                       r"|(?:build|make) (?:single )?tower (?:of|with|from) (?:all|every|everything))"
                       r"(?: in any order)?"),
            _one_tower,
            "stack all the blocks into one tower (in any order)",
        ),
        (
            re.compile(rf"(?:{_PUT}|build tower(?: of| with)?) (\w+(?: on \w+)+)"),
            _blocks_tower,
            "put red on blue / place red on top of blue / put red on the table / "
            "stack blue on green on red [on the table] / build a tower blue on green on red",
        ),
    ],
    "sort": [
        (
            re.compile(r"sort(?: in bins)? by colour(?: in bins)?"),
            _sort_all,
            "sort the cubes by colour",
        ),
        (
            re.compile(rf"{_PUT} all (\w+) in (\w+) bin"),
            _sort_colour,
            "put all the red cubes in the blue bin",
        ),
        (
            re.compile(rf"{_PUT} (\w+) in (\w+) bin"),
            _sort_one,
            "put red1 in the red bin",
        ),
    ],
}


def parse_instruction(text: str, task: str, objects: Mapping[str, str]) -> frozenset[str]:
    """The goal atoms of ``text`` for ``task``; ``objects`` maps scene object names to their kinds.

    An instruction of several clauses ("put red on blue and put blue on red") asks for all of them: its goal
    is the union of theirs, which ``agent.goals.refusal`` then checks for contradictions. Text with no word
    any form of the task uses, nor any object's name, is refused as no instruction."""
    if task not in _FORMS:
        raise InstructionError(f"no instruction parser for task {task!r} (tasks: {', '.join(sorted(_FORMS))})")
    words = _words(text)
    goal = _read_clause(words, task, objects)
    if goal is None and _CLAUSE_BREAK.search(words):
        clauses = [_read_clause(clause, task, objects) for clause in _CLAUSE_BREAK.split(words)]
        if all(clause is not None for clause in clauses):
            goal = frozenset(atom for clause in clauses for atom in clause or ())
    if goal is not None:
        return goal
    said = {w.removesuffix("s") for w in re.sub(r"[^a-z0-9_]+", " ", text.lower()).split()}
    if not said & (_lexicon(task) | set(objects) | set(objects.values())):
        raise Refusal("not-an-instruction", f"{quoted(text)} has no word a {task} instruction uses")
    examples = "; ".join(example for _, _, example in _FORMS[task])
    raise InstructionError(f"cannot read {quoted(text)} as a {task} instruction; supported forms: {examples}")


def read_checked(text: str, scene: SceneFacts, domain: Domain) -> frozenset[str]:
    """The rule reader as the agent uses it: the goal of ``text`` in ``scene`` after the checks every reader's
    goal passes (``agent.goals.refusal``), or the ``Refusal`` (or other ``InstructionError``) they raise."""
    check_words(text, scene)
    goal = parse_instruction(text, scene.task, scene.kinds)
    check_goal(goal, scene, domain)
    return goal


def _read_clause(words: str, task: str, objects: Mapping[str, str]) -> frozenset[str] | None:
    for pattern, to_goal, _ in [*_FORMS[task], _NO_CHANGE]:
        match = pattern.fullmatch(words)
        if match is not None:
            return to_goal(match, objects)
    return None


def _lexicon(task: str) -> set[str]:
    """The words the task's forms are written with (and the colours, which name objects)."""
    text = " ".join(pattern.pattern for pattern, _, _ in [*_FORMS[task], _NO_CHANGE])
    words = set(re.findall(r"(?<![\\?])\b[a-z]{2,}\b", text)) | set(COLORS) | set(_SYNONYMS.values())
    return words - _FUNCTION_WORDS


def default_instruction(task: str, objects: Mapping[str, str], seed: int) -> str:
    """The demo's instruction for a scene; blocks get a tower of all blocks in an order drawn from ``seed``."""
    if task == "hanoi":
        return "move the tower to the right peg"
    if task == "sort":
        return "sort the cubes by colour"
    if task == "blocks":
        blocks = sorted(n for n, k in objects.items() if k == "block")
        if not blocks:
            raise InstructionError("there are no blocks in the scene to stack")
        random.Random(seed).shuffle(blocks)
        if len(blocks) == 1:
            return f"put {blocks[0]} on the table"
        return "stack " + " on ".join(blocks)
    raise InstructionError(f"no default instruction for task {task!r} (tasks: {', '.join(sorted(_FORMS))})")
