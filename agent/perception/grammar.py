"""A grammar of instructions as people write them (issue 23, item 1), mixed into the dataset by
``instructions.draw_examples`` at ``GRAMMAR_SHARE`` (0 until a checkpoint trained with it ships).

The template generator in ``language.py`` tells a tower top-down ("red on blue on green"); people also tell
it bottom-up, by place in the pile ("green at the base, red on top"), as a sequence ("first green, then
blue, last red"), in two sentences, or with "beneath"/"under", which reverse the roles; one block on
another comes with mover and support in either clause ("onto green, place red"). Each production
here says which way it reads, so the canonical goal is computed from the scene's chosen order exactly as
the templates do. Sorting is also phrased by which bin each colour belongs in. Beyond towers, the grammar
asks for one Hanoi disc (by planner name, colour or size) onto a peg or a larger disc, blocks onto the
table, two goals in one instruction, a colour's cubes into a bin, and one cube (by planner name such as
``red2``, colour or a superlative) into a bin: the goals the templates never phrase that way.

Every intent's productions from ``HELD_OUT_FROM`` on never appear in training (``held-out-templates``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from agent.perception import language
from agent.perception.language import CATEGORIES, Example, Facts, Ref
from agent.planning.planner import format_atom
from envs.scenes.hanoi import PEGS

#: productions of each intent from this index on never appear in training (``held-out-templates``)
HELD_OUT_FROM = {"grammar.tower": 12, "grammar.on": 9, "grammar.sort": 6, "grammar.table": 8, "grammar.two": 6,
                 "grammar.hanoi": 11, "grammar.disc": 10, "grammar.colour": 8, "grammar.cube": 9}

_STACK_VERBS = ("stack", "pile", "set", "place", "put", "rest")
_ON = ("on", "onto", "on top of", "atop", "above")
_UNDER = ("under", "beneath", "below", "underneath")
#: first words of the productions that are commands, the only ones a polite prefix fits
_COMMANDS = frozenset({*_STACK_VERBS, "build", "make", "start", "match", "drop", "pair", "take", "onto", "move",
                       "shift", "get", "lift", "clear", "bring", "transfer", "rebuild", "carry", "relocate",
                       "send", "collect", "toss", "have", "lower", "unstack"})
_POLITE = ("", "", "", "please ", "could you ", "kindly ", "hey robot, ", "ok so ", "i'd like you to ")
_CLOSE = ("", "", "", ".", " please", ", thank you", " thx", "!", " asap")
#: common misspellings of function words only: a misspelt colour would change what the label means
TYPOS = {"the": "teh", "then": "than", "top": "tpo", "stack": "stak", "please": "pls", "on top of": "ontop of",
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
        for right, wrong in TYPOS.items():
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
                   index >= HELD_OUT_FROM["grammar.tower"], language.goal_colour_pairs(facts, goal))


def _example(rng: random.Random, facts: Facts, intent: str, index: int, text: str, goal: set[str],
             refs: Sequence[Ref] = ()) -> Example:
    """The styled example of production ``index`` of ``intent``; its category is its hardest reference's."""
    category = max((r.category for r in refs), key=CATEGORIES.index, default="name")
    return Example(_style(rng, text), tuple(sorted(goal)), category, f"grammar.{intent}.{index}",
                   index >= HELD_OUT_FROM[f"grammar.{intent}"], language.goal_colour_pairs(facts, goal),
                   language.image_needed(facts, refs))


def _block_word(rng: random.Random, facts: Facts, name: str) -> Ref:
    colour = facts.colours[name]
    return Ref(colour if rng.random() < 0.5 else f"the {colour} {rng.choice(('block', 'cube'))}", name)


def _block(rng: random.Random, facts: Facts, plain: bool) -> Ref | None:
    """A block by its colour when ``plain``, else by where it is or what it stands on or under."""
    if plain:
        return _block_word(rng, facts, rng.choice(facts.named("block")))
    return (language.block_position if rng.random() < 0.5 else language.block_relation)(rng, facts)


