"""Run episodes of a task: each process (this one, a worker or a Ray actor) builds the domain, planner and
environment once, then runs one episode per seed."""

from __future__ import annotations

import json
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from agent.execution.episode import EpisodeResult, run_episode
from agent.execution.preflight import preflight
from agent.planning.domain import Domain, domain_folder, load_domain
from agent.planning.planner import Planner
from agent.runs.backends import EpisodeBackend, EpisodeOutcome, ProcessBackend, SeedOrder, SerialBackend
from agent.runs.config import RunConfig
from agent.runs.rundir import RunDir
from agent.runs.video import encode as encode_video
from agent.runs.video import resolve_format as resolve_video_format
from envs.detectors import DETECTORS
from envs.errors import ConfigError, NesyError
from envs.scenes.registry import check_size
from envs.simulation import has_display
from envs.task_env import TaskEnv
from policies import BINDABLE_SKILLS, RECOVERY_SKILLS, load_skills
from policies.artifacts import check_output, write_atomic

VIDEO_FRAME_EVERY = 4


def resolve_domain(config: RunConfig) -> Domain:
    """The domain a run plans with: ``--domain`` if given, else the task's shipped one. ``--disturb`` needs
    one that can recover a knocked object: an operator bound to a recovery skill (``right``, ``fetch``)."""
    domain = load_domain(config.domain or domain_folder(config.task), task=config.task)
    domain.binding.check_names(DETECTORS, BINDABLE_SKILLS)
    if config.disturb and not any(op.skill in RECOVERY_SKILLS for op in domain.binding.operators.values()):
        raise ConfigError(f"--disturb: domain {domain.name} has no operator that recovers a knocked object (one "
                          f"bound to the skill {' or '.join(RECOVERY_SKILLS)}); drop --disturb or use a domain "
                          "with one")
    return domain


def make_env(config: RunConfig) -> TaskEnv:
    """The task's environment, in the ``variant`` world when the config names one."""
    options = {"variant": config.variant} if config.variant else {}
    try:
        return TaskEnv(config.task, config.size, gui=config.gui, **options)
    except (TypeError, ValueError) as exc:
        message = str(exc) if isinstance(exc, ValueError) else f"task {config.task} has no variants"
        raise ConfigError(f"--variant: {message}") from exc


class EpisodeRunner:
    """Runs episodes of ``config`` in this process, one seed at a time, with the domain, planner, goal reader
    and environment built once. The serial run, each worker process and each Ray actor hold one. Every
    episode starts from ``env.reset(seed)``, which rebuilds the scene, so its result depends on the config
    and its seed only, never on the episodes this runner ran before."""

    def __init__(self, config: RunConfig) -> None:
        check_size(config.task, config.size)
        self.config = config
        self.domain = resolve_domain(config)
        self.planner = Planner(self.domain, engine=config.planner)
        self.reader = None
        if config.goal == "perception":
            from agent.perception.predictor import shared_reader

            self.reader = shared_reader(config.goal_checkpoint, config.device)
        self.env = make_env(config)
        load_skills(config.controller)  # a missing controller checkpoint is an error before any episode

    def run(self, seed: int) -> EpisodeOutcome:
        """The episode of ``seed``. A fault inside it (a scene that lacks the instruction's object, a skill that
        raises, a planner that crashes or times out) is that episode's failure, recorded with its reason, and
        the run goes on. Only at the run's first seed does a user error propagate: it is the instruction or
        goal itself that is wrong, so the run stops before it writes anything."""
        if self.config.video:
            self.env.start_recording(every=VIDEO_FRAME_EVERY)
        start = time.perf_counter()
        try:
            record = run_episode(self.env, self.domain, self.planner, self.config, seed, self.reader,
                                 disturb=self.config.disturb).to_dict()
        except Exception as exc:
            if seed == self.config.seed and isinstance(exc, NesyError):
                raise
            record = failed_record(self.config, seed, exc, time.perf_counter() - start)
        finally:
            frames = self.env.stop_recording() if self.config.video else []
        video = encode_video(frames, self.config.video_format) if self.config.video else None
        return EpisodeOutcome(seed, record, video)

    def close(self) -> None:
        self.env.close()


