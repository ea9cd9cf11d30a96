"""A run directory: the resolved config, one JSON line per episode, the summary and videos.

Files are written to a temporary name and renamed, so an interrupted run never leaves a half-written
summary or config behind; episodes are appended one complete line at a time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from policies.artifacts import new_run_folder, write_atomic


class RunDir:
    """The folder one ``nesy run`` writes into."""

    def __init__(self, path: Path, created: bool = False) -> None:
        self.path = path
        self.created = created

    @classmethod
    def create(cls, out: str | None, label: str) -> RunDir:
        """``out`` if given (it must not hold an earlier run), else ``runs/<time>-<label>``."""
        path, created = new_run_folder(out, label)
        return cls(path, created)

    def discard(self) -> None:
        """Remove what this run wrote before any episode ran, and the folder if this run made it."""
        (self.path / "config.yaml").unlink(missing_ok=True)
        if self.created and not any(self.path.iterdir()):
            self.path.rmdir()

    def write_config(self, config: dict[str, Any]) -> None:
        write_atomic(self.path / "config.yaml", yaml.safe_dump(config, sort_keys=True))

    def append_episode(self, record: dict[str, Any]) -> None:
        with open(self.path / "episodes.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")

    def write_summary(self, summary: dict[str, Any]) -> None:
        write_atomic(self.path / "summary.json", json.dumps(summary, indent=2, sort_keys=True) + "\n")

    def write_video(self, seed: int, fmt: str, video: bytes) -> Path:
        """Write the encoded ``fmt`` video of the episode of ``seed`` as ``videos/episode-seed<seed>.<fmt>``."""
        path = self.path / "videos" / f"episode-seed{seed}.{fmt}"
        write_atomic(path, video)
        return path
