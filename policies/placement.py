"""Where a place skill puts an object down: on an object, on a peg, into a bin or on a free spot of the table.

Every answer comes from the current geometry (``World``) and the scene's layout, so it is the same for
scripted and learned controllers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from envs.detectors import ObjectState, World, detect_in, detect_on, detect_ontable
from envs.scenes.sort import bin_slots
from envs.simulation import TABLE_TOP_Z
from envs.task_env import TaskEnv

TABLE = "table"
#: a table spot is free when every other object is this far from it along x or along y (m): the hand and
#: forearm sweep wide along y when low, and little along x (see envs/scenes/blocks.py)
TABLE_CLEARANCE = (0.09, 0.2)
#: cubes dropped into a bin fall from this far above its rim
BIN_DROP_HEIGHT = 0.012
BIN_SLOT_CLEARANCE = (0.035, 0.035)
#: objects are released this far above the surface they go onto, so they never press into it
RELEASE_GAP = 0.002


#: how closely (m) the hand must have settled before it lets go: onto another object, errors add up
#: level by level in a stack; onto the table, a peg or into a bin a few millimetres do not matter
STACKING_TOLERANCE = 0.0015
SURFACE_TOLERANCE = 0.004


@dataclass(frozen=True)
class Placement:
    """Put the object's centre over ``xy`` and open the hand when its bottom is at ``bottom_z`` and the
    hand has settled within ``tolerance``."""

    xy: tuple[float, float]
    bottom_z: float
    tolerance: float = SURFACE_TOLERANCE


def placement(env: TaskEnv, world: World, obj: str, target: str) -> Placement:
    """Where ``obj`` goes to land on ``target`` (an object name, a peg, a bin, or ``"table"``)."""
    others = [o for o in world.movable() if o.name != obj]
    held = world.objects[obj]
    if target == TABLE:
        # The nearest free spot keeps the motion short (ties broken by the layout's order).
        spots = sorted(env.scene.table_slots(),
                       key=lambda s: round(float(np.hypot(s[0] - held.position[0], s[1] - held.position[1])), 6))
        return Placement(_free_spot(spots, others, TABLE_CLEARANCE, held), TABLE_TOP_Z + RELEASE_GAP)
    if target not in world.objects:
        raise KeyError(f"unknown place target {target!r}; objects: {sorted(world.objects)} or 'table'")
    goal = world.objects[target]
    if goal.kind == "peg":
        return Placement((goal.position[0], goal.position[1]), TABLE_TOP_Z + RELEASE_GAP)
    if goal.kind == "bin":
        spots = bin_slots((goal.position[0], goal.position[1]))
        rim = goal.position[2] + goal.half_extents[2]
        return Placement(_free_spot(spots, others, BIN_SLOT_CLEARANCE, held, sized=True), rim + BIN_DROP_HEIGHT)
    return Placement((goal.position[0], goal.position[1]), goal.top + RELEASE_GAP, STACKING_TOLERANCE)


class NoFreeSpot(RuntimeError):
    """Every spot where the object could go is taken."""


def _free_spot(spots: list[tuple[float, float]], others: list[ObjectState], clearance: tuple[float, float],
               obj: ObjectState, sized: bool = False) -> tuple[float, float]:
    """The first spot, in the order given, that no other object crowds. ``sized`` (a bin's slots): an object
    wider than ``obj`` crowds a spot from further by the difference of their half widths. A bin's cubes are
    all alike, so on the simulator's boxes nothing changes; in camera mode, cubes of a bin's colour in it
    are sometimes read merged into one wide box whose centre lies off every cube in it, and a cube dropped
    where that box only seemed not to reach landed on one of them (sort 6, development seed 13)."""
    for spot in spots:
        if all(abs(spot[0] - o.position[0]) >= clearance[0] + _wider(o, obj, sized)
               or abs(spot[1] - o.position[1]) >= clearance[1] + _wider(o, obj, sized) for o in others):
            return spot
    raise NoFreeSpot(f"no free spot left to put {obj.name} down")


def _wider(other: ObjectState, obj: ObjectState, sized: bool) -> float:
    """How much (m) wider than ``obj`` ``other`` is, where sizes count (``_free_spot``)."""
    return max(0.0, other.half_extents[0] - obj.half_extents[0]) if sized else 0.0


def placed(world: World, name: str, target: str) -> bool:
    """Whether the detectors see ``name`` on ``target``: the effect every place skill is judged by."""
    if target == TABLE:
        return (name,) in detect_ontable(world)
    if world.objects[target].kind == "bin":
        return (name, target) in detect_in(world)
    return (name, target) in detect_on(world)
