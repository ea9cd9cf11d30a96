"""Demonstrations for a skill: the scripted reference skill driven through the skill environment.

The scripted skills (``policies/scripted.py``) move the arm only through ``TaskEnv.apply_action``. Here
that call is routed through the skill environment's ``step``, so every scripted control step becomes a
transition (observation, action, reward, next observation) exactly as a policy would have produced it.
Training starts the policy from these (behaviour cloning) and keeps them in SAC's replay buffer.

With ``noise``, the arm executes the scripted action plus Gaussian noise while the transition records the
scripted action (DART, Laskey et al. 2017): the scripted skill corrects the drift on its next steps, so
the demonstrations also show how to recover from the small errors a cloned policy makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from policies.scripted import SKILLS
from policies.skill_envs import SKILL_ENVS, SkillEnv
from policies.skill_tasks import PlaceTask


@dataclass
class Demonstrations:
    """Transitions of scripted episodes: ``actions`` were executed, ``labels`` are what the scripted skill
    chose (they differ by the injected noise)."""

    observations: list[np.ndarray] = field(default_factory=list)
    actions: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)
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

    def __init__(self, skill_env: SkillEnv, observation: np.ndarray, log: Demonstrations, noise: float,
                 rng: np.random.Generator) -> None:
        self._skill_env = skill_env
        self._noise = noise
        self._rng = rng
        self._observation = observation
        self._log = log
        self.info: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._skill_env.env, name)

    def apply_action(self, action: np.ndarray) -> None:
        action = np.clip(np.asarray(action, dtype=np.float32), -1.0, 1.0)
        executed = action.copy()
        if self._noise > 0.0:
            executed[:3] = np.clip(executed[:3] + self._rng.normal(0.0, self._noise, size=3), -1.0, 1.0)
        observation, reward, terminated, truncated, self.info = self._skill_env.step(executed)
        log = self._log
        log.observations.append(self._observation)
        log.actions.append(executed)
        log.labels.append(action)
        log.rewards.append(reward)
        log.next_observations.append(observation)
        log.dones.append(terminated)
        self._observation = observation
        if terminated or truncated:
            raise _EpisodeOver


def record(skill: str, seeds: list[int], noise: float = 0.0, progress: bool = False) -> Demonstrations:
    """Run the scripted ``skill`` on the skill environment's episodes ``seeds``, executing its actions
    with ``noise`` (standard deviation, in action units) added to the motion."""
    from tqdm import tqdm

    env = SKILL_ENVS[skill]()
    log = Demonstrations()
    try:
        for seed in tqdm(seeds, desc=f"demonstrations {skill}", unit="episode", disable=not progress):
            observation, _ = env.reset(seed=seed)
            task = env.task
            args = (task.name, task.target) if isinstance(task, PlaceTask) else (task.name,)
            proxy = _RecordingEnv(env, observation, log, noise, np.random.default_rng(seed))
            try:
                SKILLS[skill](proxy, args, 10**6)
            except _EpisodeOver:
                pass
            log.episodes += 1
            log.successes += bool(proxy.info.get("is_success"))
    finally:
        env.close()
    return log
