"""Locked evaluation: seed ranges are disjoint, and training and tuning commands refuse the locked ones."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from agent.cli import EXIT_USER_ERROR, main
from agent.perception.dataset import EVAL_SPLITS, LOCKED_SPLITS, SPLITS
from policies import seeds
from policies.seeds import LOCKED_RANGES, PERCEPTION_LOCKED, RANGES, RUN_TEST, locked_range, refusal


def test_named_ranges_are_disjoint() -> None:
    for a, b in itertools.combinations(RANGES, 2):
        assert not a.overlaps(b.start, b.stop), f"{a.describe()} meets {b.describe()}"


def test_perception_splits_draw_from_their_named_ranges() -> None:
    for name, spec in SPLITS.items():
        locked = name in LOCKED_SPLITS
        assert (spec.seed_base in PERCEPTION_LOCKED) == locked, name
        assert (locked_range(spec.seed_base, seeds.PERCEPTION_SPLIT_SPAN) is not None) == locked, name
    assert not set(EVAL_SPLITS) & set(LOCKED_SPLITS), "training must never evaluate a locked split"


def test_segmenter_splits_draw_from_their_named_ranges() -> None:
    from agent.vision.scenes import SPLITS as VISION_SPLITS

    named = {r.name: r for r in RANGES}
    for name, spec in VISION_SPLITS.items():
        # validation-larger draws from the upper half of validation's range
        home = named["vision-validation"] if name == "validation-larger" else named[f"vision-{name}"]
        assert home.start <= spec.seed_base < home.stop, name
        assert locked_range(spec.seed_base, seeds.PERCEPTION_SPLIT_SPAN // 2) is None, name


def test_refusal_names_flag_and_range() -> None:
    assert refusal("--seed", 0) is None
    assert refusal("--seed", RUN_TEST.start - 10, 10) is None
    message = refusal("--seed", RUN_TEST.start - 10, 11)
    assert message is not None and message.startswith("--seed: seeds 9,999,990 to 10,000,000")
    assert "run-test" in message and "\n" not in message
    assert all(refusal("--seed", r.start) is not None for r in LOCKED_RANGES)


@pytest.mark.parametrize("args", [
    ["train", "perception", "--seed", str(RUN_TEST.start)],
    ["train", "controller", "--skill", "pick", "--seed", str(RUN_TEST.start + 5)],
    ["align", "--task", "blocks", "--episodes", "5", "--iterations", "2", "--seed", str(RUN_TEST.start - 9)],
])
def test_training_and_tuning_refuse_locked_seeds(args: list[str], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "locked range run-test" in err, err
    assert not (tmp_path / "runs").exists(), "a refused command must not leave a run directory"
