"""Experiments as files: ``experiments/<name>.yaml`` says what to run, ``results/<name>/`` keeps what came out.

An experiment is a list of ``nesy run`` configurations (task and size, plus any setting) on the episodes of a
locked seed range (``policies/seeds.py``), so the figures it reports were never used to choose anything. It
starts at the range's first seed, or at ``first_seed`` inside it, so that a later experiment can draw seeds
no earlier one has reported on.
An experiment of ``kind: perception`` instead reads the locked perception splits with a checkpoint
(``agent/perception/locked.py``) and keeps one record per split.
``nesy experiment run FILE`` runs each configuration with the ordinary runner (its full run directory goes
under ``runs/`` as usual) and keeps a small record of it in ``results/<name>/<task><size>/``: the resolved
configuration (``config.yaml``), the figures (``summary.json``) and one short line per episode
(``episodes.jsonl``). A configuration whose record already holds the same resolved configuration is not
run again, so an interrupted experiment resumes where it stopped. ``agent/results_tables.py`` turns the
records into the tables of ``docs/results.md`` and the README.
"""

from __future__ import annotations

import json
import shlex
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from agent.runs.config import RunConfig
from agent.runs.config_file import read_mapping
from envs.errors import ConfigError
from policies.artifacts import write_atomic
from policies.seeds import RUN_TEST, SeedRange

