"""Blocks world: cubes named by their colour, in random stacks on the table."""

from __future__ import annotations

import numpy as np

from envs.scenes.base import CUBE_HALF, Scene, SceneObject
from envs.simulation import TABLE_TOP_Z, Simulation

BLOCK_COLORS = ("red", "green", "blue", "yellow", "purple", "orange", "cyan", "pink")
# Two rows of four columns, one stack each. Reaching low beside a tall stack, the hand (21 cm wide
# along y, the fingers' closing axis) and the forearm sweep up to about 17 cm to the side and 10 cm
# beyond it, while 20 cm to the side or 20 cm beyond is clear even of an 8-block tower (measured): columns
# stand 22 cm apart, rows 20 cm. Start stacks stand in the near row; the far row takes objects put down.
SLOT_X = (0.45, 0.65)
SLOT_Y = (-0.33, -0.11, 0.11, 0.33)
NEW_STACK_PROBABILITY = 0.5


class BlocksScene(Scene):
    name = "blocks"
    predicates = {"on": "on", "ontable": "ontable", "clear": "clear", "holding": "holding",
                  "handempty": "handempty"}
    sizes = (1, 8)

    def build(self, sim: Simulation, rng: np.random.Generator) -> None:
        colors = [BLOCK_COLORS[i] for i in rng.permutation(len(BLOCK_COLORS))[: self.size]]
        stacks: list[list[str]] = []
        for color in colors:
            if not stacks or (len(stacks) < len(SLOT_Y) and rng.random() < NEW_STACK_PROBABILITY):
                stacks.append([color])
            else:
                stacks[int(rng.integers(0, len(stacks)))].append(color)
        columns = rng.choice(len(SLOT_Y), size=len(stacks), replace=False)
        for stack, column in zip(stacks, columns):
            x, y = SLOT_X[0], SLOT_Y[int(column)]
            x += float(rng.uniform(-0.005, 0.005))
            y += float(rng.uniform(-0.005, 0.005))
            for level, color in enumerate(stack):
                obj = SceneObject(color, "block", color, (CUBE_HALF,) * 3, movable=True)
                yaw = float(rng.uniform(-0.1, 0.1))
                self.add_movable_box(sim, obj, (x, y), TABLE_TOP_Z + level * 2 * CUBE_HALF, yaw=yaw)
        self.objects.sort(key=lambda o: o.name)

    def table_slots(self) -> list[tuple[float, float]]:
        return [(x, y) for x in SLOT_X for y in SLOT_Y]
