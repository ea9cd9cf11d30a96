"""``nesy report``: plots and a Markdown summary of finished runs, read back from their run directories.

Runs are grouped by task, size and "setting": the config values that differ between the runs given (the goal
source, the planner, a controller, ...), so reporting an oracle run beside a perception run compares the two
while several runs of one setting pool their episodes. Only what the run directories hold is used.
"""

from __future__ import annotations

import io
import json
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from envs.errors import ConfigError
from policies.artifacts import write_atomic

#: config keys that are a group's axes or do not change what an episode does
NOT_A_SETTING = frozenset({"task", "size", "seed", "episodes", "out", "json", "video", "video_format", "gui",
                           "device"})
#: what each episode record must hold for the report
EPISODE_KEYS = ("seed", "success", "replans", "plan_time_s", "wall_time_s")
PLOTS = {"success": "success_by_task_size.png", "time": "time_breakdown.png", "replans": "replans.png"}
FAILURES_SHOWN = 10
#: replan counts shown apart in the replans plot; the last class gathers this many and more
REPLAN_CLASSES = 6


@dataclass
class Run:
    """One run directory as read back: its resolved config and its episode records, in file order."""

    path: Path
    config: dict[str, Any]
    episodes: list[dict[str, Any]]
    #: False for a run that stopped before writing summary.json (interrupted, or still running)
    complete: bool


@dataclass
class Group:
    """The episodes of one task, size and setting, pooled over the runs that share them."""

    task: str
    size: int
    setting: str
    runs: list[Run] = field(default_factory=list)
    episodes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.task} {self.size}" + (f" ({self.setting})" if self.setting else "")

    @property
    def successes(self) -> int:
        return sum(bool(e["success"]) for e in self.episodes)

    def median(self, key: str) -> float:
        return statistics.median(e[key] for e in self.episodes)

    def mean(self, key: str) -> float:
        return statistics.fmean(e[key] for e in self.episodes)


