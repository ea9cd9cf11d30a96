"""The trained instance segmenter: an RGB-D frame and its calibration in, instances out.

``Segmenter.load`` reads a checkpoint written by ``nesy train segmenter``; ``segment`` runs the network on
one frame (one torch thread: the agent runs many episodes in parallel) and groups its votes.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agent.vision.frames import FRAME_SIZE, Frame
from agent.vision.grouping import Instance, group
from agent.vision.network import UNIT, NetConfig, SegNet, net_input
from envs.errors import ConfigError

CHECKPOINT = Path(__file__).with_name("segmenter.pt")
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
        path = Path(path) if path is not None else CHECKPOINT
        if not path.is_file():
            raise ConfigError(f"{path}: no segmenter checkpoint there (train one with: nesy train segmenter)")
        try:
            blob = torch.load(path, map_location="cpu", weights_only=False)
            net = SegNet(NetConfig(**{k: tuple(v) for k, v in blob["config"].items()}))
            net.load_state_dict(blob["weights"])
            palette = {k: tuple(v) for k, v in blob["palette"].items()}
        except (KeyError, TypeError, AttributeError, RuntimeError, EOFError, ValueError,
                pickle.UnpicklingError) as exc:
            raise ConfigError(f"{path}: not a segmenter checkpoint ({type(exc).__name__}: {exc})") from None
        return cls(net, palette, blob.get("meta", {}))

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
