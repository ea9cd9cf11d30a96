"""Which way a pick's hand is turned: so that neither its fingers nor its housing come down on a neighbour.

The hand comes down over the object with its fingers open along (-sin yaw, cos yaw) (``envs.robot``), at
yaw 0 along the table's y axis, and its housing, 21 cm long along the same axis, 3.5 to 13.5 cm above the
grasp point. An object knocked next to a tower (``nesy run --disturb``) can stand a few centimetres from it along y:
the fingers or the housing then came down on the tower and knocked it over, pick after pick, until the replan
budget was spent (blocks 5 with two disturbances, development seed 20000: a block 7.4 cm from a tower of
four). Turned, the hand has room. It is turned only then: every pick was trained at yaw 0 on objects within 9
degrees of it, and an undisturbed scene never crowds a pick (its objects stand 12 cm apart or more).

Turned, the fingers close across the object's faces where that leaves room: closed 28 degrees off them, they
held a cube by its edges and it fell off the next stack. The pick policy reads no yaw (its observation is the
grasp point, the hand and the fingers' width), and the objects it picks, cubes and discs, are the same to the
fingers a quarter turn round, so a hand turned to the faces meets what the policy was trained on.
"""

from __future__ import annotations

import numpy as np

from envs.detectors import ObjectState, World

#: the parts of the hand that come down round the object, measured on the Panda at yaw 0 (``envs.robot``):
#: (reach along the closing axis, half width across it, lowest point above the grasp point), all in m. The
#: fingers, open as wide as they go, reach 7.4 cm each way and 1.1 cm under the grasp point; the housing
#: 10.5 cm each way, 3.6 cm across, from 3.5 cm above it
HAND_PARTS = ((0.074, 0.015, -0.011), (0.105, 0.036, 0.035))
#: the room (m) a turn must leave between the hand and every neighbour (each a circle round its footprint,
#: itself up to 8 mm wider than a cube face-on)
SAFE = 0.005
#: the yaws tried (rad): every 5 degrees of the half turn (either finger may take either face)
YAWS = np.radians(np.arange(-85.0, 95.0, 5.0))
#: a pick's grasp point sits this far above the object's bottom at most (fingertips stay off the support)
GRASP_HEIGHT = 0.012


def grasp_point(obj: ObjectState) -> np.ndarray:
    """Where a pick closes the fingers on ``obj``: over its centre, ``GRASP_HEIGHT`` above its bottom at most."""
    return np.array([obj.position[0], obj.position[1], obj.bottom + min(obj.half_height, GRASP_HEIGHT)])


def room(world: World, name: str, yaw: float) -> float:
    """The least room (m) between the hand, turned to ``yaw`` over ``name`` at its grasp point, and any other
    movable object out of the hand (each as the circle round its footprint, up to its top): negative where
    they overlap. Infinite when nothing stands near."""
    obj = world.objects[name]
    grasp_z = float(grasp_point(obj)[2])
    centre = np.asarray(obj.position[:2])
    along, across = np.array([-np.sin(yaw), np.cos(yaw)]), np.array([np.cos(yaw), np.sin(yaw)])
    least = np.inf
    for other in world.movable():
        if other.name == name or other.gripped:
            continue
        offset = np.asarray(other.position[:2]) - centre
        radius = float(np.hypot(other.half_extents[0], other.half_extents[1]))
        for reach, half_width, low in HAND_PARTS:
            if other.top <= grasp_z + low:
                continue
            gap = max(abs(float(offset @ along)) - reach, abs(float(offset @ across)) - half_width) - radius
            least = min(least, gap)
    return least


def _off_faces(yaw: float, faces: float) -> float:
    """How far (rad) ``yaw`` is from closing the fingers across faces a quarter turn apart at ``faces``."""
    return abs(float((yaw - faces + np.pi / 4) % (np.pi / 2) - np.pi / 4))


def pick_yaw(world: World, name: str, faces: float | None = None) -> float:
    """The hand's yaw for picking ``name``: 0 while that leaves ``SAFE`` room. Crowded, the yaw nearest the
    object's faces (``faces``: the yaw that closes across them, ``righting.finger_yaw``; None where the
    orientation is not known, perceived boxes: the table's axes) among those that leave ``SAFE`` room, else
    the yaw with the most room."""
    if room(world, name, 0.0) >= SAFE:
        return 0.0
    aligned = 0.0 if faces is None else faces
    rooms = [(room(world, name, float(yaw)), float(yaw)) for yaw in YAWS]
    safe = [(_off_faces(yaw, aligned), -r, yaw) for r, yaw in rooms if r >= SAFE]
    if safe:
        return min(safe)[2]
    return max(rooms)[1]
