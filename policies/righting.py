"""The geometry of righting a fallen object: how the hand turns, where it grasps, what lies on or under it.

The scripted ``right`` (``policies/scripted.py``) and the learned one (``policies/learned.py`` with
``policies/skill_tasks.RightTask``) grasp a tilted object the same way, so they share these rules: the hand
turns about the vertical so that the fingers close along the object's most horizontal axis (a box tilted
about that axis keeps the two faces across it vertical, a grasp as firm as on a flat box), and grasps at
its centre, higher where it lies across another object so that the fingertips stay off that one's top.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from envs.detectors import World, detect_fallen, detect_loose
from envs.robot import WORKSPACE_HIGH, WORKSPACE_LOW
from envs.simulation import TABLE_TOP_Z
from envs.task_env import TaskEnv
from policies.skill import SkillResult, not_movable

#: the grasp point sits this far above the object's bottom at least, and this far under its top at most
GRASP_HEIGHT = 0.012
#: the hand turns only where nothing within this planar distance (m) of it (the open fingers' and the palm's
#: sweep) reaches higher than ``TURN_MARGIN`` under it: turned low beside a stack, it swept blocks over
#: (development seed 20004 of blocks 5 with two disturbances)
TURN_RADIUS = 0.12
TURN_MARGIN = 0.02
#: the grasp point sits at least this far above the top of what the fallen object lies across: fingertips on
#: that top keep the fingers from closing, and the object slips out while lifting (the failures of
#: docs/recovery.md before this existed: a block tilted across another, grasped at its centre)
SUPPORT_CLEARANCE = 0.016


def finger_yaw(orientation: Sequence[float]) -> float:
    """The hand's yaw that closes the fingers along the object's most horizontal axis (within +-90 degrees:
    either finger may take either face)."""
    import pybullet

    rotation = np.asarray(pybullet.getMatrixFromQuaternion(tuple(orientation))).reshape(3, 3)
    axis = rotation[:, int(np.argmin(np.abs(rotation[2])))]
    # fingers close along (-sin yaw, cos yaw)
    yaw = float(np.arctan2(-axis[0], axis[1]))
    return float((yaw + np.pi / 2) % np.pi - np.pi / 2)


def cannot_right(env: TaskEnv, name: str, perceived: bool) -> SkillResult | None:
    """Why ``right`` refuses ``name`` before moving (None when it may try): on perceived targets the turn
    lacks the object's orientation, which the camera does not read yet; an unknown or fixed object; one that
    has not fallen."""
    if perceived:
        return SkillResult(False, 0, f"righting {name} needs its orientation, which the camera does not read yet")
    world = env.world()
    if (failure := not_movable(world, name)) is not None:
        return failure
    if (name,) not in detect_fallen(world) | detect_loose(world):
        return SkillResult(False, 0, f"{name!r} has not fallen")
    return None


def clear_to_turn(world: World, hand: np.ndarray) -> bool:
    """Whether the hand at ``hand`` (its grasp point) may turn about the vertical without sweeping anything:
    every object out of the hand within ``TURN_RADIUS`` of it ends ``TURN_MARGIN`` under it."""
    return all(o.top < hand[2] - TURN_MARGIN for o in world.objects.values()
               if o.kind != "peg" and not o.gripped
               and np.hypot(o.position[0] - hand[0], o.position[1] - hand[1]) < TURN_RADIUS)


def out_of_reach(world: World, name: str) -> bool:
    """Whether ``name`` lies beyond the arm's workspace across the table, or under the table's top (off it):
    no grasp reaches it, so righting gives up at once."""
    obj = world.objects[name]
    xy = np.asarray(obj.position[:2])
    return bool(np.any(xy < WORKSPACE_LOW[:2]) or np.any(xy > WORKSPACE_HIGH[:2]) or obj.top <= TABLE_TOP_Z)


def righting_grasp(world: World, name: str) -> np.ndarray:
    """Where the hand grasps the fallen ``name``: over its centre, at the centre's height where that is
    between ``GRASP_HEIGHT`` above its bottom (and ``SUPPORT_CLEARANCE`` above what it lies across) and
    ``GRASP_HEIGHT`` under its top."""
    obj = world.objects[name]
    z = min(max(obj.position[2], obj.bottom + GRASP_HEIGHT, support_top(world, name) + SUPPORT_CLEARANCE),
            obj.top - GRASP_HEIGHT)
    return np.array([obj.position[0], obj.position[1], z])


def lying_on(world: World, name: str) -> str | None:
    """The lowest object lying on ``name`` (its bottom above ``name``'s centre, their centres closer than the
    two half widths), if any: a block knocked onto a fallen one has fallen too."""
    obj = world.objects[name]
    above = [(o.bottom, o.name) for o in world.movable() if o.name != name and not o.gripped
             and o.bottom > obj.position[2] and obj.xy_distance(o) < obj.half_extents[0] + o.half_extents[0]]
    return min(above)[1] if above else None


def support_top(world: World, name: str) -> float:
    """The highest top, below ``name``'s centre, of the objects under it (their centres closer than the two
    half widths): a fallen object often lies across one."""
    obj = world.objects[name]
    tops = [o.top for o in world.movable() if o.name != name and not o.gripped and o.top < obj.position[2]
            and obj.xy_distance(o) < obj.half_extents[0] + o.half_extents[0]]
    return max(tops, default=TABLE_TOP_Z)
