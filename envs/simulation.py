"""One PyBullet world per environment.

Every environment owns its own ``BulletClient`` (never the global pybullet connection), so several
environments live in one process. Bodies are looked up by name; the ids PyBullet hands out are an
implementation detail of this module and of the code that builds scenes.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np


@contextmanager
def quiet_output() -> Iterator[None]:
    """Silence what C code writes to file descriptors 1 and 2: PyBullet's banners on import and connect
    would otherwise clutter the terminal and corrupt machine-readable output such as ``nesy scene --json``.
    Python exceptions raised inside still surface once the descriptors are restored."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    try:
        with open(os.devnull, "w") as devnull:
            for fd in saved:
                os.dup2(devnull.fileno(), fd)
            yield
    finally:
        ctypes.CDLL(None).fflush(None)  # C stdio buffers what it printed: drop it before the descriptors return
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)


with quiet_output():
    import pybullet
    import pybullet_data
    from pybullet_utils.bullet_client import BulletClient

TIMESTEP = 1.0 / 240.0
TABLE_TOP_Z = 0.0
#: the table top's centre (x, y) and half extents (x, y): what lies outside it has fallen off
TABLE_CENTRE_XY = (0.45, 0.0)
TABLE_HALF_XY = (0.5, 0.7)
#: how far (m) a dome's cap sits off its axis, and how much narrower than the dome it is: a cube (centre of
#: mass 2 cm up) balanced on a perfect hemisphere of its own half width would be in neutral equilibrium
DOME_CAP_OFFSET = 0.002


class _BoundClient(BulletClient):
    """A ``BulletClient`` that binds each PyBullet function to its connection once. The parent builds a new
    ``functools.partial`` (after an ``inspect`` check) on every attribute access: about 5 us, paid some fifty
    times per control step by IK, motor commands, poses and contact queries."""

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        attribute = super().__getattr__(name)
        if name != "disconnect":  # the parent marks the connection closed when disconnect is looked up
            self.__dict__[name] = attribute
        return attribute


def has_display() -> bool:
    """Whether a GUI window can open: always off Linux, on Linux only with an X display."""
    return not sys.platform.startswith("linux") or bool(os.environ.get("DISPLAY"))


@dataclass(frozen=True)
class Pose:
    """A body's position and orientation (x, y, z, w quaternion) in the world frame."""

    position: tuple[float, float, float]
    orientation: tuple[float, float, float, float]