#: locked ranges an experiment may draw ``nesy run`` seeds from, by name
SEED_RANGES: dict[str, SeedRange] = {RUN_TEST.name: RUN_TEST}
RESULTS_ROOT = Path("results")
EXPERIMENT_KEYS = ("description", "kind", "seeds", "first_seed", "episodes", "workers", "settings", "runs")
PERCEPTION_KEYS = ("description", "kind", "splits", "checkpoint", "workers")
KINDS = ("run", "perception")
#: RunConfig fields an experiment sets itself, or that say where output goes: not settings
NOT_SETTINGS = frozenset({"episodes", "seed", "out", "json", "gui", "video", "video_format"})
#: the ``nesy run`` flag of each setting that has one (the rest are written as in RunConfig)
@dataclass(frozen=True)
class Experiment:
    """One experiment file, checked."""

    name: str
    path: Path
    description: str
    seeds: SeedRange | None
    episodes: int
    workers: int
    runs: tuple[RunConfig, ...]
    kind: str = "run"
    #: kind perception: (locked split, scenes) to read, and the checkpoint (None: the shipped one)
    splits: tuple[tuple[str, int], ...] = ()
    checkpoint: str | None = None

    @classmethod
    def load(cls, path: Path) -> Experiment:
        values, lines = read_mapping(path, "FILE")

        def where(key: str) -> str:
            return f"{path}:{lines.get(key, 1)}: {key}"

        kind = values.get("kind", "run")
        if kind not in KINDS:
            raise ConfigError(f"{where('kind')}: expected one of {', '.join(KINDS)}, got {kind!r}")
        known = EXPERIMENT_KEYS if kind == "run" else PERCEPTION_KEYS
        for key in values:
            if key not in known:
                raise ConfigError(f"{where(key)}: unknown key (known: {', '.join(known)})")
        if kind == "perception":
            return cls._load_perception(path, values, where)
        for key in ("seeds", "episodes", "runs"):
            if key not in values:
                raise ConfigError(f"{path}: missing key {key!r}")
        if values["seeds"] not in SEED_RANGES:
            raise ConfigError(f"{where('seeds')}: must name a locked range ({', '.join(SEED_RANGES)}), "
                              f"got {values['seeds']!r}")
        seeds = SEED_RANGES[values["seeds"]]
        episodes, workers = values["episodes"], values.get("workers", 1)
        for key, value in (("episodes", episodes), ("workers", workers)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{where(key)}: expected a whole number of at least 1, got {value!r}")
        first = values.get("first_seed", seeds.start)
        if not isinstance(first, int) or isinstance(first, bool) or first not in seeds:
            raise ConfigError(f"{where('first_seed')}: expected a seed of {seeds.describe()}, got {first!r}")
        if first + episodes > seeds.stop:
            raise ConfigError(f"{where('episodes')}: {seeds.describe()} holds fewer than {episodes} seeds "
                              f"from {first:,}")
        shared = values.get("settings") or {}
        runs = values["runs"]
        if not isinstance(shared, dict):
            raise ConfigError(f"{where('settings')}: expected a mapping of nesy run settings")
        if not isinstance(runs, list) or not runs or not all(isinstance(r, dict) for r in runs):
            raise ConfigError(f"{where('runs')}: expected a list of mappings (task, size and settings)")
        settable = {f.name for f in fields(RunConfig)} - NOT_SETTINGS
        configs = []
        for index, run in enumerate(runs):
            merged = {**shared, **run}
            unknown = sorted(set(merged) - settable)
            if unknown:
                raise ConfigError(f"{where('runs')}: run {index + 1}: unknown setting {unknown[0]!r} "
                                  f"(known: {', '.join(sorted(settable))})")
            try:
                configs.append(RunConfig(**merged, episodes=episodes, seed=first))
            except ConfigError as exc:
                raise ConfigError(f"{where('runs')}: run {index + 1}: {exc}") from None
            except TypeError as exc:
                raise ConfigError(f"{where('runs')}: run {index + 1}: {exc}") from None
        ids = [run_id(c) for c in configs]
        if len(set(ids)) < len(ids):
            raise ConfigError(f"{where('runs')}: two runs share the id {Counter(ids).most_common(1)[0][0]!r}")
        return cls(path.stem, path, str(values.get("description", "")).strip(), seeds, episodes, workers,
                   tuple(configs))

    @classmethod
    def _load_perception(cls, path: Path, values: dict[str, Any], where: Any) -> Experiment:
        from agent.perception.dataset import LOCKED_SPLITS

        splits = values.get("splits")
        if not isinstance(splits, dict) or not splits:
            raise ConfigError(f"{where('splits')}: expected a mapping of locked split -> scenes")
        for split, scenes in splits.items():
            if split not in LOCKED_SPLITS:
                raise ConfigError(f"{where('splits')}: {split!r} is not a locked split ({', '.join(LOCKED_SPLITS)})")
            if not isinstance(scenes, int) or isinstance(scenes, bool) or scenes < 1:
                raise ConfigError(f"{where('splits')}: {split}: expected a whole number of scenes, got {scenes!r}")
        workers = values.get("workers", 1)
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise ConfigError(f"{where('workers')}: expected a whole number of at least 1, got {workers!r}")
        checkpoint = values.get("checkpoint")
        if checkpoint is not None and not isinstance(checkpoint, str):
            raise ConfigError(f"{where('checkpoint')}: expected a path, got {checkpoint!r}")
        return cls(path.stem, path, str(values.get("description", "")).strip(), None, 0, workers, (),
                   kind="perception", splits=tuple(splits.items()), checkpoint=checkpoint)

    def split_config(self, split: str, scenes: int) -> dict[str, Any]:
        """What decides a perception record's figures: the split, its size and the checkpoint's content."""
        from agent.perception.locked import checkpoint_identity

        return {"split": split, "scenes": scenes, **checkpoint_identity(self.checkpoint)}


def run_id(config: RunConfig) -> str:
    """The folder of a run's record: task and size, and the variant when there is one."""
    return f"{config.task}{config.size}" + (f"-{config.variant}" if config.variant else "")


#: settings added after records were kept: left out at their default, so that those records still describe
#: the runs they were made by (an undisturbed run is the same with or without ``disturb: 0``, a run on the
#: detectors' state with or without ``state: oracle``)
LATER_SETTINGS = {"disturb": 0, "state": "oracle"}


def resolved(config: RunConfig) -> dict[str, Any]:
    """What decides a run's results: its configuration without where the output goes."""
    return {k: v for k, v in sorted(config.to_dict().items())
            if k not in ("out", "json", "gui", "video", "video_format")
            and not (k in LATER_SETTINGS and v == LATER_SETTINGS[k])}


def command(config: RunConfig, workers: int) -> str:
    """The ``nesy run`` command that reproduces ``config``'s episodes (flags only where not the default)."""
    default = RunConfig()
    parts = ["nesy run", f"--task {config.task}", f"--size {config.size}", f"--episodes {config.episodes}",
             f"--seed {config.seed}"]
    for key, value in resolved(config).items():
        if key in ("task", "size", "episodes", "seed") or value == getattr(default, key):
            continue
        parts.append(f"--{key.replace('_', '-')} {shlex.quote(str(value))}")
    if workers > 1:
        parts.append(f"--workers {workers}")
    return " ".join(parts)


def summarize(config: RunConfig, workers: int, records: list[dict[str, Any]], execution: dict[str, Any],
              experiment: str) -> dict[str, Any]:
    """The figures kept for one run: what the tables show and what a reader checks them against."""

    def median(key: str) -> float:
        return round(statistics.median(r[key] for r in records), 3)

    operators = [s for r in records for s in r["executed"]]
    return {
        "experiment": experiment,
        "run": run_id(config),
        "command": command(config, workers),
        "config": resolved(config),
        "seeds": [records[0]["seed"], records[-1]["seed"]],
        "episodes": len(records),
        "successes": sum(r["success"] for r in records),
        "episodes_replanned": sum(r["replans"] > 0 for r in records),
        "operators": len(operators),
        "operators_failed": sum(not s["skill_success"] for s in operators),
        "plan_length_median": median("plan_length"),
        "sim_steps_median": median("sim_steps"),
        "wall_time_s_median": median("wall_time_s"),
        "failures": dict(sorted(Counter(r["reason"] for r in records if not r["success"]).items())),
        "execution": execution,
    }


def episode_line(record: dict[str, Any]) -> dict[str, Any]:
    """One episode, briefly: the full record (plans, states) stays in the run directory under ``runs/``."""
    return {"seed": record["seed"], "success": record["success"], "replans": record["replans"],
            "plan_length": record["plan_length"], "sim_steps": record["sim_steps"], "reason": record["reason"]}


def is_current(folder: Path, config: RunConfig) -> bool:
    """Whether ``folder`` already holds the record of a finished run of ``config``."""
    try:
        summary = json.loads((folder / "summary.json").read_text())
    except (OSError, ValueError):
        return False
    return summary.get("config") == resolved(config)


def run_experiment(path: Path, out: Path = RESULTS_ROOT, progress: bool = True,
                   only: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Run every configuration of the experiment file ``path`` not yet recorded under ``out/<name>/`` (only
    those whose id, ``<task><size>`` or the split, is in ``only`` when it is given); returns the summaries of
    all of them, in the file's order."""
    from agent.runs.runner import run

    experiment = Experiment.load(path)
    ids = [s for s, _ in experiment.splits] if experiment.kind == "perception" else [run_id(c) for c in experiment.runs]
    unknown = sorted(set(only) - set(ids))
    if unknown:
        raise ConfigError(f"--only: {path} has no run {unknown[0]!r} (runs: {', '.join(ids)})")
    if experiment.kind == "perception":
        return _run_perception(experiment, out, progress, only)
    summaries = []
    for config in experiment.runs:
        if only and run_id(config) not in only:
            continue
        folder = out / experiment.name / run_id(config)
        if not is_current(folder, config):
            summary = run(config, progress=progress, workers=experiment.workers)
            _write_record(folder, config, experiment, summary)
        summaries.append(json.loads((folder / "summary.json").read_text()))
    return summaries


def _run_perception(experiment: Experiment, out: Path, progress: bool, only: Sequence[str]) -> list[dict[str, Any]]:
    from agent.perception.locked import evaluate_locked_split

    summaries = []
    for split, scenes in experiment.splits:
        if only and split not in only:
            continue
        folder = out / experiment.name / split
        config = experiment.split_config(split, scenes)
        try:
            current = json.loads((folder / "summary.json").read_text()).get("config") == config
        except (OSError, ValueError):
            current = False
        if not current:
            result = evaluate_locked_split(split, scenes, experiment.checkpoint, workers=experiment.workers,
                                           progress=progress)
            summary = {"experiment": experiment.name, "run": split, "config": config,
                       "command": f"nesy experiment run experiments/{experiment.name}.yaml",
                       "successes": round(result["accuracy"] * result["examples"]), "episodes": result["examples"],
                       **{k: result[k] for k in ("accuracy", "examples", "by_task", "by_category", "blanked")}}
            write_atomic(folder / "config.yaml", yaml.safe_dump(config, sort_keys=True))
            write_atomic(folder / "summary.json", json.dumps(summary, indent=2, sort_keys=True) + "\n")
        summaries.append(json.loads((folder / "summary.json").read_text()))
    return summaries


def _write_record(folder: Path, config: RunConfig, experiment: Experiment, summary: dict[str, Any]) -> None:
    records = summary["episodes"]
    compact = summarize(config, experiment.workers, records, summary.get("execution", {}), experiment.name)
    compact["run_dir"] = summary["run_dir"]
    write_atomic(folder / "config.yaml", yaml.safe_dump(compact["config"], sort_keys=True))
    write_atomic(folder / "episodes.jsonl", "".join(json.dumps(episode_line(r), sort_keys=True) + "\n"
                                                    for r in records))
    # the summary last: it is what marks the record finished
    write_atomic(folder / "summary.json", json.dumps(compact, indent=2, sort_keys=True) + "\n")
