"""``nesy align`` and ``nesy run --variant``: the summary and files an alignment writes, the aligned domain
run back through ``nesy run --domain``, and user errors (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import EXIT_USER_ERROR, main
from agent.cli.main import build_parser
from envs.scenes import VARIANTS
from envs.scenes.registry import SCENES


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_every_variant_is_offered_and_built_by_its_scene() -> None:
    for command in ("run", "align"):
        with pytest.raises(SystemExit):
            build_parser().parse_args([command, "--variant", "no-such-variant"])
        for variant in VARIANTS:
            assert build_parser().parse_args([command, "--variant", variant]).variant == variant
    built = [variant for variant in VARIANTS for cls in (SCENES["blocks"], SCENES["hanoi"])
             if _builds(cls, variant)]
    assert built == list(VARIANTS)


def _builds(cls: type, variant: str) -> bool:
    try:
        cls(size=3, variant=variant)
    except ValueError:
        return False
    return True


def test_align_learns_writes_and_runs_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, summary_path = tmp_path / "align", tmp_path / "summary.json"
    assert main(["align", "--task", "blocks", "--variant", "heavy", "--size", "2", "--episodes", "4",
                 "--iterations", "1", "--eval-episodes", "1", "--seed", "0", "--out", str(out),
                 "--json", str(summary_path), "--quiet"]) == 0
    printed = capsys.readouterr().out
    summary = json.loads(summary_path.read_text())
    assert {"rules", "iterations", "before", "after", "aligned_domain"} <= summary.keys()
    assert [r["rule"] for r in summary["rules"]] == ["(pickup ?x) only when (not (heavy ?x))"]
    assert summary["iterations"][0]["episodes"] == 4 and "success_rate" in summary["iterations"][0]
    assert summary["iterations"][0]["new_rules"] == ["(pickup ?x) only when (not (heavy ?x))"]
    assert 0.0 <= summary["before"]["success_rate"] <= 1.0 and summary["after"]["episodes"] == 1
    assert "(pickup ?x) only when (not (heavy ?x))" in printed
    for name in ("transitions.jsonl", "episodes.jsonl", "summary.json", "aligned/domain.pddl",
                 "aligned/binding.yaml", "aligned/rules.txt", "aligned/rules.json"):
        assert (out / name).is_file(), name
    assert main(["run", "--domain", summary["aligned_domain"], "--variant", "heavy", "--size", "2", "--goal",
                 "oracle", "--controller", "scripted", "--seed", "7", "--out", str(tmp_path / "run"), "--quiet"]) == 0
    run = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert run["variant"] == "heavy" and run["task"] == "blocks"


def user_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert err.startswith(f"nesy {args[0]}: error: ")
    return err


def test_variant_the_task_lacks_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    err = user_error(capsys, "run", "--task", "sort", "--variant", "round", "--goal", "oracle", "--quiet")
    assert "--variant: task sort has no variants" in err
    err = user_error(capsys, "align", "--task", "sort", "--variant", "round", "--quiet")
    assert "--variant: task sort has no variants" in err
    err = user_error(capsys, "run", "--task", "hanoi", "--variant", "round", "--goal", "oracle", "--quiet")
    assert "--variant: task hanoi has no variant 'round' (its variants: weighted)" in err


def test_variant_too_small_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    err = user_error(capsys, "run", "--task", "blocks", "--size", "1", "--variant", "sizes", "--goal", "oracle",
                     "--quiet")
    assert "--variant: blocks: the sizes variant needs at least 2 blocks" in err