class Simulation:
    """A PyBullet world: connection, table, bodies by name, stepping and contact queries."""

    def __init__(self, gui: bool = False) -> None:
        if gui and not has_display():
            # PyBullet would end the whole process, silently, when it cannot open a window.
            raise RuntimeError("the PyBullet GUI needs a display, and DISPLAY is not set")
        with quiet_output():
            self.client = _BoundClient(connection_mode=pybullet.GUI if gui else pybullet.DIRECT)
        self.client.setAdditionalSearchPath(pybullet_data.getDataPath())
        self.gui = gui
        self.bodies: dict[str, int] = {}
        #: centre-of-mass offsets of the bodies that have one, in the body's frame
        self._com_offsets: dict[str, tuple[float, float, float]] = {}
        self.steps = 0

    def reset(self) -> None:
        """Empty the world and rebuild the table: a fresh world makes a seed's run independent of history."""
        c = self.client
        c.resetSimulation()
        c.setPhysicsEngineParameter(fixedTimeStep=TIMESTEP, numSolverIterations=50,
                                    solverResidualThreshold=1e-4, deterministicOverlappingPairs=1)
        c.setGravity(0.0, 0.0, -9.81)
        if self.gui:
            c.configureDebugVisualizer(pybullet.COV_ENABLE_RENDERING, 0)
        self.bodies = {}
        self._com_offsets = {}
        self.steps = 0
        self.add_box("table", half_extents=(*TABLE_HALF_XY, 0.02), position=(*TABLE_CENTRE_XY, TABLE_TOP_Z - 0.02),
                     rgba=(0.82, 0.74, 0.62, 1.0), mass=0.0, friction=0.8)

    def finish_building(self) -> None:
        """Turn GUI rendering back on once a scene is built (building with rendering on is slow)."""
        if self.gui:
            self.client.configureDebugVisualizer(pybullet.COV_ENABLE_RENDERING, 1)

    def close(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client = None

    def remove_all_but(self, keep: tuple[str, ...]) -> None:
        """Remove every body but those named in ``keep``."""
        for name in [n for n in self.bodies if n not in keep]:
            self.client.removeBody(self.bodies.pop(name))
        self.steps = 0

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            self.client.stepSimulation()
        self.steps += n

    def add_urdf(self, name: str, path: str, position: tuple[float, float, float]) -> int:
        body = self.client.loadURDF(path, basePosition=position, useFixedBase=True)
        self.bodies[name] = body
        return body

    def add_box(self, name: str, half_extents: tuple[float, float, float], position: tuple[float, float, float],
                rgba: tuple[float, float, float, float], mass: float, friction: float = 1.0,
                yaw: float = 0.0, com_offset: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> int:
        """A box; ``com_offset`` moves its centre of mass off the geometric centre (in the box's frame)."""
        c = self.client
        collision = c.createCollisionShape(pybullet.GEOM_BOX, halfExtents=half_extents)
        visual = c.createVisualShape(pybullet.GEOM_BOX, halfExtents=half_extents, rgbaColor=rgba)
        return self._add_body(name, mass, collision, visual, position, yaw, friction, com_offset)

    def add_dome(self, name: str, radius: float, height: float, position: tuple[float, float, float],
                 rgba: tuple[float, float, float, float], mass: float, friction: float = 1.0,
                 yaw: float = 0.0) -> int:
        """An upright cylinder of ``radius`` and total ``height`` capped by a hemisphere a little narrower and
        a little off its axis, as no real dome is perfect: it stands on its flat bottom, and nothing put on
        it stays. ``position`` is the centre of its bounding box."""
        c = self.client
        cap = radius - DOME_CAP_OFFSET
        stem = height - cap
        types = [pybullet.GEOM_CYLINDER, pybullet.GEOM_SPHERE]
        radii, lengths = [radius, cap], [stem, 0.0]
        offsets = [(0.0, 0.0, -height / 2 + stem / 2), (DOME_CAP_OFFSET, 0.0, -height / 2 + stem)]
        collision = c.createCollisionShapeArray(shapeTypes=types, radii=radii, lengths=lengths,
                                                collisionFramePositions=offsets)
        visual = c.createVisualShapeArray(shapeTypes=types, radii=radii, lengths=lengths,
                                          visualFramePositions=offsets, rgbaColors=[rgba, rgba])
        return self._add_body(name, mass, collision, visual, position, yaw, friction, (0.0, 0.0, 0.0))

    def _add_body(self, name: str, mass: float, collision: int, visual: int, position: tuple[float, float, float],
                  yaw: float, friction: float, com_offset: tuple[float, float, float]) -> int:
        c = self.client
        body = c.createMultiBody(mass, collision, visual, basePosition=position,
                                 baseOrientation=c.getQuaternionFromEuler((0.0, 0.0, yaw)),
                                 baseInertialFramePosition=com_offset)
        c.changeDynamics(body, -1, lateralFriction=friction, spinningFriction=0.001, rollingFriction=0.0001)
        if mass > 0.0:  # resting objects sleep until touched: stacks at rest cost no solver time
            c.changeDynamics(body, -1, activationState=pybullet.ACTIVATION_STATE_ENABLE_SLEEPING)
        self.bodies[name] = body
        if any(com_offset):
            self._com_offsets[name] = com_offset
        return body

    def add_marker(self, name: str, radius: float, position: tuple[float, float, float],
                   rgba: tuple[float, float, float, float]) -> int:
        """A flat disc painted on the table: seen by the camera, never touched by anything."""
        c = self.client
        visual = c.createVisualShape(pybullet.GEOM_CYLINDER, radius=radius, length=0.001, rgbaColor=rgba)
        body = c.createMultiBody(0.0, -1, visual, basePosition=position)
        self.bodies[name] = body
        return body

    def add_bin(self, name: str, inner_half: float, wall_height: float, wall: float,
                position: tuple[float, float, float], rgba: tuple[float, float, float, float]) -> int:
        """An open box (floor and four walls) as one static body."""
        c = self.client
        floor = (inner_half + wall, inner_half + wall, wall / 2)
        side_x = (wall / 2, inner_half + wall, wall_height / 2)
        side_y = (inner_half + wall, wall / 2, wall_height / 2)
        d = inner_half + wall / 2
        z = wall_height / 2
        shapes = [(floor, (0.0, 0.0, wall / 2)), (side_x, (d, 0.0, z)), (side_x, (-d, 0.0, z)),
                  (side_y, (0.0, d, z)), (side_y, (0.0, -d, z))]
        halves = [h for h, _ in shapes]
        offsets = [o for _, o in shapes]
        types = [pybullet.GEOM_BOX] * len(shapes)
        collision = c.createCollisionShapeArray(shapeTypes=types, halfExtents=halves, collisionFramePositions=offsets)
        visual = c.createVisualShapeArray(shapeTypes=types, halfExtents=halves, visualFramePositions=offsets,
                                          rgbaColors=[rgba] * len(shapes))
        body = c.createMultiBody(0.0, collision, visual, basePosition=position)
        c.changeDynamics(body, -1, lateralFriction=0.8)
        self.bodies[name] = body
        return body

    def pose(self, name: str) -> Pose:
        """The pose of the body's own frame (its geometric centre), whatever its centre of mass."""
        position, orientation = self.client.getBasePositionAndOrientation(self.bodies[name])
        offset = self._com_offsets.get(name)
        if offset is not None:  # PyBullet reports the centre of mass
            rotation = np.asarray(self.client.getMatrixFromQuaternion(orientation)).reshape(3, 3)
            position = tuple(float(v) for v in np.asarray(position) - rotation @ np.asarray(offset))
        return Pose(tuple(position), tuple(orientation))

    def set_pose(self, name: str, position: tuple[float, float, float], yaw: float = 0.0,
                 tilt: tuple[float, float] = (0.0, 0.0)) -> None:
        """Teleport a body, turned by ``tilt`` (roll, pitch) and ``yaw`` (scene building, disturbances and
        hand-built test scenes only; skills never do this)."""
        c = self.client
        orientation = c.getQuaternionFromEuler((tilt[0], tilt[1], yaw))
        offset = self._com_offsets.get(name)
        if offset is not None:
            rotation = np.asarray(c.getMatrixFromQuaternion(orientation)).reshape(3, 3)
            position = tuple(float(v) for v in np.asarray(position) + rotation @ np.asarray(offset))
        c.resetBasePositionAndOrientation(self.bodies[name], position, orientation)
        c.resetBaseVelocity(self.bodies[name], (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))

    def velocity(self, name: str) -> np.ndarray:
        linear, angular = self.client.getBaseVelocity(self.bodies[name])
        return np.array(linear + angular)
