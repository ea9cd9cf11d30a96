"""Instructions and their canonical goals, generated from a scene's ground truth.

This is the labeller of the perception dataset. For a scene it draws instructions of every kind the
network must read, each with its canonical goal: exactly the ``on`` / ``ontable`` / ``in`` atoms the
instruction asks for. Objects are named by name ("the red block"), by where they are ("the top block of
the leftmost stack", "the cube nearest the robot"), by what they touch ("the block under red") and by
what the scene looks like now ("the peg to the right of the tower"). A referring expression is only
used when it picks out one object with a clear margin, so every label is unambiguous.

Every sentence template has an id; the last ones of each intent are held out of training, and so are
some colour pairs, to measure how far the network generalises. The reference builders and their helpers
(``block_position``, ``block_relation``, ``tower_peg``, ``peg_ref``, ``peg_name``, ``bin_ref``,
``unique_extreme``, ...) are public because the grammar of ``grammar.py`` names objects with them too;
``instructions.draw_examples`` mixes the two.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from agent.planning.planner import format_atom, parse_atom
from envs.scenes.hanoi import PEGS
from envs.task_env import TaskEnv

#: how much nearer (m) the referent of "leftmost", "nearest the robot" etc. must be than the runner-up
MARGIN = 0.03
#: templates of each intent from this index on never appear in training
HELD_OUT_FROM = {"blocks.on": 9, "blocks.table": 7, "blocks.tower": 7, "hanoi.tower": 7, "sort.all": 6,
                 "sort.colour": 10, "sort.one": 6, "sort.everything": 7}
#: colour pairs never related by a goal atom in training, in either order
HELD_OUT_PAIRS = frozenset({frozenset(p) for p in (("red", "blue"), ("green", "yellow"), ("purple", "cyan"),
                                                   ("orange", "pink"))})
#: what an instruction's hardest reference needs, from least to most: names only, positions that vary
#: from scene to scene, relations between objects, the layout of the scene as a whole
CATEGORIES = ("name", "position", "relation", "scene")

#: first words of the templates that are commands, the only ones a polite prefix fits
_IMPERATIVES = frozenset({"{verb}", "stack", "pick", "take", "build", "make", "move", "transfer", "put", "shift",
                          "relocate", "sort", "place", "drop", "match", "tidy", "gather", "empty", "get",
                          "carry", "group", "fill", "use", "load"})
_PREFIXES = ("", "", "", "", "please ", "could you ", "can you ", "now ", "robot, ", "i want you to ",
             "go ahead and ")
_SUFFIXES = ("", "", "", "", " please", ", thanks", " now", ".", "!")


@dataclass(frozen=True)
class Facts:
    """What the labeller knows about a scene: every object's kind, colour and position, and the state."""

    task: str
    kinds: dict[str, str]
    colours: dict[str, str]
    positions: dict[str, tuple[float, float, float]]
    state: frozenset[str]

    @classmethod
    def of(cls, env: TaskEnv) -> Facts:
        objects = env.scene.objects
        return cls(env.task, {o.name: o.kind for o in objects}, {o.name: o.color for o in objects},
                   {o.name: tuple(env.sim.pose(o.name).position) for o in objects},
                   frozenset(env.symbolic_state()))

    def named(self, kind: str) -> list[str]:
        return sorted(n for n, k in self.kinds.items() if k == kind)

    def support(self) -> dict[str, str]:
        """What each object stands on: another object's name, or ``"table"``."""
        result = {}
        for atom in sorted(self.state):  # a frozenset's order follows the process's string hashing
            name, args = parse_atom(atom)
            if name == "on":
                result[args[0]] = args[1]
            elif name == "ontable":
                result[args[0]] = "table"
        return result


