"""What a camera-mode agent receives from the world: one RGB-D frame, the camera's calibration and the robot's
own gripper state. This is the whole boundary between the simulator and a camera-mode agent.

``TaskEnv.camera_frame()`` is the only producer. Nothing else of the simulator crosses: no segmentation
buffer, no body ids, no names, no poses, no object attributes, no contacts. The gripper state is
proprioception (the robot knows its own joints), which is how ``holding`` is read and how a skill knows
where its hand is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from envs.camera import Camera

#: pixels of the square frame the segmenter reads (the goal network's views have the same size and pose)
FRAME_SIZE = 128


@dataclass(frozen=True)
class Gripper:
    """The hand as the robot's joints report it."""

    position: tuple[float, float, float]  # the point between the finger pads, world metres
    width: float  # measured distance between the fingers
    opening: float  # commanded opening


@dataclass(frozen=True)
class Frame:
    """An RGB-D frame of the fixed camera. ``camera`` is the calibration (intrinsics and pose)."""

    rgb: np.ndarray  # uint8 H x W x 3
    depth: np.ndarray  # float32 H x W, metres along the optical axis
    camera: Camera
    gripper: Gripper | None = None

    def __post_init__(self) -> None:
        h, w = self.camera.height, self.camera.width
        if self.rgb.shape != (h, w, 3) or self.depth.shape[:2] != (h, w):
            raise ValueError(f"frame: rgb {self.rgb.shape} and depth {self.depth.shape} do not match the "
                             f"camera's {w} x {h} pixels")

    def points(self) -> np.ndarray:
        """World coordinates (H x W x 3) of the surface seen at each pixel: depth through the calibration."""
        return self.camera.points(self.depth)