def failed_record(config: RunConfig, seed: int, exc: Exception, wall_time_s: float) -> dict[str, Any]:
    """The record of the episode of ``seed`` that ``exc`` ended: a failure whose ``error`` (and ``reason``) says
    what went wrong; a user error by its message, anything else by its type too."""
    error = str(exc) if isinstance(exc, NesyError) else f"{type(exc).__name__}: {exc}"
    result = EpisodeResult(seed=seed, instruction=config.instruction or "", goal=[], reason=f"error: {error}",
                           wall_time_s=wall_time_s)
    return {**result.to_dict(), "error": error}


def read_first_instruction(config: RunConfig, instruction: str, seed: int) -> None:
    """Read the instruction on the first seed's scene, in a window-less env, so that a refused one stops the
    run with one line before its run directory exists (``agent.execution.preflight``)."""
    reader = None
    if config.goal == "perception":
        from agent.perception.predictor import shared_reader

        reader = shared_reader(config.goal_checkpoint, config.device)
    domain = resolve_domain(config)
    env = make_env(replace(config, gui=False))
    try:
        preflight(env, domain, Planner(domain, engine=config.planner), config.task, instruction, seed, reader)
    finally:
        env.close()


def choose_backend(seeds: list[int], workers: int | None, ray_address: str | None) -> EpisodeBackend:
    """Ray actors with ``ray_address``, else ``workers`` local processes (no more than there are episodes),
    else this process."""
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers: must be at least 1, got {workers}")
    if ray_address is not None:
        from agent.runs.ray_backend import RayBackend

        return RayBackend(seeds, ray_address, workers)
    count = min(workers or 1, len(seeds))
    return ProcessBackend(seeds, count) if count > 1 else SerialBackend(seeds)


