"""Task scenes. A new task is a new module here plus a domain folder in ``domains/``."""

from envs.scenes.base import Scene, SceneObject
from envs.scenes.blocks import BlocksScene
from envs.scenes.hanoi import HanoiScene
from envs.scenes.sort import SortScene

SCENES: dict[str, type[Scene]] = {cls.name: cls for cls in (HanoiScene, BlocksScene, SortScene)}

__all__ = ["SCENES", "Scene", "SceneObject"]
