"""Render docs/img/episode.png: four frames of one seeded Hanoi episode (oracle goal, scripted skills).

Run from the repository root: ``python docs/img/render_episode.py``. The same seed gives the same picture.
"""

from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pybullet

from agent import Planner, RunConfig, load_domain, run_episode
from agent.planning.domain import domain_folder
from envs.camera import Camera
from envs.task_env import TaskEnv

SEED = 0
FRAMES = 4


class CloseUp(Camera):
    """Closer to the pegs than the env's camera (which frames the whole table for the perception network)."""

    def _matrices(self) -> tuple[list[float], list[float]]:
        view = pybullet.computeViewMatrix((0.92, 0.0, 0.4), (0.5, 0.0, 0.06), (0.0, 0.0, 1.0))
        return view, pybullet.computeProjectionMatrixFOV(55.0, self.width / self.height, 0.1, 3.0)


def main() -> None:
    env = TaskEnv("hanoi", 3)
    env.video_camera = CloseUp(320, 240)
    domain = load_domain(domain_folder("hanoi"))
    config = RunConfig(task="hanoi", size=3, goal="oracle", controller="scripted")
    env.start_recording(every=4)
    result = run_episode(env, domain, Planner(domain), config, SEED)
    frames = env.stop_recording()
    env.close()
    assert result.success, result.reason
    picks = [frames[round(i * (len(frames) - 1) / (FRAMES - 1))] for i in range(FRAMES)]
    gap = np.full((picks[0].shape[0], 6, 3), 255, dtype=np.uint8)
    strip = np.concatenate([part for f in picks for part in (f, gap)][:-1], axis=1)
    path = Path(__file__).with_name("episode.png")
    iio.imwrite(path, strip, optimize=True)
    print(f"{path}: {strip.shape[1]}x{strip.shape[0]}, {path.stat().st_size} bytes, {len(frames)} frames recorded")


if __name__ == "__main__":
    main()
