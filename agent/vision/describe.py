"""Descriptions of segmented instances: kind, colour, 3-D box and the name the planner uses.

- kind: the segmenter's class (movable object, bin, peg place); a movable object takes the task's word for
  it (a cube of the blocks task is a ``block``, of sort a ``cube``, of Hanoi a ``disc``): the task is what
  the user asked for, not something read from the simulator.
- colour: the median colour of the instance's pixels, nearest in chromaticity among the palette learnt with
  the segmenter. A movable instance whose colour is the arm's grey is taken for a piece of the arm and
  dropped (no movable object of these tasks is grey).
- box: the centre the instance's pixels voted for, and the half width and half height they predicted; a
  movable object's centre across the table and its width (a disc's varies) are measured from its own
  pixels' world points instead (``footprint``);
  ``agent.vision.state`` then rests stacked boxes on their supports (see there).
- names, with their tie rules:
  blocks: the colour (``red``); two blocks of one colour: ``red1``, ``red2`` in image order (left to right,
  then top to bottom). Sort cubes: colour and number, ``red1``, ``red2``, numbered in the same image order
  (the simulator numbers them in the order it drew them, which no camera can see, so the numbers of cubes of
  one colour are interchangeable: the scoring says so). Bins: ``blue_bin``. Hanoi discs: ``d1`` .. ``dN`` by
  width, narrowest first, a disc above another in one tower first where their widths are a near-tie
  (``agent.vision.ranking``). Pegs: ``left``, ``middle``, ``right`` by image
  position; any other number of pegs is a perception error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from agent.vision.footprint import footprint, nearest_colour, own_pixels
from agent.vision.frames import Frame
from agent.vision.grouping import Instance
from agent.vision.ranking import Disc, disc_order
from envs.errors import PerceptionError
from envs.simulation import TABLE_TOP_Z

TASK_KINDS = {"blocks": "block", "hanoi": "disc", "sort": "cube"}
CLASS_KINDS = {2: "bin", 3: "peg"}
PEG_NAMES = ("left", "middle", "right")
#: colours only the robot (and the peg places) show: a movable instance of this colour is a piece of the arm
ROBOT_COLOURS = ("gray",)
MIN_BIN_HALF = 0.075
#: movable instances of one colour this close across the table (m) are one object
SAME_OBJECT = 0.04
PEG_REACH = 0.06
#: a movable object's pixels reach higher above the table than this (m; the thinnest disc is 1.35 cm tall)
FLAT = 0.008
#: no movable object of these tasks is taller (m; the thickest disc is 5.4 cm): an instance whose pixels
#: span more height mixes an object with the arm above it
TALLEST = 0.08
#: a cube in a bin shows pixels up to 1 cm above its rim; a piece of the bin's wall does not
BIN_RIM = 0.005
#: how far (m) across the table from a cube's voted centre a point of it may lie (a cube's half width is 2 cm)
CUBE_REACH = 0.035
#: pieces join wholes: peg places first, then bins, then movable objects, larger first
MERGE_ORDER = {3: 0, 2: 1, 1: 2}
#: a robust lowest point: a stray pixel of what lies below must not count
LOW_QUANTILE = 0.15
#: a peg place's width: the spread of its pixels' world y between these quantiles, plus what one pixel
#: covers there (7 mm: pixel centres stop half a pixel inside each edge)
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
    names, nearest = nearest_colour(np.median(frame_rgb[mask].astype(float), axis=0), palette)
    return names[int(nearest[0])]


def _heights(z: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """How low and how high an instance's own pixels reach (robust quantiles of their world heights)."""
    return float(np.quantile(z[mask], LOW_QUANTILE)), float(np.quantile(z[mask], 1 - LOW_QUANTILE))


def _classed(inst: Instance, colour: str, low: float, high: float, pegs: bool) -> Instance | None:
    """The instance with the class its colour and height say it has (``pegs``: whether the task has peg
    places), or None when it is no object."""
    if (inst.cls == 3 and colour not in ROBOT_COLOURS) or (inst.cls == 2 and inst.half[0] < MIN_BIN_HALF):
        inst = replace(inst, cls=1)
    if inst.cls == 1 and high < TABLE_TOP_Z + FLAT:
        return replace(inst, cls=3) if pegs and colour in ROBOT_COLOURS else None
    if inst.cls == 1 and high - low > TALLEST:
        return None
    return inst


