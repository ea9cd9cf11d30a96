"""What a camera-mode agent receives: one RGB-D frame, the camera's calibration and the robot's own joints.

The boundary itself lives in ``envs.camera_frame`` (the environment produces it, ``TaskEnv.camera_frame``);
it is named here too so that vision code reads it from its own package.
"""

from __future__ import annotations

from envs.camera_frame import FRAME_SIZE, Frame, Gripper

__all__ = ["FRAME_SIZE", "Frame", "Gripper", "capture"]


def capture(env, size: int = FRAME_SIZE) -> Frame:
    """Render ``env``'s fixed camera and read the robot's joints: all a camera-mode agent gets."""
    return env.camera_frame(size)