@dataclass(frozen=True)
class Example:
    """An instruction, its canonical goal (sorted atoms) and what it takes to read it."""

    instruction: str
    goal: tuple[str, ...]
    category: str
    template: str
    held_out_template: bool
    colour_pairs: frozenset[frozenset[str]] = field(default_factory=frozenset)
    #: whether a reader needs the image: some object is named by position, relation or the scene, and the
    #: words leave more than one object it could be ("the block under red" among two blocks is the other one)
    needs_image: bool = False

    @property
    def held_out_colours(self) -> bool:
        return bool(self.colour_pairs & HELD_OUT_PAIRS)


@dataclass(frozen=True)
class Ref:
    """A noun phrase and the object it refers to."""

    text: str
    name: str
    category: str = "name"
    #: objects the phrase names to say which one it means (``red`` in "the block under red")
    mentions: tuple[str, ...] = ()


class _Draft:
    """An example being drawn: its intent's templates and the references filled into one of them."""

    def __init__(self, rng: random.Random, intent: str, templates: Sequence[str]) -> None:
        self.index = rng.randrange(len(templates))
        self.intent = intent
        self.template = templates[self.index]

    def finish(self, rng: random.Random, facts: Facts, goal: set[str], refs: Sequence[Ref], **slots: str) -> Example:
        text = self.template.format(**slots)
        if self.template.split()[0] in _IMPERATIVES:
            text = rng.choice(_PREFIXES) + text
        text += rng.choice(_SUFFIXES)
        category = max((r.category for r in refs), key=CATEGORIES.index, default="name")
        return Example(" ".join(text.split()), tuple(sorted(goal)), category, f"{self.intent}.{self.index}",
                       self.index >= HELD_OUT_FROM[self.intent], goal_colour_pairs(facts, goal),
                       image_needed(facts, refs))


def image_needed(facts: Facts, refs: Sequence[Ref]) -> bool:
    """Whether some reference by position, relation or scene could mean more than one object for a reader
    who sees only the words: every object of its kind, less those the instruction names."""
    named = {r.name for r in refs if r.category == "name"} | {m for r in refs for m in r.mentions}
    return any(len(set(facts.named(facts.kinds[r.name])) - named) > 1 for r in refs if r.category != "name")


def goal_colour_pairs(facts: Facts, goal: set[str]) -> frozenset[frozenset[str]]:
    pairs = set()
    for atom in goal:
        _, args = parse_atom(atom)
        if len(args) == 2 and facts.kinds[args[0]] in ("block", "cube") and args[1] in facts.colours:
            pair = frozenset((facts.colours[args[0]], facts.colours[args[1]]))
            if len(pair) == 2:
                pairs.add(pair)
    return frozenset(pairs)


def unique_extreme(names: Sequence[str], key: Callable[[str], float]) -> str | None:
    """The name with the smallest key, if it beats the runner-up by ``MARGIN``."""
    ranked = sorted(names, key=key)
    if not ranked or (len(ranked) > 1 and key(ranked[1]) - key(ranked[0]) < MARGIN):
        return None
    return ranked[0]


def distance_to_robot(facts: Facts, name: str) -> float:
    x, y, _ = facts.positions[name]
    return float(np.hypot(x, y))


# -- blocks -----------------------------------------------------------------------------------------------------------

_PUT = ("put", "place", "set", "move")
_BLOCK = ("block", "cube")

_BLOCKS_ON = ("{verb} {a} on {b}", "{verb} {a} on top of {b}", "{verb} {a} onto {b}", "stack {a} on {b}",
              "{a} on {b}", "pick up {a} and put it on {b}", "get {a} onto {b}", "{a} goes on top of {b}",
              "{verb} {a} so that it sits on {b}",
              "{a} should end up on top of {b}", "take {a} and set it down on {b}")
_BLOCKS_TABLE = ("{verb} {a} on the table", "{verb} {a} down on the table", "{a} on the table",
                 "{verb} {a} onto the table", "get {a} onto the table", "{a} goes on the table",
                 "{verb} {a} on the table top",
                 "{a} belongs on the table", "take {a} and leave it on the table")
