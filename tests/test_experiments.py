"""Experiments as files: they load and check, run on locked seeds into results/, and the tables regenerate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from agent.cli import main
from agent.runs.experiments import Experiment
from agent.runs.results_tables import HEADLINE, Sources, regenerate
from envs.errors import ConfigError
from policies.seeds import RUN_TEST

REPO = Path(__file__).resolve().parents[1]
SMOKE = REPO / "tests" / "data" / "experiments" / "smoke.yaml"


def test_every_experiment_file_loads_and_draws_locked_seeds() -> None:
    files = sorted((REPO / "experiments").glob("*.yaml"))
    assert {f.stem for f in files} >= set(HEADLINE.values())
    for path in files:
        experiment = Experiment.load(path)
        assert all(c.seed in RUN_TEST and c.seed + c.episodes - 1 in RUN_TEST and c.episodes == experiment.episodes
                   for c in experiment.runs)
    headline = Experiment.load(REPO / "experiments" / "headline.yaml")
    assert [(c.task, c.size, c.goal, c.controller) for c in headline.runs] == [
        ("hanoi", 3, "perception", "learned"), ("hanoi", 4, "perception", "learned"),
        ("hanoi", 5, "perception", "learned"), ("blocks", 5, "perception", "learned"),
        ("blocks", 6, "perception", "learned"), ("sort", 6, "perception", "learned")]


def test_experiments_draw_the_same_seeds_or_none_in_common() -> None:
    """Experiments that compare configurations share their episodes; one that claims seeds no other reported
    on (``first_seed``) must not meet another's."""
    spans = set()
    for path in (REPO / "experiments").glob("*.yaml"):
        experiment = Experiment.load(path)
        spans |= {(c.seed, c.seed + c.episodes) for c in experiment.runs}
    for a in spans:
        for b in spans - {a}:
            assert a[1] <= b[0] or b[1] <= a[0], (a, b)


