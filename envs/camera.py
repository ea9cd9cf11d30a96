"""The fixed camera that sees the whole workspace, and projection of world points into its image."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from envs.simulation import BulletClient, pybullet  # imported there without pybullet's banner

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
        rgb, depth, _ = self.render_segmented(client)
        return rgb, depth

    def render_segmented(self, client: BulletClient) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """RGB, depth and the instance mask: the PyBullet body id seen at each pixel (int32, H x W; -1 where
        nothing is)."""
        view, projection = self._matrices()
        _, _, rgba, depth_buffer, segmentation = client.getCameraImage(
            self.width, self.height, viewMatrix=view, projectionMatrix=projection,
            renderer=pybullet.ER_TINY_RENDERER)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(self.height, self.width, 4)[:, :, :3]
        z_buffer = np.asarray(depth_buffer, dtype=np.float32).reshape(self.height, self.width, 1)
        depth = FAR * NEAR / (FAR - (FAR - NEAR) * z_buffer)
        bodies = np.asarray(segmentation, dtype=np.int32).reshape(self.height, self.width)
        return np.ascontiguousarray(rgb), depth.astype(np.float32), bodies

    def points(self, depth: np.ndarray) -> np.ndarray:
        """World coordinates (H x W x 3) of the surface seen at each pixel, from a depth image of this camera:
        what turns an RGB-D frame into geometry."""
        view, _ = self._matrices()
        v_mat = np.asarray(view, dtype=np.float64).reshape(4, 4).T
        half_h = np.tan(np.radians(FOV_DEG) / 2.0)
        half_w = half_h * self.width / self.height
        u = (np.arange(self.width) + 0.5) / self.width * 2.0 - 1.0
        v = 1.0 - (np.arange(self.height) + 0.5) / self.height * 2.0
        z = depth.reshape(self.height, self.width).astype(np.float64)
        camera = np.stack([u[None, :] * half_w * z, v[:, None] * half_h * z, -z, np.ones_like(z)], axis=-1)
        world = camera @ np.linalg.inv(v_mat).T
        return world[..., :3].astype(np.float32)

    def project(self, point: tuple[float, float, float]) -> tuple[float, float]:
        """Pixel coordinates ``(u, v)`` of a world point (u to the right, v down)."""
        view, projection = self._matrices()
        v_mat = np.asarray(view, dtype=np.float64).reshape(4, 4).T  # PyBullet matrices are column-major
        p_mat = np.asarray(projection, dtype=np.float64).reshape(4, 4).T
        clip = p_mat @ v_mat @ np.array([*point, 1.0])
        ndc = clip[:3] / clip[3]
        return (float((ndc[0] + 1.0) / 2.0 * self.width), float((1.0 - ndc[1]) / 2.0 * self.height))
