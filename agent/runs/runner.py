"""Run episodes of a task: each process (this one, a worker or a Ray actor) builds the domain, planner and
environment once, then runs one episode per seed."""

from __future__ import annotations

import json
import statistics
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from agent.execution.episode import run_episode
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
from policies import SKILL_NAMES, load_skills
from policies.artifacts import write_atomic

VIDEO_FRAME_EVERY = 4


def resolve_domain(config: RunConfig) -> Domain:
    """The domain a run plans with: ``--domain`` if given, else the task's shipped one."""
    domain = load_domain(config.domain or domain_folder(config.task), task=config.task)
    domain.binding.check_names(DETECTORS, SKILL_NAMES)
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
        if self.config.video:
            self.env.start_recording(every=VIDEO_FRAME_EVERY)
        try:
            result = run_episode(self.env, self.domain, self.planner, self.config, seed, self.reader)
        finally:
            frames = self.env.stop_recording() if self.config.video else []
        video = encode_video(frames, self.config.video_format) if self.config.video else None
        return EpisodeOutcome(seed, result.to_dict(), video)

    def close(self) -> None:
        self.env.close()


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
        ray_address: str | None = None) -> dict[str, Any]:
    """Run ``config.episodes`` episodes; returns the summary also written to the run directory.

    ``workers`` > 1 spreads the episodes over that many local processes, ``ray_address`` over Ray actors
    (``workers`` of them, default one per CPU of the cluster). Episodes finish in any order; each is
    written to ``episodes.jsonl`` once every seed before it has been, so the file and the summary list
    episodes in seed order, as a serial run does."""
    from tqdm import tqdm

    check_size(config.task, config.size)
    if config.gui and not has_display():
        raise ConfigError("--gui: no display to open a window on (DISPLAY is not set); run without --gui")
    if config.gui and (ray_address is not None or (workers or 1) > 1):
        raise ConfigError("--gui: one window needs one process; run without --workers and --ray")
    if config.video:
        config = replace(config, video_format=resolve_video_format(config.video_format))
    seeds = config.seeds()
    backend = choose_backend(seeds, workers, ray_address)
    if config.instruction is not None:
        read_first_instruction(config, config.instruction, seeds[0])
    run_dir = RunDir.create(config.out, f"{config.task}{config.size}")
    run_dir.write_config(config.to_dict())
    in_order = SeedOrder(seeds)
    records: list[dict[str, Any]] = []
    try:
        with tqdm(total=len(seeds), desc=f"{config.task} {config.size}", unit="episode", disable=not progress,
                  file=sys.stderr) as bar:
            successes = 0
            for outcome in backend.outcomes(EpisodeRunner, config):
                for ready in in_order.add(outcome):
                    if ready.video is not None:
                        run_dir.write_video(ready.seed, config.video_format, ready.video)
                    records.append(ready.record)
                    run_dir.append_episode(ready.record)
                successes += outcome.record["success"]
                bar.set_postfix(success=f"{successes}/{bar.n + 1}", refresh=False)
                bar.update()
    except NesyError:
        if not records:  # an instruction or goal the first scene rejects: leave no empty run behind
            run_dir.discard()
        raise
    summary = summarize(config, records, run_dir.path)
    summary["execution"] = backend.describe()
    run_dir.write_summary(summary)
    if config.json:
        write_atomic(Path(config.json), json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary


def summarize(config: RunConfig, records: list[dict[str, Any]], path: Path) -> dict[str, Any]:
    n = len(records)
    return {
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
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
