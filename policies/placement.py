"""Where a place skill puts an object down: on an object, on a peg, into a bin or on a free spot of the table.

Every answer comes from the current geometry (``World``) and the scene's layout, so it is the same for
scripted and learned controllers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from envs.detectors import ObjectState, World
from envs.scenes.sort import bin_slots
from envs.simulation import TABLE_TOP_Z
from envs.task_env import TaskEnv

TABLE = "table"
#: a table spot is free when every other object is this far from it along x or along y (m): the hand is
#: wide along y, the fingers' closing axis, and thin along x
TABLE_CLEARANCE = (0.09, 0.14)
#: cubes dropped into a bin fall from this far above its rim
BIN_DROP_HEIGHT = 0.012
BIN_SLOT_CLEARANCE = (0.035, 0.035)
#: objects are released this far above the surface they go onto, so they never press into it
RELEASE_GAP = 0.002


@dataclass(frozen=True)
class Placement:
    """Put the object's centre over ``xy`` and open the hand when its bottom is at ``bottom_z``."""

    xy: tuple[float, float]
    bottom_z: float


def placement(env: TaskEnv, world: World, obj: str, target: str) -> Placement:
    """Where ``obj`` goes to land on ``target`` (an object name, a peg, a bin, or ``"table"``)."""
    others = [o for o in world.movable() if o.name != obj]
    if target == TABLE:
        return Placement(_free_spot(env.scene.table_slots(), others, TABLE_CLEARANCE, world.objects[obj]),
                         TABLE_TOP_Z + RELEASE_GAP)
    if target not in world.objects:
        raise KeyError(f"unknown place target {target!r}; objects: {sorted(world.objects)} or 'table'")
    goal = world.objects[target]
    if goal.kind == "peg":
        return Placement((goal.position[0], goal.position[1]), TABLE_TOP_Z + RELEASE_GAP)
    if goal.kind == "bin":
        spots = bin_slots((goal.position[0], goal.position[1]))
        rim = goal.position[2] + goal.half_extents[2]
        return Placement(_free_spot(spots, others, BIN_SLOT_CLEARANCE, world.objects[obj]), rim + BIN_DROP_HEIGHT)
    return Placement((goal.position[0], goal.position[1]), goal.top + RELEASE_GAP)



class NoFreeSpot(RuntimeError):
    """Every spot where the object could go is taken."""


def _free_spot(spots: list[tuple[float, float]], others: list[ObjectState], clearance: tuple[float, float],
               obj: ObjectState) -> tuple[float, float]:
    """The free spot nearest the object (ties broken by the layout's order): deterministic and short."""
    free = [s for s in spots
            if all(abs(s[0] - o.position[0]) >= clearance[0] or abs(s[1] - o.position[1]) >= clearance[1]
                   for o in others)]
    if not free:
        raise NoFreeSpot(f"no free spot left to put {obj.name} down")
    return min(free, key=lambda s: np.hypot(s[0] - obj.position[0], s[1] - obj.position[1]))
