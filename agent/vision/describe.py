"""Descriptions of segmented instances: kind, colour, 3-D box and the name the planner uses.

- kind: the segmenter's class (movable object, bin, peg place); a movable object takes the task's word for
  it (a cube of the blocks task is a ``block``, of sort a ``cube``, of Hanoi a ``disc``): the task is what
  the user asked for, not something read from the simulator.
- colour: the median colour of the instance's pixels, nearest in chromaticity among the palette learnt with
  the segmenter. A movable instance whose colour is the arm's grey is taken for a piece of the arm and
  dropped (no movable object of these tasks is grey).
- box: the centre the instance's pixels voted for, and the half width and half height they predicted
  (a disc's width, which varies, is measured across the image from its pixels' world points instead);
  ``agent.vision.state`` then rests stacked boxes on their supports (see there).
- names, with their tie rules:
  blocks: the colour (``red``); two blocks of one colour: ``red1``, ``red2`` in image order (left to right,
  then top to bottom). Sort cubes: colour and number, ``red1``, ``red2``, numbered in the same image order
  (the simulator numbers them in the order it drew them, which no camera can see, so the numbers of cubes of
  one colour are interchangeable: the scoring says so). Bins: ``blue_bin``. Hanoi discs: ``d1`` .. ``dN`` by
  width, narrowest first (equal widths: the higher one first). Pegs: ``left``, ``middle``, ``right`` by image
  position; any other number of pegs is a perception error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from agent.vision.frames import Frame
from agent.vision.grouping import Instance
from envs.errors import PerceptionError

TASK_KINDS = {"blocks": "block", "hanoi": "disc", "sort": "cube"}
CLASS_KINDS = {2: "bin", 3: "peg"}
PEG_NAMES = ("left", "middle", "right")
#: colours only the robot (and the peg places) show: a movable instance of this colour is a piece of the arm
ROBOT_COLOURS = ("gray",)
MIN_BIN_HALF = 0.075
SAME_OBJECT = 0.025
PEG_REACH = 0.06
#: a robust lowest point: a stray pixel of what lies below must not count
LOW_QUANTILE = 0.15
#: a disc's width: the spread of its pixels' world y between these quantiles, plus what one pixel covers
#: there (7 mm: pixel centres stop half a pixel inside each edge)
EDGE_QUANTILE = 0.02
PIXEL_FOOTPRINT = 0.007


@dataclass(frozen=True)
class Described:
    """A perceived object with its planner name and the pixels it covers (``mask``, what scoring matches)."""

    name: str
    kind: str
    colour: str
    centre: tuple[float, float, float]
    half: tuple[float, float]  # half width, half height (m)
    pixel: tuple[float, float]  # mean (u, v) of its pixels
    mask: np.ndarray | None = field(default=None, compare=False, repr=False)
    #: how low and how high its own pixels reach: quantiles of their world heights (None: use the box)
    low: float | None = None
    high: float | None = None

    @property
    def movable(self) -> bool:
        return self.kind not in ("bin", "peg")

    @property
    def bottom(self) -> float:
        return self.centre[2] - self.half[1]

    @property
    def top(self) -> float:
        return self.centre[2] + self.half[1]


def colour_of(frame_rgb: np.ndarray, mask: np.ndarray, palette: dict[str, tuple[float, float, float]]) -> str:
    """The palette colour nearest in chromaticity (colour with brightness divided out) to the median colour
    of the instance's pixels: a lower block shows only its shaded side faces, whose brightness says
    nothing of its colour."""
    seen = np.median(frame_rgb[mask].astype(float), axis=0) + 1.0
    names = sorted(palette)
    chroma = [np.asarray(palette[n]) + 1.0 for n in names]
    distances = [np.sum((seen / seen.sum() - c / c.sum()) ** 2) for c in chroma]
    return names[int(np.argmin(distances))]


def reconcile(instances: list[Instance], colours: list[str]) -> tuple[list[Instance], list[str]]:
    """Instances made consistent with what these tasks' objects look like, before naming:

    - a peg place is grey: a "peg" instance of another colour is part of a disc;
    - a bin is about 18 cm wide: a "bin" instance predicted narrower than ``MIN_BIN_HALF`` is a cube in it;
    - a grey "movable" instance over a peg place is part of that peg place;
    - two movable instances of one colour whose centres lie within ``SAME_OBJECT`` of each other are one
      object split in two (objects of one colour are never that close in these tasks: blocks and discs all
      differ in colour, and sort's cubes stand in slots at least 5 cm apart).
    """
    fixed = []
    for inst, colour in zip(instances, colours):
        if (inst.cls == 3 and colour not in ROBOT_COLOURS) or (inst.cls == 2 and inst.half[0] < MIN_BIN_HALF):
            inst = replace(inst, cls=1)
        fixed.append((inst, colour))
    merged: list[tuple[Instance, str]] = []
    for inst, colour in sorted(fixed, key=lambda ic: (ic[0].cls != 3, -ic[0].pixels)):  # peg places first
        for k, (other, other_colour) in enumerate(merged):
            grey_on_peg = (inst.cls == 1 and colour in ROBOT_COLOURS and other.cls == 3
                           and np.hypot(inst.centre[0] - other.centre[0], inst.centre[1] - other.centre[1]) < PEG_REACH)
            same = (inst.cls == other.cls == 1 and colour == other_colour
                    and np.linalg.norm(np.subtract(inst.centre, other.centre)) < SAME_OBJECT)
            if grey_on_peg or same:
                merged[k] = (replace(other, mask=other.mask | inst.mask), other_colour)  # the larger part's box
                break
        else:
            merged.append((inst, colour))
    return [m[0] for m in merged], [m[1] for m in merged]


def _image_order(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda d: (round(d["pixel"][0], 3), round(d["pixel"][1], 3)))


def describe(instances: list[Instance], frame: Frame, task: str,
             palette: dict[str, tuple[float, float, float]]) -> list[Described]:
    """Name every instance for the planner of ``task``; raises ``PerceptionError`` when the frame shows
    nothing to act on or objects the task's naming cannot tell apart."""
    if task not in TASK_KINDS:
        raise PerceptionError(f"task {task!r}: camera mode knows {', '.join(sorted(TASK_KINDS))}")
    movable = [i for i in instances if i.cls == 1]
    if not movable:
        raise PerceptionError("camera: no object on the table (the segmenter found nothing to move)")
    points = frame.points()
    z = points[..., 2]
    us, vs = np.meshgrid(np.arange(frame.rgb.shape[1]), np.arange(frame.rgb.shape[0]))
    instances, colours = reconcile(instances, [colour_of(frame.rgb, i.mask, palette) for i in instances])
    raw = []
    for index, (inst, colour) in enumerate(zip(instances, colours)):
        kind = TASK_KINDS[task] if inst.cls == 1 else CLASS_KINDS[inst.cls]
        if inst.cls == 1 and colour in ROBOT_COLOURS:
            continue  # the arm's own grey: no movable object of these tasks has it
        half = inst.half
        if kind == "disc":  # widths vary: measured across the image, where every disc of a tower shows whole
            across = points[..., 1][inst.mask]
            width = np.quantile(across, 1 - EDGE_QUANTILE) - np.quantile(across, EDGE_QUANTILE) + PIXEL_FOOTPRINT
            half = (float(width / 2), half[1])
        raw.append({"kind": kind, "colour": colour, "centre": inst.centre,
                    "half": half, "pixel": (float(us[inst.mask].mean()), float(vs[inst.mask].mean())),
                    "index": index, "mask": inst.mask, "low": float(np.quantile(z[inst.mask], LOW_QUANTILE)),
                    "high": float(np.quantile(z[inst.mask], 1 - LOW_QUANTILE))})
    names: dict[int, str] = {}
    pegs = _image_order([d for d in raw if d["kind"] == "peg"])
    if pegs and len(pegs) != len(PEG_NAMES):
        raise PerceptionError(f"camera: {len(pegs)} peg places seen, Hanoi has {len(PEG_NAMES)}")
    names.update({d["index"]: name for d, name in zip(pegs, PEG_NAMES)})
    discs = sorted((d for d in raw if d["kind"] == "disc"), key=lambda d: (d["half"][0], -d["centre"][2]))
    names.update({d["index"]: f"d{rank}" for rank, d in enumerate(discs, start=1)})
    for kind, numbered, suffix in (("block", False, ""), ("cube", True, ""), ("bin", False, "_bin")):
        by_colour: dict[str, list[dict]] = {}
        for d in raw:
            if d["kind"] == kind:
                by_colour.setdefault(d["colour"], []).append(d)
        for colour, group in by_colour.items():
            ordered = _image_order(group)
            if len(ordered) == 1 and not numbered:
                names[ordered[0]["index"]] = f"{colour}{suffix}"
            else:
                names.update({d["index"]: f"{colour}{n}{suffix}" for n, d in enumerate(ordered, start=1)})
    out = [Described(names[d["index"]], d["kind"], d["colour"], d["centre"], d["half"], d["pixel"], d["mask"],
                     d["low"], d["high"])
           for d in raw]
    return sorted(out, key=lambda d: d.name)
