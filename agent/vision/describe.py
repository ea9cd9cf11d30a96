"""Descriptions of segmented instances: kind, colour, 3-D box and the name the planner uses.

- kind: the segmenter's class (movable object, bin, peg place); a movable object takes the task's word for
  it (a cube of the blocks task is a ``block``, of sort a ``cube``, of Hanoi a ``disc``): the task is what
  the user asked for, not something read from the simulator.
- colour: the median colour of the instance's top face (its pixels within 6 mm of its highest point),
  nearest (RGB distance) among the palette learnt with the segmenter.
- box: the centre the instance's pixels voted for, and the half width and half height they predicted.
- names, with their tie rules:
  blocks: the colour (``red``); two blocks of one colour: ``red1``, ``red2`` in image order (left to right,
  then top to bottom). Sort cubes: colour and number, ``red1``, ``red2``, numbered in the same image order
  (the simulator numbers them in the order it drew them, which no camera can see, so the numbers of cubes of
  one colour are interchangeable: the scoring says so). Bins: ``blue_bin``. Hanoi discs: ``d1`` .. ``dN`` by
  width, narrowest first (equal widths: the higher one first). Pegs: ``left``, ``middle``, ``right`` by image
  position; any other number of pegs is a perception error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agent.errors import PerceptionError
from agent.vision.frames import Frame
from agent.vision.grouping import Instance

TASK_KINDS = {"blocks": "block", "hanoi": "disc", "sort": "cube"}
CLASS_KINDS = {2: "bin", 3: "peg"}
PEG_NAMES = ("left", "middle", "right")
TOP_BAND = 0.006


@dataclass(frozen=True)
class Described:
    """A perceived object with its planner name. ``index`` points into the segmenter's instance list."""

    name: str
    kind: str
    colour: str
    centre: tuple[float, float, float]
    half: tuple[float, float]  # half width, half height (m)
    pixel: tuple[float, float]  # mean (u, v) of its pixels
    index: int

    @property
    def movable(self) -> bool:
        return self.kind not in ("bin", "peg")

    @property
    def bottom(self) -> float:
        return self.centre[2] - self.half[1]

    @property
    def top(self) -> float:
        return self.centre[2] + self.half[1]


def colour_of(frame_rgb: np.ndarray, z: np.ndarray, mask: np.ndarray,
              palette: dict[str, tuple[float, float, float]]) -> str:
    top = mask & (z >= z[mask].max() - TOP_BAND)
    seen = np.median(frame_rgb[top].astype(float), axis=0)
    names = sorted(palette)
    return names[int(np.argmin([np.sum((seen - np.asarray(palette[n])) ** 2) for n in names]))]


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
    z = frame.points()[..., 2]
    us, vs = np.meshgrid(np.arange(frame.rgb.shape[1]), np.arange(frame.rgb.shape[0]))
    raw = []
    for index, inst in enumerate(instances):
        kind = TASK_KINDS[task] if inst.cls == 1 else CLASS_KINDS[inst.cls]
        raw.append({"kind": kind, "colour": colour_of(frame.rgb, z, inst.mask, palette), "centre": inst.centre,
                    "half": inst.half, "pixel": (float(us[inst.mask].mean()), float(vs[inst.mask].mean())),
                    "index": index})
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
    out = [Described(names[d["index"]], d["kind"], d["colour"], d["centre"], d["half"], d["pixel"], d["index"])
           for d in raw]
    return sorted(out, key=lambda d: d.name)
