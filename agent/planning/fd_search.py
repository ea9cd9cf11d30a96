"""Fast Downward's search binary, started before it is needed.

``downward`` reads its task from stdin only after it has started: the exec, the dynamic linking and the
registration of its plugins (several milliseconds, more on a loaded machine) happen before it blocks on
the pipe. So the process for the next search of each configuration is started as soon as the previous
search has finished, and waits; a search then costs only writing the task and the search itself. The
process is the same binary with the same arguments that a fresh start would get, so plans do not
change. At most one waiting process per configuration lives in a Python process; they are ended when it
exits (and end themselves, on end of input, if it dies).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class SearchProcess:
    """A started ``downward`` waiting for its task, and the folder it writes its plan and its output into."""

    process: subprocess.Popen
    folder: Path

    @property
    def plan_file(self) -> Path:
        return self.folder / "plan"

    def finish(self, sas: str, timeout_s: float | None) -> tuple[int | None, str]:
        """Hand over the task and wait; returns the exit code (None on time-out) and the log's tail.

        The task goes in one blocking write: the search reads all of it before it searches, and its
        output goes to files, so it never waits for us. (``communicate`` polls the pipes in 4 KB steps,
        3 ms of CPU for the 80 KB task of 20 blocks.)"""
        assert self.process.stdin is not None
        # a search that ended before reading it all says why in its exit code and log
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.write(sas.encode())
            self.process.stdin.close()
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None, ""
        return self.process.returncode, _tail(self.folder / "out") + _tail(self.folder / "err")

    def discard(self) -> None:
        """End the process if it still runs and hand its folder, emptied, to the next process."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()
        try:
            for name in ("plan", "out", "err"):
                (self.folder / name).unlink(missing_ok=True)
        except OSError:
            shutil.rmtree(self.folder, ignore_errors=True)
            return
        _own_waiting()  # a forked child keeps no folder of its parent's
        _spare.append(self.folder)


_waiting: dict[tuple[str, str], SearchProcess] = {}
#: emptied folders of ended searches, for the next ones: making and removing a folder per search costs
#: a few hundred microseconds of file-system calls on every planning call
_spare: list[Path] = []
#: the process that started the waiting searches: a forked child must neither use nor end its parent's
_owner = os.getpid()


def _own_waiting() -> dict[tuple[str, str], SearchProcess]:
    global _waiting, _spare, _owner
    if os.getpid() != _owner:
        _waiting, _spare, _owner = {}, [], os.getpid()
    return _waiting


def _start(binary: Path, config: str) -> SearchProcess:
    _own_waiting()
    folder = _spare.pop() if _spare else Path(tempfile.mkdtemp(prefix="nesy-fd-"))
    command = [str(binary), "--search", config, "--internal-plan-file", str(folder / "plan")]
    with open(folder / "out", "wb") as out, open(folder / "err", "wb") as err:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=out, stderr=err, cwd=folder)
    return SearchProcess(process, folder)


def _tail(path: Path, chars: int = 2000) -> str:
    """The last ``chars`` characters of a log file (empty if it is missing)."""
    try:
        return path.read_bytes().decode("utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


def take(binary: Path, config: str) -> SearchProcess:
    """A started search process for ``config``: the waiting one if it is still alive, else a new one."""
    process = _own_waiting().pop((str(binary), config), None)
    if process is not None and process.process.poll() is None:
        return process
    if process is not None:
        process.discard()
    return _start(binary, config)


def prepare(binary: Path, config: str) -> None:
    """Start a process for the next search with ``config`` unless one waits already. Called after a search
    has finished, so that the new process's start-up does not compete with it for the CPU."""
    waiting = _own_waiting()
    if (str(binary), config) not in waiting:
        waiting[(str(binary), config)] = _start(binary, config)


@atexit.register
def discard_waiting() -> None:
    """End every waiting search process and remove the folders kept for searches (at exit, or to leave
    none behind)."""
    waiting = _own_waiting()
    while waiting:
        waiting.popitem()[1].discard()
    while _spare:
        shutil.rmtree(_spare.pop(), ignore_errors=True)
