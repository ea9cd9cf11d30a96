"""A grammar of tower and sorting instructions as people write them (issue 23, item 1), not yet trained on.

The template generator in ``language.py`` tells a tower top-down ("red on blue on green"); people also tell
it bottom-up, by place in the pile ("green at the base, red on top"), as a sequence ("first green, then
blue, last red"), in two sentences, or with "beneath"/"under", which reverse the roles; one block on
another comes with mover and support in either clause ("onto green, place red"). Each production
here says which way it reads, so the canonical goal is computed from the scene's chosen order exactly as
the templates do. Sorting is also phrased by which bin each colour belongs in.

Nothing imports this module yet: wiring it into ``draw_examples`` changes the training data, which needs a
retrain of the shipped GoalNet, so it lands only together with that checkpoint.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from agent.perception.language import Example, Facts
from agent.planning.planner import format_atom

#: productions of each intent from this index on never appear in training (``held-out-templates``)
HELD_OUT_FROM = {"grammar.tower": 12, "grammar.on": 9, "grammar.sort": 6}

_STACK_VERBS = ("stack", "pile", "set", "place", "put", "rest")
_ON = ("on", "onto", "on top of", "atop", "above")
_UNDER = ("under", "beneath", "below", "underneath")
#: first words of the productions that are commands, the only ones a polite prefix fits
_COMMANDS = frozenset({*_STACK_VERBS, "build", "make", "start", "match", "drop", "pair", "take", "onto"})
_POLITE = ("", "", "", "please ", "could you ", "kindly ", "hey robot, ", "ok so ", "i'd like you to ")
_CLOSE = ("", "", "", ".", " please", ", thank you", " thx", "!", " asap")
#: common misspellings of function words only: a misspelt colour would change what the label means
_TYPOS = {"the": "teh", "then": "than", "top": "tpo", "stack": "stak", "please": "pls", "on top of": "ontop of",
          "bottom": "botom", "tower": "towr"}

# A production turns the blocks, bottom first, into a sentence: words[0] is the base.
_Production = Callable[[random.Random, Sequence[str]], str]


def _verb(rng: random.Random) -> str:
    return rng.choice(_STACK_VERBS)


def _top_down(rng: random.Random, w: Sequence[str]) -> str:
    return f"{_verb(rng)} " + f" {rng.choice(_ON)} ".join(reversed(w))


def _bottom_up_list(rng: random.Random, w: Sequence[str]) -> str:
    return f"{rng.choice(('build', 'make'))} a tower from the bottom up: " + ", ".join(w)


def _base_then_top(rng: random.Random, w: Sequence[str]) -> str:
    middle = "".join(f", then {x}" for x in w[1:-1])
    return f"{w[0]} {rng.choice(('at the base', 'at the bottom', 'on the bottom'))}{middle}, {w[-1]} on top"


def _first_then_last(rng: random.Random, w: Sequence[str]) -> str:
    middle = "".join(f", then {x}" for x in w[1:-1])
    return f"first {w[0]}{middle}, {rng.choice(('last', 'finally', 'and last'))} {w[-1]}"


def _top_first_by_place(rng: random.Random, w: Sequence[str]) -> str:
    middle = "".join(f", {x} under it" for x in reversed(w[1:-1]))
    return f"{w[-1]} on top{middle}, {w[0]} {rng.choice(('at the base', 'at the bottom'))}"


def _under_chain(rng: random.Random, w: Sequence[str]) -> str:
    return f"{_verb(rng)} them so that " + f" is {rng.choice(_UNDER)} ".join(w)


def _two_sentences(rng: random.Random, w: Sequence[str]) -> str:
    first = f"{_verb(rng)} {w[1]} {rng.choice(_ON)} {w[0]}."
    rest = " ".join(f"then {_verb(rng)} {top} {rng.choice(_ON)} {below}." for below, top in zip(w[1:], w[2:]))
    return f"{first} {rest}".strip()


def _clauses_reversed(rng: random.Random, w: Sequence[str]) -> str:
    pairs = [f"{below} goes {rng.choice(_UNDER)} {top}" for below, top in zip(w, w[1:])]
    return " and ".join(pairs)


def _start_with(rng: random.Random, w: Sequence[str]) -> str:
    return f"start with {w[0]}, " + ", ".join(f"{_verb(rng)} {x} {rng.choice(_ON)} it" for x in w[1:])


def _one_pile(rng: random.Random, w: Sequence[str]) -> str:
    return f"make one pile, {' '.join(f'{x} then' for x in w[:-1])} {w[-1]}, bottom to top"


def _terse_up(rng: random.Random, w: Sequence[str]) -> str:
    return f"{rng.choice(('tower', 'stack', 'pile'))} (bottom to top): " + " ".join(w)


def _terse_down(rng: random.Random, w: Sequence[str]) -> str:
    return f"{rng.choice(('tower', 'stack', 'pile'))} (top to bottom): " + " ".join(reversed(w))


# -- held out from here: never trained on -----------------------------------------------------------------------------

def _lowest_highest(rng: random.Random, w: Sequence[str]) -> str:
    middle = "".join(f", {x} next" for x in w[1:-1])
    return f"the lowest one is {w[0]}{middle}, and {w[-1]} is the highest"


def _rest_on(rng: random.Random, w: Sequence[str]) -> str:
    return "; ".join(f"{top} rests on {below}" for below, top in zip(w, w[1:]))


def _upward_sequence(rng: random.Random, w: Sequence[str]) -> str:
    return f"going up: {' > '.join(w)}"


_TOWER: tuple[_Production, ...] = (
    _top_down, _bottom_up_list, _base_then_top, _first_then_last, _top_first_by_place, _under_chain,
    _two_sentences, _clauses_reversed, _start_with, _one_pile, _terse_up, _terse_down,
    _lowest_highest, _rest_on, _upward_sequence)

#: one block on another, the mover ``{a}`` and the support ``{b}`` in either order and either clause
_ON_ONE = ("{verb} {a} {on} {b}", "{b} {under} {a}", "onto {b}, {verb} {a}", "{b} should have {a} on it",
           "{a} goes {on} {b}", "{b} goes {under} {a}", "take {a}, then {verb} it {on} {b}",
           "{a} needs to be {on} {b}", "{a} {on} {b}",
           # held out from here
           "{b} is where {a} goes", "i want {b} to carry {a}", "{b} supports {a}")

_SORT = ("{cubes} go in the {bin} of their colour", "match each {cube} to its {bin}",
         "every {cube} belongs in the {bin} that has its colour", "each colour has a {bin}: put the {cubes} there",
         "drop the {cubes} into the same-colour {bins}", "{cubes} into matching {bins}",
         "the {bins} are colour coded, put the {cubes} where they belong", "pair every {cube} with its {bin}")


def _style(rng: random.Random, text: str) -> str:
    """Politeness, capitals and the odd typo: noise people add that never changes the goal."""
    if rng.random() < 0.15:
        for right, wrong in _TYPOS.items():
            if f" {right} " in f" {text} " and rng.random() < 0.5:
                text = f" {text} ".replace(f" {right} ", f" {wrong} ", 1).strip()
                break
    if text.split()[0] in _COMMANDS:
        text = rng.choice(_POLITE) + text
    text += rng.choice(_CLOSE)
    if rng.random() < 0.1:
        text = text.upper()
    elif rng.random() < 0.3:
        text = text[0].upper() + text[1:]
    return " ".join(text.split())


def _colour_pairs(facts: Facts, goal: set[str]) -> frozenset[frozenset[str]]:
    """Colour pairs the goal's ``on`` atoms relate (the held-out-colours split keys on them)."""
    pairs = set()
    for atom in goal:
        if atom.startswith("(on "):
            a, b = atom[4:-1].split()
            pairs.add(frozenset((facts.colours[a], facts.colours[b])))
    return frozenset(p for p in pairs if len(p) == 2)


