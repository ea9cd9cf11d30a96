"""Towers of Hanoi: graded square discs on three pegs painted on the table.

As in the published Hanoi manipulation benchmarks, discs are graded cuboids and pegs are marked places:
what matters is that stacking is physical. Pegs are named as they appear from left to right in the
camera image.

Graded cuboids would in fact stay on smaller ones: here the Hanoi rule is the domain's. In the ``weighted``
variant the physics enforces it: the smaller half of the discs are small (2 cm) and the others large
(4.8 cm) and hollow with a weight near one side, low down, so a large disc stands on a peg or a large disc
and tips off a small one, whose edge its centre of mass overhangs, as the large ``sizes`` cubes of the
blocks scene do. ``domains/variants/hanoi`` is the
Hanoi domain without the rule, for ``nesy align`` to learn it.
"""

from __future__ import annotations

import numpy as np

from envs.scenes import TASK_VARIANTS
from envs.scenes.base import COLORS, Scene, SceneObject
from envs.simulation import TABLE_TOP_Z, Simulation

PEGS = ("left", "middle", "right")
PEG_Y = (-0.2, 0.0, 0.2)
PEG_X = 0.52
PEG_RADIUS = 0.05
DISC_HEIGHT = 0.024
DISC_COLORS = ("red", "orange", "yellow", "green", "cyan", "blue")
#: table spots clear of the pegs, 14 cm nearer the arm's base (beyond them, 14 cm farther, grasps on the
#: thin discs slip): where a disc knocked over is set down upright before it goes back onto a peg
#: (``policies/scripted.py:fetch``), and where a disturbance displaces one to
ASIDE_X = (0.38,)
PLACEMENT_JITTER = 0.004
YAW_JITTER = 0.15

VARIANTS = TASK_VARIANTS["hanoi"]
#: ``graded``: discs d1..dN are the N narrowest of the six; ``drawn``: any N of the six discs, drawn per
#: episode, each with the width, colour and name it has in the full set (d2, d4 and d5 say), which is what
#: perception trains on: no width, colour or name then stands for a place in the tower (the widest disc of
#: a tower is the one on the peg whichever it is), and a tower of four shows every disc there is
WIDTHS = ("graded", "drawn")
#: ``standard``: every disc is ``DISC_HEIGHT`` thick; ``drawn``: each disc's thickness is drawn between
#: ``DRAWN_THICKNESS`` times it (what perception trains on, so that a tower of four reaches the height of one
#: of six and how high a disc stands never tells how many discs are below it)
THICKNESSES = ("standard", "drawn")
DRAWN_THICKNESS = (0.75, 2.25)
MAX_DISCS = 6
#: ``weighted`` discs: half widths of the small and large ones, and where a large one's centre of mass lies
#: (16.5 mm off centre: 7.5 mm inside its own side, at least 4.5 mm beyond a small disc's edge at the yaws
#: and centring errors the skills leave; 6 mm below the disc's middle), and its mass (light, so that the
#: weight barely tilts it in the grasp)
SMALL_HALF = 0.010
LARGE_HALF = 0.024
WEIGHT_OFFSET = (0.0165, -0.006)
LARGE_MASS = 0.02


def disc_width(step: int) -> float:
    """Width of the ``step``-th narrowest of the six discs: 2.8 cm for the first, 6 mm wider per step (5.8 cm
    for the sixth)."""
    return 0.028 + 0.006 * (step - 1)