def _part_of(inst: Instance, colour: str, high: float, other: Instance, other_colour: str, other_high: float) -> bool:
    """Whether ``inst`` is a piece of the (larger, earlier) ``other``."""
    xy = float(np.hypot(inst.centre[0] - other.centre[0], inst.centre[1] - other.centre[1]))
    if inst.cls in (1, 3) and other.cls == 3:
        return colour in ROBOT_COLOURS and high < TABLE_TOP_Z + FLAT and xy < PEG_REACH
    if inst.cls == 1 and other.cls == 2:
        inside = max(abs(inst.centre[0] - other.centre[0]), abs(inst.centre[1] - other.centre[1])) < other.half[0]
        return colour == other_colour and inside and high < other_high + BIN_RIM
    return inst.cls == other.cls == 1 and colour == other_colour and xy < SAME_OBJECT


def reconcile(instances: list[Instance], colours: list[str], points: np.ndarray, pegs: bool,
              own: list[np.ndarray] | None = None) -> tuple[list[Instance], list[str]]:
    """Instances made consistent with what these tasks' objects look like, before naming (``points``: the
    world point seen at each pixel; ``pegs``: whether the task has peg places; ``own``: each instance's
    pixels of its own colour, ``footprint.own_pixels``, which place a movable instance across the table):

    - a peg place is grey: a "peg" instance of another colour is part of a disc;
    - a bin is about 18 cm wide: a "bin" instance predicted narrower than ``MIN_BIN_HALF`` is a cube in it;
    - every movable object stands at least 1.35 cm tall (the thinnest disc): a "movable" instance whose
      pixels lie within ``FLAT`` of the table is a peg place when grey (bare pegs were often read as
      movable, validation split) and otherwise no object (a sliver of table or shadow at an object's foot);
      nor is one whose pixels span more than ``TALLEST`` in height (an object and the arm);
    - a flat grey instance over a peg place is part of that peg place (they stand 20 cm apart); then, as
      peg places lie flat on the table, each of their pixels goes to the peg place nearest to the point
      it shows (its votes are no better than that: pixels of one peg place were often grouped with the
      next one's);
    - a "movable" instance of a bin's colour, inside its walls and not rising above its rim by ``BIN_RIM``,
      is part of that bin (a cube in a bin stands 1 cm above the rim);
    - two movable instances of one colour whose centres lie within ``SAME_OBJECT`` of each other across the
      table are one object split in two (often its top face and a sliver of its side): blocks and discs all
      differ in colour, and sort's cubes stand in slots at least 5 cm apart and are never stacked. Given
      ``own``, a movable instance's centre across the table is where its own points put it (``footprint``),
      not its votes (by its votes, a piece of a cube in a bin was read as a second cube there: validation
      scene 36, validation-larger scene 68);
    - a bin's pixels above its rim are a cube's in it (``_above_rims``).
    """
    z = points[..., 2]
    fixed = []
    for inst, colour, mask in zip(instances, colours, own or [inst.mask for inst in instances]):
        low, high = _heights(z, inst.mask)
        classed = _classed(inst, colour, low, high, pegs)
        if classed is not None and classed.cls == 1 and own is not None:
            x, y, _ = footprint(points, mask)
            classed = replace(classed, centre=(x, y, classed.centre[2]))
        if classed is not None:
            fixed.append((classed, colour, high))
    merged: list[tuple[Instance, str, float]] = []
    for inst, colour, high in sorted(fixed, key=lambda ich: (MERGE_ORDER[ich[0].cls], -ich[0].pixels)):
        for k, (other, other_colour, other_high) in enumerate(merged):
            if _part_of(inst, colour, high, other, other_colour, other_high):
                merged[k] = (replace(other, mask=other.mask | inst.mask), other_colour, other_high)  # its box
                break
        else:
            merged.append((inst, colour, high))
    shared = _above_rims(_peg_pixels_by_place([m[0] for m in merged], points), points)
    kept = [(inst, m[1]) for inst, m in zip(shared, merged) if inst.mask.any()]
    return [k[0] for k in kept], [k[1] for k in kept]


def _above_rims(instances: list[Instance], points: np.ndarray) -> list[Instance]:
    """A bin's pixels that show points higher than ``BIN_RIM`` above its own rim are of a cube in it (a cube
    of the bin's own colour was often read partly as bin): each goes to the movable instance whose centre
    is nearest, across the table, to the point it shows, when one lies within ``CUBE_REACH``."""
    movable = [k for k, inst in enumerate(instances) if inst.cls == 1]
    out = list(instances)
    for b, bin_ in enumerate(instances):
        if bin_.cls != 2 or not movable:
            continue
        z = points[..., 2]
        above = bin_.mask & (z > _heights(z, bin_.mask)[1] + BIN_RIM)
        if not above.any():
            continue
        centres = np.array([out[k].centre[:2] for k in movable])
        distance = np.sqrt(((points[..., :2][above][:, None, :] - centres[None]) ** 2).sum(-1))
        owner = np.where(distance.min(1) < CUBE_REACH, distance.argmin(1), -1)
        where = np.flatnonzero(above.ravel())
        for j, k in enumerate(movable):
            mask = out[k].mask.copy().ravel()
            mask[where[owner == j]] = True
            out[k] = replace(out[k], mask=mask.reshape(above.shape))
        mask = bin_.mask.copy().ravel()
        mask[where[owner >= 0]] = False
        out[b] = replace(bin_, mask=mask.reshape(above.shape))
    return out


