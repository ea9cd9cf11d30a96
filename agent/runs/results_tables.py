"""The results tables of ``docs/results.md`` and README.md, generated from ``results/`` and nothing else.

Each table sits between two marker comments, ``<!-- results:NAME -->`` and ``<!-- /results:NAME -->``;
``nesy results --write`` replaces what is between them and leaves every other line alone, and ``nesy
results`` (without ``--write``) says which files are out of date. The same ``results/`` always give the same
bytes. ``docs/results.md`` holds one table per experiment file (``results:experiment:<name>``), each row with
the ``nesy run`` command that reproduces it; the README's ``results:headline`` puts the headline experiments
side by side. A configuration with no record yet shows "not run".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envs.errors import ConfigError
from agent.runs.experiments import Experiment, command, resolved, run_id

#: the README's headline table: column heading -> experiment; rows are the first experiment's runs
HEADLINE = {
    "perceived goals, learned skills": "headline",
    "oracle goals, learned skills": "oracle-goals",
    "oracle goals, scripted skills": "oracle-scripted",
}
NOT_RUN = "not run"


@dataclass(frozen=True)
class Sources:
    """Where the experiment files, the results and the documents are (the repository root's, by default)."""

    root: Path = Path(".")

    @property
    def experiments(self) -> Path:
        return self.root / "experiments"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def documents(self) -> tuple[Path, ...]:
        return self.root / "README.md", self.root / "docs" / "results.md"


def load_experiments(sources: Sources) -> dict[str, Experiment]:
    return {p.stem: Experiment.load(p) for p in sorted(sources.experiments.glob("*.yaml"))}


def record(sources: Sources, experiment: Experiment, index: int) -> dict[str, Any] | None:
    """The summary kept for run ``index`` of ``experiment``, if it was run with the configuration the file
    gives now (a record of an older configuration is not shown as if it were this one)."""
    config = experiment.runs[index]
    return _summary(sources.results / experiment.name / run_id(config) / "summary.json", resolved(config))


def _summary(path: Path, config: dict[str, Any]) -> dict[str, Any] | None:
    try:
        summary = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable summary: {exc}") from None
    return summary if summary.get("config") == config else None


def _percent(share: float) -> str:
    return f"{share:.1%}"


def perception_table(sources: Sources, experiment: Experiment) -> str:
    head = ["split", "instructions", "exact match", "by task", "by category", "image blanked (needs it)"]
    checkpoint = experiment.checkpoint or "the shipped checkpoint"
    lines = [f"`experiments/{experiment.name}.yaml`: {experiment.description} Checkpoint: {checkpoint}. "
             f"Reproduce: `nesy experiment run experiments/{experiment.name}.yaml`.", "", _row(head),
             _row(["---"] * len(head))]
    for split, scenes in experiment.splits:
        summary = _summary(sources.results / experiment.name / split / "summary.json",
                           experiment.split_config(split, scenes))
        if summary is None:
            lines.append(_row([f"`{split}` ({scenes} scenes)", NOT_RUN, "", "", "", ""]))
            continue
        by = {key: ", ".join(f"{k} {_percent(v)}" for k, v in summary[f"by_{key}"].items())
              for key in ("task", "category")}
        blanked = summary["blanked"]
        lines.append(_row([f"`{split}` ({scenes} scenes)", f"{summary['examples']:,}", _percent(summary["accuracy"]),
                           by["task"], by["category"], f"{_percent(blanked['accuracy'])} of {blanked['examples']}"]))
    return "\n".join(lines)


def _success(summary: dict[str, Any] | None) -> str:
    return NOT_RUN if summary is None else f"{summary['successes']}/{summary['episodes']}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def experiment_table(sources: Sources, experiment: Experiment) -> str:
    head = ["task", "size", "success", "episodes replanned", "operators failed", "plan length (median)",
            "sim steps (median)", "reproduce"]
    seeds = experiment.seeds.name if experiment.seeds else "none"
    lines = [f"`experiments/{experiment.name}.yaml`: {experiment.description} Seeds "
             f"{experiment.runs[0].seed:,} to {experiment.runs[0].seed + experiment.episodes - 1:,} "
             f"(locked range `{seeds}`).", "", _row(head), _row(["---"] * len(head))]
    for index, config in enumerate(experiment.runs):
        summary = record(sources, experiment, index)
        name = config.task + (f" `{config.variant}`" if config.variant else "")
        if summary is None:
            figures = [NOT_RUN, "", "", "", ""]
        else:
            figures = [_success(summary), f"{summary['episodes_replanned']}",
                       f"{summary['operators_failed']} of {summary['operators']:,}",
                       f"{summary['plan_length_median']:g}", f"{summary['sim_steps_median']:,.0f}"]
        lines.append(_row([name, str(config.size), *figures, f"`{command(config, experiment.workers)}`"]))
    return "\n".join(lines)


def headline_table(sources: Sources, experiments: dict[str, Experiment]) -> str:
    columns = {heading: experiments[name] for heading, name in HEADLINE.items()}
    first = next(iter(columns.values()))
    head = ["task", "size", *columns, "reproduce (first column)"]
    lines = [_row(head), _row(["---"] * len(head))]
    for config in first.runs:
        cells = [config.task, str(config.size)]
        for experiment in columns.values():
            matching = [i for i, c in enumerate(experiment.runs) if run_id(c) == run_id(config)]
            cells.append(_success(record(sources, experiment, matching[0])) if matching else NOT_RUN)
        lines.append(_row([*cells, f"`{command(config, first.workers)}`"]))
    lines += ["", "Each column is one experiment, `nesy experiment run experiments/<name>.yaml`:", ""]
    for heading, experiment in columns.items():
        how = "" if experiment is first else f" with {_differences(first, experiment)}"
        lines.append(f"- {heading}: `{experiment.name}`, the row's command{how}")
    return "\n".join(lines)


def _differences(first: Experiment, other: Experiment) -> str:
    """The ``nesy run`` flags ``other``'s runs add to ``first``'s, as they appear in its commands."""
    base = set(command(first.runs[0], first.workers).split(" --"))
    extra = [part for part in command(other.runs[0], other.workers).split(" --")[1:] if part not in base]
    return ", ".join(f"`--{part}`" for part in extra) if extra else "no other flags"


def tables(sources: Sources) -> dict[str, str]:
    """Every table by marker name."""
    experiments = load_experiments(sources)
    generated = {f"experiment:{name}": (perception_table if e.kind == "perception" else experiment_table)(sources, e)
                 for name, e in experiments.items()}
    if all(name in experiments for name in HEADLINE.values()):
        generated["headline"] = headline_table(sources, experiments)
    return generated


def fill(text: str, generated: dict[str, str], path: Path) -> str:
    """``text`` with the body of every marked table replaced by its generated version."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in generated:
            raise ConfigError(f"{path}: marker results:{name} names no table (known: {', '.join(sorted(generated))})")
        return f"<!-- results:{name} -->\n{generated[name]}\n<!-- /results:{name} -->"

    return re.sub(r"<!-- results:([\w:.-]+) -->\n.*?<!-- /results:\1 -->", replace, text, flags=re.S)


def regenerate(sources: Sources) -> dict[Path, tuple[str, str]]:
    """For each document: its text now and its text with the tables regenerated."""
    generated = tables(sources)
    out = {}
    for path in sources.documents:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: missing (it holds generated results tables)") from None
        out[path] = (text, fill(text, generated, path))
    return out
