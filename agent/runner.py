"""Run episodes of a task: build the domain, planner and environment once, then one episode per seed."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

from agent.config import RunConfig
from agent.domain import Domain, domain_folder, load_domain
from agent.episode import run_episode
from agent.errors import ConfigError, NesyError
from agent.planner import Planner
from agent.rundir import RunDir, write_atomic
from envs.detectors import DETECTORS
from envs.scenes import SCENES
from envs.simulation import has_display
from envs.task_env import TaskEnv
from policies import SKILLS

VIDEO_FRAME_EVERY = 4
VIDEO_FPS = 15


def resolve_domain(config: RunConfig) -> Domain:
    """The domain a run plans with: ``--domain`` if given, else the task's shipped one."""
    domain = load_domain(config.domain or domain_folder(config.task), task=config.task)
    domain.binding.check_names(DETECTORS, SKILLS)
    return domain


def make_env(config: RunConfig) -> TaskEnv:
    """The task's environment, in the ``variant`` world when the config names one."""
    options = {"variant": config.variant} if config.variant else {}
    try:
        return TaskEnv(config.task, config.size, gui=config.gui, **options)
    except (TypeError, ValueError) as exc:
        message = str(exc) if isinstance(exc, ValueError) else f"task {config.task} has no variants"
        raise ConfigError(f"--variant: {message}") from exc


def check_size(task: str, size: int) -> None:
    low, high = SCENES[task].sizes
    if not low <= size <= high:
        raise ConfigError(f"--size: {task} supports sizes {low} to {high}, got {size}")


def run(config: RunConfig, progress: bool = True) -> dict[str, Any]:
    """Run ``config.episodes`` episodes; returns the summary also written to the run directory."""
    from tqdm import tqdm

    check_size(config.task, config.size)
    if config.gui and not has_display():
        raise ConfigError("--gui: no display to open a window on (DISPLAY is not set); run without --gui")
    domain = resolve_domain(config)
    planner = Planner(domain, engine=config.planner)
    reader = None
    if config.goal == "perception":
        from agent.perception.predictor import GoalReader

        reader = GoalReader(config.goal_checkpoint, config.device)
    run_dir = RunDir.create(config.out, f"{config.task}{config.size}")
    run_dir.write_config(config.to_dict())
    env = make_env(config)
    records: list[dict[str, Any]] = []
    try:
        bar = tqdm(config.seeds(), desc=f"{config.task} {config.size}", unit="episode", disable=not progress,
                   file=sys.stderr)
        successes = 0
        for seed in bar:
            if config.video:
                env.start_recording(every=VIDEO_FRAME_EVERY)
            result = run_episode(env, domain, planner, config, seed, reader)
            if config.video:
                _write_video(run_dir.video_path(seed), env.stop_recording())
            record = result.to_dict()
            records.append(record)
            run_dir.append_episode(record)
            successes += result.success
            bar.set_postfix(success=f"{successes}/{len(records)}")
    except NesyError:
        if not records:  # an instruction or goal the first scene rejects: leave no empty run behind
            run_dir.discard()
        raise
    finally:
        env.close()
    summary = summarize(config, records, run_dir.path)
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
        "controller": "scripted",
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


def _write_video(path: Path, frames: list) -> None:
    import imageio.v2 as imageio

    tmp = path.with_name(f".{path.stem}.tmp.mp4")
    imageio.mimsave(tmp, frames, fps=VIDEO_FPS, macro_block_size=8)
    tmp.replace(path)
