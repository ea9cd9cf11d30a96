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

from agent.planning.planner import format_atom
from envs.errors import InstructionError, quoted

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


def _unknown(word: str, what: str, names: list[str]) -> InstructionError:
    return InstructionError(f"unknown {what} {word!r} (in the scene: {', '.join(names) or 'none'})")


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
        raise InstructionError(f"a block cannot be on itself: {' on '.join(names)}")
    atoms = {format_atom("on", pair) for pair in zip(stack, stack[1:])}
    if on_table:
        atoms.add(format_atom("ontable", (stack[-1],)))
    return frozenset(atoms)


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
        raise _unknown(name, "bin", bins)
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
_FORMS: dict[str, list[_Form]] = {
    "hanoi": [
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
    """The goal atoms of ``text`` for ``task``; ``objects`` maps scene object names to their kinds."""
    if task not in _FORMS:
        raise InstructionError(f"no instruction parser for task {task!r} (tasks: {', '.join(sorted(_FORMS))})")
    words = _words(text)
    for pattern, to_goal, _ in _FORMS[task]:
        match = pattern.fullmatch(words)
        if match is not None:
            return to_goal(match, objects)
    examples = "; ".join(example for _, _, example in _FORMS[task])
    raise InstructionError(f"cannot read {quoted(text)} as a {task} instruction; supported forms: {examples}")


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
