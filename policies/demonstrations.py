"""Demonstrations for a skill: the scripted reference skill driven through the skill environment.

The scripted skills (``policies/scripted.py``) move the arm only through ``TaskEnv.apply_action``. Here
that call is routed through the skill environment's ``step``, so every scripted control step becomes a
transition (observation, action, reward, next observation) exactly as a policy would have produced it.
Training starts the policy from these (behaviour cloning) and keeps them in SAC's replay buffer.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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


class _RecordingEnv:
    """Looks like the episode's ``TaskEnv`` to a scripted skill; its ``apply_action`` steps the skill env."""

    def __init__(self, skill_env: SkillEnv, observation: np.ndarray, log: Demonstrations) -> None:
        self._skill_env = skill_env
        self._observation = observation
        self._log = log
        self.info: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._skill_env.env, name)

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


def record(skill: str, seeds: list[int], progress: bool = False) -> Demonstrations:
    """Run the scripted ``skill`` on the skill environment's episodes ``seeds``."""
    from tqdm import tqdm

    env = SKILL_ENVS[skill]()
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