_BLOCKS_TOWER = ("stack {chain}", "build a tower of {chain}", "make a stack: {chain}", "{verb} {chain}",
                 "build a tower from the bottom up: {upward}", "put {pairs}", "stack up {chain}",
                 "i need {pairs}", "i want a tower of {chain}")


def block_name(rng: random.Random, facts: Facts, name: str, as_support: bool = False) -> Ref:
    colour = facts.colours[name]
    forms = [colour, f"the {colour} {rng.choice(_BLOCK)}", f"{colour} {rng.choice(_BLOCK)}"]
    if as_support:
        forms.append(f"the {colour} one")
    return Ref(rng.choice(forms), name)


def _stacks(facts: Facts) -> list[list[str]]:
    """Stacks of blocks from the bottom up, ordered left to right in the image (by y)."""
    support = facts.support()
    above = {below: top for top, below in support.items() if below != "table"}
    stacks = []
    for bottom in (n for n, s in support.items() if s == "table"):
        stack = [bottom]
        while stack[-1] in above:
            stack.append(above[stack[-1]])
        stacks.append(stack)
    return sorted(stacks, key=lambda s: facts.positions[s[0]][1])


def block_position(rng: random.Random, facts: Facts) -> Ref | None:
    stacks = _stacks(facts)
    options: list[tuple[str, str]] = []
    if len(stacks) >= 2:
        y = [facts.positions[s[0]][1] for s in stacks]
        if y[1] - y[0] >= MARGIN:
            options += [(rng.choice(("the top block of the leftmost stack", "the block on top of the leftmost stack",
                                     "the highest cube in the left-most pile")), stacks[0][-1]),
                        ("the bottom block of the leftmost stack", stacks[0][0])]
        if y[-1] - y[-2] >= MARGIN:
            options += [(rng.choice(("the top block of the rightmost stack", "the block on top of the rightmost stack",
                                     "the highest cube in the right-most pile")), stacks[-1][-1]),
                        ("the bottom block of the rightmost stack", stacks[-1][0])]
        heights = sorted((len(s) for s in stacks), reverse=True)
        if heights[0] > heights[1]:
            tallest = max(stacks, key=len)
            options += [(rng.choice(("the top block of the tallest stack", "the block at the top of the highest tower",
                                     "the top cube of the tallest pile")), tallest[-1]),
                        (rng.choice(("the bottom block of the tallest stack",
                                     "the block at the bottom of the highest tower")),
                         tallest[0])]
    if not options:
        return None
    text, name = rng.choice(options)
    category = "scene" if "tallest" in text or "highest tower" in text else "position"
    return Ref(text, name, category)


def block_relation(rng: random.Random, facts: Facts) -> Ref | None:
    support = facts.support()
    options = []
    for top, below in support.items():
        if below == "table":
            continue
        b, t = facts.colours[below], facts.colours[top]
        options.append((rng.choice((f"the block on top of the {b} one", f"the block sitting on {b}",
                                    f"the cube right above the {b} block", f"the block resting on the {b} cube")),
                        top, below))
        options.append((rng.choice((f"the block under {t}", f"the block below the {t} one",
                                    f"the cube beneath the {t} block", f"the block that {t} is sitting on")),
                        below, top))
    if not options:
        return None
    text, name, anchor = rng.choice(options)
    return Ref(text, name, "relation", (anchor,))


def _block_ref(rng: random.Random, facts: Facts, plain: bool, as_support: bool = False) -> Ref | None:
    """A reference to some block: by name when ``plain``, else by position or relation."""
    if plain:
        return block_name(rng, facts, rng.choice(facts.named("block")), as_support)
    return (block_position if rng.random() < 0.5 else block_relation)(rng, facts)