def on_example(rng: random.Random, facts: Facts) -> Example | None:
    """One block on another, the clauses in either order; "under" and "beneath" put the support first. Most
    blocks are named by colour, the others by position or relation, as the templates do."""
    if len(facts.named("block")) < 2:
        return None
    index = rng.randrange(len(_ON_ONE))
    plain_a = rng.random() < 0.7
    a = _block(rng, facts, plain_a)
    b = _block(rng, facts, not plain_a or rng.random() < 0.8)
    if a is None or b is None or a.name == b.name:
        return None
    text = _ON_ONE[index].format(a=a.text, b=b.text, verb=_verb(rng), on=rng.choice(_ON), under=rng.choice(_UNDER))
    return _example(rng, facts, "on", index, text, {format_atom("on", (a.name, b.name))}, (a, b))


_TABLE = ("{verb} {a} on the table", "take {a} off and {verb} it on the table", "{a} should sit on the table",
          "unstack {a}", "get {a} down onto the table", "{a} back on the table", "lift {a} off and lower it onto "
          "the table", "clear {a} off its pile onto the table",
          # held out from here
          "i'd like {a} resting on the table", "{a}: table")


def table_example(rng: random.Random, facts: Facts) -> Example | None:
    """A block onto the table; one that stands on another block when there is one, so that it asks for a
    change."""
    support = facts.support()
    raised = [n for n in facts.named("block") if support.get(n, "table") != "table"]
    if not raised:
        return None
    index = rng.randrange(len(_TABLE))
    a = _block_word(rng, facts, rng.choice(raised)) if rng.random() < 0.75 else _block(rng, facts, plain=False)
    if a is None or a.name not in raised:
        return None
    text = _TABLE[index].format(a=a.text, verb=_verb(rng))
    return _example(rng, facts, "table", index, text, {format_atom("ontable", (a.name,))}, (a,))


#: two goals in one instruction, as clauses or sentences; the goal is both, whichever comes first
_TWO = ("{x} and {y}", "{x}, then {y}", "{x}. {y}", "first {x}, after that {y}", "{x}; also {y}",
        "{x} and also {y}",
        # held out from here
        "{x}, and while you are at it {y}", "{x} plus {y}")
_ON_CLAUSE = ("{verb} {a} {on} {b}", "{a} goes {on} {b}", "{a} {on} {b}", "{verb} {a} {on} {b}")
_TABLE_CLAUSE = ("{verb} {a} on the table", "{a} goes on the table", "{a} on the table")
_IN_CLAUSE = ("put {a} in {b}", "{a} goes into {b}", "{a} into {b}", "drop {a} in {b}")


def _block_clause(rng: random.Random, facts: Facts, mover: str, support: str) -> str:
    template = rng.choice(_TABLE_CLAUSE if support == "table" else _ON_CLAUSE)
    return template.format(a=_block_word(rng, facts, mover).text,
                           b=_block_word(rng, facts, support).text if support != "table" else "",
                           verb=_verb(rng), on=rng.choice(_ON))


def two_example(rng: random.Random, facts: Facts) -> Example | None:
    """Two goals in one instruction: two blocks each onto a block or the table, or two cubes into bins.
    The two never contradict (two movers, two supports, no cycle)."""
    if facts.task == "sort":
        cubes = facts.named("cube")
        if len(cubes) < 2:
            return None
        moves = [(c, language.bin_ref(rng, facts)) for c in rng.sample(cubes, 2)]
        refs = [_cube_by_name(rng, facts, c) for c, _ in moves]
        clauses = [rng.choice(_IN_CLAUSE).format(a=r.text, b=target.text) for r, (_, target) in zip(refs, moves)]
        goal = {format_atom("in", (c, target.name)) for c, target in moves}
        refs += [target for _, target in moves]
    else:
        blocks = facts.named("block")
        if len(blocks) < 3:
            return None
        first, second = rng.sample(blocks, 2)
        supports = [rng.choice(["table", *(b for b in blocks if b != first)])]
        supports.append(rng.choice(["table", *(b for b in blocks if b not in (second, supports[0], first))]))
        goal = {format_atom("ontable", (m,)) if s == "table" else format_atom("on", (m, s))
                for m, s in zip((first, second), supports)}
        clauses = [_block_clause(rng, facts, m, s) for m, s in zip((first, second), supports)]
        refs = []
    index = rng.randrange(len(_TWO))
    return _example(rng, facts, "two", index, _TWO[index].format(x=clauses[0], y=clauses[1]), goal, refs)


