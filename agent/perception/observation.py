"""What the perception network sees of a scene: an RGB-D frame, its instance masks, and the objects' names.

The frame comes from the same fixed camera pose as the task environment's, at ``VIEW_SIZE`` pixels. Each
pixel carries its colour and the world point it shows (from depth), and the instance mask says which of
the scene's objects it belongs to, as an off-the-shelf instance segmenter would. Everything about where an
object is, how big it is and what it stands on has to be read from these pixels: the names only say which
object the planner calls what.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from envs.camera import Camera
from envs.task_env import TaskEnv

VIEW_SIZE = 128
NO_OBJECT = -1


@dataclass(frozen=True)
class View:
    """One camera frame of a scene. ``masks[v, u]`` is the index in ``names`` of the object at that pixel
    (``NO_OBJECT`` for the table, the robot and the background)."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    rgb: np.ndarray  # uint8 H x W x 3
    points: np.ndarray  # float16 H x W x 3, world metres
    masks: np.ndarray  # int8 H x W

    def positions(self) -> dict[str, tuple[float, float, float]]:
        """Where each object the frame shows is: the mean world point of its pixels (objects out of sight
        are left out)."""
        where = {}
        for index, name in enumerate(self.names):
            points = self.points[self.masks == index].astype(np.float64)
            points = points[np.isfinite(points).all(axis=1)]
            if len(points):
                x, y, z = points.mean(axis=0)
                where[name] = (float(x), float(y), float(z))
        return where

    def blanked(self) -> View:
        """The same objects with nothing to see: the control that shows what the image contributes."""
        return View(self.names, self.kinds, np.zeros_like(self.rgb), np.zeros_like(self.points),
                    np.full_like(self.masks, NO_OBJECT))


class Seen(Protocol):
    """A perceived object as the camera names it (``agent.vision.describe.Described``)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def mask(self) -> np.ndarray | None: ...


class Framed(Protocol):
    """An RGB-D frame with its calibration (``envs.camera_frame.Frame``)."""

    @property
    def rgb(self) -> np.ndarray: ...

    def points(self) -> np.ndarray: ...


def perceived_view(frame: Framed, objects: Sequence[Seen]) -> View:
    """The network's view of a camera frame in camera mode: the perceived instances' masks, kinds and names
    (nothing of the simulator)."""
    masks = np.full(frame.rgb.shape[:2], NO_OBJECT, dtype=np.int8)
    for index, obj in enumerate(objects):
        if obj.mask is not None:
            masks[obj.mask] = index
    return View(tuple(o.name for o in objects), tuple(o.kind for o in objects), frame.rgb,
                frame.points().astype(np.float16), masks)


def observe(env: TaskEnv, size: int = VIEW_SIZE) -> View:
    """Render ``env``'s scene as the perception network sees it."""
    camera = Camera(size, size)
    rgb, depth, bodies = camera.render_segmented(env.sim.client)
    objects = env.scene.objects
    masks = np.full(bodies.shape, NO_OBJECT, dtype=np.int8)
    for index, obj in enumerate(objects):
        masks[bodies == env.sim.bodies[obj.name]] = index
    return View(tuple(o.name for o in objects), tuple(o.kind for o in objects), rgb,
                camera.points(depth).astype(np.float16), masks)
