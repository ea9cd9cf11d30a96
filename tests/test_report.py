"""``nesy report``: plots and report.md from run directories, and clear errors for what is not a run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from agent.cli import EXIT_USER_ERROR, main
from agent.runs.config import RunConfig
from agent.runs.report import PLOTS, group_runs, load_run
from agent.runs.rundir import RunDir
from agent.runs.runner import run

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def episode(seed: int, success: bool = True, replans: int = 0, reason: str = "") -> dict[str, Any]:
    return {"seed": seed, "success": success, "replans": replans, "plan_time_s": 0.2, "wall_time_s": 1.5,
            "plan_length": 6, "reason": reason}


def make_run(path: Path, records: list[dict[str, Any]], complete: bool = True, **config: Any) -> Path:
    """A run directory as ``nesy run`` leaves it, without running the simulator."""
    run_dir = RunDir.create(str(path), "unused")
    run_dir.write_config(RunConfig(**{"goal": "oracle", **config}).to_dict())
    for record in records:
        run_dir.append_episode(record)
    if complete:
        run_dir.write_summary({"episodes": records})
    return path


def test_report_of_a_real_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    run(RunConfig(task="hanoi", size=1, episodes=2, goal="oracle", controller="scripted", out=str(out)), progress=False)
    assert main(["report", str(out)]) == 0
    assert str(out / "report.md") in capsys.readouterr().out
    for name in PLOTS.values():
        assert (out / name).read_bytes().startswith(PNG_SIGNATURE)
        assert Image.open(out / name).size[0] >= 400
    text = (out / "report.md").read_text()
    assert "| hanoi | 1 | - | 2 | 2/2 (100.0%) | 0.00 | 2 |" in text
    for name in PLOTS.values():
        assert f"]({name})" in text
    assert "## Failures\n\nNone." in text


def test_runs_group_by_task_size_and_what_differs(tmp_path: Path) -> None:
    a = make_run(tmp_path / "a", [episode(0), episode(1, False, 2, "after place d1 right: (on d1 right) missing")],
                 task="hanoi", size=2, planner="auto")
    b = make_run(tmp_path / "b", [episode(5), episode(6, replans=7)], task="hanoi", size=2, planner="auto", seed=5)
    c = make_run(tmp_path / "c", [episode(0)], task="hanoi", size=2, planner="pyperplan")
    d = make_run(tmp_path / "d", [episode(0), episode(1)], complete=False, task="blocks", size=3, planner="auto")
    groups = group_runs([load_run(p) for p in (a, b, c, d)])
    assert [(g.task, g.size, g.setting, len(g.episodes), g.successes) for g in groups] == [
        ("blocks", 3, "planner=auto", 2, 2), ("hanoi", 2, "planner=auto", 4, 3),
        ("hanoi", 2, "planner=pyperplan", 1, 1)]
    report = tmp_path / "report"
    assert main(["report", str(a), str(b), str(c), str(d), "--out", str(report)]) == 0
    text = (report / "report.md").read_text()
    assert "| hanoi | 2 | planner=auto | 4 | 3/4 (75.0%) | 2.25 |" in text
    assert "| blocks | 3 | planner=auto | 2 | 2/2 (100.0%) |" in text
    assert "incomplete (no summary.json)" in text
    assert "- hanoi 2 (planner=auto): 1 failed\n  - seed 1: after place d1 right: (on d1 right) missing" in text
    assert sorted(p.name for p in report.iterdir()) == sorted([*PLOTS.values(), "report.md"])
    assert not any(p.name.startswith("report") or p.suffix == ".png" for p in a.iterdir())


def test_report_is_the_same_twice(tmp_path: Path) -> None:
    folder = make_run(tmp_path / "a", [episode(0), episode(1, False, 1, "no")], task="sort", size=3)
    main(["report", str(folder)])
    first = {name: (folder / name).read_bytes() for name in [*PLOTS.values(), "report.md"]}
    main(["report", str(folder)])
    assert first == {name: (folder / name).read_bytes() for name in first}


@pytest.mark.parametrize("setup, words", [
    (lambda p: None, ["no such directory"]),
    (lambda p: p.mkdir(), ["not a run directory", "config.yaml"]),
    (lambda p: make_run(p, [episode(0)]).joinpath("episodes.jsonl").write_text('{"seed": 0}\n'),
     ["episodes.jsonl:1", "lacks success, replans"]),
    (lambda p: make_run(p, [episode(0)]).joinpath("episodes.jsonl").write_text(json.dumps(episode(0)) + "\n{oops\n"),
     ["episodes.jsonl:2", "not a JSON episode record"]),
    (lambda p: make_run(p, [episode(0)]).joinpath("config.yaml").write_text("task: [unclosed\n"),
     ["config.yaml", "not valid YAML"]),
    (lambda p: make_run(p, []).joinpath("episodes.jsonl").touch(), ["no episodes to report"]),
])
def test_not_a_run_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: Any, words: list[str]) -> None:
    folder = tmp_path / "x"
    setup(folder)
    assert main(["report", str(folder)]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert err.startswith("nesy report: error: ") and str(folder) in err
    for word in words:
        assert word in err


def test_several_runs_need_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = make_run(tmp_path / "a", [episode(0)])
    b = make_run(tmp_path / "b", [episode(0)])
    assert main(["report", str(a), str(b)]) == EXIT_USER_ERROR
    assert "--out" in capsys.readouterr().err
    assert not (a / "report.md").exists()
    assert main(["report", str(a), "--out", str(a / "config.yaml")]) == EXIT_USER_ERROR
    assert "--out: " in (err := capsys.readouterr().err) and "is a file, not a folder" in err