class HanoiScene(Scene):
    name = "hanoi"
    predicates = {"on": "on", "clear": "clear", "smaller": "smaller", "holding": "holding",
                  "handempty": "handempty"}
    sizes = (1, 6)

    def __init__(self, size: int = 3, start: str = "tower", tower_peg: str = "left",
                 variant: str | None = None, widths: str = "graded", thickness: str = "standard") -> None:
        super().__init__(size)
        self._set_variant(variant, VARIANTS, "discs")
        if start not in ("tower", "random"):
            raise ValueError(f"hanoi: start must be 'tower' or 'random', got {start!r}")
        if tower_peg not in PEGS:
            raise ValueError(f"hanoi: tower_peg must be one of {', '.join(PEGS)}, got {tower_peg!r}")
        self.start = start
        self.tower_peg = tower_peg
        if widths not in WIDTHS:
            raise ValueError(f"hanoi: widths must be one of {', '.join(WIDTHS)}, got {widths!r}")
        if widths == "drawn" and variant is not None:
            raise ValueError(f"hanoi: the {variant} variant sets its own disc widths (widths='drawn' given)")
        self.widths = widths
        if thickness not in THICKNESSES:
            raise ValueError(f"hanoi: thickness must be one of {', '.join(THICKNESSES)}, got {thickness!r}")
        if thickness == "drawn" and variant is not None:
            raise ValueError(f"hanoi: the {variant} variant sets its own disc thickness (thickness='drawn' given)")
        self.thickness = thickness

    def build(self, sim: Simulation, rng: np.random.Generator) -> None:
        steps = list(range(1, self.size + 1))  # which of the six widths each disc has, narrowest first
        if self.widths == "drawn":
            steps = sorted(int(k) + 1 for k in rng.choice(MAX_DISCS, size=self.size, replace=False))
        thickness = [DISC_HEIGHT] * self.size
        if self.thickness == "drawn":
            thickness = [DISC_HEIGHT * float(rng.uniform(*DRAWN_THICKNESS)) for _ in range(self.size)]
        for peg, y in zip(PEGS, PEG_Y):
            sim.add_marker(peg, PEG_RADIUS, (PEG_X, y, TABLE_TOP_Z + 0.0005), COLORS["gray"])
            self.objects.append(SceneObject(peg, "peg", "gray", (PEG_RADIUS, PEG_RADIUS, 0.0), movable=False))
        if self.start == "tower":
            pegs_of = [PEGS.index(self.tower_peg)] * self.size
        else:
            pegs_of = [int(rng.integers(0, 3)) for _ in range(self.size)]
        heights = [TABLE_TOP_Z] * 3
        for index in range(self.size, 0, -1):  # largest first, so every peg holds a legal stack
            step = steps[index - 1]
            width = self._width(index, step)
            height = thickness[index - 1]
            number = step if self.widths == "drawn" else index
            obj = SceneObject(f"d{number}", "disc", DISC_COLORS[number - 1], (width / 2, width / 2, height / 2),
                              movable=True)
            peg = pegs_of[index - 1]
            # Every seed sets the discs down a little differently, so no two episodes are the same.
            xy = (PEG_X + float(rng.uniform(-PLACEMENT_JITTER, PLACEMENT_JITTER)),
                  PEG_Y[peg] + float(rng.uniform(-PLACEMENT_JITTER, PLACEMENT_JITTER)))
            yaw = float(rng.uniform(-YAW_JITTER, YAW_JITTER))
            if width / 2 == LARGE_HALF and self.variant == "weighted":
                side = 1.0 if rng.random() < 0.5 else -1.0
                offset = (0.0, side * WEIGHT_OFFSET[0], WEIGHT_OFFSET[1])  # along y: the fingers squeeze it
                self.add_movable_box(sim, obj, xy, heights[peg], yaw=yaw, mass=LARGE_MASS, com_offset=offset)
            else:
                self.add_movable_box(sim, obj, xy, heights[peg], yaw=yaw)
            heights[peg] += height
        self.objects.sort(key=lambda o: o.name)

    def table_slots(self) -> list[tuple[float, float]]:
        return [(x, y) for x in ASIDE_X for y in PEG_Y]

    def _width(self, index: int, step: int) -> float:
        """Width of disc ``d<index>``: the ``step``-th narrowest of the six, or in the ``weighted`` variant
        small for the smaller half."""
        if self.variant == "weighted":
            return 2 * (SMALL_HALF if index <= self.size // 2 else LARGE_HALF)
        return disc_width(step)
