"""The CLI on a table of bad inputs: every case exits 2 with exactly one line on stderr, never a traceback, and
leaves no output behind. Inputs cover every command: output paths (read-only, a file where a folder goes, a
folder where a file goes, a missing parent under a file), numbers (negative, zero, not a number, huge),
instructions (empty, 10,000 characters, control characters), PDDL files (empty, binary, truncated, unbalanced,
undefined names), YAML configs (unknown keys, wrong types, not a mapping, invalid YAML) and JSONL files (bad
lines). Each runs in-process through ``main()``: every case is refused before anything heavy loads, which is
the point, so the table stays fast."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent.cli import EXIT_USER_ERROR, main

REPO = Path(__file__).resolve().parents[1]
LONG_INSTRUCTION = "move the tower " * 700
BINARY = bytes(range(256)) * 4

CASES = [
    # -- output paths
    ("run-out-ro", ["run", "--goal", "oracle", "--out", "{RO}/r", "--quiet"]),
    ("run-out-file", ["run", "--goal", "oracle", "--out", "{D}/afile", "--quiet"]),
    ("run-out-under-file", ["run", "--goal", "oracle", "--out", "{D}/afile/r", "--quiet"]),
    ("run-json-ro", ["run", "--goal", "oracle", "--json", "{RO}/s.json", "--quiet"]),
    ("run-json-dir", ["run", "--goal", "oracle", "--json", "{D}", "--quiet"]),
    ("run-json-under-file", ["run", "--goal", "oracle", "--json", "{D}/afile/s.json", "--quiet"]),
    ("plan-out-ro", ["plan", "{D}/domain.pddl", "{D}/problem.pddl", "--out", "{RO}/p.txt"]),
    ("plan-out-dir", ["plan", "{D}/domain.pddl", "{D}/problem.pddl", "--out", "{D}"]),
    ("report-out-ro", ["report", "{D}", "--out", "{RO}/rep"]),
    ("report-out-file", ["report", "{D}", "--out", "{D}/afile"]),
    ("eval-controller-json-ro", ["eval", "controller", "--skill", "pick", "--json", "{RO}/e.json"]),
    ("eval-controller-json-dir", ["eval", "controller", "--skill", "pick", "--json", "{D}"]),
    ("eval-segmenter-json-ro", ["eval", "segmenter", "--json", "{RO}/e.json"]),
    ("eval-goals-json-ro", ["eval-goals", "{D}/keys.jsonl", "--json", "{RO}/g.json"]),
    ("domain-new-out-ro", ["domain", "new", "mine", "--out", "{RO}/mine"]),
    ("domain-new-out-file", ["domain", "new", "mine", "--out", "{D}/afile"]),
    ("align-out-ro", ["align", "--out", "{RO}/a", "--quiet"]),
    ("align-json-dir", ["align", "--json", "{D}", "--quiet"]),
    ("train-perception-out-ro", ["train", "perception", "--out", "{RO}/t", "--quiet"]),
    ("train-controller-out-file", ["train", "controller", "--skill", "pick", "--out", "{D}/afile", "--quiet"]),
    ("train-segmenter-out-dir", ["train", "segmenter", "--out", "{D}", "--quiet"]),
    ("experiment-out-ro", ["experiment", "run", "{REPO}/experiments/oracle-scripted.yaml", "--out", "{RO}/x",
      "--quiet"]),
    ("bench-json-ro", ["bench", "--json", "{RO}/b.json", "--quiet"]),
    ("run-out-nul", ["run", "--goal", "oracle", "--out", "a\x00b", "--quiet"]),
    # -- numbers
    ("run-size-0", ["run", "--size", "0"]),
    ("run-size-neg", ["run", "--size", "-2"]),
    ("run-size-huge", ["run", "--size", "100000000000000000000", "--goal", "oracle", "--quiet"]),
    ("run-episodes-word", ["run", "--episodes", "two"]),
    ("run-episodes-0", ["run", "--episodes", "0"]),
    ("run-seed-neg", ["run", "--seed", "-1"]),
    ("run-workers-0", ["run", "--workers", "0"]),
    ("run-max-replans-neg", ["run", "--max-replans", "-1"]),
    ("run-max-replans-float", ["run", "--max-replans", "1.5"]),
    ("scene-size-huge", ["scene", "--size", "99999"]),
    ("scene-seed-word", ["scene", "--seed", "x"]),
    ("plan-timeout-0", ["plan", "{D}/domain.pddl", "{D}/problem.pddl", "--timeout", "0"]),
    ("plan-timeout-word", ["plan", "{D}/domain.pddl", "{D}/problem.pddl", "--timeout", "soon"]),
    ("eval-controller-episodes-0", ["eval", "controller", "--skill", "pick", "--episodes", "0"]),
    ("eval-segmenter-scenes-neg", ["eval", "segmenter", "--scenes", "-5"]),
    ("train-perception-epochs-0", ["train", "perception", "--epochs", "0"]),
    ("train-controller-steps-word", ["train", "controller", "--skill", "pick", "--steps", "lots"]),
    ("train-segmenter-steps-0", ["train", "segmenter", "--steps", "0"]),
    ("align-iterations-0", ["align", "--iterations", "0"]),
    ("align-eval-episodes-neg", ["align", "--eval-episodes", "-1"]),
    ("domain-check-size-0", ["domain", "check", "{REPO}/domains/blocks", "--size", "0"]),
    ("goal-size-huge", ["goal", "--size", "1000", "--instruction", "put red on blue"]),
    # -- instructions
    ("run-instruction-empty", ["run", "--instruction", "", "--goal", "oracle", "--quiet"]),
    ("run-instruction-space", ["run", "--instruction", "   ", "--goal", "oracle", "--quiet"]),
    ("run-instruction-long", ["run", "--instruction", "{LONG}", "--goal", "oracle", "--controller", "scripted",
      "--size", "1", "--quiet"]),
    ("run-instruction-binary", ["run", "--instruction", "{BIN}", "--goal", "oracle", "--quiet"]),
    ("goal-instruction-empty", ["goal", "--instruction", ""]),
    ("run-variant-task", ["run", "--task", "sort", "--variant", "round", "--quiet"]),
    ("run-variant-hanoi", ["run", "--task", "hanoi", "--variant", "heavy", "--quiet"]),
    ("run-domain-task", ["run", "--task", "hanoi", "--domain", "{REPO}/domains/blocks", "--goal", "oracle",
      "--quiet"]),
    ("run-goal-checkpoint-oracle", ["run", "--goal", "oracle", "--goal-checkpoint", "{D}/afile", "--quiet"]),
    ("run-goal-checkpoint-missing", ["run", "--goal-checkpoint", "{D}/nope.pt", "--quiet"]),
    ("eval-controller-wrong-skill", ["eval", "controller", "--skill", "place", "--checkpoint",
      "{REPO}/policies/checkpoints/pick.zip"]),
    ("eval-controller-missing", ["eval", "controller", "--skill", "place", "--checkpoint", "{D}/none.zip"]),
    ("run-resume-missing", ["run", "--resume", "{D}/norun"]),
    ("run-resume-with-task", ["run", "--resume", "{D}", "--task", "blocks"]),
    ("goal-instruction-binary", ["goal", "--instruction", "{BIN}"]),
    ("run-domain-empty", ["run", "--domain", "", "--goal", "oracle", "--quiet"]),
    ("run-resume-out", ["run", "--resume", "{D}/badrun", "--out", "{D}/x"]),
    ("run-ray-empty", ["run", "--ray", "", "--goal", "oracle", "--controller", "scripted", "--size", "1", "--quiet"]),
    # -- PDDL
    ("plan-domain-empty", ["plan", "{D}/empty.pddl", "{D}/problem.pddl"]),
    ("plan-domain-binary", ["plan", "{D}/binary.pddl", "{D}/problem.pddl"]),
    ("plan-domain-trunc", ["plan", "{D}/trunc.pddl", "{D}/problem.pddl"]),
    ("plan-domain-unbal", ["plan", "{D}/unbal.pddl", "{D}/problem.pddl"]),
    ("plan-domain-undef", ["plan", "{D}/undef.pddl", "{D}/problem.pddl"]),
    ("plan-problem-trunc", ["plan", "{D}/domain.pddl", "{D}/ptrunc.pddl"]),
    ("plan-problem-undef", ["plan", "{D}/domain.pddl", "{D}/pundef.pddl"]),
    ("plan-problem-binary", ["plan", "{D}/domain.pddl", "{D}/binary.pddl"]),
    ("align-domain-missing", ["align", "--domain", "{D}/none.pddl", "--quiet"]),
    ("plan-problem-missing", ["plan", "{D}/domain.pddl", "{D}/none.pddl"]),
    ("plan-domain-folder", ["plan", "{D}", "{D}/problem.pddl"]),
    ("domain-check-binary", ["domain", "check", "{D}/binary.pddl"]),
    ("domain-check-missing", ["domain", "check", "{D}/none.pddl"]),
    ("run-domain-trunc", ["run", "--task", "blocks", "--domain", "{D}/trunc.pddl", "--goal", "oracle", "--quiet"]),
    ("run-domain-unbal", ["run", "--task", "blocks", "--domain", "{D}/unbal2.pddl", "--goal", "oracle", "--quiet"]),
    ("run-domain-binary", ["run", "--task", "blocks", "--domain", "{D}/binary.pddl", "--goal", "oracle", "--quiet"]),
    ("domain-new-bad-name", ["domain", "new", "bad name!", "--out", "{D}/newdom"]),
    # -- YAML configs
    ("train-perception-config-key", ["train", "perception", "--config", "{D}/badkey.yaml"]),
    ("train-perception-config-type", ["train", "perception", "--config", "{D}/badtype.yaml"]),
    ("train-perception-config-list", ["train", "perception", "--config", "{D}/list.yaml"]),
    ("train-perception-config-invalid", ["train", "perception", "--config", "{D}/invalid.yaml"]),
    ("train-controller-config-skill", ["train", "controller", "--config", "{D}/skillbad.yaml"]),
    ("train-controller-config-missing", ["train", "controller", "--config", "{D}/none.yaml"]),
    ("train-controller-no-skill", ["train", "controller", "--quiet"]),
    ("run-config-bad-value", ["run", "--config", "{D}/runbad.yaml"]),
    ("run-config-bad-key", ["run", "--config", "{D}/runkey.yaml"]),
    ("run-config-binary", ["run", "--config", "{D}/binary.pddl"]),
    ("experiment-bad-seeds", ["experiment", "run", "{D}/exp_bad.yaml", "--out", "{D}/x"]),
    ("experiment-list", ["experiment", "run", "{D}/exp_list.yaml", "--out", "{D}/x"]),
    ("experiment-missing", ["experiment", "run", "{D}/none.yaml", "--out", "{D}/x"]),
    # -- JSONL eval files
    ("eval-goals-bad-json", ["eval-goals", "{D}/bad.jsonl"]),
    ("eval-goals-missing-keys", ["eval-goals", "{D}/keys.jsonl"]),
    ("eval-goals-types", ["eval-goals", "{D}/types.jsonl"]),
    ("eval-goals-list", ["eval-goals", "{D}/list.jsonl"]),
    ("eval-goals-empty", ["eval-goals", "{D}/empty.jsonl"]),
    ("eval-goals-binary", ["eval-goals", "{D}/binary.pddl"]),
    ("eval-goals-missing", ["eval-goals", "{D}/none.jsonl"]),
    # -- other commands
    ("report-not-run", ["report", "{D}"]),
    ("report-several-without-out", ["report", "{D}/badrun", "{D}/keysrun"]),
    ("eval-segmenter-checkpoint-missing", ["eval", "segmenter", "--checkpoint", "{D}/none.pt", "--scenes", "1"]),
    ("report-missing", ["report", "{D}/none"]),
    ("results-root-missing", ["results", "--root", "{D}/none"]),
    ("bench-only-unknown", ["bench", "--only", "nosuch", "--quiet"]),
    ("unknown-command", ["fly"]),
    ("run-unknown-flag", ["run", "--fly"]),
    ("run-episodes-huge", ["run", "--episodes", "1000000000000", "--goal", "oracle", "--quiet"]),
    ("plan-timeout-huge", ["plan", "{D}/domain.pddl", "{D}/problem.pddl", "--timeout",
      "1000000000000000000000000000000"]),
    ("run-gui-workers", ["run", "--gui", "--workers", "2", "--goal", "oracle", "--quiet"]),
    ("report-bad-episodes", ["report", "{D}/badrun"]),
    ("report-episode-keys", ["report", "{D}/keysrun"]),
    ("run-resume-bad-episodes", ["run", "--resume", "{D}/badrun", "--quiet"]),
    ("run-resume-other-seeds", ["run", "--resume", "{D}/keysrun", "--quiet"]),
    ("align-domain-binary", ["align", "--task", "blocks", "--domain", "{D}/binary.pddl", "--quiet"]),
    ("align-instruction", ["align", "--task", "sort", "--variant", "heavy", "--quiet"]),
    ("scene-task-unknown", ["scene", "--task", "juggling"]),
    ("run-config-type", ["run", "--config", "{D}/runtype.yaml"]),
    ("experiment-bad-setting", ["experiment", "run", "{D}/exp_setting.yaml", "--out", "{D}/x"]),]


@pytest.fixture
def readonly(tmp_path: Path) -> Path | None:
    """A folder nothing can be written into (None if there is none). Root writes through any mode bits, so as
    root it is /sys, which the kernel keeps read-only."""
    if os.geteuid() != 0:
        folder = tmp_path / "readonly"
        folder.mkdir()
        folder.chmod(0o500)
        return folder
    return None if not Path("/sys").is_dir() or _writable(Path("/sys")) else Path("/sys")


def _writable(folder: Path) -> bool:
    try:
        (folder / ".nesy-fuzz").touch()
    except OSError:
        return False
    (folder / ".nesy-fuzz").unlink()
    return True


def make_inputs(folder: Path) -> None:
    """The bad (and the few good) input files the cases name."""
    folder.mkdir()
    domain = (REPO / "domains" / "blocks" / "domain.pddl").read_text()
    problem = (REPO / "tests" / "data" / "shipped" / "blocks-4.pddl").read_text()
    texts = {
        "afile": "x",
        "domain.pddl": domain,
        "problem.pddl": problem,
        "empty.pddl": "",
        "trunc.pddl": domain[: len(domain) // 2],
        "unbal.pddl": domain + "\n)",
        "unbal2.pddl": domain.replace("(:predicates", "(:predicates ((", 1),
        "undef.pddl": domain.replace("(clear ?x)", "(clearr ?x)", 1),
        "ptrunc.pddl": problem[: len(problem) // 2],
        "pundef.pddl": problem.replace("(:goal", "(:goal (and (nosuch a))", 1),
        "bad.jsonl": '{"task": "blocks"\n',
        "keys.jsonl": '{"task": "blocks", "size": 3}\n',
        "types.jsonl": '{"task": "blocks", "size": "three", "seed": 0, "instruction": "x"}\n',
        "list.jsonl": "[1, 2]\n",
        "empty.jsonl": "",
        "badkey.yaml": "nosuch: 1\n",
        "badtype.yaml": "epochs: many\n",
        "list.yaml": "- a\n- b\n",
        "invalid.yaml": "a: [1, \n",
        "runbad.yaml": "size: -3\n",
        "runkey.yaml": "task: hanoi\nbogus: 1\n",
        "runtype.yaml": "episodes: [1, 2]\n",
        "skillbad.yaml": "skill: fly\n",
        "exp_bad.yaml": "description: x\nseeds: nowhere\nruns: []\n",
        "exp_list.yaml": "- 1\n",
        "exp_setting.yaml": "description: x\nseeds: run-test\nepisodes: 2\nsettings:\n  bogus: 1\n"
                            "runs:\n  - {task: hanoi, size: 1}\n",
    }
    for name, text in texts.items():
        (folder / name).write_text(text)
    (folder / "binary.pddl").write_bytes(BINARY)
    for name, episodes in (("badrun", "not json\n"), ("keysrun", '{"seed": 7}\n')):
        (folder / name).mkdir()
        (folder / name / "config.yaml").write_text("task: hanoi\nsize: 1\nepisodes: 2\nseed: 0\ngoal: oracle\n"
                                                   "controller: scripted\n")
        (folder / name / "episodes.jsonl").write_text(episodes)


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its content (None for folders)."""
    return {str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes() for p in sorted(folder.rglob("*"))}


