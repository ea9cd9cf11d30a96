"""Blocks world: cubes named by their colour, in random stacks on the table.

Variants break one assumption of the blocks domain each, through physics alone (the skills and detectors
are the same), and make the property behind it observable:

- ``sizes``: small and large cubes; a large one is hollow with a weight along one bottom edge (its centre
  of mass 5 mm inside the two faces there). It stands on anything as wide as itself, and tips off a small
  cube, whose edge its centre of mass overhangs whatever the two cubes' yaw: the Hanoi rule. Detectors
  report ``smaller``.
- ``round``: one object is a dome (a cylinder with a hemispherical top): it stands on its flat bottom, but
  whatever is put on it rolls off. Detectors report ``round``.
- ``heavy``: one block is metal (5 kg, a hundred times a wooden one) and slippery: the friction grasp cannot
  lift it. Detectors report ``heavy``.

Start scenes are physically possible (no large cube on a small one, nothing on a dome), and
``demo_instruction`` asks for a goal the real world allows, in an order it leaves to the agent.

Two options change how the cubes are dealt, for the skills' training scenes only
(``policies/skill_envs.py``): ``new_stack_probability`` (fewer, taller stacks when low) and
``far_row_share`` (stacks that stand in the far row, where the agent's own operators put objects). Their
defaults deal the task's start scenes, seed for seed as without them.
"""

from __future__ import annotations

import numpy as np

from envs.scenes import TASK_VARIANTS
from envs.scenes.base import COLORS, CUBE_HALF, Scene, SceneObject
from envs.simulation import TABLE_TOP_Z, Simulation

BLOCK_COLORS = ("red", "green", "blue", "yellow", "purple", "orange", "cyan", "pink")
# Two rows of four columns, one stack each. Reaching low beside a tall stack, the hand (21 cm wide
# along y, the fingers' closing axis) and the forearm sweep up to about 17 cm to the side and 10 cm
# beyond it, while 20 cm to the side or 20 cm beyond is clear even of an 8-block tower (measured): columns
# stand 22 cm apart, rows 20 cm. Start stacks stand in the near row; the far row takes objects put down.
SLOT_X = (0.45, 0.65)
SLOT_Y = (-0.33, -0.11, 0.11, 0.33)
NEW_STACK_PROBABILITY = 0.5

VARIANTS = TASK_VARIANTS["blocks"]
#: half widths of the small and large ``sizes`` cubes
SMALL_HALF = 0.008
LARGE_HALF = CUBE_HALF
#: how far inside the two faces of its weighted bottom edge a large cube's centre of mass lies. The edge
#: runs along x, the axis the fingers do not squeeze, so that the weight does not turn the cube in the
#: grasp, and low, so that the cube lands steadily. Its centre of mass is then 15 mm from its centre
#: horizontally (at least that on whichever face it lies): beyond even the corner of a small cube (11.3 mm
#: from its centre) whatever their yaw, and 5 mm inside its own footprint, so that it stands on anything
#: as wide (measured: 0 of 15 large cubes stayed on a small one, 9 of 9 on a large one)
COM_MARGIN = 0.005
#: light, so that its weight barely tilts a large cube in the friction grasp
LARGE_MASS = 0.02
DOME_RADIUS = CUBE_HALF  # as wide as a cube: no size tells it apart
BLOCK_MASS = 0.05
METAL_MASS = 5.0
METAL_FRICTION = 0.2


