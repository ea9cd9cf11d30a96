"""Runs that survive faults and interruption: a fault stays in its episode, Ctrl-C or SIGTERM leaves a partial
summary, ``--resume`` finishes the run as if it had never stopped, ``--config`` repeats one, ``--version``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from agent.cli import EXIT_USER_ERROR, main
from agent.runs.config import RunConfig
from agent.runs.runner import EpisodeRunner, RunInterrupted, run
from envs.errors import InstructionError

#: fields that measure time, not what happened: they differ between any two runs
CLOCKS = ("wall_time_s", "plan_time_s", "perceive_time_s", "act_time_s")


def fast(out: Path, episodes: int = 20, **changes: Any) -> RunConfig:
    settings: dict[str, Any] = {"task": "hanoi", "size": 1, "goal": "oracle", "controller": "scripted"}
    return RunConfig(episodes=episodes, out=str(out), **{**settings, **changes})


def without_clocks(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_clocks(v) for k, v in value.items() if k not in CLOCKS and k != "run_dir"}
    if isinstance(value, list):
        return [without_clocks(v) for v in value]
    return value


def summary(folder: Path) -> dict[str, Any]:
    return without_clocks(json.loads((folder / "summary.json").read_text()))


def interrupt_at(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """Make the episode of ``seed`` raise KeyboardInterrupt, as Ctrl-C in the middle of it would."""
    episode = EpisodeRunner.run

    def run_or_stop(self: EpisodeRunner, s: int) -> Any:
        if s == seed:
            raise KeyboardInterrupt
        return episode(self, s)

    monkeypatch.setattr(EpisodeRunner, "run", run_or_stop)


def test_interrupted_run_resumes_to_the_uninterrupted_summary(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    whole = run(fast(tmp_path / "whole"), progress=False)
    assert not whole["partial"] and len(whole["episodes"]) == 20

    with monkeypatch.context() as patch:
        interrupt_at(patch, 7)
        with pytest.raises(RunInterrupted, match=r"7 of 20 episodes finished.*--resume"):
            run(fast(tmp_path / "cut"), progress=False)
    partial = json.loads((tmp_path / "cut" / "summary.json").read_text())
    assert partial["partial"] and [e["seed"] for e in partial["episodes"]] == list(range(7))
    assert len((tmp_path / "cut" / "episodes.jsonl").read_text().splitlines()) == 7

    assert main(["run", "--resume", str(tmp_path / "cut"), "--quiet"]) == 0
    assert summary(tmp_path / "cut") == summary(tmp_path / "whole")
    assert (tmp_path / "cut" / "episodes.jsonl").read_text().count("\n") == 20


def test_resume_drops_a_line_cut_short(tmp_path: Path) -> None:
    run(fast(tmp_path / "whole", episodes=3), progress=False)
    run(fast(tmp_path / "cut", episodes=3), progress=False)
    episodes = tmp_path / "cut" / "episodes.jsonl"
    lines = episodes.read_text().splitlines(keepends=True)
    episodes.write_text(lines[0] + lines[1][:40])  # killed while writing the second record
    assert main(["run", "--resume", str(tmp_path / "cut"), "--quiet"]) == 0
    assert summary(tmp_path / "cut") == summary(tmp_path / "whole")


def test_resume_refuses_changed_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(fast(tmp_path / "r", episodes=1), progress=False)
    assert main(["run", "--resume", str(tmp_path / "r"), "--episodes", "5"]) == EXIT_USER_ERROR
    assert "drop --episodes" in capsys.readouterr().err
    assert main(["run", "--resume", str(tmp_path / "r"), "--max-r=3"]) == EXIT_USER_ERROR  # a prefix argparse takes
    assert "drop --max-replans" in capsys.readouterr().err
    assert main(["run", "--resume", str(tmp_path / "absent")]) == EXIT_USER_ERROR
    assert "not a run directory" in capsys.readouterr().err


def test_config_repeats_a_run(tmp_path: Path) -> None:
    run(fast(tmp_path / "first", episodes=2, seed=5, max_replans=3), progress=False)
    assert main(["run", "--config", str(tmp_path / "first" / "config.yaml"), "--out", str(tmp_path / "again"),
                 "--quiet"]) == 0
    assert summary(tmp_path / "again") == summary(tmp_path / "first")
    again = (tmp_path / "again" / "config.yaml").read_text()
    assert again.replace(str(tmp_path / "again"), "") == \
        (tmp_path / "first" / "config.yaml").read_text().replace(str(tmp_path / "first"), "")


def test_a_later_seed_that_lacks_the_object_fails_alone(tmp_path: Path) -> None:
    # blocks size 3: seed 0 has blue, purple and yellow blocks (purple on blue); seeds 1, 2 and 3 have no purple one
    result = run(fast(tmp_path / "r", episodes=4, task="blocks", size=3, instruction="put blue on purple"),
                 progress=False)
    first, *later = result["episodes"]
    assert first["success"] and "error" not in first
    for record in later:
        assert not record["success"] and "refused (absent-object): unknown block" in record["error"]
        assert record["reason"] == f"error: {record['error']}"
    assert sum(result["failures"].values()) == 3 and not result["partial"]
    assert [json.loads(line)["seed"] for line in (tmp_path / "r" / "episodes.jsonl").read_text().splitlines()] == \
        [0, 1, 2, 3]


def test_the_first_seed_rejecting_the_goal_stops_the_run(tmp_path: Path) -> None:
    with pytest.raises(InstructionError):
        run(fast(tmp_path / "r", episodes=3, instruction="juggle the discs"), progress=False)
    assert not (tmp_path / "r").exists()


def test_a_skill_exception_is_recorded_and_the_run_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.execution.episode as episode

    execute, calls = episode.execute, []

    def flaky(env: Any, domain: Any, config: Any, operator: Any, budget: int) -> Any:
        calls.append(operator)
        if len(calls) == 3:  # the first operator of seed 1's episode (hanoi 1 plans two per episode)
            raise RuntimeError("gripper jammed")
        return execute(env, domain, config, operator, budget)

    monkeypatch.setattr(episode, "execute", flaky)
    result = run(fast(tmp_path / "r", episodes=3), progress=False)
    assert [e["success"] for e in result["episodes"]] == [True, False, True]
    assert result["episodes"][1]["error"] == "RuntimeError: gripper jammed"
    assert result["failures"] == {"error: RuntimeError: gripper jammed": 1}


@pytest.mark.slow
def test_sigterm_writes_a_partial_summary(tmp_path: Path) -> None:
    out = tmp_path / "r"
    process = subprocess.Popen([sys.executable, "-m", "agent.cli", "run", "--task", "hanoi", "--size", "1",
                                "--episodes", "200", "--goal", "oracle", "--controller", "scripted", "--out", str(out),
                                "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out / "episodes.jsonl").exists():
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    done = len((out / "episodes.jsonl").read_text().splitlines())
    assert f"interrupted: {done} of 200 episodes finished" in err and "--resume" in err
    partial = json.loads((out / "summary.json").read_text())
    assert partial["partial"] and len(partial["episodes"]) == done


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("nesy ")
