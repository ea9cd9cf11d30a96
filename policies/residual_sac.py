"""SAC for a residual policy, anchored at zero: ``--algo residual`` (``policies/residual.py``).

Plain SAC on the residual (runs R1 and R2 of docs/experiments/controllers.md, section 7) moved its mean by up to
half its bound within 1,000 updates, in a direction that changed from one checkpoint to the next: a critic
trained on a few thousand transitions has a slope everywhere, and the actor follows it. ``ResidualSAC`` adds
``residual_weight`` times the mean squared deterministic residual to the actor's loss, on every row of every
batch: the residual stays at zero (the clone) wherever the critic's slope is not consistently steeper. It is
``SACBC``'s cloning term with the clone itself as the demonstrator: its target, residual zero, is known on every
state the replay buffer holds, so no demonstrations are recorded and the batches are the replay buffer's alone.
"""

from __future__ import annotations

from typing import Any

import torch as th
from stable_baselines3.common.type_aliases import ReplayBufferSamples

from policies.sacbc import SACBC


class ResidualSAC(SACBC):
    """SAC whose actor's loss holds its deterministic action near zero by ``residual_weight``."""

    def __init__(self, *args: Any, residual_weight: float = 1.0, **kwargs: Any) -> None:
        if residual_weight < 0:
            raise ValueError(f"residual_weight must be at least 0, got {residual_weight}")
        super().__init__(*args, bc_weight=residual_weight, **kwargs)

    def _batch(self, batch_size: int) -> tuple[ReplayBufferSamples, int]:
        """A batch of the replay buffer, every row of it under the anchoring term."""
        if self.replay_buffer is None:
            raise RuntimeError("ResidualSAC trains on its replay buffer, which is not set up")
        return self.replay_buffer.sample(batch_size, env=self._vec_normalize_env), batch_size

    def cloning_loss(self, observations: th.Tensor, actions: th.Tensor) -> th.Tensor:
        """The mean squared deterministic residual: its distance from the clone (``actions``, the residuals
        explored, are not the target)."""
        mean, _, _ = self.actor.get_action_dist_params(observations)
        return (th.tanh(mean) ** 2).mean()
