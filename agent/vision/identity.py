"""Object names that stay put across the looks of one episode.

``describe`` names Hanoi discs ``d1..dN`` by measured width, but adjacent discs differ by 6 mm, about one
pixel, so one frame can swap two ranks; blocks or cubes of one colour it numbers in image order, which
changes whenever one of them moves. An object never changes, so a new name mid-episode is a perception
error, not a change of the world. Two rules, both from what the agent knows (frames, its own skills'
targets, proprioception):

- ``stack_ranked`` (first look): an episode starts from a legal tower, so a disc seen on another disc is the
  smaller of the two; the width ranking is kept wherever the stacking does not order two discs.
- ``tracked`` (later looks): each object keeps the name of the previous look's object of its group that it
  matches by position, where that object is expected now (``expected_centres``: an operator moves one
  object, to where its skill left it; the others stay where they were), so names are never given from
  scratch. Discs of one colour each (as every Hanoi scene has them) are matched by colour first: a pick
  that closed on the disc below the one it was told to take leaves the hand with a disc the skill's
  targets do not expect there, and position alone gives it the expected disc's name.

Both rename the objects, the state and the held object together; ``smaller`` is then re-read from the
names (``perceive._ranked_discs``) by the caller.

- ``unseen_held``: a held object the frame does not show (the camera looks with the hand above its view,
  ``policies.arm_motion.LOOK_POINT``) is still in the hand when the fingers say they grip something: objects
  never leave these scenes, so it is the object the previous look showed, this one lacks and the hand is
  expected to hold.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from agent.vision.describe import Described
from agent.vision.frames import Gripper
from agent.vision.state import GRASP_RADIUS, gripping
from envs.detectors import World

#: more discs than this are matched greedily instead of over every permutation
EXHAUSTIVE = 7
#: a disc whose centre moved further than this (m) between looks was moved (discs stand 2.5 cm apart in
#: height, pegs 20 cm apart)
MOVED = 0.03
#: past the cap, the uncapped distance still counts this much: it only breaks ties
TIE = 1e-3
#: what a disc of another colour than the previous look's costs in the matching: more than any capped
#: distance, so colour decides wherever the frame reads it, and positions only among objects of one colour
COLOUR_MISMATCH = 10 * MOVED


def disc_names(objects: tuple[Described, ...] | list[Described]) -> list[str]:
    """The discs' names in rank order (``d1`` first)."""
    return sorted((o.name for o in objects if o.kind == "disc"), key=lambda n: int(n[1:]))


def stack_ranked(objects: list[Described], state: list[str], on: str) -> dict[str, str]:
    """Old name -> new name so that a disc on another disc ranks smaller (``on``: the PDDL predicate read
    by the ``on`` detector); ties keep the width order. Identity when the stacking is cyclic (a misread)."""
    discs = disc_names(objects)
    below: dict[str, set[str]] = {d: set() for d in discs}  # disc -> the discs that must rank after it
    for atom in state:
        parts = atom.strip("()").split()
        if len(parts) == 3 and parts[0] == on and parts[1] in below and parts[2] in below:
            below[parts[1]].add(parts[2])
    order: list[str] = []
    left = list(discs)
    while left:
        free = [d for d in left if not any(d in below[o] for o in left)]
        if not free:
            return {d: d for d in discs}
        order.append(free[0])  # lowest width rank among those nothing above must precede
        left.remove(free[0])
    return {old: f"d{rank}" for rank, old in enumerate(order, start=1)}


def expected_centres(known: Mapping[str, tuple[float, float, float]], moved: World | None
                     ) -> dict[str, tuple[float, float, float]]:
    """Where each movable object should be now: where it was last known to be (``known``: seen, or where a
    skill left it), or where the skill since the last look left it (``moved``: the skill's targets as it
    left them, ``policies.targets``: the object it let go where it dropped it, the held one at the hand,
    read by proprioception at the look point). An object a frame stops showing (a cube read as part of its
    bin) keeps the place the skill that moved it left it at, not the one a look before that saw it at."""
    centres = dict(known)
    if moved is not None:
        centres.update({o.name: o.position for o in moved.objects.values() if o.movable})
    return centres


def _group(o: Described) -> tuple[str, ...]:
    """Objects whose names can trade places: all discs (named by width rank); blocks or cubes of one colour
    (``red1``, ``red2`` by image order)."""
    return (o.kind,) if o.kind == "disc" else (o.kind, o.colour)


def tracked(objects: list[Described], previous: tuple[Described, ...],
            expected: Mapping[str, tuple[float, float, float]] | None = None) -> dict[str, str]:
    """Old name -> the name of the previous look's object of the same group (``_group``) at the nearest
    position (``objects`` rested on their supports, as ``previous`` was; ``expected``: where the previous
    look's objects should be now, ``expected_centres``, by default where it saw them). Least total distance,
    each capped at ``MOVED`` with the uncapped distance breaking ties: the one object an operator moved,
    when no prediction says where to, costs the same wherever it went, so the objects that stayed match
    themselves rather than shifting names along a row of pegs; among the objects past the cap (the held
    one and one hidden in a bin, say) the nearer still wins. Where the previous look read every object of
    a group a colour of its own (Hanoi's discs), another colour costs ``COLOUR_MISMATCH`` more.
    A look missing objects of a group (a held one not seen, a cube read as part of its bin) still matches
    those it shows; a group showing more objects than the previous look (an object read as two pieces) gives
    each of the previous look's names to the object nearest where it is expected, as above, and the pieces
    left over new names (``_spare``): numbering the whole group afresh in image order gave a cube on the
    table the name of one the plan had put in its bin (sort 6, development seed 38)."""
    where = dict(expected or {})
    groups: dict[tuple[str, ...], tuple[list[Described], list[Described]]] = {}
    for o in objects:
        if o.movable:
            groups.setdefault(_group(o), ([], []))[0].append(o)
    for o in previous:
        if o.movable and _group(o) in groups:
            groups[_group(o)][1].append(o)
    mapping: dict[str, str] = {}
    for now, before in groups.values():
        by_colour = len({b.colour for b in before}) == len(before)  # each a colour of its own (discs)
        matched = _matched(now, [(b.name, where.get(b.name, b.centre), b.colour if by_colour else None)
                                 for b in before])
        taken = set(matched.values())
        for o in now:
            if o.name not in matched:
                matched[o.name] = _spare(o.name, taken)
                taken.add(matched[o.name])
        mapping.update(matched)
    return mapping


