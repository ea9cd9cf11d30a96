"""Rendered, labelled scenes of a split, stacked into arrays and cached under ``runs/vision/data``.

The cache key includes the source of the code that draws, builds and renders scenes, so editing any of it
regenerates the data rather than reusing stale labels.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

import envs
from agent.vision import frames, scenes
from agent.vision.frames import Frame, Gripper
from agent.vision.scenes import Labelled, Truth
from envs.camera import Camera

DATA_CACHE = Path("runs") / "vision" / "data"


@dataclass
class SceneSet:
    """Frames of one split with their labels."""

    split: str
    rgb: np.ndarray  # S x H x W x 3 uint8
    depth: np.ndarray  # S x H x W float32
    instances: np.ndarray  # S x H x W int8
    meta: list[dict[str, Any]]  # per scene: info, objects (Truth fields), state, gripper

    def __len__(self) -> int:
        return len(self.meta)

    def labelled(self, index: int) -> Labelled:
        m = self.meta[index]
        size = self.rgb.shape[1]
        gripper = Gripper(**m["gripper"]) if m["gripper"] else None
        frame = Frame(self.rgb[index], self.depth[index], Camera(size, size), gripper)
        objects = [Truth(**{**o, "centre": tuple(o["centre"]), "half": tuple(o["half"])}) for o in m["objects"]]
        return Labelled(frame, self.instances[index], objects, m["state"], m["info"])

    def save(self, path: Path) -> None:
        tmp = path.with_name(f".{path.name}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        np.savez(tmp / "arrays.npz", rgb=self.rgb, depth=self.depth, instances=self.instances)
        (tmp / "meta.json").write_text(json.dumps({"split": self.split, "meta": self.meta}))
        shutil.rmtree(path, ignore_errors=True)
        tmp.rename(path)

    @classmethod
    def load(cls, path: Path) -> SceneSet:
        arrays = np.load(path / "arrays.npz")
        meta = json.loads((path / "meta.json").read_text())
        return cls(meta["split"], arrays["rgb"], arrays["depth"], arrays["instances"], meta["meta"])


def _source_hash() -> str:
    digest = hashlib.sha256()
    sources = [Path(m.__file__) for m in (scenes, frames)] + sorted(Path(envs.__file__).parent.rglob("*.py"))
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:10]


def generate(split: str, count: int, progress: bool = True) -> SceneSet:
    from tqdm import tqdm

    rgb, depth, instances, meta = [], [], [], []
    for index in tqdm(range(count), desc=f"rendering {split}", unit="scene", disable=not progress, file=sys.stderr):
        item = scenes.labelled_scene(split, index)
        rgb.append(item.frame.rgb)
        depth.append(item.frame.depth)
        instances.append(item.instances)
        meta.append({"info": item.info, "objects": [asdict(o) for o in item.objects], "state": item.state,
                     "gripper": asdict(item.frame.gripper) if item.frame.gripper else None})
    return SceneSet(split, np.stack(rgb), np.stack(depth).astype(np.float32), np.stack(instances), meta)


def load_or_generate(split: str, count: int, cache: Path = DATA_CACHE, progress: bool = True) -> SceneSet:
    path = cache / f"{split}-{count}-{_source_hash()}"
    if (path / "meta.json").exists():
        return SceneSet.load(path)
    data = generate(split, count, progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    data.save(path)
    return data
