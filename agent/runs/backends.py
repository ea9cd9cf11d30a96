"""Where a run's episodes execute: in this process, or spread over local worker processes.

Each place holds one runner (see ``agent.runs.runner.EpisodeRunner``) built once from the whole ``RunConfig`` and
feeds it seeds; episodes come back in the order they finish and ``SeedOrder`` puts them back in seed order.
Worker processes are started with "spawn", never "fork": PyBullet clients and torch threads do not survive
a fork. Ray actors are the third place (``agent.runs.ray_backend``); ``agent.runs.runner.choose_backend`` picks
one.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol

from agent.runs.config import RunConfig
from envs.errors import ConfigError, NesyError, WorkerError


@dataclass
class EpisodeOutcome:
    """One finished episode: its record for ``episodes.jsonl`` and, with ``--video``, the encoded video."""

    seed: int
    record: dict[str, Any]
    video: bytes | None = None


class Runner(Protocol):
    def run(self, seed: int) -> EpisodeOutcome: ...

    def close(self) -> None: ...


#: builds a runner from the whole config (a class, so that it pickles by reference into worker processes)
RunnerFactory = Callable[[RunConfig], Runner]


class SeedOrder:
    """Releases outcomes in seed order, whatever order they arrive in."""

    def __init__(self, seeds: Iterable[int]) -> None:
        self._seeds = list(seeds)
        self._next = 0
        self._waiting: dict[int, EpisodeOutcome] = {}

    def add(self, outcome: EpisodeOutcome) -> list[EpisodeOutcome]:
        """Take ``outcome``; return the outcomes (maybe none) that are now next in seed order."""
        self._waiting[outcome.seed] = outcome
        ready = []
        while self._next < len(self._seeds) and self._seeds[self._next] in self._waiting:
            ready.append(self._waiting.pop(self._seeds[self._next]))
            self._next += 1
        return ready


class EpisodeBackend(ABC):
    """Runs the episodes of a list of seeds somewhere and yields their outcomes as they finish."""

    def __init__(self, seeds: list[int]) -> None:
        self.seeds = seeds

    @abstractmethod
    def outcomes(self, make_runner: RunnerFactory, config: RunConfig) -> Iterator[EpisodeOutcome]:
        """Run every seed's episode; yield each outcome once it is done. Stopping early stops the workers."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """Where the episodes ran, for the summary (wall times depend on it; results do not)."""


class SerialBackend(EpisodeBackend):
    """One runner in this process, seeds in order: the reference the other backends must match."""

    def outcomes(self, make_runner: RunnerFactory, config: RunConfig) -> Iterator[EpisodeOutcome]:
        runner = make_runner(config)
        try:
            for seed in self.seeds:
                yield runner.run(seed)
        finally:
            runner.close()

    def describe(self) -> dict[str, Any]:
        return {"backend": "serial", "workers": 1}


class ProcessBackend(EpisodeBackend):
    """``workers`` spawned processes, each building its runner once, taking seeds from a shared queue."""

    def __init__(self, seeds: list[int], workers: int) -> None:
        super().__init__(seeds)
        self.workers = workers

    def outcomes(self, make_runner: RunnerFactory, config: RunConfig) -> Iterator[EpisodeOutcome]:
        pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker, initargs=(make_runner, config))
        futures: dict[Future[EpisodeOutcome], int] = {pool.submit(_run_in_worker, seed): seed
                                                       for seed in self.seeds}
        unfinished = set(self.seeds)
        try:
            for future in as_completed(futures):
                outcome = _result(future, futures[future], unfinished)
                unfinished.discard(outcome.seed)
                yield outcome
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def describe(self) -> dict[str, Any]:
        return {"backend": "processes", "workers": self.workers}


def _result(future: Future[EpisodeOutcome], seed: int, unfinished: set[int]) -> EpisodeOutcome:
    """The outcome of the episode of ``seed``: a user error from the worker as it was raised there, a bug
    with a note naming the seed, a dead worker as a ``WorkerError`` naming the ``unfinished`` seeds."""
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise WorkerError(f"--workers: a worker process died (killed, out of memory, or crashed in native code) "
                          f"before the episodes of seeds {_seed_list(sorted(unfinished))} finished; rerun one of them "
                          f"with --workers 1 --seed S --episodes 1 to see why") from exc
    except NesyError:
        raise
    except Exception as exc:
        exc.add_note(f"raised in a worker process running the episode of seed {seed}")
        raise


def _seed_list(seeds: list[int], shown: int = 8) -> str:
    text = ", ".join(map(str, seeds[:shown]))
    return text + (f" and {len(seeds) - shown} more" if len(seeds) > shown else "")


# -- inside a worker process --------------------------------------------------------------------------------------

_runner: Runner | None = None
_start_error: BaseException | None = None


def _start_worker(make_runner: RunnerFactory, config: RunConfig) -> None:
    """Build this process's runner once. A failure is kept and raised by every episode, so the run reports
    the real error (a bad checkpoint, say) rather than a pool broken by its initializer."""
    global _runner, _start_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool
    try:
        _runner = make_runner(config)
    except Exception as exc:
        _start_error = exc
    from policies.threads import limit_blas_threads, limit_torch_threads

    limit_blas_threads()  # N workers with all-core threads each would oversubscribe the CPU
    if "torch" in sys.modules:
        limit_torch_threads()


def _run_in_worker(seed: int) -> EpisodeOutcome:
    if _start_error is not None:
        raise _start_error
    assert _runner is not None
    return _runner.run(seed)
