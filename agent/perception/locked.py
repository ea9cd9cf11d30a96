"""Reading the locked perception splits: how a checkpoint does on scenes no recipe was ever chosen on.

``nesy train perception`` evaluates ``test``, the held-out splits and ``larger``, and those figures chose
every recipe so far. ``locked-test`` and ``locked-larger`` (``agent.perception.dataset.LOCKED_SPLITS``) are
drawn the same way from a locked seed range (``policies/seeds.py``); only experiments read them
(``experiments/perception-locked.yaml``), and training never does.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from agent.perception.dataset import LOCKED_SPLITS, load_or_generate
from envs.errors import ConfigError


def checkpoint_identity(checkpoint: str | None) -> dict[str, str]:
    """Which checkpoint a figure is of: its path (``shipped`` for the default) and its content's hash, so a
    record of an older checkpoint is never shown as this one's."""
    from agent.perception.predictor import SHIPPED_CHECKPOINT

    path = Path(checkpoint) if checkpoint else SHIPPED_CHECKPOINT
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError as exc:
        raise ConfigError(f"checkpoint: cannot read {path}: {exc.strerror}") from None
    return {"checkpoint": checkpoint or "shipped", "checkpoint_sha256": digest}


def evaluate_locked_split(split: str, scenes: int, checkpoint: str | None = None, device: str = "auto",
                          workers: int = 1, progress: bool = True, cache: Path | None = None) -> dict[str, Any]:
    """Exact-match accuracy of ``checkpoint`` (default: the shipped one) on ``scenes`` scenes of the locked
    ``split``, overall, by task and by category, and with the image blanked."""
    from agent.perception.predictor import GoalReader
    from agent.perception.train import DATA_CACHE, evaluate

    if split not in LOCKED_SPLITS:
        raise ConfigError(f"split: {split!r} is not a locked split ({', '.join(LOCKED_SPLITS)})")
    reader = GoalReader(checkpoint, device)
    dataset = load_or_generate(split, scenes, cache or DATA_CACHE, workers, progress)
    reader.encoder.encode((e["instruction"] for e in dataset.examples), progress=progress)
    result = evaluate(reader.model, reader.encoder, dataset, reader.device)
    blanked = evaluate(reader.model, reader.encoder, dataset, reader.device, blank=True)
    return {"split": split, "scenes": scenes, **checkpoint_identity(checkpoint), **result,
            "blanked": {"accuracy": blanked["accuracy"], "examples": blanked["examples"]}}