def _blocks_example(rng: random.Random, facts: Facts) -> Example | None:
    blocks = facts.named("block")
    intent = rng.choices(("on", "table", "tower"), weights=(3.0, 1.5, 2.0))[0]
    if intent == "tower" and len(blocks) < 2:
        intent = "table"
    verb = rng.choice(_PUT)
    if intent == "table":
        draft = _Draft(rng, "blocks.table", _BLOCKS_TABLE)
        a = _block_ref(rng, facts, plain=rng.random() < 0.4)
        if a is None:
            return None
        return draft.finish(rng, facts, {format_atom("ontable", (a.name,))}, [a], a=a.text, verb=verb)
    if intent == "on":
        if len(blocks) < 2:
            return None
        draft = _Draft(rng, "blocks.on", _BLOCKS_ON)
        plain_a = rng.random() < 0.4
        plain_b = not plain_a or rng.random() < 0.6
        a = _block_ref(rng, facts, plain_a)
        b = _block_ref(rng, facts, plain_b, as_support=True)
        if a is None or b is None or a.name == b.name:
            return None
        return draft.finish(rng, facts, {format_atom("on", (a.name, b.name))}, [a, b], a=a.text, b=b.text, verb=verb)
    draft = _Draft(rng, "blocks.tower", _BLOCKS_TOWER)
    # Every block half the time: a tower of all of them is what ``nesy run`` asks for, and the longest chains
    # are the rarest and hardest to read to their end (the last link of six is the one networks left out).
    length = len(blocks) if rng.random() < 0.5 else rng.randint(2, len(blocks))
    chosen = rng.sample(blocks, length)  # top first
    on_table = rng.random() < 0.3
    long_form = rng.random() < 0.3
    words = [f"the {facts.colours[n]} block" if long_form else facts.colours[n] for n in chosen]
    goal = {format_atom("on", pair) for pair in zip(chosen, chosen[1:])}
    chain = " on ".join(words)
    upward = ", ".join(reversed(words))
    pairs = " and ".join(f"{a} on {b}" for a, b in zip(words, words[1:]))
    if on_table:
        goal.add(format_atom("ontable", (chosen[-1],)))
        chain += " on the table"
        upward += ", starting on the table"
        pairs += f" and {words[-1]} on the table"
    return draft.finish(rng, facts, goal, [], chain=chain, upward=upward, pairs=pairs, verb=verb)


# -- hanoi ------------------------------------------------------------------------------------------------------------

_HANOI_TOWER = ("move the tower to {p}", "move the {stack} onto {p}", "transfer all the {discs} to {p}",
                "put the whole {stack} on {p}", "shift the tower over to {p}", "carry the tower over to {p}",
                "move all the {discs} onto {p}",
                "relocate every disc to {p}", "the tower should end up on {p}")
_PEG = ("peg", "rod", "pole")
_PEG_WORDS = {"left": ("left",), "middle": ("middle", "centre", "center"), "right": ("right",)}
_PEG_PLACES = {"left": ("the leftmost {peg}", "the {peg} on the far left", "the {peg} on the left"),
               "middle": ("the {peg} in the middle", "the central {peg}"),
               "right": ("the rightmost {peg}", "the {peg} on the far right", "the {peg} on the right")}


def tower_peg(facts: Facts) -> str | None:
    """The peg the largest disc stands on (``None`` when the discs are not all in one tower)."""
    support = facts.support()
    discs = sorted(facts.named("disc"), key=lambda n: int(n[1:]))
    chain = [support.get(d) for d in discs]
    if any(below != above for below, above in zip(chain[:-1], discs[1:])):
        return None
    return chain[-1] if chain and chain[-1] in PEGS else None


