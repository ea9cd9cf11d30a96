"""Run configuration: one dataclass, validated when built, written resolved into every run directory."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from agent.planning import PLANNERS
from envs.errors import ConfigError, quoted
from envs.scenes import TASK_VARIANTS, TASKS
from policies import CONTROLLERS

#: where an episode's goal comes from: the trained network reading image + instruction, or the rule-based
#: parser of the instruction text (exact on the phrasings it knows: the reference to compare with)
GOAL_SOURCES = ("perception", "oracle")
#: where the agent's symbolic state, object names and skill targets come from: the simulator's detectors and
#: names, or the camera frame alone (``agent.execution.observer``)
STATE_SOURCES = ("oracle", "camera")
VIDEO_FORMATS = ("mp4", "gif")
#: episodes one run may hold: its seeds, records and summary live in memory
MAX_EPISODES = 1_000_000


def check_instruction(text: str, otherwise: str = "") -> None:
    """Refuse an instruction no reader can use: empty, or not one line of text (``otherwise`` ends the hint)."""
    if not text.strip():
        raise ConfigError(f"--instruction: empty; say what to do{', ' + otherwise if otherwise else ''}")
    if not text.isprintable():
        raise ConfigError(f"--instruction: {quoted(text)} holds control characters; give one line of text")


@dataclass(frozen=True)
class RunConfig:
    """Everything that decides what ``nesy run`` does; the same config and seed give the same results."""

    task: str = "hanoi"
    size: int = 3
    episodes: int = 1
    seed: int = 0
    instruction: str | None = None
    domain: str | None = None
    planner: str = "auto"
    goal: str = "perception"
    #: perception checkpoint (default: the shipped one)
    goal_checkpoint: str | None = None
    device: str = "auto"
    controller: str = "learned"
    video: bool = False
    #: mp4 or gif; a run without ffmpeg writes gif
    video_format: str = "mp4"
    gui: bool = False
    out: str | None = None
    json: str | None = None
    #: replans allowed per episode after the first plan
    max_replans: int = 10
    #: simulation steps one operator's skill may use
    skill_step_budget: int = 4000
    #: simulation steps per episode; None means ``skill_step_budget * (2 * len(first plan) + 10)``
    episode_step_budget: int | None = None
    #: a variant world of the task whose physics breaks its domain (blocks: sizes, round, heavy; hanoi: weighted)
    variant: str | None = None
    #: disturbances per episode (``agent.execution.disturbance``): objects pushed, dropped, toppled or displaced
    #: between operators behind the agent's back
    disturb: int = 0
    #: ``oracle``: the detectors and the simulator's names; ``camera``: RGB-D frames alone (``agent.vision``)
    state: str = "oracle"

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ConfigError(f"--task: unknown task {self.task!r} (choices: {', '.join(TASKS)})")
        if self.goal not in GOAL_SOURCES:
            raise ConfigError(f"--goal: unknown goal source {self.goal!r} (choices: {', '.join(GOAL_SOURCES)})")
        if self.state not in STATE_SOURCES:
            raise ConfigError(f"--state: unknown state source {self.state!r} (choices: {', '.join(STATE_SOURCES)})")
        if self.controller not in CONTROLLERS:
            raise ConfigError(f"--controller: unknown controller {self.controller!r} "
                              f"(choices: {', '.join(CONTROLLERS)})")
        if self.video_format not in VIDEO_FORMATS:
            raise ConfigError(f"--video: unknown format {self.video_format!r} (choices: {', '.join(VIDEO_FORMATS)})")
        if self.planner not in PLANNERS:
            raise ConfigError(f"--planner: unknown planner {self.planner!r} (choices: {', '.join(PLANNERS)})")
        for flag, value in (("--episodes", self.episodes), ("--size", self.size),
                            ("skill_step_budget", self.skill_step_budget)):
            if value < 1:
                raise ConfigError(f"{flag}: must be at least 1, got {value}")
        if self.episodes > MAX_EPISODES:
            raise ConfigError(f"--episodes: at most {MAX_EPISODES:,} in one run, got {self.episodes:,}")
        if self.seed < 0:
            raise ConfigError(f"--seed: must be non-negative, got {self.seed}")
        if self.max_replans < 0:
            raise ConfigError(f"max_replans: must be non-negative, got {self.max_replans}")
        if self.disturb < 0:
            raise ConfigError(f"--disturb: must be non-negative, got {self.disturb}")
        if self.episode_step_budget is not None and self.episode_step_budget < 1:
            raise ConfigError(f"episode_step_budget: must be at least 1, got {self.episode_step_budget}")
        self._check_combinations()

    def _check_combinations(self) -> None:
        """Refuse, before anything loads, settings that cannot work together."""
        if self.instruction is not None:
            check_instruction(self.instruction, "or leave the flag out for the task's demo instruction")
        if self.domain is not None and not self.domain.strip():
            raise ConfigError("--domain: empty; name a domain folder or PDDL file, or leave the flag out")
        variants = TASK_VARIANTS.get(self.task, ())
        if self.variant is not None and self.variant not in variants:
            if not variants:
                raise ConfigError(f"--variant: task {self.task} has no variants")
            raise ConfigError(f"--variant: task {self.task} has no variant {self.variant!r} (its variants: "
                              f"{', '.join(variants)})")
        if self.disturb and self.state == "camera":
            raise ConfigError("--disturb: recovering needs fallen objects seen, which --state camera does not read "
                              "yet; use --state oracle")
        if self.goal_checkpoint is not None and self.goal != "perception":
            raise ConfigError("--goal-checkpoint: only the perception network reads one; drop it or use "
                              "--goal perception")

    def seeds(self) -> list[int]:
        """Episode ``i`` uses seed ``seed + i``."""
        return [self.seed + i for i in range(self.episodes)]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: a run directory's ``config.yaml`` keys that say where output went, not what ran: a repeat writes elsewhere
OUTPUT_KEYS = ("out", "json")


def as_flags(values: dict[str, Any]) -> dict[str, Any]:
    """A run directory's ``config.yaml`` (``RunConfig.to_dict()``) as the settings of ``nesy run``'s flags, so
    that ``nesy run --config RUN_DIR/config.yaml`` repeats the run: ``video`` and ``video_format`` become
    ``--video FORMAT``, the output keys are dropped. A file written with flag names passes unchanged."""
    flags = {key: value for key, value in values.items() if key not in OUTPUT_KEYS}
    if isinstance(flags.get("video"), bool):
        fmt = flags.pop("video_format", "mp4")
        flags["video"] = fmt if flags["video"] else None
    return flags
