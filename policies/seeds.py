"""Every seed range the project draws from, and which of them are locked for reporting.

A figure that helped choose a recipe, a hyperparameter or a checkpoint is no longer a fair estimate of how
that choice does on new scenes. So the ranges below come in two kinds: *open* ranges, which training,
validation and any tuning may use as often as they like, and *locked* ranges, which only reporting uses
(the experiments in ``experiments/`` and ``nesy eval controller``). Training and tuning commands refuse a
seed inside a locked range (``locked_range``), so a locked figure can never have been looked at while
choosing. The ranges are disjoint; ``tests/test_seeds.py`` checks that.

This module sits in ``policies`` because that is the lowest layer that draws seeds from a range of its own
(the skill environments); ``agent`` reads its run, alignment and perception ranges from here too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedRange:
    """Seeds ``start`` to ``stop - 1`` and what they are for."""

    name: str
    start: int
    stop: int
    purpose: str
    locked: bool = False

    def __contains__(self, seed: object) -> bool:
        return isinstance(seed, int) and self.start <= seed < self.stop

    def overlaps(self, start: int, stop: int) -> bool:
        """Whether seeds ``start`` to ``stop - 1`` meet this range."""
        return start < self.stop and self.start < stop

    def describe(self) -> str:
        return f"{self.name} ({self.start:,} to {self.stop - 1:,})"


# -- open ranges: training, validation, tuning ------------------------------------------------------------------------

#: ``nesy run`` seeds that development, demos and tuning use (README examples, ``--seed 0`` runs)
RUN_DEVELOPMENT = SeedRange("run-development", 0, 1_000_000, "nesy run while developing and tuning")
#: ``nesy align`` evaluates on seeds this far after its first alignment seed, so alignment never sees them
ALIGNMENT_EVAL_OFFSET = 100_000
#: scene seeds of the perception dataset: split ``s`` draws its scene ``i`` from ``base + i``, one million apart
PERCEPTION_SPLIT_SPAN = 1_000_000
PERCEPTION_SPLIT_BASES = {
    "train": 1_000_000,
    "test": 2_000_000,
    "held-out-templates": 3_000_000,
    "held-out-colours": 4_000_000,
    "larger": 5_000_000,
}
#: scene seeds of the camera segmenter's splits (``agent/vision/scenes.py``), one million apart; only
#: ``validation`` chose anything, ``test`` is what ``nesy eval segmenter`` reports
VISION_SPLIT_BASES = {
    "larger": 6_000_000,
    "train": 7_000_000,
    "validation": 8_000_000,
    "test": 9_000_000,
}
#: skill-environment episodes (``policies/skill_envs.py``): training and demonstrations draw below
#: validation's offset; ``EvalCallback`` validation while training starts at it
SKILL_VALIDATION_OFFSET = 900_000_000
#: ``nesy eval controller --seed s`` runs skill-environment episode seeds ``SKILL_EVAL_OFFSET + s``
SKILL_EVAL_OFFSET = 1_000_000_000

# -- locked ranges: reporting only -------------------------------------------------------------------------------------

#: end-to-end ``nesy run`` episodes of the reported experiments (``experiments/*.yaml``, ``docs/results.md``)
RUN_TEST = SeedRange("run-test", 10_000_000, 11_000_000, "nesy run episodes of reported experiments", locked=True)
#: perception splits drawn like ``test`` and ``larger`` but on scenes no recipe was ever chosen on
PERCEPTION_LOCKED_SPLIT_BASES = {"locked-test": 11_000_000, "locked-larger": 12_000_000}
PERCEPTION_LOCKED = SeedRange("perception-locked", 11_000_000, 13_000_000,
                              "scenes of the perception splits locked-test and locked-larger", locked=True)
#: scenes of the hand-written outside instruction sets (``tests/data/outside/``), which only reporting reads
OUTSIDE = SeedRange("outside", 13_000_000, 13_100_000, "scenes of the hand-written outside instruction sets",
                    locked=True)
#: skill-environment evaluation (``nesy eval controller``), which never chooses a checkpoint
SKILL_EVAL = SeedRange("skill-eval", SKILL_EVAL_OFFSET, 2 * SKILL_EVAL_OFFSET,
                       "nesy eval controller episodes", locked=True)

LOCKED_RANGES = (RUN_TEST, PERCEPTION_LOCKED, OUTSIDE, SKILL_EVAL)
#: every named range, open and locked, for the disjointness test and the docs
RANGES = (
    RUN_DEVELOPMENT,
    *(SeedRange(f"perception-{name}", base, base + PERCEPTION_SPLIT_SPAN, f"perception split {name}")
      for name, base in PERCEPTION_SPLIT_BASES.items()),
    *(SeedRange(f"vision-{name}", base, base + PERCEPTION_SPLIT_SPAN, f"segmenter split {name}")
      for name, base in VISION_SPLIT_BASES.items()),
    SeedRange("skill-validation", SKILL_VALIDATION_OFFSET, SKILL_EVAL_OFFSET, "skill-environment validation"),
    *LOCKED_RANGES,
)


def locked_range(start: int, count: int = 1) -> SeedRange | None:
    """The locked range that seeds ``start`` to ``start + count - 1`` meet, if any."""
    for locked in LOCKED_RANGES:
        if locked.overlaps(start, start + count):
            return locked
    return None


def refusal(flag: str, start: int, count: int = 1) -> str | None:
    """The one-line refusal a training or tuning command gives for seeds ``start`` to ``start + count - 1``,
    or None when none of them is locked."""
    locked = locked_range(start, count)
    if locked is None:
        return None
    seeds = f"seed {start:,} is in" if count == 1 else f"seeds {start:,} to {start + count - 1:,} reach into"
    return (f"{flag}: {seeds} the locked range {locked.describe()}, kept for reporting only; "
            f"training and tuning must use other seeds")
