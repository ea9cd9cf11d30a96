"""Demonstrations for a skill: the scripted reference skill driven through the skill environment.

The scripted skills (``policies/scripted.py``) move the arm only through ``TaskEnv.apply_action``. Here
that call is routed through the skill environment's ``step``, so every scripted control step becomes a
transition (observation, action, reward, next observation) exactly as a policy would have produced it.
Training starts the policy from these (behaviour cloning) and keeps them in SAC's replay buffer.

On randomised episodes (``randomise=True``) each action takes effect one control step after it is chosen.
The scripted skills steer the commanded target onto a waypoint in one step and wait for it to get there, so
with that delay they overshoot and never settle. The recorder hands them a Smith predictor instead of the
arm: the commanded target as it will be once the pending action is carried out. The demonstrations then
show how to act under the delay, which nominal ones never do.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from envs.robot import WORKSPACE_HIGH, WORKSPACE_LOW
from envs.task_env import MAX_STEP
from policies.scripted import SKILLS
from policies.skill_envs import SKILL_ENVS, SkillEnv
from policies.skill_tasks import PlaceTask


@dataclass
class Demonstrations:
    """Transitions of scripted episodes."""

    observations: list[np.ndarray] = field(default_factory=list)
    actions: list[np.ndarray] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    next_observations: list[np.ndarray] = field(default_factory=list)
    dones: list[bool] = field(default_factory=list)
    episodes: int = 0
    successes: int = 0

    def __len__(self) -> int:
        return len(self.actions)


class _EpisodeOver(Exception):
    """The skill environment ended the episode while the scripted skill was still moving."""


class _PredictedRobot:
    """The arm as a scripted skill should see it under action latency: ``target`` is where the commanded
    target will be after the pending action; everything else is the arm's own."""

    def __init__(self, skill_env: SkillEnv) -> None:
        self._skill_env = skill_env

    def __getattr__(self, name: str) -> Any:
        return getattr(self._skill_env.env.robot, name)

    @property
    def target(self) -> np.ndarray:
        """Read at every call: a skill keeps the arm object across control steps."""
        robot, pending = self._skill_env.env.robot, self._skill_env.pending_action
        if pending is None:
            return robot.target
        return np.clip(robot.target + pending[:3] * MAX_STEP, WORKSPACE_LOW, WORKSPACE_HIGH)


class _RecordingEnv:
    """Looks like the episode's ``TaskEnv`` to a scripted skill; its ``apply_action`` steps the skill env."""

    def __init__(self, skill_env: SkillEnv, observation: np.ndarray, log: Demonstrations) -> None:
        self._skill_env = skill_env
        self._observation = observation
        self._log = log
        self.info: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._skill_env.env, name)

    @property
    def robot(self) -> Any:
        env = self._skill_env
        return env.env.robot if env.pending_action is None else _PredictedRobot(env)

    def apply_action(self, action: np.ndarray) -> None:
        action = np.clip(np.asarray(action, dtype=np.float32), -1.0, 1.0)
        observation, reward, terminated, truncated, self.info = self._skill_env.step(action)
        log = self._log
        log.observations.append(self._observation)
        log.actions.append(action)
        log.rewards.append(reward)
        log.next_observations.append(observation)
        log.dones.append(terminated)
        self._observation = observation
        if terminated or truncated:
            raise _EpisodeOver


def record(skill: str, seeds: list[int], progress: bool = False, randomise: bool = False) -> Demonstrations:
    """Run the scripted ``skill`` on the skill environment's episodes ``seeds``, domain-randomised when
    ``randomise``."""
    from tqdm import tqdm

    env = SKILL_ENVS[skill](randomise=randomise)
    log = Demonstrations()
    try:
        for seed in tqdm(seeds, desc=f"demonstrations {skill}", unit="episode", disable=not progress):
            observation, _ = env.reset(seed=seed)
            task = env.task
            args = (task.name, task.target) if isinstance(task, PlaceTask) else (task.name,)
            proxy = _RecordingEnv(env, observation, log)
            with contextlib.suppress(_EpisodeOver):
                SKILLS[skill](proxy, args, 10**6)
            log.episodes += 1
            log.successes += bool(proxy.info.get("is_success"))
    finally:
        env.close()
    return log