def _spare(name: str, taken: set[str]) -> str:
    """``name`` if no matched object has it, else its stem (``red`` of ``red3``, ``d`` of ``d4``) numbered
    with the lowest number free."""
    if name not in taken:
        return name
    stem = name.rstrip("0123456789")
    return next(f"{stem}{n}" for n in itertools.count(1) if f"{stem}{n}" not in taken)


def _matched(now: list[Described], before: list[tuple[str, tuple[float, float, float], str | None]]
             ) -> dict[str, str]:
    """``now``'s names -> ``before``'s (name, centre, colour) at least total capped distance, plus
    ``COLOUR_MISMATCH`` for each pair of different colours where ``before`` gives one (``tracked``); where
    ``now`` has more objects, those left over are not in the answer."""
    def cost(a: Described, b: tuple[str, tuple[float, float, float], str | None]) -> float:
        distance = sum((x - y) ** 2 for x, y in zip(a.centre, b[1])) ** 0.5
        clash = COLOUR_MISMATCH if b[2] is not None and a.colour != b[2] else 0.0
        return min(distance, MOVED) + TIE * distance + clash

    # each pair's cost once: the permutations below meet every pair many times (5,040 orders of seven discs)
    costs = [[cost(a, b) for b in before] for a in now]
    if max(len(now), len(before)) <= EXHAUSTIVE:
        if len(now) <= len(before):
            best = min(itertools.permutations(range(len(before)), len(now)),
                       key=lambda p: sum(costs[i][j] for i, j in enumerate(p)))
            return {now[i].name: before[j][0] for i, j in enumerate(best)}
        # more objects now than before: each name of before goes to one of them, the rest stay unmatched
        pick = min(itertools.permutations(range(len(now)), len(before)),
                   key=lambda p: sum(costs[i][j] for j, i in enumerate(p)))
        return {now[i].name: before[j][0] for j, i in enumerate(pick)}
    pairs = sorted((costs[i][j], i, j) for i in range(len(now)) for j in range(len(before)))
    mapping: dict[int, int] = {}
    for _, i, j in pairs:
        if i not in mapping and j not in mapping.values():
            mapping[i] = j
    return {now[i].name: before[j][0] for i, j in mapping.items()}


def unseen_held(objects: list[Described], previous: tuple[Described, ...], gripper: Gripper | None,
                shape: tuple[int, ...], expected: Mapping[str, tuple[float, float, float]] | None = None
                ) -> Described | None:
    """The object in the hand when the fingers grip something (proprioception) and ``objects`` (already
    named as ``previous`` named them) lack it: of the movable objects of ``previous`` that ``objects`` lack,
    the one ``expected`` (``expected_centres``) puts at the hand, within ``GRASP_RADIUS`` (a cube read as
    part of its bin is missing too, so "the one missing" is not enough), else the only one missing. Its
    size as last seen, covering no pixel of the frame (``shape``), centred where it is expected at the hand
    (the skill's targets carry it at the offset from the hand it was gripped at: a cube gripped 1.2 cm above
    its bottom has its centre 8 mm above the finger pads), else between the finger pads (the fingers centre
    what they close on).
    None otherwise (nothing gripped, nothing missing, or several missing and none expected at the hand:
    which is held is then unknown)."""
    if gripper is None or not gripping(gripper):
        return None
    names = {o.name for o in objects}
    missing = [o for o in previous if o.movable and o.name not in names]
    hand = np.asarray(gripper.position, float)
    at_hand = [o for o in missing if expected and o.name in expected
               and float(np.linalg.norm(np.asarray(expected[o.name]) - hand)) < GRASP_RADIUS]
    if len(at_hand) == 1:
        missing = at_hand
    if len(missing) != 1:
        return None
    x, y, z = (float(v) for v in (expected[missing[0].name] if at_hand and expected else gripper.position))
    return replace(missing[0], centre=(x, y, z), mask=np.zeros(shape, bool), low=None, high=None)


def renamed(objects: list[Described], state: list[str], holding: str | None,
            mapping: Mapping[str, str]) -> tuple[list[Described], list[str], str | None]:
    """``objects``, ``state`` and ``holding`` with every name in ``mapping`` replaced."""
    def name(n: str) -> str:
        return mapping.get(n, n)

    atoms = []
    for atom in state:
        parts = atom.strip("()").split()
        atoms.append("(" + " ".join([parts[0], *map(name, parts[1:])]) + ")")
    return ([replace(o, name=name(o.name)) for o in objects], sorted(atoms),
            name(holding) if holding is not None else None)
