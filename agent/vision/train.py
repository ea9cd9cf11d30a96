"""``nesy train segmenter``: render (or reuse) labelled scenes, train the segmenter from scratch, learn the
colour palette, evaluate every split, and write the checkpoint atomically.

Labels come from PyBullet's segmentation buffer and poses (training only). Training reads random 48 x 48
crops, most of them around an object, mirrored left-right half the time: the camera looks along the world's
x axis from y = 0, so a mirrored frame is the frame of the scene reflected in y (points and offsets flip
their y with it).
"""

from __future__ import annotations

import io
import json
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from agent.vision.data import SceneSet, load_or_generate
from agent.vision.network import UNIT, NetConfig, SegNet, net_input
from agent.vision.segmenter import CHECKPOINT, CHECKPOINT_FORMAT, Segmenter
from policies.artifacts import write_atomic

SCENES = {"train": 1500, "validation": 150}
CROP = 48
BATCH = 16
#: top-face pixels: within this much (m) of the highest point of the object's mask
TOP_BAND = 0.006
#: cross-entropy weight per class (background, movable, bin, peg): with equal weights a cube's pixels inside
#: a bin of its own colour, or a wide disc's, were often read as the bin's (validation split)
CLASS_WEIGHTS = (1.0, 3.0, 1.0, 3.0)


class Targets:
    """Network inputs and per-pixel targets of a scene set, cropped on demand."""

    def __init__(self, data: SceneSet) -> None:
        size = data.rgb.shape[1]
        from envs.camera import Camera

        camera = Camera(size, size)
        self.points = np.stack([camera.points(d) for d in data.depth]).astype(np.float32)
        self.rgb = data.rgb
        self.instances = data.instances.astype(np.int64)
        n = max(len(m["objects"]) for m in data.meta)
        self.cls = np.zeros((len(data), n + 1), dtype=np.int64)  # the last slot stands for background
        self.centre = np.zeros((len(data), n + 1, 3), dtype=np.float32)
        self.half = np.zeros((len(data), n + 1, 2), dtype=np.float32)
        for s, m in enumerate(data.meta):
            for k, o in enumerate(m["objects"]):
                self.cls[s, k], self.centre[s, k], self.half[s, k] = o["cls"], o["centre"], o["half"]
        self.objects = [np.argwhere(inst >= 0) for inst in data.instances]

    def batch(self, rng: np.random.Generator, size: int) -> tuple[torch.Tensor, ...]:
        h = self.rgb.shape[1]
        scenes = rng.integers(0, len(self.rgb), size)
        xs, cls, offsets, halves = [], [], [], []
        for s in scenes:
            pixels = self.objects[s]
            if len(pixels) and rng.random() < 0.8:
                v, u = pixels[rng.integers(0, len(pixels))] + rng.integers(-CROP // 3, CROP // 3 + 1, 2)
            else:
                v, u = rng.integers(0, h, 2)
            v0, u0 = int(np.clip(v - CROP // 2, 0, h - CROP)), int(np.clip(u - CROP // 2, 0, h - CROP))
            window = (slice(v0, v0 + CROP), slice(u0, u0 + CROP))
            inst = self.instances[s][window]
            slot = np.where(inst >= 0, inst, self.cls.shape[1] - 1)
            points = self.points[s][window].copy()
            rgb = self.rgb[s][window]
            offset = self.centre[s][slot] - points
            half = self.half[s][slot]
            if rng.random() < 0.5:
                rgb, points, offset, half, slot = (a[:, ::-1] for a in (rgb, points, offset, half, slot))
                points = points * np.float32([1, -1, 1])
                offset = offset * np.float32([1, -1, 1])
            xs.append(net_input(rgb[None], points[None])[0])
            cls.append(self.cls[s][slot])
            offsets.append(offset.transpose(2, 0, 1) / UNIT)
            halves.append(half.transpose(2, 0, 1) / UNIT)
        return tuple(torch.from_numpy(np.ascontiguousarray(np.stack(a))) for a in (xs, cls, offsets, halves))


def loss_of(out: torch.Tensor, cls: torch.Tensor, offsets: torch.Tensor, halves: torch.Tensor) -> torch.Tensor:
    objects = (cls > 0).unsqueeze(1).float()
    denominator = objects.sum().clamp(min=1.0)
    regression = (F.smooth_l1_loss(out[:, 4:7], offsets.float(), beta=0.05, reduction="none") * objects).sum()
    size = (F.smooth_l1_loss(out[:, 7:9], halves.float(), beta=0.05, reduction="none") * objects).sum()
    weights = torch.tensor(CLASS_WEIGHTS, dtype=out.dtype)
    return F.cross_entropy(out[:, :4], cls, weight=weights) + (2.0 * regression + size) / denominator


def learn_palette(data: SceneSet) -> dict[str, tuple[float, float, float]]:
    """Each colour name's mean top-face colour over the training scenes' objects: the named palette colours
    are read against (what a colour looks like under this light, not what the simulator was told)."""
    from envs.camera import Camera

    size = data.rgb.shape[1]
    camera = Camera(size, size)
    samples: dict[str, list[np.ndarray]] = {}
    for s, meta in enumerate(data.meta):
        z = camera.points(data.depth[s])[..., 2]
        for k, obj in enumerate(meta["objects"]):
            mask = data.instances[s] == k
            if mask.sum() < 4:
                continue
            top = mask & (z >= z[mask].max() - TOP_BAND)
            samples.setdefault(obj["color"], []).append(np.median(data.rgb[s][top].astype(float), axis=0))
    return {name: tuple(float(v) for v in np.mean(rows, axis=0)) for name, rows in sorted(samples.items())}


def train(steps: int = 1500, seed: int = 0, out: str | None = None, progress: bool = True) -> dict[str, Any]:
    """Train from scratch on one torch thread and write the checkpoint (default: the shipped path)."""
    from tqdm import tqdm

    from agent.vision.evaluate import evaluate_split

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    started, cpu0 = time.time(), time.process_time()
    data = {split: load_or_generate(split, n, progress=progress) for split, n in SCENES.items()}
    data_seconds = time.time() - started
    targets = Targets(data["train"])
    net = SegNet(NetConfig())
    optimiser = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, total_steps=steps, pct_start=0.1)
    net.train()
    bar = tqdm(range(steps), desc="training segmenter", unit="step", disable=not progress)
    for _ in bar:
        x, cls, offsets, halves = targets.batch(rng, BATCH)
        loss = loss_of(net(x), cls, offsets, halves)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        bar.set_postfix(loss=f"{loss.item():.3f}")
    net.eval()
    segmenter = Segmenter(net, learn_palette(data["train"]), {})
    metrics = {"validation": evaluate_split(segmenter, data["validation"])}
    meta = {"steps": steps, "seed": seed, "batch": BATCH, "crop": CROP, "scenes": SCENES,
            "data_seconds": data_seconds, "wall_seconds": time.time() - started,
            "cpu_seconds": time.process_time() - cpu0 + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime,
            "metrics": metrics, "command": f"nesy train segmenter --steps {steps} --seed {seed}"}
    segmenter.meta = meta
    path = Path(out) if out else CHECKPOINT
    buffer = io.BytesIO()
    torch.save({"format": CHECKPOINT_FORMAT, "config": net.describe(), "weights": net.state_dict(),
                "palette": segmenter.palette, "meta": meta}, buffer)
    write_atomic(path, buffer.getvalue())
    meta["checkpoint"] = str(path)
    write_atomic(path.with_suffix(".json"), json.dumps(meta, indent=2) + "\n")
    return meta
