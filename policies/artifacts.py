"""What a training or a run leaves on disk: written atomically, in a fresh folder, with its provenance.

One module for every layer that writes results (``policies`` trains controllers; ``agent`` trains the perception
network, runs episodes and writes reports), so that every file is replaced in one rename (an interrupted
process never leaves a half-written checkpoint, summary or dataset that a later run would mistake for a whole
one) and every checkpoint records the same commit and CPU time.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from envs.errors import ConfigError

#: where a run's folder goes when no ``--out`` is given
RUNS_ROOT = Path("runs")
#: the repository the code runs from (for its commit)
REPOSITORY = Path(__file__).resolve().parent.parent


@contextmanager
def atomic_path(path: Path, directory: bool = False) -> Iterator[Path]:
    """A temporary sibling of ``path`` (a file, or with ``directory`` an empty folder) to write into; when the
    block ends without an exception it replaces ``path`` in one rename, otherwise it is removed. The temporary
    name keeps ``path``'s suffix, for writers that add one when it is missing (SB3's ``save`` adds ``.zip``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if directory:
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    else:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
        os.close(fd)
        tmp = Path(name)
    try:
        yield tmp
        # mkstemp and mkdtemp make private entries; these are ordinary outputs
        os.chmod(tmp, (0o777 if directory else 0o666) & ~_umask())
        if directory and path.is_dir():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        raise


def check_output(path: str | Path, flag: str, folder: bool = False) -> Path:
    """``path`` as a ``Path`` once it is known that a file (with ``folder``, a folder) can be written there:
    nothing of another kind in its place, and its nearest existing folder writable (missing folders are made
    when written). Commands call it before any work, so a typo in ``--json`` or ``--out`` costs one line and
    exit 2, not the results of an hour. Writability is tried with a probe file, not ``os.access``: root passes
    ``os.access`` on a read-only file system."""
    target = Path(path)
    kind, other = ("folder", "file") if folder else ("file", "folder")
    if "\0" in str(target) or not str(path).strip():
        raise ConfigError(f"{flag}: not a usable path: {str(path)!r}")
    try:
        if target.exists() and target.is_dir() != folder:
            raise ConfigError(f"{flag}: {target} is a {other}, not a {kind}")
        existing = target if folder and target.is_dir() else target.parent
        while not existing.exists():
            existing = existing.parent
        if not existing.is_dir():
            raise ConfigError(f"{flag}: cannot write {target}: {existing} is a file, not a folder")
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".nesy-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"{flag}: cannot write {target}: {exc.strerror or exc}") from None
    return target


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` through a temporary file in the same folder and a rename."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def new_run_folder(out: str | None, label: str) -> tuple[Path, bool]:
    """The folder a run or a training writes into: ``out`` if given (it must not hold an earlier run), else
    ``runs/<time>-<label>``; and whether this call created it."""
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
    return path, created


def commit() -> str:
    """The repository's commit (with ``+dirty`` when tracked files differ from it), or ``unknown`` outside a
    git checkout: what a checkpoint was trained from."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPOSITORY, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPOSITORY,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (subprocess environments, data workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
