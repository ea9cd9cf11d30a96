"""How far a sentence is from the instructions GoalNet learned to read: its out-of-distribution score.

GoalNet turns any text into some goal, often at high probability ("do nothing" came out as "move the tower
to the middle" at p = 1.00), so its own probabilities cannot say that a sentence is no instruction. The
sentence model can: the score of a sentence is the mean cosine similarity of its MiniLM sentence vector to
its ``NEIGHBOURS`` nearest vectors among instructions the training generator writes (``BANK_SCENES`` scenes
of the ``train`` split). A sentence scoring below the threshold is no instruction for this reader.

The threshold is calibrated, not chosen: it is the ``VALID_QUANTILE`` quantile of the scores of generated
instructions the bank never saw (the ``test`` and ``held-out-templates`` splits, whose templates are not in
the bank), less ``THRESHOLD_SLACK``. ``python -m agent.perception.novelty`` writes the bank and the threshold
to ``goalnet.novelty.npz`` beside the shipped checkpoint, with what the threshold refuses of the
validation instructions and of generated non-instructions (``agent.perception.non_instructions``). The
statistics depend on the generator and the sentence model only, so a checkpoint without its own uses these.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agent.perception.dataset import SPLITS
from agent.perception.instructions import draw_examples
from agent.perception.language import Example, Facts
from agent.perception.text import TextEncoder
from envs.errors import ConfigError
from policies.artifacts import atomic_path

BANK_SCENES = 300
CALIBRATION_SCENES = {"test": 150, "held-out-templates": 150}
NEIGHBOURS = 3
#: share of the validation instructions the threshold may refuse before the slack is taken off
VALID_QUANTILE = 0.002
#: how far below that quantile the threshold sits, so that a wording a little further out is still read
THRESHOLD_SLACK = 0.02


def novelty_path(checkpoint: Path) -> Path:
    """Where a checkpoint's novelty statistics live: beside it, ``<stem>.novelty.npz``."""
    return checkpoint.with_name(f"{checkpoint.stem}.novelty.npz")


@dataclass(frozen=True)
class Novelty:
    """The reference sentence vectors (unit length) and the least score an instruction may have."""

    bank: np.ndarray  # R x 384, unit rows (float16 on disk, float32 in memory)
    threshold: float

    @classmethod
    def load(cls, path: Path) -> Novelty:
        if not path.is_file():
            raise ConfigError(f"{path}: no novelty statistics beside the checkpoint "
                              "(write them with: python -m agent.perception.novelty)")
        with np.load(path) as saved:
            return cls(saved["bank"].astype(np.float32), float(saved["threshold"]))

    def scores(self, encoder: TextEncoder, texts: Sequence[str]) -> np.ndarray:
        """Each text's mean cosine similarity to its ``NEIGHBOURS`` nearest reference instructions."""
        vectors = _unit(encoder.sentences(list(texts)))
        similarity = vectors @ self.bank.T
        nearest = -np.partition(-similarity, NEIGHBOURS - 1, axis=1)[:, :NEIGHBOURS]
        return nearest.mean(axis=1)

    def score(self, encoder: TextEncoder, text: str) -> float:
        return float(self.scores(encoder, [text])[0])


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def split_examples(split: str, scenes: int,
                   envs: dict[tuple, Any]) -> Iterator[tuple[tuple, int, Any, list[Example]]]:
    """``(key, seed, env, examples)`` for each of the first ``scenes`` scenes of ``split``: the generator's
    examples for the scene and its env, reset to it. Envs are made once per task, size and drawn options and
    kept in ``envs`` under ``key`` for the caller to reuse and close. No rendering: the generator reads the
    scene's ground truth."""
    from envs.task_env import TaskEnv

    spec = SPLITS[split]
    for index in range(scenes):
        task, size, seed, drawn = spec.scene(index)
        options: dict[str, Any] = dict(drawn)
        key = (task, size, tuple(sorted(options.items())))
        if key not in envs:
            envs[key] = TaskEnv(task, size, image_size=16, **options)
        envs[key].reset(seed=seed)
        yield key, seed, envs[key], draw_examples(Facts.of(envs[key]), random.Random(seed), spec.per_scene,
                                                  spec.templates, spec.colours)


def split_instructions(split: str, scenes: int) -> list[str]:
    """The instructions the generator writes for the first ``scenes`` scenes of ``split``."""
    envs: dict[tuple, Any] = {}
    try:
        return [e.instruction for *_, examples in split_examples(split, scenes, envs) for e in examples]
    finally:
        for env in envs.values():
            env.close()


def fit(encoder: TextEncoder, bank_texts: Sequence[str], valid_texts: Sequence[str],
        negatives: Mapping[str, Sequence[str]]) -> tuple[Novelty, dict[str, Any]]:
    """The statistics of ``bank_texts`` with a threshold calibrated on ``valid_texts``, and a report of what
    that threshold refuses of the valid texts and of each kind of ``negatives``."""
    unique = sorted(set(bank_texts))
    encoder.encode(unique)
    bank = _unit(encoder.sentences(unique)).astype(np.float16).astype(np.float32)
    provisional = Novelty(bank, 0.0)
    valid = provisional.scores(encoder, valid_texts)
    threshold = float(np.quantile(valid, VALID_QUANTILE)) - THRESHOLD_SLACK
    novelty = Novelty(bank, threshold)
    report: dict[str, Any] = {
        "bank": len(unique), "threshold": round(threshold, 4),
        "valid": {"texts": len(valid_texts), "refused": float(np.mean(valid < threshold)),
                  "score_min": round(float(valid.min()), 4), "score_median": round(float(np.median(valid)), 4)},
    }
    for kind, texts in negatives.items():
        scores = novelty.scores(encoder, texts)
        report[kind] = {"texts": len(texts), "refused": float(np.mean(scores < threshold)),
                        "score_median": round(float(np.median(scores)), 4)}
    return novelty, report


def save(novelty: Novelty, path: Path) -> None:
    with atomic_path(path) as tmp, tmp.open("wb") as handle:
        np.savez(handle, bank=novelty.bank.astype(np.float16), threshold=np.float32(novelty.threshold))


def main(argv: Sequence[str] | None = None) -> None:
    from agent.perception.non_instructions import non_instructions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=str(Path(__file__).with_name("goalnet.pt")),
                        help="write the statistics beside it (default: the shipped goalnet.pt)")
    args = parser.parse_args(argv)
    bank = split_instructions("train", BANK_SCENES)
    valid = [t for split, n in CALIBRATION_SCENES.items() for t in split_instructions(split, n)]
    encoder = TextEncoder()
    novelty, report = fit(encoder, bank, valid, non_instructions(valid, seed=0))
    path = novelty_path(Path(args.checkpoint))
    save(novelty, path)
    json.dump(report, sys.stdout, indent=2)
    print(f"\nnovelty statistics: {path}")


if __name__ == "__main__":
    main()