def run(config: RunConfig, progress: bool = True, workers: int | None = None,
        ray_address: str | None = None, resume: bool = False) -> dict[str, Any]:
    """Run ``config.episodes`` episodes; returns the summary also written to the run directory.

    ``workers`` > 1 spreads the episodes over that many local processes, ``ray_address`` over Ray actors
    (``workers`` of them, default one per CPU of the cluster). Episodes finish in any order; each is
    written to ``episodes.jsonl`` once every seed before it has been, so the file and the summary list
    episodes in seed order, as a serial run does. With ``resume``, ``config.out`` is an interrupted run's
    directory: the seeds it recorded are kept and only the missing ones run.

    Ctrl-C or SIGTERM stops the run: the summary of the episodes finished so far is written, marked
    partial, and ``RunInterrupted`` says how many and where."""
    check_size(config.task, config.size)
    if config.gui and not has_display():
        raise ConfigError("--gui: no display to open a window on (DISPLAY is not set); run without --gui")
    if config.gui and (ray_address is not None or (workers or 1) > 1):
        raise ConfigError("--gui: one window needs one process; run without --workers and --ray")
    if config.json:
        check_output(config.json, "--json")
    if config.domain is not None:
        resolve_domain(config)  # a domain that does not parse, or is another task's, is refused before models load
    if config.goal_checkpoint is not None and not Path(config.goal_checkpoint).is_file():
        raise ConfigError(f"--goal-checkpoint: no such file {config.goal_checkpoint}")
    if config.video:
        config = replace(config, video_format=resolve_video_format(config.video_format))
    if resume:
        assert config.out is not None
        run_dir = RunDir.open(Path(config.out), "--resume")
        records = run_dir.episodes(config.seeds())
    else:
        run_dir, records = None, []
    done = {record["seed"] for record in records}
    backend = choose_backend([seed for seed in config.seeds() if seed not in done], workers, ray_address)
    if run_dir is None:
        if config.instruction is not None:
            read_first_instruction(config, config.instruction, config.seeds()[0])
        run_dir = RunDir.create(config.out, f"{config.task}{config.size}")
        run_dir.write_config(config.to_dict())
    with _sigterm_as_interrupt():
        try:
            _run_episodes(config, backend, run_dir, records, progress)
        except NesyError:
            if not records and not resume:  # an instruction or goal the first scene rejects: leave no empty run behind
                run_dir.discard()
            elif records:  # a worker died: keep what finished, for --resume
                _write_partial(config, backend, run_dir, records)
            raise
        except KeyboardInterrupt:
            _write_partial(config, backend, run_dir, records)
            raise RunInterrupted(f"{len(records)} of {config.episodes} episodes finished; partial summary in "
                                 f"{run_dir.path / 'summary.json'}; finish with: nesy run --resume {run_dir.path}"
                                 ) from None
    summary = summarize(config, records, run_dir.path)
    summary["execution"] = backend.describe()
    run_dir.write_summary(summary)
    if config.json:
        write_atomic(Path(config.json), json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary


def _write_partial(config: RunConfig, backend: EpisodeBackend, run_dir: RunDir, records: list[dict[str, Any]]) -> None:
    summary = summarize(config, records, run_dir.path, partial=True)
    summary["execution"] = backend.describe()
    run_dir.write_summary(summary)


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C or SIGTERM after writing its partial summary; the message says where."""


def _run_episodes(config: RunConfig, backend: EpisodeBackend, run_dir: RunDir, records: list[dict[str, Any]],
                  progress: bool) -> None:
    """Run ``backend``'s seeds, appending each record to ``records`` and ``episodes.jsonl`` in seed order."""
    from tqdm import tqdm

    in_order = SeedOrder(backend.seeds)
    with tqdm(total=config.episodes, initial=len(records), desc=f"{config.task} {config.size}", unit="episode",
              disable=not progress, file=sys.stderr) as bar:
        successes = sum(bool(r["success"]) for r in records)
        for outcome in backend.outcomes(EpisodeRunner, config):
            for ready in in_order.add(outcome):
                if ready.video is not None:
                    run_dir.write_video(ready.seed, config.video_format, ready.video)
                records.append(ready.record)
                run_dir.append_episode(ready.record)
            successes += outcome.record["success"]
            bar.set_postfix(success=f"{successes}/{bar.n + 1}", refresh=False)
            bar.update()


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a scheduler's stop, ``kill``) handled as Ctrl-C is, while the block runs in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def summarize(config: RunConfig, records: list[dict[str, Any]], path: Path, partial: bool = False) -> dict[str, Any]:
    """The summary of ``records``; ``partial`` when the run stopped before all ``config.episodes`` finished.
    ``failures`` counts the failed episodes by reason (an ``error: ...`` reason for a fault inside one)."""
    n = len(records)
    failures = Counter(r["reason"] for r in records if not r["success"])
    return {
        "partial": partial,
        "episodes_planned": config.episodes,
        "failures": dict(sorted(failures.items())),
        "task": config.task,
        "size": config.size,
        "success_rate": sum(r["success"] for r in records) / n if n else 0.0,
        "episodes": records,
        "run_dir": str(path),
        "planner": config.planner,
        "goal": config.goal,
        "controller": config.controller,
        "variant": config.variant,
        "grasp": "friction",
    }


def format_summary(summary: dict[str, Any]) -> str:
    """A small table for the terminal."""
    episodes = summary["episodes"]

    def median(key: str) -> float:
        return statistics.median(e[key] for e in episodes) if episodes else 0.0

    rows = [
        ("task", f"{summary['task']} (size {summary['size']})"),
        ("goal from", summary["goal"]),
        ("controller", summary["controller"]),
        ("episodes", str(len(episodes))),
        ("success rate", f"{summary['success_rate']:.1%}"),
        ("replans (mean)", f"{statistics.fmean(e['replans'] for e in episodes):.2f}" if episodes else "-"),
        ("plan length (median)", f"{median('plan_length'):.0f}" if episodes else "-"),
        ("plan time (median)", f"{median('plan_time_s') * 1000:.0f} ms"),
        ("episode wall time (median)", f"{median('wall_time_s'):.2f} s"),
        ("simulation steps (median)", f"{median('sim_steps'):.0f}"),
        ("run directory", summary["run_dir"]),
    ]
    failed = [e for e in episodes if not e["success"]]
    if failed:
        rows.insert(3, ("first failure", f"seed {failed[0]['seed']}: {failed[0]['reason']}"))
    errors = sum("error" in e for e in episodes)
    if errors:
        rows.insert(4, ("episodes ended by an error", str(errors)))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
