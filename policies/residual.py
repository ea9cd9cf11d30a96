"""A residual policy on a frozen clone: ``--algo residual``.

Fine-tuning the clone's own weights with SAC loses it (plain SAC) or holds it without improving it (``sacbc``,
docs/experiments/controllers.md, sections 1 to 6): the critic's slope moves the whole actor, and a small shift
of its mean loses grasps. A residual policy (Johannink et al. 2019, Silver et al. 2018) leaves the clone
untouched and learns a correction added to its action::

    action = clip(clone(observation) + scale * residual(observation), -1, 1)   (x, y, z; not the fingers)

``scale`` bounds how far reinforcement learning can ever move the policy from the clone, and a residual whose
mean starts at zero makes step 0 the clone exactly. ``ResidualAction`` wraps the skill environment so that
SB3's SAC (``policies/residual_sac.py`` adds an anchor at zero) learns the residual through its own ``learn``;
``ResidualActor`` executes clone and residual together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

#: the residual's exploration around zero at first (log standard deviation before squashing): a residual
#: of ``scale`` 0.1 then moves the executed action by about 0.035 of its bound, some 0.4 mm of the hand
RESIDUAL_LOG_STD = -1.0

Actor = Callable[[np.ndarray], np.ndarray]


#: the action components the residual corrects: the hand's motion (x, y, z), not the fingers. What
#: randomisation costs the clone is where the hand goes (one step of latency: overshoots that knock neighbours
#: over or push the object away, docs/experiments/controllers.md, section 4). (The first trials, residuals on
#: all four components, collapsed; the fingers were suspected, and cleared afterwards: a constant +-0.2 on
#: them costs the clone nothing. Section 7.)
CORRECTED = np.array([1.0, 1.0, 1.0, 0.0], dtype=np.float32)


def combine(base: np.ndarray, residual: np.ndarray, scale: float) -> np.ndarray:
    """The executed action: the clone's plus the scaled residual on the hand's motion (``CORRECTED``), clipped
    to the action bounds (+-1)."""
    correction = np.float32(scale) * CORRECTED * np.asarray(residual, dtype=np.float32)
    return np.clip(np.asarray(base, dtype=np.float32) + correction, -1.0, 1.0).astype(np.float32)


class ResidualAction(gym.Wrapper):
    """The skill environment as the residual sees it: the action given to ``step`` is the residual, and the
    environment executes ``combine(base(observation), residual, scale)`` on the observation the policy saw
    (``base``: the clone's deterministic action)."""

    def __init__(self, env: gym.Env, base: Actor, scale: float) -> None:
        super().__init__(env)
        self.base, self.scale = base, scale
        self._observation: np.ndarray | None = None

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        observation, info = self.env.reset(**kwargs)
        self._observation = observation
        return observation, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        if self._observation is None:
            raise RuntimeError("ResidualAction.step before reset")
        executed = combine(self.base(self._observation), action, self.scale)
        observation, reward, terminated, truncated, info = self.env.step(executed)
        self._observation = observation
        return observation, float(reward), terminated, truncated, info


class ResidualActor:
    """Clone and residual executed together, deterministically; ``predict`` is SB3's interface (for
    ``policies.evaluation``), calling it is ``policies.learned``'s."""

    def __init__(self, base: Actor, residual: Actor, scale: float) -> None:
        self.base, self.residual, self.scale = base, residual, scale

    def __call__(self, observation: np.ndarray) -> np.ndarray:
        return combine(self.base(observation), self.residual(observation), self.scale)

    def predict(self, observation: np.ndarray, deterministic: bool = True) -> tuple[np.ndarray, None]:
        return self(observation), None


def zero_residual(model: Any, log_std: float = RESIDUAL_LOG_STD) -> None:
    """Make a fresh SAC actor's deterministic output exactly zero (its mean layer's weights and bias zeroed),
    with the same narrow exploration ``log_std`` everywhere, so that step 0 of the residual policy is the
    clone. The layers below keep their random initialisation, so the mean layer gets gradients at once (its
    inputs are not zero), and the layers below as soon as its weights are no longer zero."""
    import torch

    actor = model.actor
    with torch.no_grad():
        actor.mu.weight.zero_()
        actor.mu.bias.zero_()
        actor.log_std.weight.zero_()
        actor.log_std.bias.fill_(log_std)