# -- hanoi ------------------------------------------------------------------------------------------------------------

_HANOI = ("move all the discs to {p}", "take the whole stack over to {p}", "the tower goes on {p}",
          "i want the tower on {p}", "rebuild the tower on {p}", "get every disc onto {p}",
          "shift the entire pile to {p}", "move everything to {p}", "transfer the stack onto {p}",
          "the discs should all end up on {p}", "move the {n}-disc tower to {p}",
          # held out from here
          "{p} is where the tower should be", "relocate the pile to {p}", "bring the stack to {p}")

_DISC = ("{verb} {d} on {t}", "move {d} to {t}", "{d} goes on {t}", "take {d} and {verb} it on {t}", "{d} onto {t}",
         "shift {d} over to {t}", "{verb} {d} onto {t}", "{t} should get {d}", "get {d} onto {t}",
         "move {d} over onto {t}",
         # held out from here
         "i want {d} sitting on {t}", "{d} belongs on {t}", "carry {d} across to {t}")
_DISC_WORD = ("disc", "disk", "ring")


def hanoi_example(rng: random.Random, facts: Facts) -> Example | None:
    """The whole tower onto another peg, in wordings the templates lack; the goal is the templates'."""
    tower = language.tower_peg(facts)
    if tower is None:
        return None
    index = rng.randrange(len(_HANOI))
    p = language.peg_ref(rng, tower)
    discs = sorted(facts.named("disc"), key=lambda n: int(n[1:]))
    goal = {format_atom("on", pair) for pair in zip(discs, [*discs[1:], p.name])}
    text = _HANOI[index].format(p=p.text, n=len(discs))
    return _example(rng, facts, "hanoi", index, text, goal, (p,))


def _disc_ref(rng: random.Random, facts: Facts, name: str) -> Ref:
    """A disc by planner name ("d1"), colour ("the red disc"), or size where it is the smallest or the
    largest ("the smallest disc", "the small red disc"). Disc numbers grow with width, so size is number."""
    numbers = sorted(int(n[1:]) for n in facts.named("disc"))
    colour, word, number = facts.colours[name], rng.choice(_DISC_WORD), int(name[1:])
    forms = [name, f"disc {name}", f"the {colour} {word}", f"the {colour} one", f"{colour} {word}"]
    if len(numbers) > 1 and number in (numbers[0], numbers[-1]):
        small = number == numbers[0]
        most = ("smallest", "tiniest", "littlest") if small else ("largest", "biggest", "widest")
        forms += [f"the {rng.choice(most)} {word}",
                  f"the {rng.choice(('small', 'little') if small else ('big', 'large'))} {colour} {word}"]
    return Ref(rng.choice(forms), name)


def disc_example(rng: random.Random, facts: Facts) -> Example | None:
    """One disc onto a peg or onto a larger disc: the goal is that one atom, never already true."""
    discs = facts.named("disc")
    if not discs:
        return None
    disc = rng.choice(discs)
    larger = [d for d in discs if int(d[1:]) > int(disc[1:])]
    target = rng.choice([*PEGS, *larger]) if rng.random() < 0.3 else rng.choice(PEGS)
    atom = format_atom("on", (disc, target))
    if atom in facts.state:
        return None
    index = rng.randrange(len(_DISC))
    d = _disc_ref(rng, facts, disc)
    t = language.peg_name(rng, target, placed=rng.random() < 0.3) if target in PEGS else _disc_ref(rng, facts, target)
    text = _DISC[index].format(d=d.text, t=t.text, verb=_verb(rng))
    return _example(rng, facts, "disc", index, text, {atom}, (d, t))


# -- sort -------------------------------------------------------------------------------------------------------------

_COLOUR = ("every {x} {cube} into {bin}", "{x} {cubes}: {bin}", "send the {x} ones to {bin}",
           "put the {x} {cubes} away in {bin}", "all of the {x} {cubes} belong in {bin}",
           "collect the {x} {cubes} in {bin}", "the {x} {cubes} go into {bin}", "move each {x} {cube} to {bin}",
           # held out from here
           "{bin} takes the {x} {cubes}", "anything {x} goes to {bin}")