def test_the_table_covers_every_command() -> None:
    assert len(CASES) >= 60
    commands = {tuple(a for a in argv[:2] if not a.startswith("-") and "{" not in a) for _, argv in CASES}
    for command in ("run", "scene", "plan", "report", "align", "eval-goals", "results", "bench"):
        assert any(c[0] == command for c in commands), command
    for command in (("train", "perception"), ("train", "controller"), ("train", "segmenter"), ("eval", "controller"),
                    ("eval", "segmenter"), ("domain", "check"), ("domain", "new"), ("experiment", "run")):
        assert command in commands, command


@pytest.mark.parametrize("argv", [argv for _, argv in CASES], ids=[name for name, _ in CASES])
def test_bad_input_is_one_line_and_exit_2(argv: list[str], tmp_path: Path, readonly: Path | None,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    if readonly is None and any("{RO}" in a for a in argv):
        pytest.skip("no read-only folder on this machine")
    unwritable = (readonly or tmp_path) / "nesy-fuzz"
    inputs, work = tmp_path / "in", tmp_path / "work"
    make_inputs(inputs)
    work.mkdir()
    monkeypatch.chdir(work)  # a command that wrongly wrote its default output would write it here
    places = {"{D}": str(inputs), "{RO}": str(unwritable), "{REPO}": str(REPO),
              "{LONG}": LONG_INSTRUCTION, "{BIN}": "\x01\x02\x7f"}
    for key, value in places.items():
        argv = [a.replace(key, value) for a in argv]
    before = tree(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exited:  # argparse's own errors
        code = exited.code
    out, err = capsys.readouterr()
    assert code == EXIT_USER_ERROR, (out, err)
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nesy") and " error: " in lines[0], err
    assert len(lines[0]) < 600, "user text is echoed whole"
    assert tree(tmp_path) == before, "output left behind"
    assert not unwritable.exists()
