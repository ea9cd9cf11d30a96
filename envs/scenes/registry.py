"""Each task's scene class, and the checks that need them."""

from __future__ import annotations

from envs.errors import ConfigError
from envs.scenes import TASKS
from envs.scenes.base import Scene
from envs.scenes.blocks import BlocksScene
from envs.scenes.hanoi import HanoiScene
from envs.scenes.sort import SortScene

SCENES: dict[str, type[Scene]] = {cls.name: cls for cls in (HanoiScene, BlocksScene, SortScene)}
assert tuple(SCENES) == TASKS, "envs.scenes.TASKS names the tasks of SCENES, in order"


def check_size(task: str, size: int) -> None:
    """Refuse a number of objects the task's scene cannot build."""
    low, high = SCENES[task].sizes
    if not low <= size <= high:
        raise ConfigError(f"--size: {task} supports sizes {low} to {high}, got {size}")
