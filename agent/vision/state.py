"""The symbolic state from perceived boxes, by geometry: the detectors' rules (``envs.detectors``) applied to
what the camera saw instead of the simulator's poses, with tolerances sized for perception's errors.

Boxes are first rested on their supports (``rest_stacks``): the scenes' objects stand on each other, on
the table or in a bin, unless the hand holds them. ``holding`` and ``handempty`` come from the gripper's
proprioception (the robot knows its own joints): the fingers stopped short of the commanded opening
(something is between them) and a perceived movable object's centre lies within ``GRASP_RADIUS`` of the
point between the finger pads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from itertools import permutations

import numpy as np

from agent.vision.describe import Described
from agent.vision.frames import Gripper
from envs.detectors import format_atom
from envs.errors import PerceptionError
from envs.simulation import TABLE_TOP_Z
from policies.targets import HELD_MARGIN, MIN_GRIP

#: how far (m) a perceived bottom may be from its support's perceived top. Stacked objects' tops are at
#: least 1.8 cm apart (the thinnest disc), so a support two levels down is never within reach
SUPPORT_TOLERANCE = 0.011
#: perceived half widths closer than this are the same size (distinct disc widths differ by 3 mm)
SIZE_TOLERANCE = 0.0015
#: a bin's walls are this thick: inside means within the perceived outer half width less a wall
BIN_WALL = 0.01
BIN_FLOOR = 0.01
#: an object whose own pixels reach no lower than this (m) below a bin's perceived rim, and whose box overlaps
#: the bin's, shows only what rises above the near wall: it stands on the bin's floor. Cubes on the table
#: show pixels down to 2.6 cm or lower, 1.5 cm below the rim; cubes in a bin whose pieces were merged into
#: one wide box (its centre then voted up to 1.5 cm outside the inner wall) stop 0.1-0.7 cm above the rim
#: (sort 6, development seeds 13 and 48)
ABOVE_RIM = 0.005
#: how far (m) above a support's top an object's pixels may stop for the object to be rested on it: a
#: block's pixels stop up to 4 cm above a block under it whose top face it hides (validation split)
RESTING_GAP = 0.05
#: an object stands on another only if its own pixels reach at least this much (m) less low
STACK_STEP = 0.01
#: how far (m) beyond the narrower one's half width the centres of two stacked objects may be voted apart
STACK_SLACK = 0.01
#: what an object on the table stands on
TABLE = "table"
#: the thinnest object a rested box may become (the thinnest disc is 1.8 cm)
MIN_THICKNESS = 0.012
GRASP_RADIUS = 0.04
READABLE = ("on", "ontable", "in", "clear", "holding", "handempty", "smaller", "loose")


def gripping(gripper: Gripper | None) -> bool:
    """Whether the fingers are held apart by something (proprioception alone), by the margin the skills keep a
    grip by (``policies.targets.HELD_MARGIN``): a frame is taken with the hand at rest, where free fingers sit
    within 0.2 mm of their command."""
    return gripper is not None and gripper.width >= gripper.opening + HELD_MARGIN and gripper.width >= MIN_GRIP


def held(objects: list[Described], gripper: Gripper | None) -> str | None:
    """The name of the object in the hand, from proprioception and the perceived boxes."""
    if gripper is None or not gripping(gripper):
        return None
    hand = np.asarray(gripper.position)
    near = [(float(np.linalg.norm(np.asarray(o.centre) - hand)), o.name) for o in objects if o.movable]
    near = [n for n in near if n[0] < GRASP_RADIUS]
    return min(near)[1] if near else None


def _xy(a: Described, b: Described) -> float:
    return float(np.hypot(a.centre[0] - b.centre[0], a.centre[1] - b.centre[1]))


def _inside_xy(x: Described, bin_: Described) -> bool:
    inner = bin_.half[0] - BIN_WALL
    return abs(x.centre[0] - bin_.centre[0]) < inner and abs(x.centre[1] - bin_.centre[1]) < inner


def _behind_wall(x: Described, bin_: Described) -> bool:
    """``x`` shows only what rises above ``bin_``'s rim, and the two boxes overlap across the table."""
    reach = bin_.half[0] + x.half[0]
    return (_low(x) > bin_.top - ABOVE_RIM and abs(x.centre[0] - bin_.centre[0]) < reach
            and abs(x.centre[1] - bin_.centre[1]) < reach)


def _in_bin(x: Described, bin_: Described) -> bool:
    """``x``'s centre lies within ``bin_``'s inner walls, or the near wall hides all of it but its top."""
    return _inside_xy(x, bin_) or _behind_wall(x, bin_)


def _inside(x: Described, bin_: Described) -> bool:
    return _in_bin(x, bin_) and x.bottom < bin_.top


def _low(obj: Described) -> float:
    return obj.bottom if obj.low is None else obj.low


def _high(obj: Described) -> float:
    return obj.top if obj.high is None else obj.high


def rest_stacks(objects: list[Described], holding: str | None) -> list[Described]:
    """Boxes set down on what holds them up (see ``supports``)."""
    return _rest(objects, holding)[0]


def supports(objects: list[Described], holding: str | None) -> dict[str, str]:
    """What each object at rest stands on: another object's name, ``TABLE`` or a bin's name (its floor)."""
    return _rest(objects, holding)[1]


