"""The trained instance segmenter: an RGB-D frame and its calibration in, instances out.

``Segmenter.load`` reads a checkpoint written by ``nesy train segmenter``; ``segment`` runs the network on
one frame (one torch thread: the agent runs many episodes in parallel) and groups its votes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from agent.vision.frames import FRAME_SIZE, Frame
from agent.vision.grouping import Instance, group
from agent.vision.network import UNIT, NetConfig, SegNet, net_input
from envs.errors import CheckpointError, ConfigError
from policies.checkpoint_files import check_config, check_format, entry, load_torch, load_weights, one_line

CHECKPOINT = Path(__file__).with_name("segmenter.pt")
KIND = "a segmenter checkpoint"
#: the layout of the checkpoint ``nesy train segmenter`` writes; a loader refuses any other (the shipped file
#: predates the field and is format 1)
CHECKPOINT_FORMAT = 1
#: the classes (see ``agent.vision.scenes.CLASSES``) each task's scenes can hold
TASK_CLASSES = {"blocks": (0, 1), "hanoi": (0, 1, 3), "sort": (0, 1, 2)}


class Segmenter:
    """The network and the colour palette learnt with it."""

    def __init__(self, net: SegNet, palette: dict[str, tuple[float, float, float]], meta: dict[str, Any]) -> None:
        self.net = net.eval()
        self.palette = palette
        self.meta = meta

    @classmethod
    def load(cls, path: Path | str | None = None) -> Segmenter:
        """The segmenter in ``path`` (default: the shipped one); a missing, damaged or foreign file, or weights
        that do not fit the network its config describes, is one ``CheckpointError`` line naming the file."""
        path = Path(path) if path is not None else CHECKPOINT
        saved = load_torch(path, KIND, "train one with: nesy train segmenter")
        check_format(path, saved, CHECKPOINT_FORMAT, "nesy train segmenter")
        weights = entry(path, saved, "weights", KIND)
        config = entry(path, saved, "config", KIND)
        palette = entry(path, saved, "palette", KIND)
        meta = entry(path, saved, "meta", KIND) if "meta" in saved else {}
        check_config(path, config, NetConfig)
        try:
            net = SegNet(NetConfig(**{k: tuple(v) for k, v in config.items()}))
        except (TypeError, ValueError, RuntimeError) as exc:
            raise CheckpointError(f"{path}: its config cannot build the segmenter ({one_line(exc)})") from None
        load_weights(path, net, weights)
        return cls(net, _colours(path, palette), meta)

    def outputs(self, frame: Frame, task: str | None = None, points: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per-pixel classes, centre votes (m), sizes (m), and the frame's world points (``points`` when the
        caller has them already). ``task`` restricts the classes to those its scenes hold (the user names
        the task; nothing about the scene is read from the simulator): a wide disc is never a bin."""
        if frame.camera.width != FRAME_SIZE or frame.camera.height != FRAME_SIZE:
            raise ConfigError(f"frame: the segmenter reads {FRAME_SIZE} x {FRAME_SIZE} frames, got "
                              f"{frame.camera.width} x {frame.camera.height}")
        points = frame.points() if points is None else points
        x = torch.from_numpy(net_input(frame.rgb[None], points[None]))
        with torch.inference_mode():
            out = self.net(x)[0].numpy()
        logits = out[:4]
        if task is not None:
            if task not in TASK_CLASSES:
                raise ConfigError(f"task {task!r}: the segmenter knows {', '.join(sorted(TASK_CLASSES))}")
            logits = np.where(np.isin(np.arange(4), TASK_CLASSES[task])[:, None, None], logits, -np.inf)
        classes = logits.argmax(0)
        votes = points + out[4:7].transpose(1, 2, 0) * UNIT
        sizes = np.maximum(out[7:9].transpose(1, 2, 0) * UNIT, 0.0)
        return classes, votes, sizes, points

    def segment(self, frame: Frame, task: str | None = None) -> list[Instance]:
        classes, votes, sizes, _ = self.outputs(frame, task)
        return group(classes, votes, sizes, frame.rgb)


def _colours(path: Path, palette: dict[Any, Any]) -> dict[str, tuple[float, float, float]]:
    """A checkpoint's palette: colour name -> RGB, checked."""
    colours = {}
    for name, rgb in palette.items():
        if not isinstance(name, str) or not isinstance(rgb, list | tuple) or len(rgb) != 3 \
                or not all(isinstance(c, int | float) for c in rgb):
            raise CheckpointError(f"{path}: palette entry {name!r} is not a colour name and three numbers")
        colours[name] = (float(rgb[0]), float(rgb[1]), float(rgb[2]))
    return colours