_CUBE = ("put {a} in {bin}", "{a} into {bin}", "drop {a} into {bin}", "{a} goes in {bin}", "place {a} inside {bin}",
         "move {a} over to {bin}", "toss {a} in {bin}", "i need {a} in {bin}", "put {a} into {bin}",
         # held out from here
         "{bin} is for {a}", "have {a} end up in {bin}")

#: superlatives for one cube, worded apart from the templates': the words and the sort key
_EXTREMES = ((("the cube on the far left", "the left-most cube", "the cube furthest left"), "left"),
             (("the cube on the far right", "the right-most cube", "the cube furthest right"), "right"),
             (("the closest cube to the robot", "the cube nearest to the arm", "the nearest cube"), "near"),
             (("the cube furthest from the arm", "the most distant cube", "the farthest cube"), "far"))


def _cube_by_name(rng: random.Random, facts: Facts, name: str) -> Ref:
    """A cube by its planner name ("red2", "cube red2"), or by its colour when no other cube has it."""
    colour = facts.colours[name]
    forms = [name, f"cube {name}", name]
    if sum(facts.colours[c] == colour for c in facts.named("cube")) == 1:
        forms += [f"the {colour} {rng.choice(('cube', 'block'))}", f"the {colour} one"]
    return Ref(rng.choice(forms), name)


def _cube(rng: random.Random, facts: Facts) -> Ref | None:
    """One cube: by planner name or colour, or by a superlative when one cube clearly wins."""
    cubes = facts.named("cube")
    if rng.random() < 0.65:
        return _cube_by_name(rng, facts, rng.choice(cubes))
    texts, side = rng.choice(_EXTREMES)
    keys = {"left": lambda n: facts.positions[n][1], "right": lambda n: -facts.positions[n][1],
            "near": lambda n: language.distance_to_robot(facts, n),
            "far": lambda n: -language.distance_to_robot(facts, n)}
    name = language.unique_extreme(cubes, keys[side])
    return None if name is None else Ref(rng.choice(texts), name, "position")


def colour_example(rng: random.Random, facts: Facts) -> Example | None:
    """Every cube of one colour into one bin, the bin by colour or place."""
    cubes = facts.named("cube")
    if not cubes:
        return None
    index = rng.randrange(len(_COLOUR))
    target = language.bin_ref(rng, facts)
    colour = facts.colours[rng.choice(cubes)]
    cube = rng.choice(("cube", "block"))
    text = _COLOUR[index].format(x=colour, cube=cube, cubes=cube + "s", bin=target.text)
    goal = {format_atom("in", (c, target.name)) for c in cubes if facts.colours[c] == colour}
    return _example(rng, facts, "colour", index, text, goal, (target,))


def cube_example(rng: random.Random, facts: Facts) -> Example | None:
    """One cube into one bin: by planner name, colour or superlative."""
    if not facts.named("cube"):
        return None
    a = _cube(rng, facts)
    if a is None:
        return None
    index = rng.randrange(len(_CUBE))
    target = language.bin_ref(rng, facts)
    return _example(rng, facts, "cube", index, _CUBE[index].format(a=a.text, bin=target.text),
                    {format_atom("in", (a.name, target.name))}, (a, target))


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


#: each task's intents and how often each is drawn
_INTENTS: dict[str, tuple[tuple[Callable[[random.Random, Facts], Example | None], float], ...]] = {
    "blocks": ((tower_example, 2.0), (on_example, 3.0), (table_example, 1.5), (two_example, 1.5)),
    "hanoi": ((hanoi_example, 1.0), (disc_example, 2.0)),
    "sort": ((sort_example, 1.0), (colour_example, 1.5), (cube_example, 2.0), (two_example, 1.0)),
}


def grammar_example(rng: random.Random, facts: Facts) -> Example | None:
    """One example of the scene's task from the grammar (``None`` when the draw does not fit the scene)."""
    intents = _INTENTS[facts.task]
    make = rng.choices([m for m, _ in intents], weights=[w for _, w in intents])[0]
    return make(rng, facts)