def _peg_pixels_by_place(instances: list[Instance], points: np.ndarray) -> list[Instance]:
    """Peg places' pixels shared out by where they are: each goes to the peg place whose centre is nearest
    to its own world point."""
    pegs = [k for k, inst in enumerate(instances) if inst.cls == 3]
    if len(pegs) < 2:
        return instances
    pixels = np.logical_or.reduce([instances[k].mask for k in pegs])
    centres = np.array([instances[k].centre[:2] for k in pegs])
    owner = ((points[..., :2][pixels][:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
    out = list(instances)
    for j, k in enumerate(pegs):
        mask = np.zeros_like(pixels)
        mask[pixels] = owner == j
        out[k] = replace(instances[k], mask=mask)
    return out


def _image_order(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda d: (round(d["pixel"][0], 3), round(d["pixel"][1], 3)))


def describe(instances: list[Instance], frame: Frame, task: str,
             palette: dict[str, tuple[float, float, float]]) -> list[Described]:
    """Name every instance for the planner of ``task``; raises ``PerceptionError`` when the frame shows
    nothing to act on or objects the task's naming cannot tell apart."""
    if task not in TASK_KINDS:
        raise PerceptionError(f"task {task!r}: camera mode knows {', '.join(sorted(TASK_KINDS))}")
    points = frame.points()
    z = points[..., 2]
    us, vs = np.meshgrid(np.arange(frame.rgb.shape[1]), np.arange(frame.rgb.shape[0]))
    colours = [colour_of(frame.rgb, i.mask, palette) for i in instances]
    instances, colours = reconcile(instances, colours, points, task == "hanoi",
                                   [own_pixels(frame.rgb, i.mask, c, palette) for i, c in zip(instances, colours)])
    raw = []
    for index, (inst, colour) in enumerate(zip(instances, colours)):
        kind = TASK_KINDS[task] if inst.cls == 1 else CLASS_KINDS[inst.cls]
        if inst.cls == 1 and colour in ROBOT_COLOURS:
            continue  # the arm's own grey: no movable object of these tasks has it
        half, centre, own = inst.half, inst.centre, inst.mask
        if inst.cls == 1:  # its own points place it better than the votes (``footprint``)
            own = own_pixels(frame.rgb, inst.mask, colour, palette)
            x, y, width = footprint(points, own)
            half, centre = (width, half[1]), (x, y, centre[2])
        elif kind == "peg":
            # measured across the image, where a peg place shows its full width beside the (narrower) discs
            # on it; its predicted width stands when the arm hides part of it
            across = points[..., 1][inst.mask]
            width = np.quantile(across, 1 - EDGE_QUANTILE) - np.quantile(across, EDGE_QUANTILE) + PIXEL_FOOTPRINT
            half = (max(float(width / 2), half[0]), half[1])
        low, high = _heights(z, own)
        raw.append({"kind": kind, "colour": colour, "centre": centre,
                    "half": half, "pixel": (float(us[inst.mask].mean()), float(vs[inst.mask].mean())),
                    "index": index, "mask": inst.mask, "low": low, "high": high})
    if not any(d["kind"] == TASK_KINDS[task] for d in raw):
        raise PerceptionError("camera: no object on the table (the segmenter found nothing to move)")
    names: dict[int, str] = {}
    pegs = _image_order([d for d in raw if d["kind"] == "peg"])
    if pegs and len(pegs) != len(PEG_NAMES):
        raise PerceptionError(f"camera: {len(pegs)} peg places seen, Hanoi has {len(PEG_NAMES)}")
    names.update({d["index"]: name for d, name in zip(pegs, PEG_NAMES)})
    discs = [d for d in raw if d["kind"] == "disc"]
    order = disc_order([Disc(d["half"][0], d["centre"], d["low"]) for d in discs])
    names.update({discs[k]["index"]: f"d{rank}" for rank, k in enumerate(order, start=1)})
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
