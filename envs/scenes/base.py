"""What every task scene provides: its objects, its symbolic vocabulary and where things may be put down."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from envs.simulation import Simulation

COLORS: dict[str, tuple[float, float, float, float]] = {
    "red": (0.85, 0.12, 0.12, 1.0),
    "green": (0.13, 0.68, 0.2, 1.0),
    "blue": (0.12, 0.3, 0.88, 1.0),
    "yellow": (0.95, 0.85, 0.1, 1.0),
    "purple": (0.55, 0.2, 0.75, 1.0),
    "orange": (0.98, 0.52, 0.08, 1.0),
    "cyan": (0.1, 0.8, 0.85, 1.0),
    "pink": (0.98, 0.55, 0.72, 1.0),
    "gray": (0.45, 0.45, 0.48, 1.0),
}
CUBE_HALF = 0.02


@dataclass(frozen=True)
class SceneObject:
    """A named object of a scene. ``half_extents`` is the box a movable object occupies; for a peg it is
    (radius, radius, 0); for a bin, (inner half width, inner half width, wall height)."""

    name: str
    kind: str
    color: str
    half_extents: tuple[float, float, float]
    movable: bool
    #: "box", or "dome" (a cylinder with a round top, on which nothing stays): visible to the camera
    shape: str = "box"
    #: "wood", or "metal" (too heavy for the gripper): visible to the camera
    material: str = "wood"

    @property
    def size(self) -> float:
        """Width in metres: what tells a disc from a larger one."""
        return 2.0 * self.half_extents[0]


class Scene(ABC):
    """A task's world: builds its objects into a simulation from a seeded generator."""

    name: str
    #: symbolic vocabulary of the task: predicate name -> detector name (envs.detectors)
    predicates: dict[str, str]
    #: the inclusive range of sizes the task supports
    sizes: tuple[int, int]

    def __init__(self, size: int) -> None:
        low, high = self.sizes
        if not low <= size <= high:
            raise ValueError(f"{self.name}: size must be between {low} and {high}, got {size}")
        self.size = size
        self.objects: list[SceneObject] = []

    def _set_variant(self, variant: str | None, variants: tuple[str, ...], objects: str) -> None:
        """Keep ``variant``: one of ``variants``, or None for the plain task. A variant's physics acts between
        two objects, so it needs at least two ``objects`` (blocks, discs)."""
        if variant is not None and variant not in variants:
            raise ValueError(f"{self.name}: variant must be one of {', '.join(variants)}, got {variant!r}")
        if variant is not None and self.size < 2:
            raise ValueError(f"{self.name}: the {variant} variant needs at least 2 {objects}, got {self.size}")
        self.variant = variant

    @abstractmethod
    def build(self, sim: Simulation, rng: np.random.Generator) -> None:
        """Create this scene's bodies in ``sim`` (already reset, with a table) and fill ``self.objects``."""

    def demo_instruction(self, seed: int) -> str | None:
        """An instruction this scene's physics lets the robot carry out, where the task's default one might
        not (variant worlds); None: use the task's default."""
        return None

    def table_slots(self) -> list[tuple[float, float]]:
        """Places on the table where an object may be put down, in order of preference."""
        return []

    def add_movable_box(self, sim: Simulation, obj: SceneObject, xy: tuple[float, float], bottom_z: float,
                        yaw: float = 0.0, mass: float = 0.05, friction: float = 1.0,
                        com_offset: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> None:
        hz = obj.half_extents[2]
        sim.add_box(obj.name, obj.half_extents, (xy[0], xy[1], bottom_z + hz), COLORS[obj.color], mass=mass,
                    friction=friction, yaw=yaw, com_offset=com_offset)
        self.objects.append(obj)


def settle(sim: Simulation, steps: int = 120) -> None:
    """Let a freshly built scene come to rest so the first observation is a resting one."""
    sim.step(steps)
