"""A run directory: the resolved config, one JSON line per episode, the summary and videos.

Files are written to a temporary name and renamed, so an interrupted run never leaves a half-written
summary or config behind; episodes are appended one complete line at a time.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from envs.errors import ConfigError

RUNS_ROOT = Path("runs")


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes private files; these are ordinary outputs
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class RunDir:
    """The folder one ``nesy run`` writes into."""

    def __init__(self, path: Path, created: bool = False) -> None:
        self.path = path
        self.created = created

    @classmethod
    def create(cls, out: str | None, label: str) -> RunDir:
        """``out`` if given (it must not hold an earlier run), else ``runs/<time>-<label>``."""
        if out is not None:
            path = Path(out)
            if (path / "episodes.jsonl").exists():
                raise ConfigError(f"--out: {path} already holds a run; choose another folder")
        else:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            path = RUNS_ROOT / f"{stamp}-{label}"
            suffix = 1
            while path.exists():
                suffix += 1
                path = RUNS_ROOT / f"{stamp}-{label}-{suffix}"
        created = not path.exists()
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"--out: cannot create {path}: {exc.strerror}") from exc
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
