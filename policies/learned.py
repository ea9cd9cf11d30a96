"""Learned pick and place: stable-baselines3 policies drive the arm, one control step per action.

The policy's actions alone move the arm and the fingers; nothing scripted takes over when it falters. A
skill stops when its ``SkillTask`` reports success or failure from the detectors' view of the scene, or
when its budget of simulation steps runs out; a failure is the agent loop's to handle (it replans).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from envs.detectors import detect_holding
from envs.errors import ConfigError
from envs.task_env import SUBSTEPS, TaskEnv
from policies.actor import deterministic_policy
from policies.placement import NoFreeSpot
from policies.skill import SKILL_NAMES, SkillResult
from policies.skill_envs import MAX_STEPS
from policies.skill_tasks import RUNNING, SUCCESS, PickTask, PlaceTask, SkillTask

CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"
#: a learned skill gets this many times its training episode's length before it is stopped (a policy that
#: has not finished by then is stuck, and the episode's budget is better spent replanning)
PATIENCE = 3


def load_policy(path: str | Path, device: str = "cpu", skill: str | None = None) -> Any:
    """An SB3 model from ``path`` (``.zip``), its algorithm read from the metadata file beside it; with
    ``skill``, refused (one ``ConfigError`` line) unless it is a policy for that skill."""
    from policies.algorithms import algorithm_class
    from policies.threads import limit_torch_threads

    limit_torch_threads()
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"controller checkpoint {path} does not exist")
    meta_path = path.with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    if skill is not None and meta.get("skill", skill) != skill:
        raise ConfigError(f"{path}: a policy for {meta['skill']!r}, not {skill!r}")
    algorithm_cls = algorithm_class(meta.get("algorithm", "sac"))  # an unknown name is its own error
    try:
        model = algorithm_cls.load(path, device=device)
    except (ValueError, KeyError, OSError) as exc:
        raise ConfigError(f"{path}: not a stable-baselines3 policy ({exc})") from exc
    expected = (PickTask.size if skill == "pick" else PlaceTask.size,)
    if skill is not None and model.observation_space.shape != expected:
        raise ConfigError(f"{path}: a policy for {model.observation_space.shape[0]} observations, not {skill}'s "
                          f"{expected[0]} (a checkpoint of the other skill?)")
    return model


class LearnedSkills:
    """The ``pick`` and ``place`` skills backed by trained policies (default: the shipped ones)."""

    def __init__(self, checkpoints: dict[str, str | Path] | None = None, device: str = "cpu") -> None:
        paths = {skill: CHECKPOINTS / f"{skill}.zip" for skill in SKILL_NAMES}
        paths.update({k: Path(v) for k, v in (checkpoints or {}).items()})
        self.models = {skill: load_policy(path, device, skill) for skill, path in paths.items()}
        #: each model's deterministic action, evaluated without ``predict``'s per-call overhead
        self.actors = {skill: deterministic_policy(model) for skill, model in self.models.items()}

    def skills(self) -> dict[str, Any]:
        return {"pick": self.pick, "place": self.place}

    def pick(self, env: TaskEnv, args: Sequence[str], step_budget: int) -> SkillResult:
        (name,) = args
        world = env.world()
        if name not in world.objects or not world.objects[name].movable:
            return SkillResult(False, 0, f"{name!r} is not a movable object of this scene")
        return self._drive(env, "pick", PickTask(env, name), step_budget)

    def place(self, env: TaskEnv, args: Sequence[str], step_budget: int) -> SkillResult:
        name, target = args
        if (name,) not in detect_holding(env.world()):
            return SkillResult(False, 0, f"{name!r} is not in the hand")
        try:
            task = PlaceTask(env, name, target)
        except NoFreeSpot as exc:
            return SkillResult(False, 0, str(exc))
        return self._drive(env, "place", task, step_budget)

    def _drive(self, env: TaskEnv, skill: str, task: SkillTask, step_budget: int) -> SkillResult:
        actor = self.actors[skill]
        start = env.sim.steps
        deadline = start + min(step_budget, PATIENCE * MAX_STEPS[skill] * SUBSTEPS)
        world = env.world()
        status = task.status(world)
        while status.state == RUNNING and env.sim.steps + SUBSTEPS <= deadline:
            env.apply_action(np.asarray(actor(task.observe(world))))
            world = env.world()
            status = task.status(world)
        used = env.sim.steps - start
        if status.state == RUNNING:
            return SkillResult(False, used, f"{skill} did not finish within {used} simulation steps")
        return SkillResult(status.state == SUCCESS, used, status.reason)
