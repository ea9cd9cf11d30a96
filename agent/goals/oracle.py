"""Rule-based instruction parser: English instruction -> goal atoms.

It is the goal oracle until a learned perception module exists: a handful of phrasings per task,
matched after normalising case, punctuation and filler words. Everything it cannot read exactly is an
``InstructionError`` that says what it did not understand and what it can read, because a goal guessed
from a misread instruction would send the robot off to do the wrong thing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from agent.goals.descriptions import Scene, mark_descriptions
from agent.goals.references import Objects, mark_bare_references, resolve
from agent.goals.refusal import SUPPORT_PREDICATES, SceneFacts, check_goal, check_words, names_an_object
from agent.goals.spelling import corrected
from agent.goals.wording import plain
from agent.planning.atoms import parse_atom
from agent.planning.planner import format_atom
from envs.errors import InstructionError, Refusal, quoted

if TYPE_CHECKING:
    from agent.planning.domain import Domain

# Words that carry no meaning for the goal ("put the red block on the blue one" = "put red on blue").
_FILLERS = frozenset(["please", "thanks", "thank", "kindly", "can", "could", "you", "now", "then", "also", "a", "an",
                      "the", "one", "ones", "block", "blocks", "cube", "cubes", "disc", "disk", "peg", "pegs", "rod",
                      "rods", "pole", "poles", "big", "small", "large", "little", "tiny", "just", "too", "directly",
                      "gently", "carefully", "exactly", "lone", "single", "sole", "me", "us", "for", "ring", "today",
                      "rn", "uh", "um", "flat", "straight", "simultaneously", "away",
                      # the particles of a phrasal verb ("set it down on", "carry it across to")
                      "down", "across", "back"])
#: other words for the same thing, and the common misspellings of function words (the instruction grammar's,
#: ``agent.perception.grammar``: "teh", "pls", "ontop of", "stak", "towr", "botom", "tpo")
_SYNONYMS = {"onto": "on", "into": "in", "inside": "in", "atop": "on", "color": "colour", "center": "middle",
             "centre": "middle", "teh": "the", "pls": "please", "plz": "please", "plase": "please", "thx": "thanks",
             "thnx": "thanks", "tnx": "thanks", "shd": "should", "shld": "should",
             "upon": "on", "stak": "stack",
             "towr": "tower", "botom": "bottom", "tpo": "top", "ground": "table", "floor": "table",
             "tabletop": "table"}
#: what an instruction talks about: one that names none of these (nor an object of the scene) is no instruction
_THINGS = frozenset(("tower", "stack", "pile", "table", "block", "cube", "disc", "disk", "peg", "rod", "pole", "bin",
                     "everything", "thing", "colour", "color"))

_PLURAL = re.compile(r"\b(?:all (?:of )?(?:the )?|both (?:of )?(?:the )?|the |every )?(\w+) (?:cubes|blocks)\b ?")
_Goal = frozenset[str]
_Form = tuple[re.Pattern[str], Callable[[re.Match[str], Objects], _Goal], str]


#: a superlative among all of a kind ("the biggest of the discs"): the superlative alone
_OF_ALL = re.compile(r"\b(biggest|largest|smallest|tiniest|littlest) of (?:all )?(?:discs|disks|rings|blocks|cubes)\b")
#: where an object comes from, when a place it goes to follows ("take pink off purple and put it on the table")
_SOURCE = re.compile(r"\b(?:off(?: of)?|from) \w+(?: bin)?(?: and)? (?=(?:\w+ )?(?:\w+ )?(?:on|in|to)\b)")


def _words(text: str) -> str:
    """Lowercase words without punctuation, fillers and synonyms (a verb's -ing form is the verb: "how about
    putting"), joined by single spaces; where an object comes from ("off purple", "from the left peg") is left
    out when the words also say where it goes."""
    words = [_SYNONYMS.get(w, GERUNDS.get(w, w)) for w in re.sub(r"[^a-z0-9_]+", " ", text.lower()).split()]
    joined = re.sub(r"\bon ?top of\b", "on", " ".join(w for w in words if w not in _FILLERS))
    joined = _SOURCE.sub("", _OF_ALL.sub(r"\1", joined))
    joined = re.sub(r"\bover (?=on\b|in\b|to\b)", "", joined)  # "move it over to": a particle
    joined = re.sub(r"\b(stacked|placed|put|set|sitting|resting) over\b", r"\1 on", joined)  # "pink stacked over blue"
    joined = re.sub(r"\b(stays|stay|remains) put on\b", r"\1 on", joined)
    # "d1 goes right", "move d1 right": to that side
    joined = re.sub(rf"(\b(?:goes|go|belongs)|^{_PUT} (?!(?:on|in|to)\b)\w+) (?=(?:left|right|middle)$)", r"\1 to ",
                    joined)
    return re.sub(r"(?: (?:and|then|ok|okay))+$", "", joined)  # "..., please and thank you": nothing follows the "and"


def _marked(text: str, names: Collection[str]) -> str:
    """``text`` lowercased, bins written as two words, and bare references marked (``mark_bare_references``;
    ``names``: the scene's object names and colours)."""
    text = re.sub(r"(\w+)_bin\b", r"\1 bin", text.lower())
    # a plural of a colour ("the blue cubes") means every object of it, as "all the blue cubes" does
    text = _PLURAL.sub(lambda m: f"all {m.group(1)} " if m.group(1) in names else m.group(0), text)
    # "both reds", "the greens": a colour's plural means every object of it too
    text = re.sub(r"\b(?:all (?:of )?(?:the )?(?:(?:two|three|four|five|six|\d) )?|both (?:of )?(?:the )?|the )?"
                  r"(\w+)s\b",
                  lambda m: f"all {m.group(1)}" if m.group(1) in names else m.group(0), text)
    return mark_bare_references(text, names)


def _of_kind(objects: Objects, kind: str) -> list[str]:
    """Names of the scene objects of one kind, in natural order."""
    return objects.of_kinds((kind,))


def _unknown(word: str, what: str, names: list[str], said: str | None = None) -> InstructionError:
    """A slot of a form that names no object of the scene: an absent object where the word said (``said``,
    default ``word``) is an object's name ("purple", "d5"), else a word this reader cannot resolve ("it",
    "leftmost")."""
    message = f"unknown {what} {word!r} (in the scene: {', '.join(names) or 'none'})"
    return Refusal("absent-object", message) if names_an_object(said or word) else InstructionError(message)


def _object(word: str, kinds: tuple[str, ...], objects: Objects, what: str) -> str:
    """The object ``word`` refers to among ``kinds`` (``agent.goals.references``), or why not."""
    name = resolve(word, kinds, objects, what)
    if name is None:
        raise _unknown(word, what, objects.of_kinds(kinds))
    return name


_COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def _hanoi_tower(match: re.Match[str], objects: Objects) -> _Goal:
    """Every disc onto a peg; "all five discs" counts them, and a count that is not all of them is left unread."""
    discs, pegs = _of_kind(objects, "disc"), _of_kind(objects, "peg")
    count, said = match.groups()
    if count and (_COUNT_WORDS.get(count) or int(count)) != len(discs):
        raise InstructionError(f"{count} discs are not all {len(discs)} of them")
    peg = _object(said, ("peg",), objects, "peg")
    if peg not in pegs:
        raise Refusal("impossible", f"a tower stands on a peg, and {peg} is a {objects.kinds[peg]}")
    if not discs:
        raise InstructionError("there are no discs in the scene to move")
    below = [*discs[1:], peg]
    return frozenset(format_atom("on", (disc, under)) for disc, under in zip(discs, below))


def _hanoi_smallest(match: re.Match[str], objects: Objects) -> _Goal:
    """The smallest few discs moved together ("the three smallest discs to the middle peg"), in the order the
    rules allow: each on the next bigger, the biggest of them on the place said. "The top two discs" are the
    smallest two only where those stand in one stack, the smallest on top (as they start)."""
    top, number, number_after, which, said = match.groups()
    number = number or number_after
    count = _COUNT_WORDS.get(number) or int(number)
    discs = _of_kind(objects, "disc")
    if count > len(discs):
        raise Refusal("impossible", f"it asks for {count} discs, and this scene has {len(discs)}")
    target = _object(said, ("disc", "peg"), objects, "disc or peg")
    moved = discs[:count]
    stacked = all(format_atom("on", pair) in objects.state for pair in zip(moved, moved[1:]))
    if (top or which in ("top", "upper")) and not stacked:
        raise InstructionError(f"the top {number} discs are not the {number} smallest here")
    return frozenset(format_atom("on", pair) for pair in zip(moved, [*moved[1:], target]))


def _blocks_tower(match: re.Match[str], objects: Objects) -> _Goal:
    said = re.split(r" (?:on|to) ", match.group(1))  # "move red to blue": onto it
    if len(said) > 2 and any(word not in objects.kinds and word != "table" for word in said):
        # "the block on top of red on blue": a reference that the words after it may narrow, not a tower
        raise InstructionError(f"cannot read {' on '.join(said)} as a tower of named blocks")
    on_table = said[-1] == "table"
    names = said[:-1] if on_table else said
    if "table" in names:
        raise Refusal("impossible", f"the table cannot be moved: {' on '.join(said)}")
    stack: list[str] = []
    for word in names:
        stack.append(stack[-1] if word == "itself" and stack else _object(word, ("block", "cube"), objects, "block"))
    if len(set(stack)) < len(stack):
        raise Refusal("impossible", f"a block cannot be on itself: {' on '.join(stack)}")
    atoms = {format_atom("on", pair) for pair in zip(stack, stack[1:])}
    if on_table:
        atoms.add(format_atom("ontable", (stack[-1],)))
    return frozenset(atoms)


def _placed_tower(match: re.Match[str], objects: Objects) -> _Goal:
    """A tower told by place, bottom first ("with blue at the bottom, then yellow, then pink on top"): one block
    named at two places asks for both (contradiction)."""
    bottom, middle, top = match.groups()
    return _placed([bottom, *(word for word in middle.split() if word not in _PLACE_WORDS), top], objects)


def _placed_tower_down(match: re.Match[str], objects: Objects) -> _Goal:
    """A tower told by place, top first ("green at the top, blue in the middle and yellow at the bottom"), its
    bottom block on the table where the words say so."""
    top, middle, bottom, on_table = match.groups()
    said = [top, *(word for word in middle.split() if word not in _PLACE_WORDS), bottom]
    goal = _placed(said[::-1], objects)
    if on_table:
        goal |= {format_atom("ontable", (_object(bottom, ("block", "cube"), objects, "block"),))}
    return goal


def _placed(said: list[str], objects: Objects) -> _Goal:
    """The tower of the blocks ``said``, bottom first."""
    stack = [_object(word, ("block", "cube"), objects, "block") for word in said]
    for i, block in enumerate(stack):
        if block in stack[i + 1:]:
            raise Refusal("contradiction", f"{block} cannot be both at the bottom and higher up in one tower")
    return frozenset(format_atom("on", (above, below)) for below, above in zip(stack, stack[1:]))


def _reversed_tower(match: re.Match[str], objects: Objects) -> _Goal:
    """"Reverse the order of the tower": its blocks stacked again, top first; the tower is the one stack of two
    or more blocks (ambiguous among several)."""
    piles = [pile for pile in Scene(objects.kinds, objects.state, {}).piles() if len(pile) >= 2]
    if not piles:
        raise Refusal("no-change", "there is no tower of two or more blocks to turn over")
    if len(piles) > 1:
        raise Refusal("ambiguous", f"'the tower' could be any of {len(piles)} stacks "
                                   f"({'; '.join(' on '.join(p[::-1]) for p in piles)}): say which")
    return frozenset(format_atom("on", (below, above)) for below, above in zip(piles[0], piles[0][1:]))


_PLACE_WORDS = frozenset(("and", "in", "middle", "next", "above", "below", "under", "it"))


def _listed_tower(match: re.Match[str], objects: Objects) -> _Goal:
    """A tower told as a list of blocks and the end it starts from ("stack pink, purple and green from the
    bottom up"; "... from the top down")."""
    said = [word for word in match.group(1).split() if word != "and"]
    stack = [_object(word, ("block", "cube"), objects, "block") for word in said]
    if "top" in match.group(2):
        stack.reverse()
    if len(set(stack)) < len(stack):
        raise Refusal("impossible", f"a block cannot be on itself: {' on '.join(stack)}")
    return frozenset(format_atom("on", (above, below)) for below, above in zip(stack, stack[1:]))


def _all_on_table(match: re.Match[str], objects: Objects) -> _Goal:
    """Every block on the table."""
    return frozenset(format_atom("ontable", (block,)) for block in _of_kind(objects, "block"))


def _blocks_in(match: re.Match[str], objects: Objects) -> _Goal:
    """One block put inside another: an atom the blocks domain cannot state, for the checks to refuse."""
    inner, outer = (_object(said, ("block", "cube"), objects, "block") for said in match.groups())
    return frozenset({format_atom("in", (inner, outer))})


def _blocks_under(match: re.Match[str], objects: Objects) -> _Goal:
    """One block put under another: the other on it ("put blue under itself" asks for a block on itself)."""
    below = _object(match.group(1), ("block", "cube"), objects, "block")
    above = below if match.group(2) == "itself" else _object(match.group(2), ("block", "cube"), objects, "block")
    if above == below:
        raise Refusal("impossible", f"a block cannot be under itself: {below}")
    return frozenset({format_atom("on", (above, below))})


def _hanoi_disc(match: re.Match[str], objects: Objects) -> _Goal:
    """One disc onto a disc or a peg: the domain, not the parser, says whether it may go there."""
    disc = _object(match.group(1), ("disc",), objects, "disc")
    target = _object(match.group(2), ("disc", "peg"), objects, "disc or peg")
    return frozenset({format_atom("on", (disc, target))})


def _stays(match: re.Match[str], objects: Objects) -> _Goal:
    """One object asked to stay where it is: what it stands on or in now, from the detected state (a goal
    that already holds, so alone it asks for no change, and beside "move it" it contradicts)."""
    name = _object(next(word for word in match.groups() if word), (), objects, "object")
    kept = set()
    for atom in objects.state:
        predicate, args = parse_atom(atom)
        if predicate in SUPPORT_PREDICATES and args[0] == name:
            kept.add(atom)
    return frozenset(kept)


def _no_change(match: re.Match[str], objects: Objects) -> _Goal:
    """A request to leave the scene as it is: the empty goal, which every reader refuses as no change."""
    return frozenset()


def _one_tower(match: re.Match[str], objects: Objects) -> _Goal:
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


def _bin(said: str, objects: Objects) -> str:
    """The bin ``said`` ("red bin", "any_bin" or an object's name, which the domain then judges)."""
    if said.endswith(" bin"):
        colour = said.removesuffix(" bin")
        name = f"{colour}_bin"
        if name not in objects.kinds and not names_an_object(colour):  # "the other bin", "an empty bin"
            return _object(colour, ("bin",), objects, "bin")
        if name not in objects.kinds:
            raise _unknown(name, "bin", _of_kind(objects, "bin"), said=colour)
        return name
    return _object(said, ("bin",), objects, "bin")


def _colour(cube: str) -> str:
    return cube.rstrip("0123456789")


def _sort_all(match: re.Match[str], objects: Objects) -> _Goal:
    """Every cube into the bin of its colour, but those said to be left out ("every cube except the green
    one")."""
    cubes = _of_kind(objects, "cube")
    if not cubes:
        raise InstructionError("there are no cubes in the scene to sort")
    excepted = " and ".join(group for group in match.groups() if group)
    left_out = {cube for said in excepted.split(" and ") if said
                for cube in ([c for c in cubes if _colour(c) == said.removeprefix("all ")] if said.startswith("all ")
                             else [_object(said, ("cube",), objects, "cube")])}
    return frozenset(format_atom("in", (cube, _bin(f"{_colour(cube)} bin", objects)))
                     for cube in cubes if cube not in left_out)


def _sort_colour(match: re.Match[str], objects: Objects) -> _Goal:
    colour, target = match.groups()
    return _colour_in(colour, target, objects)


def _sort_colour_own(match: re.Match[str], objects: Objects) -> _Goal:
    """Every cube of one colour into the bin of that colour ("sort the reds")."""
    return _colour_in(match.group(1), f"{match.group(1)} bin", objects)


def _colour_in(colour: str, target: str, objects: Objects) -> _Goal:
    """Every cube of ``colour`` in the bin ``target`` names."""
    cubes = _of_kind(objects, "cube")
    chosen = [cube for cube in cubes if _colour(cube) == colour]
    if not chosen:
        colours = sorted({_colour(cube) for cube in cubes})
        raise _unknown(colour, "cube colour", colours)
    target_bin = _bin(target, objects)
    return frozenset(format_atom("in", (cube, target_bin)) for cube in chosen)


def _sort_one(match: re.Match[str], objects: Objects) -> _Goal:
    cube, target = match.groups()
    return frozenset({format_atom("in", (_sorted_object(cube, objects), _bin(target, objects)))})


def _sort_own(match: re.Match[str], objects: Objects) -> _Goal:
    """One cube into the bin of its own colour ("put the blue cube in its bin", "green1 goes in its matching
    bin")."""
    cube = _object(match.group(1) or match.group(2), ("cube",), objects, "cube")
    return frozenset({format_atom("in", (cube, _bin(f"{objects.colours.get(cube, cube)} bin", objects)))})


def _sort_owns(match: re.Match[str], objects: Objects) -> _Goal:
    """Several cubes, each into the bin of its own colour ("put yellow2 and blue1 in their bins")."""
    cubes = [_object(said, ("cube",), objects, "cube") for said in match.group(1).split(" and ")]
    return frozenset(format_atom("in", (cube, _bin(f"{objects.colours.get(cube, cube)} bin", objects)))
                     for cube in cubes)


def _sort_table(match: re.Match[str], objects: Objects) -> _Goal:
    return frozenset({format_atom("ontable", (_sorted_object(match.group(1), objects),))})


def _sort_all_table(match: re.Match[str], objects: Objects) -> _Goal:
    """Every cube on the table ("leave every cube on the table")."""
    return frozenset(format_atom("ontable", (cube,)) for cube in _of_kind(objects, "cube"))


def _sorted_object(said: str, objects: Objects) -> str:
    """The cube (or, for the domain to refuse, the bin) a sort instruction moves."""
    return _bin(said, objects) if said.endswith(" bin") else _object(said, ("cube",), objects, "cube")


#: the verbs that put something somewhere ("stick red on blue", "plop d1 onto the right peg")
_PUT = (r"(?:put|place|move|set|drop|stack|keep|leave|stick|plop|rest|balance|pile|stuff|toss|throw|pop|lay|slide"
        r"|shove|position|get|take|carry|lift|bring|transfer|shift|relocate|send|lower|perch|park|plonk|plunk|deposit"
        r"|dump|tuck|settle|stash|slot|load)")
_IT = r"(?:it|any_thing)"  # "it" with nothing named before it is marked as a bare reference
_NOTHING = (rf"(?:anything|any thing|a thing|thing|everything|{_IT}|them|things|all|this|that|any|every|each"
            r"|(?:all )?(?:discs|disks|pieces)|any of (?:them|discs|disks|pieces)|any of)")
#: how a scene is kept as it is: "where it is", "as they are", "the way it is"
_AS_IS = (rf"(?:where|as|how|the way) (?:{_IT} is|they are|is|{_IT} was|they were|they lie|{_IT} lies|they sit"
          r"|they stand)")
_NO_CHANGE: _Form = (
    re.compile(r"(?:(?:do|move|touch|change) nothing(?: at all| for| for while)?|nothing to do|stay (?:still|put)"
               rf"|(?:do not|don t|dont|never|no need to|there s no need to) (?:do|move|touch|change) {_NOTHING}"
               rf"(?: at all| right| for)?(?: with \w+(?: bin)?)?"
               r"|hands off|nothing (?:goes|moves|should (?:go|move))(?: (?:in|on) \w+(?: bin)?)?"
               rf"|(?:leave|keep) (?:{_NOTHING}|{_IT} all)?(?: (?:two|three|four|five|six|seven|\d))?(?: ?{_AS_IS})?"
               r"(?: ?(?:alone|untouched|in place))?"
               # a change said to be needed by no one: "make no moves", "nothing needs to move", "no changes needed"
               r"|(?:make|do) no (?:moves?|changes?)|no (?:moves?|changes?)(?: are| is)? (?:needed|necessary|required)"
               r"|no (?:moves?|changes?)(?: at all)?|freeze|halt"
               r"|nothing (?:is )?(?:needed|required|necessary)(?: now| today)?"
               r"|no actions?(?: is| are)? (?:needed|required|necessary)|(?:just )?stand ?by"
               rf"|(?:do not|don t|dont) (?:need|have) to (?:do|move|touch|change) {_NOTHING}"
               r"|nothing (?:needs|has|is) to (?:move|change|be (?:done|moved|changed))"
               r"|nothing needs (?:moving|changing)"
               rf"|(?:leave|let) {_NOTHING} be"
               # a scene said to be right as it is: "everything's fine as is"
               rf"|(?:{_NOTHING}|its|it s)(?: s| is| are| looks| look| seems)? (?:fine|good|ok|okay|perfect|great"
               rf"|right) {_AS_IS})"
               # and the reason given after it: "don't touch anything, it's fine as is"
               rf"(?: (?:{_NOTHING}|its|it s|stack|tower|pile|scene|setup|table)(?: s| is| are| looks| look| seems)? "
               rf"(?:fine|good|ok|okay|perfect|great|right)(?: {_AS_IS}| now| already)?)?"),
    _no_change,
    "leave everything where it is (nothing to do)",
)
#: one object asked to stay where it is: its support now, so that "keep red where it is and put red on blue"
#: contradicts itself and "keep red where it is" alone changes nothing
_STAYS: _Form = (
    re.compile(r"(?:keep|leave) (\w+) (?:where (?:it|\w+) (?:is|was|stands|sits)(?: on \w+| in \w+(?: bin)?)?|in place"
               r"|alone|as (?:it )?is"
               r"|untouched)"
               r"|(?:do not|don t|dont|never) (?:move|touch|lift|take|remove|shift|pick up) (\w+)(?: off \w+| out| up)?"
               r"|(\w+) (?:stays|remains|stay|should stay|(?:must|should|has to|needs to) (?:also )?(?:stay|remain))"
               r"(?: exactly)? (?:where (?:it|\w+) (?:is|was)(?: now)?|in place|put)"
               r"|(\w+) (?:must|should|can|may)? ?(?:not|never) (?:leave|come off|be moved from|move from) \w+"
               r"|(?:keep|leave) (\w+)(?: out(?: of \w+(?: bin)?)?)?"),
    _stays,
    "keep red where it is (with another clause)",
)
#: a goal told as the state it asks for ("make sure yellow is sitting on orange", "d1 should stay on d2"): the
#: same goal as "put yellow on orange", which the checks then refuse where it already holds
_STATED = re.compile(r"(?:(?:(?:make|making) sure|ensure|see that|check that"
                     r"|(?:i want|i d like|i would like|i wanna) to see|i want|i need|i d like|i would like|make"
                     r"|have|let|see to (?:it|any_thing) that)(?: that| any_thing)?)? ?"
                     r"((?:all )?\w+(?: bin)?) (?:still )?(?:(?:is|are|should|must|will|shall|has to|needs to) )?"
                     r"(?:(?:be|stay|remain|end up|ended up|ends up|end|finish|sit|stand|rest) )?"
                     r"(?:(?:placed|put|moved|set|stacked|dropped|positioned|kept|left) )?"
                     r"(?:(?:sitting|standing|resting|lying|staying|stays|remains|sits|stands|rests|goes|go|belongs) )?"
                     r"((?:on|in|to) \w+(?: bin)?)")
#: several objects sent to one place ("put red, blue and green on the table", "I want blue, yellow and purple all
#: lying on the table", "d2 and d1 both onto d3"): each of them there. Read only where the place holds several
#: (the table, a bin) or "both" / "each" says each goes there itself: "put d1 and d2 on the right peg" says a
#: stack, which the rules do not guess
_LISTED = re.compile(rf"(?:(?:{_PUT}|i want|i d like|i need|make sure|have|let|get) )?"
                     r"(\w+(?: and)?(?: \w+(?: and)?)*? and \w+) (?:(all) |(both|each) )?"
                     r"(?:(?:lying|sitting|resting|standing|staying|go|goes|going|be|end up|ends up) )*"
                     r"(on|in|to) (\w+(?: bin)?)")
#: the words an instruction starts with, which a clause without its own takes from the clause before
_VERB = re.compile(rf"{_PUT}|build|make|sort")
#: a verb where a clause's instruction starts, after words that may lead in to it ("afterwards put ...")
_LEAD_VERB = re.compile(rf"\b(?:{_VERB.pattern})\b")
#: a place said before its verb ("on purple, put blue"): read as "put blue on purple"
_FRONTED = re.compile(rf"^(on|in) (\w+(?: bin)?) ({_PUT} \w+(?: bin)?)$")


def _ing(verb: str) -> set[str]:
    """A verb's -ing forms: "place" -> "placing", "stack" -> "stacking", and with the last consonant doubled
    where it follows one vowel ("putting", "transferring")."""
    forms = {f"{verb[:-1]}ing" if verb.endswith("e") else f"{verb}ing"}
    if re.search(r"[^aeiou][aeiou][^aeiouwxy]$", verb):
        forms.add(f"{verb}{verb[-1]}ing")
    return forms


#: each putting verb's -ing forms ("placing", "putting", "leaving"), read as the verb
GERUNDS = {form: verb for verb in (*_PUT[3:-1].split("|"), "build", "make", "sort") for form in _ing(verb)}
#: the words that say where an object goes or stands ("the cube right above the cyan block": a reference
#: narrowed by a relation, which the rules do not read)
_WHERE = re.compile(r"\b(?:on|in|to|under|beneath|below|underneath|above|over|atop|beside|next|near|behind)\b")
#: one object sent to both of two places ("put red1 in both the green bin and the yellow bin"): said again as
#: two clauses, each with its place, which the checks then find contradict each other
_BOTH = re.compile(r"\b(?:(on|onto|in|into|to) both|both (on|onto|in|into|to)) (.+?) and ")
#: a clause that only asks for what the clause before said ("relocate it there", "make it so", "do that")
_ECHO = re.compile(r"(?:relocate|move|put|place|set|shift|bring|take|get|do|make) (?:it|any_thing|that|this|them|so)"
                   r"(?: there| so| happen| now)?")
#: a clause that only restates which objects a whole-scene order moves ("..., every single block, no stacking")
_RESTATED = re.compile(r"(?:every|each|all)(?: single)?(?: of them| of em)?"
                       r"|all (?:two|three|four|five|six|seven|\d)(?: of them)?"
                       r"|no (?:stacks?|stack|piles?|towers?)(?: left| at all| anymore)?|go|do it now"
                       # the announcement before a tower told block by block: "ok stack all four: cyan on blue, ..."
                       r"|(?:ok |okay |right )?(?:stack|pile|build) (?:all|every|them all|all of them)"
                       r"(?: (?:two|three|four|five|six|seven|\d))?(?: of them)?"
                       # the order a turned-over tower ends in: "yellow should end up on top"
                       r"|\w+ (?:should |will |must )?(?:end up |be |go |sit )?(?:on|at) (?:very )?(?:top|bottom)")
#: a clause that restates the order a tower of discs is always in ("stacked in order", "largest at the bottom")
_IN_ORDER = re.compile(r"(?:(?:stacked|kept|keeping any_thing stacked|keeping them stacked) )?in (?:the )?"
                       r"(?:same |size |right |correct |proper )?order"
                       r"(?: (?:they|it) (?:are|is|were|was) in(?: now| currently)?)?"
                       r"|keeping (?:them|any_thing) stacked|(?:in )?same order"
                       r"|(?:largest|biggest) (?:at|on) bottom"
                       r"|(?:smallest|tiniest) (?:at|on) top")
#: where an instruction of several clauses breaks ("put red on blue, then green on red")
_CLAUSE_BREAK = re.compile(r"[,;.:!?&\u2014\u2013]| - |\b(?:and|n|then|also|but|plus|as well as|though|although|while"
                           r"|whilst)\b")
#: a word a step starts with, which says only its place among the steps
_STEP_WORD = re.compile(r"^(?:first|firstly|first of all|to start|to begin|next|finally|lastly|last)\s+(?=\w)")
#: a clause that starts with a place ("... and also to the right peg"), which takes the clause before up to its place
_LEADING_PLACE = re.compile(r"(?:on|in|to)\b")
_LAST_PLACE = re.compile(r".*\s(?:on|in|to)\b")
_FORMS: dict[str, list[_Form]] = {
    "hanoi": [
        (
            re.compile(
                rf"(?:{_PUT}|build|rebuild) (?:all |whole |entire )?(?:(two|three|four|five|six|seven|\d) )?"
                r"(?:tower|stack|pile|discs|disks)(?: of discs| of disks)?(?: up| over)? (?:to|on|in) (\w+)"
            ),
            _hanoi_tower,
            "move the tower to the right peg (left, middle/center, right)",
        ),
        (
            re.compile(rf"{_PUT} (?:(top|upper) (two|three|four|five|2|3|4|5) (?:smallest |tiniest )?"
                       r"|(two|three|four|five|2|3|4|5) (top|upper|smallest|tiniest) )"
                       r"(?:discs|disks|rings)?(?: together)? (?:to|on) (\w+)"),
            _hanoi_smallest,
            "move the two smallest discs to the right peg",
        ),
        (
            re.compile(rf"{_PUT} (\w+) (?:on|to) (\w+)"),
            _hanoi_disc,
            "put d1 on d2 / put d1 on the left peg",
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
            re.compile(rf"(?:{_PUT}|spread|lay) (?:all|every|each|everything|all of them|them all)"
                       r"(?: (?:two|three|four|five|six|\d))?"
                       r"(?: out)? on table(?: separately| apart| individually| side by side)?"
                       r"|unstack (?:everything|all|every|all of them|them all|every stack|all stacks)"),
            _all_on_table,
            "put every block on the table",
        ),
        (
            re.compile(rf"(?:{_PUT}|build tower(?: of| with)?) (\w+(?: on \w+)+|\w+ to \w+)"),
            _blocks_tower,
            "put red on blue / place red on top of blue / put red on the table / "
            "stack blue on green on red [on the table] / build a tower blue on green on red",
        ),
        (
            re.compile(r"(?:build|make|stack|pile) (?:tower|stack|pile)(?: (?:with|of|from|having))? "
                       r"(\w+) (?:at|on) (?:very )?(?:bottom|base)"
                       r"((?: (?:and )?\w+(?: in middle| next| above(?: it)?)?)*?) "
                       r"(?:and )?(\w+) (?:at|on) (?:very )?top"),
            _placed_tower,
            "build a tower with red at the bottom, blue in the middle and green on top",
        ),
        (
            re.compile(r"(?:build|make|stack|pile) (?:(?:two|three|four|five|six|\d) )?(?:tower|stack|pile)"
                       r"(?: (?:with|of|from|having))? (\w+) (?:at|on) (?:very )?top"
                       r"((?: (?:and )?\w+(?: in middle| next| below(?: it)?| under(?: it)?)?)*?) "
                       r"(?:and )?(\w+) (?:at|on) (?:very )?(?:bottom|base)"
                       r"( (?:staying |standing |sitting |resting |lying )?on table)?"),
            _placed_tower_down,
            "make a tower with green at the top, blue in the middle and yellow at the bottom",
        ),
        (
            re.compile(r"(?:reverse|invert|flip|turn over)(?: order of)? (?:whole |entire )?(?:tower|stack|pile)"
                       r"(?: upside(?: down)?)?"
                       r"(?: so .*)?"),
            _reversed_tower,
            "reverse the order of the tower",
        ),
        (
            re.compile(r"(?:build|make|stack|pile)(?: (?:tower|stack|pile))?(?: (?:of|with|from))? "
                       r"(\w+(?:(?: and)? \w+)+?) ((?:from|starting (?:from|at)|going) (?:bottom|top)(?: up| down)?"
                       r"|bottom up|top down|bottom first|top first)"),
            _listed_tower,
            "stack red, blue and green from the bottom up (or from the top down)",
        ),
        (
            re.compile(rf"{_PUT} (\w+) (?:under|beneath|below|underneath) (\w+)"),
            _blocks_under,
            "put red under blue",
        ),
        (
            re.compile(rf"{_PUT} (\w+) in (\w+)"),
            _blocks_in,
            "put red in blue (which the domain refuses: a block holds nothing)",
        ),
    ],
    "sort": [
        (
            re.compile(r"sort(?: in bins)? by colour(?: in bins)?"
                       # "sort everything", "sort them all into the bins": the task's own verb, said of every cube
                       r"|sort(?: everything| all| each| every| them| them all| it all| all of them)?(?: up| out)?"
                       r"(?: (?:except|but|apart from|other than|besides|save) ((?:all )?\w+(?: and (?:all )?\w+)*))?"
                       r"(?: (?:in|to) (?:bins?|any_bin))?"
                       rf"|(?:{_PUT}|sort) (?:each|every|all|everything)"
                       r"(?: (?:except|but|apart from|other than|besides|save) ((?:all )?\w+(?: and (?:all )?\w+)*))?"
                       r" in "
                       r"(?:(?:its|their) (?:own )?(?:colour |matching )?bins?"
                       r"|(?:bins?|any_bin) (?:of|matching|that match|that matches) (?:its|their) (?:own )?colour"
                       r"|(?:matching|same colour|right|correct) bins?)"
                       r"(?: (?:except|but|apart from|other than|besides|save) ((?:all )?\w+(?: and (?:all )?\w+)*))?"),
            _sort_all,
            "sort the cubes by colour / put each cube in the bin of its colour",
        ),
        (
            re.compile(rf"{_PUT} all (\w+) (?:in|to) (\w+ bin|any_bin)"),
            _sort_colour,
            "put all the red cubes in the blue bin",
        ),
        (
            re.compile(r"sort all (\w+)(?: (?:in|to) (?:their|its) (?:own )?(?:colour )?(?:bins?|any_bin))?"),
            _sort_colour_own,
            "sort the red cubes (each into the bin of its colour)",
        ),
        (
            re.compile(rf"(?:{_PUT} )?(\w+(?: and \w+)+) (?:in|to) (?:their|its) (?:own )?(?:colour )?"
                       r"(?:bins?|any_bin)"),
            _sort_owns,
            "put red1 and blue2 in their bins",
        ),
        (
            re.compile(rf"(?:{_PUT} (\w+)|(\w+) (?:goes|go|belongs|should go|needs to go|has to go)) (?:in|to) "
                       r"(?:(?:its|it s) (?:own )?(?:colour |matching )?(?:bin|any_bin)"
                       r"|(?:bin|any_bin) (?:of|matching|that matches) (?:its|it s) (?:own )?colour"
                       r"|(?:matching|same colour|right|correct) bin)"),
            _sort_own,
            "put red1 in its bin (the bin of its colour)",
        ),
        (
            re.compile(rf"{_PUT} (\w+(?: bin)?) (?:in|to(?= \w+ bin\b)) (\w+ bin|\w+)"),
            _sort_one,
            "put red1 in the red bin",
        ),
        (
            re.compile(rf"{_PUT} (?:all|every|each|everything|all of them|them all) on table"),
            _sort_all_table,
            "leave every cube on the table",
        ),
        (
            re.compile(rf"{_PUT} (\w+(?: bin)?) on table"),
            _sort_table,
            "put red1 on the table",
        ),
    ],
}


def parse_instruction(text: str, task: str, objects: Mapping[str, str],
                      colours: Mapping[str, str] | None = None, state: Collection[str] = (),
                      positions: Mapping[str, Sequence[float]] | None = None) -> frozenset[str]:
    """The goal atoms of ``text`` for ``task``; ``objects`` maps scene object names to their kinds, and
    ``colours`` (where known) to their colours, so that "the yellow disc" names one; ``state`` (where known)
    is the detected state, which "keep X where it is" asks to keep, and with ``positions`` (world ``x, y``
    ...) where known, what "the top block of the stack" or "the cube on the left" refers to
    (``agent.goals.descriptions``).

    An instruction of several clauses ("put red on blue and blue on red") asks for all of them: its goal is
    the union of theirs, which ``agent.goals.refusal`` then checks for contradictions; a clause without a verb
    takes the one before it, and "it" in a clause refers to the first object the clause before it names
    (``_read_clauses``). Text that names nothing an instruction moves or names is no instruction."""
    if task not in _FORMS:
        raise InstructionError(f"no instruction parser for task {task!r} (tasks: {', '.join(sorted(_FORMS))})")
    meant = plain(corrected(text, [*objects, *(colours or {}).values()]))  # messages quote what was typed
    described, phrases = mark_descriptions(meant, objects, state, positions or {}, colours)
    marked = _BOTH.sub(lambda m: f"{m.group(1) or m.group(2)} {m.group(3)} and {m.group(1) or m.group(2)} ",
                       _marked(described, {*objects, *(colours or {}).values()}))
    scene = Objects(objects, colours or {}, frozenset(re.findall(r"[a-z0-9_]+", marked)) & set(objects), state,
                    phrases)
    words = _FRONTED.sub(r"\3 \1 \2", _words(marked))
    try:
        goal = _read_clause(words, task, scene)
    except Refusal:
        raise
    except InstructionError:  # a form took words it cannot resolve: a tower told piece by piece may still read
        goal = _piecewise_tower(marked, task, scene)
        if goal is None:
            raise
    if goal is None and _VERB.match(words) is None:  # "d1 to the right peg", "cyan on the table": a terse order
        goal = _terse(words, task, scene)
    if goal is None:
        goal = _read_clauses(marked, task, scene)
    lead = _LEAD_VERB.search(words)
    if goal is None and lead and lead.start() and not _names_something(words[:lead.start()], scene):
        goal = _read_clause(words[lead.start():], task, scene)  # "i want you to put ...", "let's put ..."
    if goal is None:
        goal = (_piecewise_tower(marked, task, scene) or _after_context(marked, task, scene)
                or _with_exception(marked, task, scene))
    if goal is not None:
        return goal
    said = {w.removesuffix("s") for w in re.sub(r"[^a-z0-9_]+", " ", meant.lower()).split()}
    if not said & (_THINGS | set(objects) | set(objects.values()) | set(scene.colours.values())):
        raise Refusal("not-an-instruction", f"{quoted(text)} names nothing a {task} instruction is about")
    examples = "; ".join(example for _, _, example in _FORMS[task])
    raise InstructionError(f"cannot read {quoted(text)} as a {task} instruction; supported forms: {examples}")


def _read_clauses(marked: str, task: str, objects: Objects) -> frozenset[str] | None:
    """The union of the clauses' goals, each clause read alone; ``None`` if any cannot be read. A clause
    that refuses refuses the whole only when every clause could be read: an unread clause may be what
    gives the refused one its meaning. A clause that cannot be read without a verb takes the first
    clause's, or "put"; its "it" is the first object an earlier clause names; words before its verb that
    name nothing ("afterwards put ...") are left out. An unread clause that names nothing ("after that")
    adds no goal, nor does one with no place or relation word whose object the next clause's "it" takes on
    ("pick up red and put it on blue")."""
    clauses = [_words(piece) for piece in _CLAUSE_BREAK.split(marked)]
    clauses = [clause for clause in clauses if clause]
    if len(clauses) < 2:
        return None
    first = _VERB.match(clauses[0])
    verb = first.group(0) if first else "put"  # "red on blue and blue on green": a list of placings
    goal: set[str] = set()
    refusal: Refusal | None = None
    referent = ""
    read_any = False
    frozen = ""  # a clause that asks for no change at all ("but don't move anything")
    for index, clause in enumerate(clauses):
        clause = _STEP_WORD.sub("", clause)  # "first orange onto pink": the order of the steps is no goal
        if _ECHO.fullmatch(clause) or _IN_ORDER.fullmatch(clause) or _RESTATED.fullmatch(clause):
            continue
        if index and _LEADING_PLACE.match(clause) and (before := _LAST_PLACE.match(clauses[index - 1])):
            clause = before.group(0).rsplit(" ", 1)[0] + " " + clause  # "put d2 on the left peg and on the right"
        if referent:  # "leave d1 where it is and put it on the right peg": "it" is d1
            clause = re.sub(r"\b(?:it|any_thing)\b", referent, clause)
        referent = next((word for word in clause.split() if _refers(word, objects)), referent)
        try:
            read = _read_clause(clause, task, objects)
            lead = _LEAD_VERB.search(clause)
            if read is None and lead and lead.start() and not _names_something(clause[:lead.start()], objects):
                clause = clause[lead.start():]  # "afterwards put d1 on the right peg": the words before say nothing
                read = _read_clause(clause, task, objects)
            if read is None and _VERB.match(clause) is None:
                read = _read_clause(f"{verb} {clause}", task, objects)
        except Refusal as exc:
            refusal = refusal or exc
            read_any = True
            continue
        except InstructionError:
            return None
        if read is None:
            if not _names_something(clause, objects):  # "after that": no object, so no goal of its own
                continue
            later = clauses[index + 1] if index + 1 < len(clauses) else ""
            if not _WHERE.search(clause) and re.search(r"\b(?:it|any_thing)\b", later):
                continue  # "pick up red and put it on blue": the next clause says where red goes
            return None
        read_any = True
        goal |= read
        if not read and _NO_CHANGE[0].fullmatch(clause):
            frozen = clause
    if not read_any:  # no clause says anything this reader reads
        return None
    if refusal is not None:
        raise refusal
    if frozen and not goal.issubset(objects.state):  # "no need to do anything with yellow1, leave it" asks no change
        raise Refusal("contradiction", "the instruction asks for a change, and in another clause for none")
    return frozenset(goal)


#: where a sentence ends and the next begins, or what is told gives way to what is asked ("..., so please ...");
#: a colon stays with what it ends ("at the end I want to see two towers: ...")
_SENTENCE_BREAK = re.compile(r"(?<=[.!:])\s+|,?\s+so (?=please |could |can |would |will |\w+ )")
#: words that ask, forbid or keep, which a sentence of context never holds
_NOT_CONTEXT = re.compile(r"\b(?:not|never|no|dont|don t|don't|keep|stay|stays|remain|leave|must|should|want|need"
                          r"|needs|wish|like|please|goes|go|belongs|first|firstly|step)\b|\?")
#: words that forbid or keep, which neither an announcement nor a tower told piece by piece holds
_NEGATED = re.compile(r"\b(?:not|never|no|dont|don t|don't|keep|stay|stays|remain|leave)\b")
#: a verb of the reader's in context is an announcement ("let's build a new tower", "we're going to make two
#: towers") only where nothing it could act on is named
_ACTED_ON = re.compile(r"\b(?:all|every|everything|each|both|them|it|any_thing|this|that|these|those)\b")


def _after_context(marked: str, task: str, objects: Objects) -> frozenset[str] | None:
    """The goal of an instruction told after sentences of context ("I'm setting up a demo and the cyan block is in
    the way, so please put it on the table", "My kid knocked things over. Put cyan on the table", "Let's build a
    new tower: ..."): read from the first sentence on from which the rest can be read, where each sentence
    before it only tells or announces (nothing asked, kept or forbidden, no question, no step, at most one
    object named, and a verb of the reader's only where no object it could act on is named; or, ending in a
    colon, announces what follows and names no object: "at the end I want to see two towers: ..."). Context that
    names one object gives the rest's first "it" its referent; a later "it" refers back as in any
    instruction. ``None`` where no such split reads."""
    sentences = [piece for piece in _SENTENCE_BREAK.split(marked) if piece.strip()]
    for start in range(1, len(sentences)):
        told = " ".join(sentences[:start])
        named = {word for word in _words(told).split() if word in objects.kinds}
        announced = told.rstrip().endswith(":") and not named and not _NEGATED.search(told)  # "I want to see:"
        if (_NOT_CONTEXT.search(told) and not announced) or len(named) > 1 or (_LEAD_VERB.search(told) and (
                _ACTED_ON.search(told) or any(_refers(word, objects) for word in _words(told).split()))):
            return None  # two objects told together may be a goal ("first orange onto pink. after that, ...")
        rest = " ".join(sentences[start:])
        if len(named) == 1:
            rest = re.sub(r"\b(?:it|any_thing)\b", named.pop(), rest, count=1)  # later ones refer back
        words = _words(rest)
        goal = (_read_clause(words, task, objects) or _read_clauses(rest, task, objects)
                or _piecewise_tower(rest, task, objects))
        if goal is not None:
            return goal
    return None


#: where a tower told piece by piece breaks into its pieces ("start with yellow on the table, then put pink on it,
#: and finish with cyan on top")
_PIECE_BREAK = re.compile(r"[,;.:!]|\b(?:and|then|next|after that|with|followed by)\b")
#: the words that say a piece is the tower's first (bottom) or last (top) one
_BOTTOM_CUE = re.compile(r"\b(?:bottom|base|start|begin|starting|beginning|first|foundation|lowest)\b")
_TOP_CUE = re.compile(r"\b(?:top|finish|end|finally|last|highest|cap|crown)\b")
_TOWER_KINDS = {"blocks": ("block", "cube"), "hanoi": ("disc",)}


def _piecewise_tower(marked: str, task: str, objects: Objects) -> frozenset[str] | None:
    """A tower told one piece at a time, from one end to the other: "begin with green as the base, put yellow on
    it, and finish with blue on top"; "pink at the base with cyan resting on it, then blue at the very top";
    "rebuild the tower on the middle peg: green at the bottom, then yellow, then orange, and red at the top".
    Each piece names one object; the first says it is the bottom (or the top) and the last the other end. The
    bottom stands on the table where its piece says so, and on the peg a piece names (which Hanoi needs).
    ``None`` where the text is not told so."""
    if task not in _TOWER_KINDS or _NEGATED.search(marked):
        return None
    kinds = _TOWER_KINDS[task]
    order: list[str] = []
    cues: list[str] = []
    base = ""
    pending = ""  # a cue said in a piece before its object's ("start | with yellow")
    for piece in _PIECE_BREAK.split(marked):
        words = _words(piece).split()
        named = {name for name in (_one_of(word, kinds, objects) for word in words) if name}
        pegs = {word for word in words if objects.kinds.get(word) == "peg"}
        if len(named) > 1 or len(pegs) > 1 or (named and pegs):
            return None
        cue = "bottom" if _BOTTOM_CUE.search(piece) else "top" if _TOP_CUE.search(piece) else ""
        if pegs:
            base = pegs.pop()
        elif named:
            order.append(named.pop())
            cues.append(cue or pending)
            pending = ""
            if "table" in words:
                base = "table"
        elif "table" in words:
            return None  # the table said apart from any piece
        else:
            pending = cue or pending
    if len(order) < 3 or len(set(order)) < len(order) or {cues[0], cues[-1]} != {"bottom", "top"} \
            or any(cues[1:-1]):
        return None
    if cues[0] == "top":
        order.reverse()
    if task == "hanoi" and base not in objects.kinds:
        return None
    goal = {format_atom("on", (above, below)) for below, above in zip(order, order[1:])}
    if base == "table":
        goal.add(format_atom("ontable", (order[0],)))
    elif base:
        goal.add(format_atom("on", (order[0], base)))
    return frozenset(goal)


#: one object left out of an order for several ("every green cube except green2 ...", "every block on the table
#: but not pink")
_EXCEPT = re.compile(r",?\s*\b(?:except(?: for)?|but not|other than|apart from|save for|excluding) (?:the )?(\w+)"
                     r"(?: (?:block|cube|disc|disk|one))?\b,?")


def _with_exception(marked: str, task: str, objects: Objects) -> frozenset[str] | None:
    """The goal of an order for several objects with one of them left out: the order read without the exception,
    less the atoms that move the object left out. ``None`` where there is no such exception, the rest is not
    read, or the object left out is not among those it moves."""
    found = _EXCEPT.search(marked)
    left_out = found and _one_of(found.group(1), ("block", "cube", "disc"), objects)
    if not found or not left_out:
        return None
    rest = f"{marked[:found.start()]} {marked[found.end():]}"
    words = _words(rest)
    try:
        goal = (_read_clause(words, task, objects) or (_terse(words, task, objects) if not _VERB.match(words) else None)
                or _read_clauses(rest, task, objects))
    except InstructionError:
        return None
    kept = frozenset(atom for atom in goal or () if parse_atom(atom)[1][0] != left_out)
    return kept if goal and kept and kept != goal else None


def _one_of(word: str, kinds: tuple[str, ...], objects: Objects) -> str | None:
    """The one object of ``kinds`` that ``word`` names, by its name, its colour or a phrase marker; ``None``
    for any other word, or one that fits several."""
    if word not in objects.kinds and word not in objects.described and word not in set(objects.colours.values()):
        return None
    try:
        found = resolve(word, kinds, objects, "object")
    except InstructionError:
        return None
    return found if objects.kinds.get(found or "") in kinds else None


def _terse(words: str, task: str, objects: Objects) -> frozenset[str] | None:
    """A clause without a verb read as "put ...", or ``None`` where that reads nothing: a refusal of it
    stands ("purple on purple"), words it cannot resolve leave it unread."""
    try:
        return _read_clause(f"put {words}", task, objects)
    except Refusal:
        raise
    except InstructionError:
        return None


def _names_something(words: str, objects: Objects) -> bool:
    """Whether ``words`` refer to an object or a thing an instruction is about."""
    return any(_refers(word, objects) or word.removesuffix("s") in _THINGS for word in words.split())


def _refers(word: str, objects: Objects) -> bool:
    """Whether ``word`` is a reference to an object (``agent.goals.references``), however many it fits."""
    try:
        return resolve(word, tuple(set(objects.kinds.values())), objects, "object") is not None
    except InstructionError:  # a refusal too: "the block" refers, to several
        return True


def read_checked(text: str, scene: SceneFacts, domain: Domain) -> frozenset[str]:
    """The rule reader as the agent uses it: the goal of ``text`` in ``scene`` after the checks every reader's
    goal passes (``agent.goals.refusal``), or the ``Refusal`` (or other ``InstructionError``) they raise."""
    check_words(corrected(text, scene.names()), scene)
    goal = parse_instruction(text, scene.task, scene.kinds, scene.colours, scene.state, scene.positions)
    check_goal(goal, scene, domain)
    return goal


def _read_clause(words: str, task: str, objects: Objects) -> frozenset[str] | None:
    for pattern, to_goal, _ in [*_FORMS[task], _NO_CHANGE, _STAYS]:
        match = pattern.fullmatch(words)
        if match is not None:
            return to_goal(match, objects)
    stated = _STATED.fullmatch(words)
    if stated and _refers(stated.group(1).removeprefix("all ").split()[0], objects):
        return _read_clause(f"put {stated.group(1)} {stated.group(2)}", task, objects)
    listed = _LISTED.fullmatch(words)
    if listed and (listed.group(3) or listed.group(5) == "table" or listed.group(5).endswith(" bin")):
        items = [w for w in listed.group(1).split() if w != "and"]
        if len(items) >= 2 and all(_refers(item, objects) for item in items):
            goal: set[str] = set()
            for item in items:
                goal |= _read_clause(f"put {item} {listed.group(4)} {listed.group(5)}", task, objects) or set()
            return frozenset(goal) or None
    return None


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
