"""The fixed camera that sees the whole workspace, and projection of world points into its image."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pybullet
from pybullet_utils.bullet_client import BulletClient

# In front of the table, looking back at the robot: +y is the right of the image.
EYE = (0.95, 0.0, 0.85)
TARGET = (0.5, 0.0, 0.0)
UP = (0.0, 0.0, 1.0)
FOV_DEG = 52.0
NEAR, FAR = 0.1, 3.0


@dataclass(frozen=True)
class Camera:
    """A pinhole camera at a fixed pose; ``width`` x ``height`` pixels."""

    width: int
    height: int

    def _matrices(self) -> tuple[list[float], list[float]]:
        view = pybullet.computeViewMatrix(EYE, TARGET, UP)
        projection = pybullet.computeProjectionMatrixFOV(FOV_DEG, self.width / self.height, NEAR, FAR)
        return view, projection

    def render(self, client: BulletClient) -> tuple[np.ndarray, np.ndarray]:
        """RGB (uint8, H x W x 3) and depth in metres (float32, H x W x 1)."""
        view, projection = self._matrices()
        _, _, rgba, depth_buffer, _ = client.getCameraImage(
            self.width, self.height, viewMatrix=view, projectionMatrix=projection,
            renderer=pybullet.ER_TINY_RENDERER)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(self.height, self.width, 4)[:, :, :3]
        z_buffer = np.asarray(depth_buffer, dtype=np.float32).reshape(self.height, self.width, 1)
        depth = FAR * NEAR / (FAR - (FAR - NEAR) * z_buffer)
        return np.ascontiguousarray(rgb), depth.astype(np.float32)

    def project(self, point: tuple[float, float, float]) -> tuple[float, float]:
        """Pixel coordinates ``(u, v)`` of a world point (u to the right, v down)."""
        view, projection = self._matrices()
        v_mat = np.asarray(view, dtype=np.float64).reshape(4, 4).T  # PyBullet matrices are column-major
        p_mat = np.asarray(projection, dtype=np.float64).reshape(4, 4).T
        clip = p_mat @ v_mat @ np.array([*point, 1.0])
        ndc = clip[:3] / clip[3]
        return (float((ndc[0] + 1.0) / 2.0 * self.width), float((1.0 - ndc[1]) / 2.0 * self.height))