class BlocksScene(Scene):
    name = "blocks"
    predicates = {"on": "on", "ontable": "ontable", "clear": "clear", "holding": "holding",
                  "handempty": "handempty"}
    sizes = (1, 8)

    def __init__(self, size: int = 3, variant: str | None = None,
                 new_stack_probability: float = NEW_STACK_PROBABILITY, far_row_share: float = 0.0) -> None:
        super().__init__(size)
        self._set_variant(variant, VARIANTS, "blocks")
        self.new_stack_probability = new_stack_probability
        self.far_row_share = far_row_share
        if variant is not None:
            self.predicates = {**self.predicates, "smaller": "smaller", "round": "round", "heavy": "heavy"}

    def build(self, sim: Simulation, rng: np.random.Generator) -> None:
        colors = [BLOCK_COLORS[i] for i in rng.permutation(len(BLOCK_COLORS))[: self.size]]
        objects = self._objects(colors, rng)
        stacks: list[list[SceneObject]] = []
        for obj in objects:
            if not stacks or (len(stacks) < len(SLOT_Y) and rng.random() < self.new_stack_probability):
                stacks.append([obj])
            else:
                stacks[int(rng.integers(0, len(stacks)))].append(obj)
        columns = rng.choice(len(SLOT_Y), size=len(stacks), replace=False)
        for stack, column in zip(stacks, columns):
            far = self.far_row_share > 0.0 and rng.random() < self.far_row_share
            x, y = SLOT_X[int(far)], SLOT_Y[int(column)]
            x += float(rng.uniform(-0.005, 0.005))
            y += float(rng.uniform(-0.005, 0.005))
            bottom = TABLE_TOP_Z
            for obj in self._physically_possible(stack):
                yaw = float(rng.uniform(-0.1, 0.1))
                self._add(sim, obj, (x, y), bottom, yaw, rng)
                bottom += 2 * obj.half_extents[2]
        self.objects.sort(key=lambda o: o.name)

    def _objects(self, colors: list[str], rng: np.random.Generator) -> list[SceneObject]:
        """The scene's objects, in the order they are dealt onto stacks."""
        halves = [CUBE_HALF] * len(colors)
        if self.variant == "sizes":  # at least one of each
            large = int(rng.integers(1, len(colors)))
            halves = [LARGE_HALF if i < large else SMALL_HALF for i in rng.permutation(len(colors))]
        special = int(rng.integers(0, len(colors))) if self.variant in ("round", "heavy") else -1
        objects = []
        for i, (color, half) in enumerate(zip(colors, halves)):
            if i == special and self.variant == "round":
                objects.append(SceneObject(color, "block", color, (DOME_RADIUS, DOME_RADIUS, CUBE_HALF), True,
                                           shape="dome"))
            else:
                material = "metal" if i == special else "wood"
                objects.append(SceneObject(color, "block", color, (half,) * 3, True, material=material))
        return objects

    def _physically_possible(self, stack: list[SceneObject]) -> list[SceneObject]:
        """A start stack the variant's physics keeps standing, bottom first: large blocks below, a dome on
        top, a metal block at the bottom (dealt there, as a robot could not have lifted it)."""
        if self.variant == "sizes":
            return sorted(stack, key=lambda o: -o.half_extents[0])
        if self.variant == "round":
            return sorted(stack, key=lambda o: o.shape == "dome")
        if self.variant == "heavy":
            return sorted(stack, key=lambda o: o.material != "metal")
        return stack

    def _add(self, sim: Simulation, obj: SceneObject, xy: tuple[float, float], bottom: float, yaw: float,
             rng: np.random.Generator) -> None:
        if obj.shape == "dome":
            hz = obj.half_extents[2]
            sim.add_dome(obj.name, obj.half_extents[0], 2 * hz, (xy[0], xy[1], bottom + hz), COLORS[obj.color],
                         mass=BLOCK_MASS, yaw=yaw)
            self.objects.append(obj)
        elif obj.material == "metal":
            self.add_movable_box(sim, obj, xy, bottom, yaw=yaw, mass=METAL_MASS, friction=METAL_FRICTION)
        elif self.variant == "sizes" and obj.half_extents[0] == LARGE_HALF:
            side = 1.0 if rng.random() < 0.5 else -1.0  # the weight lies along a bottom edge: low, steady
            offset = (0.0, side * (LARGE_HALF - COM_MARGIN), -(LARGE_HALF - COM_MARGIN))
            self.add_movable_box(sim, obj, xy, bottom, yaw=yaw, mass=LARGE_MASS, com_offset=offset)
        else:
            self.add_movable_box(sim, obj, xy, bottom, yaw=yaw)

    def demo_instruction(self, seed: int) -> str | None:
        """One tower of every block, its order left to the agent (None for the plain scene, whose default
        instruction applies). The variant's physics allows only some orders (small blocks above large ones,
        the dome on top, the tower on the metal block where it stands), and the domain does not say which:
        the choice a misaligned domain gets wrong."""
        return None if self.variant is None else "stack all the blocks into one tower"

    def table_slots(self) -> list[tuple[float, float]]:
        return [(x, y) for x in SLOT_X for y in SLOT_Y]