def load_run(path: Path) -> Run:
    """Read a run directory, with an error naming the file and line at fault when it is not one."""
    if not path.is_dir():
        raise ConfigError(f"{path}: no such directory")
    config_path, episodes_path = path / "config.yaml", path / "episodes.jsonl"
    for needed in (config_path, episodes_path):
        if not needed.is_file():
            raise ConfigError(f"{path}: not a run directory (no {needed.name}; `nesy run --out DIR` writes one)")
    try:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{config_path}: not valid YAML: {exc}") from None
    if not isinstance(config, dict) or not {"task", "size"} <= config.keys():
        raise ConfigError(f"{config_path}: not a run config (expected a mapping with task and size)")
    episodes = []
    for number, line in enumerate(episodes_path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{episodes_path}:{number}: not a JSON episode record ({exc.msg})") from None
        missing = [key for key in EPISODE_KEYS if not isinstance(record, dict) or key not in record]
        if missing:
            raise ConfigError(f"{episodes_path}:{number}: episode record lacks {', '.join(missing)}")
        episodes.append(record)
    return Run(path, config, episodes, (path / "summary.json").is_file())


def group_runs(runs: Sequence[Run]) -> list[Group]:
    """Groups sorted by task, size and setting; the setting names the config values that differ between runs."""
    keys = sorted({key for run in runs for key in run.config} - NOT_A_SETTING)
    varying = [key for key in keys if len({json.dumps(run.config.get(key), sort_keys=True) for run in runs}) > 1]
    groups: dict[tuple[str, int, str], Group] = {}
    for run in runs:
        setting = ", ".join(f"{key}={run.config.get(key)}" for key in varying)
        key = (str(run.config["task"]), int(run.config["size"]), setting)
        group = groups.setdefault(key, Group(*key))
        group.runs.append(run)
        group.episodes.extend(run.episodes)
    return [groups[key] for key in sorted(groups)]


def write_report(run_dirs: Sequence[str | Path], out: str | Path | None = None) -> Path:
    """Write the plots and ``report.md`` into ``out`` (default: the one run directory); returns report.md's path."""
    paths = [Path(p) for p in run_dirs]
    if out is None and len(paths) > 1:
        raise ConfigError("--out: several run directories given; name the folder to write the report into")
    runs = [load_run(path) for path in paths]
    groups = [g for g in group_runs(runs) if g.episodes]
    if not groups:
        raise ConfigError(f"{', '.join(map(str, paths))}: no episodes to report (episodes.jsonl is empty)")
    folder = Path(out) if out is not None else paths[0]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out: cannot create {folder}: {exc.strerror}") from None
    for name, figure in (("success", success_figure(groups)), ("time", time_figure(groups)),
                         ("replans", replans_figure(groups))):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        write_atomic(folder / PLOTS[name], buffer.getvalue())
    report = folder / "report.md"
    write_atomic(report, markdown(runs, groups))
    return report


# -- plots ------------------------------------------------------------------------------------------------------


def _figure(width: float, height: float) -> Any:
    """A figure drawn by Agg alone: no pyplot, no display, no global state."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _settings(groups: Sequence[Group]) -> list[str]:
    return sorted({g.setting for g in groups})


def success_figure(groups: Sequence[Group]) -> Any:
    """One panel per task: success rate by size, one bar (one colour) per setting, labelled successes/episodes."""
    from matplotlib.patches import Patch

    tasks = sorted({g.task for g in groups})
    settings = _settings(groups)
    figure = _figure(4.5 * len(tasks), 3.8)
    axes = figure.subplots(1, len(tasks), sharey=True, squeeze=False)[0]
    width = 0.8 / len(settings)
    for ax, task in zip(axes, tasks):
        sizes = sorted({g.size for g in groups if g.task == task})
        for i, setting in enumerate(settings):
            chosen = [g for g in groups if g.task == task and g.setting == setting]
            xs = [sizes.index(g.size) + (i - (len(settings) - 1) / 2) * width for g in chosen]
            bars = ax.bar(xs, [g.successes / len(g.episodes) for g in chosen], width, color=f"C{i}")
            ax.bar_label(bars, [f"{g.successes}/{len(g.episodes)}" for g in chosen], fontsize=8)
        ax.set_xticks(range(len(sizes)), [str(s) for s in sizes])
        ax.set_xlim(-0.5, len(sizes) - 0.5)
        ax.set_xlabel("size")
        ax.set_title(task)
        ax.set_ylim(0, 1.12)
    axes[0].set_ylabel("success rate")
    if len(settings) > 1:
        figure.legend(handles=[Patch(color=f"C{i}", label=s) for i, s in enumerate(settings)],
                      loc="outside upper center", ncols=min(len(settings), 3), fontsize=8)
    return figure


def time_figure(groups: Sequence[Group]) -> Any:
    """Mean time per episode, split into planning (every plan and replan) and the rest (goal reading,
    simulation and skills)."""
    figure = _figure(7, 0.45 * len(groups) + 1.4)
    ax = figure.subplots()
    labels = [g.label for g in groups]
    planning = [g.mean("plan_time_s") for g in groups]
    rest = [max(g.mean("wall_time_s") - p, 0.0) for g, p in zip(groups, planning)]
    ax.barh(labels, planning, label="planning")
    ax.barh(labels, rest, left=planning, label="perception, simulation and skills")
    ax.invert_yaxis()
    ax.set_xlabel("mean seconds per episode")
    figure.legend(loc="outside upper center", ncols=2, fontsize=8)
    return figure


def replans_figure(groups: Sequence[Group]) -> Any:
    """Per group, the share of episodes with 0, 1, 2, ... replans (the last class gathers the rest)."""
    from matplotlib import colormaps

    most = min(max(e["replans"] for g in groups for e in g.episodes), REPLAN_CLASSES - 1)
    figure = _figure(7, 0.45 * len(groups) + 1.6)
    ax = figure.subplots()
    labels = [g.label for g in groups]
    left = [0.0] * len(groups)
    colours = colormaps["viridis"]
    for replans in range(most + 1):
        shares = [sum(min(e["replans"], most) == replans for e in g.episodes) / len(g.episodes) for g in groups]
        name = f"{replans}+" if replans == REPLAN_CLASSES - 1 else str(replans)
        ax.barh(labels, shares, left=left, label=name, color=colours(replans / max(most, 1)))
        left = [a + b for a, b in zip(left, shares)]
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of episodes")
    figure.legend(title="replans in the episode", loc="outside upper center", ncols=most + 1, fontsize=8,
                  title_fontsize=8)
    return figure


# -- Markdown ---------------------------------------------------------------------------------------------------


def markdown(runs: Sequence[Run], groups: Sequence[Group]) -> str:
    lines = ["# nesy report", "", "## Runs", "", "| run directory | task | size | episodes | state |",
             "| --- | --- | --- | --- | --- |"]
    for run in runs:
        state = "complete" if run.complete else "incomplete (no summary.json)"
        lines.append(f"| `{run.path}` | {run.config['task']} | {run.config['size']} | {len(run.episodes)} | {state} |")
    lines += ["", "## Success by task and size", "", f"![success rate by task and size]({PLOTS['success']})", "",
              "| task | size | setting | episodes | success | replans (mean) | plan length (median) "
              "| planning per episode (median) | episode wall time (median) |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for g in groups:
        plan_length = f"{g.median('plan_length'):.0f}" if all("plan_length" in e for e in g.episodes) else "-"
        lines.append(f"| {g.task} | {g.size} | {g.setting or '-'} | {len(g.episodes)} "
                     f"| {g.successes}/{len(g.episodes)} ({g.successes / len(g.episodes):.1%}) "
                     f"| {g.mean('replans'):.2f} | {plan_length} | {g.median('plan_time_s'):.2f} s "
                     f"| {g.median('wall_time_s'):.2f} s |")
    lines += ["", "## Time per episode", "", f"![time breakdown]({PLOTS['time']})", "",
              "Planning is every plan and replan of the episode; the rest is reading the goal, simulating and "
              "running the skills. Wall times depend on the machine and on how many episodes ran at once.", "",
              "## Replans per episode", "", f"![replans per episode]({PLOTS['replans']})", ""]
    failures = [(g, e) for g in groups for e in g.episodes if not e["success"]]
    lines += ["## Failures", ""]
    if not failures:
        lines.append("None.")
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for g, e in failures:
        by_group[g.label].append(e)
    for label, episodes in by_group.items():
        lines.append(f"- {label}: {len(episodes)} failed")
        for e in episodes[:FAILURES_SHOWN]:
            lines.append(f"  - seed {e['seed']}: {e.get('reason') or 'no reason recorded'}")
        if len(episodes) > FAILURES_SHOWN:
            lines.append(f"  - and {len(episodes) - FAILURES_SHOWN} more")
    return "\n".join(lines) + "\n"
