"""Sorting: coloured cubes on the table and one bin per colour present."""

from __future__ import annotations

import numpy as np

from envs.scenes.base import COLORS, CUBE_HALF, Scene, SceneObject
from envs.simulation import TABLE_TOP_Z, Simulation

SORT_COLORS = ("red", "green", "blue", "yellow")
BIN_X = 0.66
BIN_SPACING = 0.2
BIN_INNER_HALF = 0.08
BIN_WALL = 0.01
BIN_HEIGHT = 0.04
# Spaced like blocks' slots (see there) so that a cube can always be put back down on a free one.
SLOT_X = (0.36, 0.48)
SLOT_Y = (-0.3, -0.15, 0.0, 0.15, 0.3)
BIN_SLOT_OFFSETS = (-0.05, 0.0, 0.05)


class SortScene(Scene):
    name = "sort"
    predicates = {"in": "in", "ontable": "ontable", "holding": "holding", "handempty": "handempty"}
    sizes = (1, 8)

    def build(self, sim: Simulation, rng: np.random.Generator) -> None:
        drawn = sorted(int(rng.integers(0, len(SORT_COLORS))) for _ in range(self.size))
        colors = [SORT_COLORS[i] for i in drawn]
        present = [c for c in SORT_COLORS if c in colors]
        slots = self.table_slots()
        chosen = rng.choice(len(slots), size=self.size, replace=False)
        poses = [(float(rng.uniform(-0.005, 0.005)), float(rng.uniform(-0.005, 0.005)), float(rng.uniform(-0.1, 0.1)))
                 for _ in colors]
        # Bins stand in a drawn order, so that which bin is on the left is only known from looking (drawn
        # after the cubes, so the cubes stand where they did before bins were shuffled).
        for i, k in enumerate(rng.permutation(len(present))):
            color = present[int(k)]
            y = (i - (len(present) - 1) / 2) * BIN_SPACING
            sim.add_bin(f"{color}_bin", BIN_INNER_HALF, BIN_HEIGHT, BIN_WALL, (BIN_X, y, TABLE_TOP_Z), COLORS[color])
            self.objects.append(SceneObject(f"{color}_bin", "bin", color, (BIN_INNER_HALF, BIN_INNER_HALF, BIN_HEIGHT),
                                            movable=False))
        counts: dict[str, int] = {}
        for color, slot, (dx, dy, yaw) in zip(colors, chosen, poses):
            counts[color] = counts.get(color, 0) + 1
            x, y = slots[int(slot)]
            obj = SceneObject(f"{color}{counts[color]}", "cube", color, (CUBE_HALF,) * 3, movable=True)
            self.add_movable_box(sim, obj, (x + dx, y + dy), TABLE_TOP_Z, yaw=yaw)
        self.objects.sort(key=lambda o: o.name)

    def table_slots(self) -> list[tuple[float, float]]:
        return [(x, y) for x in SLOT_X for y in SLOT_Y]


def bin_slots(center: tuple[float, float]) -> list[tuple[float, float]]:
    """Places inside a bin to drop a cube, nearest the robot's base first (where the arm is most precise)."""
    slots = [(center[0] + dx, center[1] + dy) for dx in BIN_SLOT_OFFSETS for dy in BIN_SLOT_OFFSETS]
    return sorted(slots, key=lambda s: (round(float(np.hypot(*s)), 6), s))