def _rest(objects: list[Described], holding: str | None) -> tuple[list[Described], dict[str, str]]:
    """Boxes set down on what holds them up, and what that is. Votes place an object's centre well across
    the image and less well in height (a lower block shows only a side face, a pixel row of which spans 1.5
    cm of height), so heights come from support instead: lowest first (by how low the object's own pixels
    reach), each object not in the hand is rested on the highest box already rested under it (their centres
    within the narrower one's half width and ``STACK_SLACK``: a lower block's centre is voted least well,
    and cubes in a bin, predicted wider than they are, stand 5 cm apart) whose own pixels reach at least
    ``STACK_STEP`` less low and which reach at least ``MIN_THICKNESS`` above its rested top (an object
    beside it on the same support does not, nor does a cube in a bin whose near wall hides all but its top
    face; stacks and pegs stand at least 12 cm apart), or
    else on the table or a bin's floor, when its pixels reach down to within ``RESTING_GAP`` above that
    support's top (and not more than ``SUPPORT_TOLERANCE`` below it), its top where its pixels reach up to
    (a top face is seen edge-on to no error in height; discs' thickness varies); an object further from any
    support keeps its voted height and stands on nothing.

    What an object stands on is decided here, once, not by comparing heights again afterwards: a block
    under another shows no top face, so its top is read low, and the gap that leaves is not the sign of an
    object floating (the scenes' objects rest or are held)."""
    bins = [o for o in objects if o.kind == "bin"]
    rested: list[Described] = []
    out = []
    on: dict[str, str] = {}
    for obj in sorted(objects, key=lambda o: (_low(o), o.centre[2], o.name)):
        if not obj.movable or obj.name == holding:
            out.append(obj)
            continue
        under = [r for r in rested if _xy(obj, r) < min(r.half[0], obj.half[0]) + STACK_SLACK
                 and _low(obj) - _low(r) > STACK_STEP and _high(obj) > r.top + MIN_THICKNESS]
        if under:
            below = max(under, key=lambda r: r.top)
            support, name = below.top, below.name
        else:
            floor = [b.name for b in bins if _in_bin(obj, b)]
            support, name = TABLE_TOP_Z + (BIN_FLOOR if floor else 0.0), floor[0] if floor else TABLE
        if -SUPPORT_TOLERANCE < _low(obj) - support < RESTING_GAP:
            bottom = support
            if under and obj.high is not None:
                # the support's top is read low where this object hides it: this object's own top and the
                # height the segmenter predicts for it put its bottom no lower than that
                bottom = max(support, obj.high - 2 * obj.half[1])
            half = obj.half[1] if obj.high is None else max(obj.high - bottom, MIN_THICKNESS) / 2
            obj = replace(obj, centre=(obj.centre[0], obj.centre[1], bottom + half), half=(obj.half[0], half))
            on[obj.name] = name
        rested.append(obj)
        out.append(obj)
    return sorted(out, key=lambda o: o.name), on


def perceive_state(objects: list[Described], gripper: Gripper | None, predicates: Mapping[str, str]) -> list[str]:
    """Sorted atoms for each ``predicate -> detector`` pair of the task's vocabulary, from perceived boxes."""
    unknown = sorted(d for d in predicates.values() if d not in READABLE)
    if unknown:
        raise PerceptionError(f"camera: cannot read {', '.join(unknown)} from pixels yet")
    holding = held(objects, gripper)
    objects, stands_on = _rest(objects, holding)
    movable = [o for o in objects if o.movable]
    resting = [o for o in movable if o.name in stands_on]
    bins = [o for o in objects if o.kind == "bin"]
    pegs = [o for o in objects if o.kind == "peg"]
    # Hanoi's discs all differ in width (by 6 mm or more): ``smaller`` follows the order that named them
    # d1..dN (``agent.vision.ranking``); a tolerance on measured widths would drop pairs measured close
    discs = [o for o in objects if o.kind == "disc"]
    on = {(x.name, stands_on[x.name]) for x in resting if stands_on[x.name] in {o.name for o in movable}}
    on |= {(x.name, p.name) for x in resting if stands_on[x.name] == TABLE for p in pegs if _xy(x, p) < p.half[0]}
    ontable = {(x.name,) for x in resting if stands_on[x.name] == TABLE and not any(_inside(x, b) for b in bins)}
    inside = {(x.name, b.name) for x in resting for b in bins if _inside(x, b)}
    stacked = {x for x, _ in on}
    put_away = {x for (x,) in ontable} | {x for x, _ in inside}
    facts = {
        "on": on,
        "ontable": ontable,
        "in": inside,
        # the detectors' ``loose`` (``envs.detectors.detect_loose``) on perceived boxes: a disc out of the hand
        # on neither a peg nor another disc (beside the pegs, or standing on nothing), a cube neither on the
        # table nor in a bin; what the camera cannot tell is whether it is also tilted (``fallen`` stays unread)
        "loose": {(x.name,) for x in movable if x.name != holding
                  and ((x.kind == "disc" and x.name not in stacked) or (x.kind == "cube" and x.name not in put_away))},
        "holding": {(holding,)} if holding else set(),
        "handempty": set() if holding else {()},
        # an object out of the hand that stands on nothing has fallen: no surface to build on, as the detectors say
        "clear": {(x.name,) for x in resting + pegs if x.name not in {y for _, y in on}},
        "smaller": {(a.name, b.name) for a, b in permutations([o for o in objects if o.kind == "block"], 2)
                    if a.half[0] < b.half[0] - SIZE_TOLERANCE}
                   | {(a.name, b.name) for a, b in permutations(discs, 2)
                      if int(a.name[1:]) < int(b.name[1:])}
                   | {(d.name, p.name) for d in discs for p in pegs},
    }
    return sorted(format_atom(p, args) for p, detector in predicates.items() for args in facts[detector])