def test_first_seed_moves_an_experiment_inside_its_range(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("seeds: run-test\nfirst_seed: 10200000\nepisodes: 3\nruns: [{task: hanoi}]\n")
    experiment = Experiment.load(path)
    assert [(c.seed, c.episodes) for c in experiment.runs] == [(10_200_000, 3)]


@pytest.mark.parametrize("text, words", [
    ("seeds: run-development\nepisodes: 2\nruns: [{task: hanoi}]\n", ["x.yaml:1", "seeds", "locked"]),
    ("seeds: run-test\nepisodes: 2\nruns: [{task: hanoi}]\ncolour: red\n", ["x.yaml:4", "colour", "unknown key"]),
    ("seeds: run-test\nepisodes: 0\nruns: [{task: hanoi}]\n", ["x.yaml:2", "episodes"]),
    ("seeds: run-test\nepisodes: 2\nruns: [{task: hanoi, seed: 3}]\n", ["x.yaml:3", "run 1", "'seed'"]),
    ("seeds: run-test\nepisodes: 2\nruns: [{task: chess}]\n", ["x.yaml:3", "run 1", "--task"]),
    ("seeds: run-test\nepisodes: 2\nruns: [{task: hanoi}, {task: hanoi}]\n", ["share the id 'hanoi3'"]),
    ("seeds: run-test\nruns: [{task: hanoi}]\n", ["x.yaml", "missing key 'episodes'"]),
    ("seeds: run-test\nfirst_seed: 5\nepisodes: 2\nruns: [{task: hanoi}]\n", ["x.yaml:2", "first_seed", "run-test"]),
    ("seeds: run-test\nfirst_seed: 10999999\nepisodes: 2\nruns: [{task: hanoi}]\n",
     ["x.yaml:3", "episodes", "from 10,999,999"]),
])
def test_bad_experiment_files_name_file_line_and_key(tmp_path: Path, text: str, words: list[str]) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        Experiment.load(path)
    assert all(w in str(error.value) for w in words), str(error.value)


def test_a_tiny_experiment_runs_records_resumes_and_fills_its_table(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiments").mkdir()
    shutil.copy(SMOKE, tmp_path / "experiments" / "smoke.yaml")
    assert main(["experiment", "run", "experiments/smoke.yaml", "--quiet"]) == 0
    record = tmp_path / "results" / "smoke" / "hanoi2"
    summary = json.loads((record / "summary.json").read_text())
    assert summary["successes"] == 2 and summary["episodes"] == 2
    assert summary["seeds"] == [RUN_TEST.start, RUN_TEST.start + 1]
    assert summary["command"] == ("nesy run --task hanoi --size 2 --episodes 2 --seed 10000000 --controller scripted "
                                  "--goal oracle")
    assert yaml.safe_load((record / "config.yaml").read_text()) == summary["config"]
    lines = [json.loads(line) for line in (record / "episodes.jsonl").read_text().splitlines()]
    assert [line["seed"] for line in lines] == summary["seeds"] and all(line["success"] for line in lines)
    assert summary["plan_length_median"] == 6  # two discs: three moves, a pick and a place each

    raw_runs = sorted((tmp_path / "runs").iterdir())
    assert main(["experiment", "run", "experiments/smoke.yaml", "--quiet"]) == 0
    assert sorted((tmp_path / "runs").iterdir()) == raw_runs, "recorded configurations must not run again"
    shutil.rmtree(tmp_path / "results" / "smoke" / "hanoi1")
    assert main(["experiment", "run", "experiments/smoke.yaml", "--quiet", "--only", "hanoi2"]) == 0
    assert sorted((tmp_path / "runs").iterdir()) == raw_runs
    assert not (tmp_path / "results" / "smoke" / "hanoi1").exists()
    assert main(["experiment", "run", "experiments/smoke.yaml", "--only", "hanoi9"]) == 2

    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("# x\n")
    (tmp_path / "docs" / "results.md").write_text(
        "Intro.\n\n<!-- results:experiment:smoke -->\nstale\n<!-- /results:experiment:smoke -->\n\nEnd.\n")
    assert main(["results", "--root", str(tmp_path)]) == 1  # out of date
    assert main(["results", "--root", str(tmp_path), "--write"]) == 0
    assert main(["results", "--root", str(tmp_path)]) == 0
    text = (tmp_path / "docs" / "results.md").read_text()
    assert text.startswith("Intro.\n\n<!-- results:experiment:smoke -->\n") and text.endswith("End.\n")
    assert "| hanoi | 2 | 2/2 | 0 | 0 of 12 | 6 |" in text
    assert "`nesy run --task hanoi --size 1 --episodes 2 --seed 10000000 --controller scripted --goal oracle`" in text

    # a record made with another configuration is not shown as this file's
    summary["config"]["planner"] = "pyperplan"
    (record / "summary.json").write_text(json.dumps(summary))
    assert "| hanoi | 2 | not run |" in regenerate(Sources(tmp_path))[tmp_path / "docs" / "results.md"][1]


def test_the_repository_tables_are_what_results_give() -> None:
    """docs/results.md and README.md regenerate from results/ byte for byte (``nesy results --write``)."""
    for path, (text, regenerated) in regenerate(Sources(REPO)).items():
        assert text == regenerated, f"{path} is out of date: run nesy results --write"
    readme = (REPO / "README.md").read_text()
    assert "<!-- results:headline -->" in readme and "<!-- /results:headline -->" in readme


@pytest.mark.slow
def test_a_perception_experiment_reads_a_locked_split_with_the_shipped_network(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiments").mkdir()
    (tmp_path / "experiments" / "tiny.yaml").write_text(
        "description: Two scenes.\nkind: perception\nsplits: {locked-test: 2}\n")
    assert main(["experiment", "run", "experiments/tiny.yaml", "--quiet"]) == 0
    summary = json.loads((tmp_path / "results" / "tiny" / "locked-test" / "summary.json").read_text())
    assert summary["examples"] == 8 and 0.0 <= summary["accuracy"] <= 1.0  # 4 instructions a scene
    assert summary["config"]["checkpoint"] == "shipped" and len(summary["config"]["checkpoint_sha256"]) == 16
    scenes = json.loads(next((tmp_path / "runs" / "perception" / "data").glob("locked-test-2-*/meta.json"))
                        .read_text())["scenes"]
    assert [s["seed"] for s in scenes] == [11_000_000, 11_000_001], "locked-test draws from its locked range"
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("# x\n")
    results = tmp_path / "docs" / "results.md"
    results.write_text("<!-- results:experiment:tiny -->\n<!-- /results:experiment:tiny -->\n")
    assert main(["results", "--root", str(tmp_path), "--write"]) == 0
    assert f"| `locked-test` (2 scenes) | 8 | {summary['accuracy']:.1%} |" in results.read_text()


def test_a_missing_experiment_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["experiment", "run", str(tmp_path / "nope.yaml")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no such file" in err and "nope.yaml" in err