def peg_ref(rng: random.Random, tower: str) -> Ref:
    """A peg other than ``tower``, named, placed or related to the tower."""
    i = PEGS.index(tower)
    scene: list[tuple[str, str]] = []
    if tower != "middle":
        scene.append((rng.choice(("the peg next to it", "the neighbouring rod", "the adjacent pole",
                                  "the peg beside the tower")), "middle"))
        scene.append((rng.choice(("the peg farthest from it", "the far peg", "the rod at the other end",
                                  "the pole furthest from the tower")), PEGS[2 - i]))
    if tower != "right":
        scene.append((rng.choice(("the peg to its right", "the peg right of the tower",
                                  "the next rod to the right")), PEGS[i + 1]))
    if tower != "left":
        scene.append((rng.choice(("the peg to its left", "the peg left of the tower",
                                  "the next rod to the left")), PEGS[i - 1]))
    draw = rng.random()
    if draw < 0.35:
        text, peg = rng.choice(scene)
        return Ref(text, peg, "scene")
    return peg_name(rng, rng.choice([p for p in PEGS if p != tower]), placed=draw < 0.55)


def peg_name(rng: random.Random, peg: str, placed: bool) -> Ref:
    """``peg`` by its name ("the left rod") or, when ``placed``, by its place ("the leftmost peg"): pegs
    stand in fixed places, so naming one by place is naming it."""
    if placed:
        return Ref(rng.choice(_PEG_PLACES[peg]).format(peg=rng.choice(_PEG)), peg)
    word = rng.choice(_PEG_WORDS[peg])
    return Ref(rng.choice((f"the {word} {rng.choice(_PEG)}", f"{word} {rng.choice(_PEG)}", f"the {word} one",
                            f"the {word}")), peg)


def _hanoi_example(rng: random.Random, facts: Facts) -> Example | None:
    tower = tower_peg(facts)
    if tower is None:
        return None
    draft = _Draft(rng, "hanoi.tower", _HANOI_TOWER)
    p = peg_ref(rng, tower)
    discs = sorted(facts.named("disc"), key=lambda n: int(n[1:]))
    goal = {format_atom("on", pair) for pair in zip(discs, [*discs[1:], p.name])}
    return draft.finish(rng, facts, goal, [p], p=p.text, stack=rng.choice(("tower", "stack", "pile")),
                        discs=rng.choice(("discs", "disks", "rings")))


# -- sort -------------------------------------------------------------------------------------------------------------

_SORT_ALL = ("sort the {cubes} by {colour}", "put each {cube} in the {bin} of its {colour}",
             "put every {cube} into the {bin} that matches its {colour}", "sort by {colour}",
             "put each {cube} into its own {colour} {bin}", "group the {cubes} by {colour} into the {bins}",
             "match every {cube} to the same-coloured {bin}", "tidy the {cubes} into their own {colour} {bins}")
_SORT_COLOUR = ("put all the {x} {cubes} in {bin}", "move every {x} {cube} into {bin}",
                "place the {x} {cubes} in {bin}",
                "all {x} {cubes} go in {bin}", "get all the {x} {cubes} into {bin}", "every {x} {cube} goes in {bin}",
                "fill {bin} with the {x} {cubes}", "{bin} is where the {x} {cubes} go",
                "use {bin} for every {x} {cube}", "the {x} {cubes} all belong in {bin}",
                "gather up the {x} {cubes} in {bin}", "{bin} gets all of the {x} {cubes}")
_SORT_ONE = ("put {a} in {bin}", "place {a} into {bin}", "drop {a} in {bin}", "{a} goes into {bin}",
             "get {a} into {bin}", "move {a} to {bin}",
             "i'd like {a} inside {bin}", "take {a} and put it in {bin}")
_SORT_EVERYTHING = ("put all the {cubes} in {bin}", "put every {cube} into {bin}", "move all the {cubes} into {bin}",
                    "put everything in {bin}", "everything goes into {bin}", "load all of the {cubes} into {bin}",
                    "{bin} should hold every {cube}",
                    "empty the table into {bin}")
_BIN = ("bin", "box", "tray")