def tower_example(rng: random.Random, facts: Facts) -> Example | None:
    """A tower of two or more blocks told by one production; the goal is computed from the chosen order."""
    blocks = facts.named("block")
    if len(blocks) < 2:
        return None
    index = rng.randrange(len(_TOWER))
    bottom_up = rng.sample(blocks, len(blocks) if rng.random() < 0.5 else rng.randint(2, len(blocks)))
    words = [facts.colours[n] if rng.random() < 0.6 else f"the {facts.colours[n]} {rng.choice(('block', 'cube'))}"
             for n in bottom_up]
    goal = {format_atom("on", (top, below)) for below, top in zip(bottom_up, bottom_up[1:])}
    text = _style(rng, _TOWER[index](rng, words))
    return Example(text, tuple(sorted(goal)), "name", f"grammar.tower.{index}",
                   index >= HELD_OUT_FROM["grammar.tower"], _colour_pairs(facts, goal))


def on_example(rng: random.Random, facts: Facts) -> Example | None:
    """One block on another, the clauses in either order; "under" and "beneath" put the support first."""
    blocks = facts.named("block")
    if len(blocks) < 2:
        return None
    a, b = rng.sample(blocks, 2)
    index = rng.randrange(len(_ON_ONE))
    words = {n: facts.colours[n] if rng.random() < 0.5 else f"the {facts.colours[n]} {rng.choice(('block', 'cube'))}"
             for n in (a, b)}
    text = _ON_ONE[index].format(a=words[a], b=words[b], verb=_verb(rng), on=rng.choice(_ON), under=rng.choice(_UNDER))
    goal = {format_atom("on", (a, b))}
    return Example(_style(rng, text), tuple(sorted(goal)), "name", f"grammar.on.{index}",
                   index >= HELD_OUT_FROM["grammar.on"], _colour_pairs(facts, goal))


def sort_example(rng: random.Random, facts: Facts) -> Example | None:
    """Every cube into the bin of its colour, phrased by which bin each colour belongs in."""
    bin_of = {facts.colours[b]: b for b in facts.named("bin")}
    cubes = facts.named("cube")
    if not cubes or any(facts.colours[c] not in bin_of for c in cubes):
        return None
    index = rng.randrange(len(_SORT))
    cube, container = rng.choice(("cube", "block")), rng.choice(("bin", "box", "tray"))
    text = _SORT[index].format(cube=cube, cubes=cube + "s", bin=container,
                               bins=container + ("es" if container == "box" else "s"))
    goal = {format_atom("in", (c, bin_of[facts.colours[c]])) for c in cubes}
    return Example(_style(rng, text), tuple(sorted(goal)), "name", f"grammar.sort.{index}",
                   index >= HELD_OUT_FROM["grammar.sort"])
