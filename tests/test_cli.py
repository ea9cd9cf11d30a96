"""The ``nesy`` command line: machine-readable output, the files a run writes, and user errors (exit 2)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli import EXIT_USER_ERROR, main
from agent.planning.domain import domain_folder
from envs.task_env import TaskEnv

REPO = Path(__file__).resolve().parents[1]


def nesy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agent.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=None)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs without --out write under runs/ in the working directory: keep that in tmp_path."""
    monkeypatch.chdir(tmp_path)


def test_scene_json_is_clean_and_complete(tmp_path: Path) -> None:
    done = nesy(tmp_path, "scene", "--task", "blocks", "--size", "3", "--seed", "1", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # nothing but the JSON on stdout: no banners
    assert report["task"] == "blocks" and report["size"] == 3 and report["seed"] == 1
    assert len(report["objects"]) == 3
    for obj in report["objects"]:
        assert {"name", "type", "color", "size", "position", "pixel"} <= obj.keys()
        assert obj["type"] == "block" and obj["color"] == obj["name"]
        assert obj["size"] == pytest.approx(0.04)
        assert len(obj["position"]) == 3 and len(obj["pixel"]) == 2
    env = TaskEnv("blocks", 3)
    try:
        env.reset(seed=1)
        assert report["symbolic_state"] == env.symbolic_state()
        assert [o["name"] for o in report["objects"]] == [o.name for o in env.scene.objects]
        for obj in report["objects"]:
            u, v = env.camera.project(env.sim.pose(obj["name"]).position)
            assert obj["pixel"] == [round(u), round(v)]
    finally:
        env.close()
    assert not (tmp_path / "runs").exists()


def test_scene_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scene", "--task", "hanoi", "--size", "2"]) == 0
    out = capsys.readouterr().out
    assert "hanoi size 2 seed 0" in out
    assert "(on d2 left)" in out and "right" in out


@pytest.mark.slow
def test_run_writes_files_and_refuses_to_reuse_its_folder(tmp_path: Path) -> None:
    out, json_path = tmp_path / "out", tmp_path / "summary.json"
    args = ["run", "--task", "hanoi", "--size", "2", "--episodes", "1", "--out", str(out), "--json", str(json_path),
            "--quiet"]
    done = nesy(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert "success rate" in done.stdout and "100.0%" in done.stdout
    assert {p.name for p in out.iterdir()} == {"config.yaml", "episodes.jsonl", "summary.json"}
    summary = json.loads(json_path.read_text())
    assert summary["task"] == "hanoi" and summary["size"] == 2 and summary["success_rate"] == 1.0
    (episode,) = summary["episodes"]
    assert {"seed", "success", "goal", "plan", "replans", "plan_time_s", "wall_time_s", "sim_steps"} <= episode.keys()
    episodes = (out / "episodes.jsonl").read_bytes()
    assert len(episodes.splitlines()) == 1

    again = nesy(tmp_path, *args)
    assert again.returncode == EXIT_USER_ERROR
    assert "--out" in again.stderr and str(out) in again.stderr and "Traceback" not in again.stderr
    assert (out / "episodes.jsonl").read_bytes() == episodes
    assert json.loads(json_path.read_text()) == summary


@pytest.mark.parametrize("args, words", [
    (["run", "--size", "0"], ["--size", "0"]),
    (["run", "--task", "nope"], ["--task", "nope"]),
    (["scene", "--seed", "-1"], ["--seed"]),
    (["run", "--episodes", "two"], ["--episodes", "two"]),
])
def test_bad_flags_exit_2(tmp_path: Path, args: list[str], words: list[str]) -> None:
    done = nesy(tmp_path, *args)
    assert done.returncode == EXIT_USER_ERROR
    for word in words:
        assert word in done.stderr
    assert done.stdout == ""


def test_no_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_USER_ERROR
    assert "run" in capsys.readouterr().out


def user_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run ``nesy ARGS`` in-process, expect exit 2, return stderr."""
    assert main(list(args)) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
    return err


@pytest.mark.parametrize("command", ["run", "scene"])
def test_unsupported_size_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    err = user_error(capsys, command, "--size", "9", "--task", "hanoi", *(["--quiet"] if command == "run" else []))
    assert "--size" in err and "9" in err and "hanoi" in err
    assert not (tmp_path / "runs").exists()


def test_unknown_colour_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = user_error(capsys, "run", "--task", "blocks", "--size", "3", "--instruction", "put magenta on blue",
                     "--goal", "oracle", "--out", str(tmp_path / "out"), "--quiet")
    assert "magenta" in err


def test_instruction_error_leaves_no_run_behind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user_error(capsys, "run", "--task", "blocks", "--size", "3", "--instruction", "put magenta on blue",
               "--goal", "oracle", "--out", str(tmp_path / "out"), "--quiet")
    assert not (tmp_path / "out").exists()


def test_gui_without_display_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    err = user_error(capsys, "run", "--gui", "--out", str(tmp_path / "out"), "--quiet")
    assert "--gui" in err and "DISPLAY" in err
    assert not (tmp_path / "out").exists()


def test_unknown_instruction_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = user_error(capsys, "run", "--task", "hanoi", "--size", "2", "--instruction", "juggle the discs",
                     "--goal", "oracle", "--out", str(tmp_path / "out"), "--quiet")
    assert "juggle the discs" in err


@pytest.mark.parametrize("line, old, new", [
    (6, "(:predicates", "(:predicates (("),
    (17, ":precondition", ":precondishun"),
    (17, "(clear ?x)", "(clear ?z)"),
])
def test_malformed_domain_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], line: int,
                                              old: str, new: str) -> None:
    lines = (domain_folder("blocks") / "domain.pddl").read_text().splitlines(keepends=True)
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new)
    bad = tmp_path / "broken-blocks.pddl"
    bad.write_text("".join(lines))
    err = user_error(capsys, "run", "--task", "blocks", "--size", "2", "--domain", str(bad),
                     "--out", str(tmp_path / "out"), "--quiet")
    assert re.search(rf"broken-blocks\.pddl:{line}:\d+", err), err
    assert not (tmp_path / "out").exists()


def test_missing_domain_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = user_error(capsys, "run", "--task", "blocks", "--domain", str(tmp_path / "absent.pddl"), "--quiet")
    assert "absent.pddl" in err