def bin_ref(rng: random.Random, facts: Facts) -> Ref:
    bins = sorted(facts.named("bin"), key=lambda n: facts.positions[n][1])
    places = []
    if len(bins) >= 2:
        places += [(rng.choice(("the leftmost {bin}", "the {bin} on the far left")), bins[0]),
                   (rng.choice(("the rightmost {bin}", "the {bin} on the far right")), bins[-1])]
    if len(bins) == 3:
        places.append(("the middle {bin}", bins[1]))
    if places and rng.random() < 0.4:
        text, name = rng.choice(places)
        return Ref(text.format(bin=rng.choice(_BIN)), name, "position")
    name = rng.choice(bins)
    colour = facts.colours[name]
    return Ref(rng.choice((f"the {colour} {rng.choice(_BIN)}", f"{colour} {rng.choice(_BIN)}")), name)


def cube_ref(rng: random.Random, facts: Facts) -> Ref | None:
    cubes = facts.named("cube")
    if rng.random() < 0.35:
        colour = facts.colours[rng.choice(cubes)]
        same = [c for c in cubes if facts.colours[c] == colour]
        if len(same) == 1:
            return Ref(rng.choice((f"the {colour} {rng.choice(_BLOCK)}", f"the {colour} one")), same[0])
    places = [(("the leftmost cube", "the cube furthest to the left", "the leftmost block"),
               lambda n: facts.positions[n][1]),
              (("the rightmost cube", "the cube furthest to the right", "the rightmost block"),
               lambda n: -facts.positions[n][1]),
              (("the cube nearest the robot", "the block closest to the robot"),
               lambda n: distance_to_robot(facts, n)),
              (("the cube farthest from the robot", "the block furthest from the robot"),
               lambda n: -distance_to_robot(facts, n))]
    texts, key = rng.choice(places)
    name = unique_extreme(cubes, key)
    return None if name is None else Ref(rng.choice(texts), name, "position")


def _sort_example(rng: random.Random, facts: Facts) -> Example | None:
    cubes = facts.named("cube")
    bin_of = {facts.colours[b]: b for b in facts.named("bin")}
    intent = rng.choices(("all", "colour", "one", "everything"), weights=(2.0, 3.0, 3.0, 1.0))[0]
    cube, container = rng.choice(_BLOCK), rng.choice(_BIN)
    words = {"cube": cube, "cubes": cube + "s", "colour": rng.choice(("colour", "color")), "bin": container,
             "bins": container + ("es" if container == "box" else "s")}
    if intent == "all":
        draft = _Draft(rng, "sort.all", _SORT_ALL)
        goal = {format_atom("in", (c, bin_of[facts.colours[c]])) for c in cubes}
        return draft.finish(rng, facts, goal, [], **words)
    target = bin_ref(rng, facts)
    words["bin"] = target.text
    if intent == "colour":
        draft = _Draft(rng, "sort.colour", _SORT_COLOUR)
        colour = facts.colours[rng.choice(cubes)]
        goal = {format_atom("in", (c, target.name)) for c in cubes if facts.colours[c] == colour}
        return draft.finish(rng, facts, goal, [target], x=colour, **words)
    if intent == "everything":
        draft = _Draft(rng, "sort.everything", _SORT_EVERYTHING)
        return draft.finish(rng, facts, {format_atom("in", (c, target.name)) for c in cubes}, [target], **words)
    draft = _Draft(rng, "sort.one", _SORT_ONE)
    a = cube_ref(rng, facts)
    if a is None:
        return None
    return draft.finish(rng, facts, {format_atom("in", (a.name, target.name))}, [a, target], a=a.text, **words)


_EXAMPLES: dict[str, Callable[[random.Random, Facts], Example | None]] = {
    "blocks": _blocks_example, "hanoi": _hanoi_example, "sort": _sort_example}


def template_example(rng: random.Random, facts: Facts) -> Example | None:
    """One example of the scene's task from the sentence templates (``None`` when the draw does not fit)."""
    return _EXAMPLES[facts.task](rng, facts)

