"""A run directory: the resolved config, one JSON line per episode, the summary and videos.

Files are written to a temporary name and renamed, so an interrupted run never leaves a half-written
summary or config behind; episodes are appended one complete line at a time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from envs.errors import ConfigError
from policies.artifacts import RUNS_ROOT, new_run_folder, write_atomic


class RunDir:
    """The folder one ``nesy run`` writes into."""

    def __init__(self, path: Path, created: Path | None = None) -> None:
        self.path = path
        #: the outermost folder this run made (``path`` or a parent of it), if it made one
        self.created = created

    @classmethod
    def create(cls, out: str | None, label: str) -> RunDir:
        """``out`` if given (it must not hold an earlier run), else ``runs/<time>-<label>``."""
        missing = _outermost_missing(Path(out) if out is not None else RUNS_ROOT)
        path, created = new_run_folder(out, label)
        return cls(path, (missing or path) if created else None)

    @classmethod
    def open(cls, path: Path, flag: str) -> RunDir:
        """An existing run directory (given as ``flag``), to add episodes to."""
        if not (path / "config.yaml").is_file():
            raise ConfigError(f"{flag}: {path} is not a run directory (no config.yaml)")
        return cls(path)

    def episodes(self, seeds: list[int]) -> list[dict[str, Any]]:
        """The records of ``episodes.jsonl``, which must be of ``seeds`` in order. A last line cut short (the
        process was killed while writing it) is dropped from the file: its episode runs again."""
        path = self.path / "episodes.jsonl"
        if not path.is_file():
            return []
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines.pop()
            write_atomic(path, "".join(lines))
        records = []
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
                seed = record["seed"]
            except (json.JSONDecodeError, TypeError, KeyError):
                raise ConfigError(f"{path}:{number}: not an episode record") from None
            if number > len(seeds) or seed != seeds[number - 1]:
                raise ConfigError(f"{path}:{number}: episode of seed {seed}, but the config's seeds are "
                                  f"{seeds[0]} to {seeds[-1]} in order")
            records.append(record)
        return records

    def discard(self) -> None:
        """Remove what this run wrote before any episode ran, and the folders this run made."""
        (self.path / "config.yaml").unlink(missing_ok=True)
        folder = self.path
        while self.created is not None and not any(folder.iterdir()):
            folder.rmdir()
            if folder == self.created:
                break
            folder = folder.parent

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


def _outermost_missing(path: Path) -> Path | None:
    """The outermost of ``path`` and its parents that does not exist yet (None if ``path`` exists)."""
    if path.exists():
        return None
    while not path.parent.exists():
        path = path.parent
    return path
