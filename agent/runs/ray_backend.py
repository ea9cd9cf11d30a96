"""Episodes on Ray actors: ``nesy run --ray ADDRESS`` (the optional ``ray`` extra: ``pip install nesy[ray]``).

Each actor builds one runner from the whole ``RunConfig`` and takes seeds one at a time, so a fast actor takes
more. Every node needs this package installed, and ``--out`` is written by the driver alone: actors return
records and encoded videos, never touch the run directory. Joining a running cluster sends Ray's
authentication token when one is available (``agent.ray_auth``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from agent.runs.backends import EpisodeBackend, EpisodeOutcome, Runner, RunnerFactory
from agent.runs.config import RunConfig
from envs.errors import ConfigError, NesyError, WorkerError
from agent.runs.ray_auth import is_token_refusal, prepare_token_auth, refused_message

#: ``--ray local`` starts a Ray instance on this machine for the run (and stops it after)
LOCAL = "local"


class EpisodeActor:
    """One runner on a Ray worker. A failure to build it is raised by every episode, as in a worker process."""

    def __init__(self, make_runner: RunnerFactory, config: RunConfig) -> None:
        self.runner: Runner | None = None
        self.start_error: Exception | None = None
        try:
            self.runner = make_runner(config)
        except Exception as exc:
            self.start_error = exc

    def run(self, seed: int) -> EpisodeOutcome:
        if self.start_error is not None:
            raise self.start_error
        assert self.runner is not None
        return self.runner.run(seed)


class RayBackend(EpisodeBackend):
    """``workers`` actors (default: one per CPU of the cluster) on the Ray cluster at ``address``."""

    def __init__(self, seeds: list[int], address: str, workers: int | None) -> None:
        super().__init__(seeds)
        self.address = address
        self.workers = workers
        self.actors_used = 0

    def outcomes(self, make_runner: RunnerFactory, config: RunConfig) -> Iterator[EpisodeOutcome]:
        ray = _import_ray()
        started = self._connect(ray)
        actors: list[Any] = []
        try:
            count = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
            self.actors_used = count = min(count, len(self.seeds))
            remote = ray.remote(num_cpus=1)(EpisodeActor)
            actors = [remote.remote(make_runner, config) for _ in range(count)]
            queue = list(reversed(self.seeds))
            running: dict[Any, tuple[int, Any]] = {}

            def submit(actor: Any) -> None:
                seed = queue.pop()
                running[actor.run.remote(seed)] = (seed, actor)

            for actor in actors[: len(queue)]:
                submit(actor)
            while running:
                (ref,), _ = ray.wait(list(running), num_returns=1)
                seed, actor = running.pop(ref)
                outcome = _get(ray, ref, seed)
                if queue:
                    submit(actor)
                yield outcome
        finally:
            for actor in actors:
                ray.kill(actor)
            if started:
                ray.shutdown()

    def _connect(self, ray: Any) -> bool:
        """Join the cluster (or start a local instance); True when this run started Ray and must stop it."""
        if ray.is_initialized():
            return False
        if self.address == LOCAL:
            try:
                ray.init(num_cpus=self.workers, include_dashboard=False, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise WorkerError(f"--ray local: cannot start Ray on this machine: {_first_line(exc)}") from exc
            return True
        source = prepare_token_auth()
        try:
            ray.init(address=self.address, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            if is_token_refusal(exc):
                raise WorkerError(refused_message(self.address, source)) from exc
            raise WorkerError(f"--ray {self.address}: cannot connect to a Ray cluster there: {_first_line(exc)} "
                              "(is one running? `ray status` on the head node says)") from exc
        return True

    def describe(self) -> dict[str, Any]:
        return {"backend": "ray", "workers": self.actors_used, "address": self.address}


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError("--ray: Ray is not installed; install the extra with `pip install 'nesy[ray]'` "
                          "or run with --workers N for local processes") from None
    return ray


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _get(ray: Any, ref: Any, seed: int) -> EpisodeOutcome:
    """The actor's outcome: a user error as raised there, a bug with a note naming the seed, a dead actor
    as a ``WorkerError``."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        if isinstance(exc.cause, NesyError):
            raise exc.cause from None
        exc.add_note(f"raised in a Ray actor running the episode of seed {seed}")
        raise
    except ray.exceptions.RayActorError as exc:
        if getattr(exc, "actor_init_failed", False):  # e.g. the node cannot import this package
            last = (getattr(exc, "error_msg", "") or str(exc)).strip().splitlines()[-1]
            raise WorkerError(f"--ray: a Ray actor could not start ({last}); every node needs nesy installed, "
                              "with the same version as this one") from exc
        raise WorkerError(f"--ray: the actor running the episode of seed {seed} died (killed, out of memory, "
                          f"or crashed in native code); rerun it with --seed {seed} --episodes 1 to see why") from exc
