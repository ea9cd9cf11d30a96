"""SAC fine-tuning that keeps its demonstrations: ``--algo sacbc``.

Plain SAC started from a cloned actor forgets the clone within a few thousand steps (validation fell from
97% to 0% for pick: docs/experiments/controllers.md): its first updates follow a critic that has seen
little but the clone's own successes, and nothing pulls the actor back. This subclass changes only
``train()``, in the two ways demonstration-guided off-policy methods do (DDPGfD, TD3+BC, RLPD):

- every batch is part demonstrations (``demo_fraction`` of it, drawn from a store of their own that online
  data never pushes out) and part the agent's own replay buffer; while that buffer is empty (the critic's
  warm-up before ``learn``, ``policies/imitation.py``) the whole batch is demonstrations;
- the actor's loss adds ``bc_weight`` times a cloning term on the demonstration rows, so the actor improves
  on the clone where the critic says so and stays near it where it does not. ``bc_loss="mean"`` is the
  squared error between its deterministic action and the demonstrated one. That holds only the mean, and
  the entropy term widens the policy unopposed (its log standard deviation rose from the clone's -1.5 to
  -0.7 within 250 updates). ``bc_loss="distribution"`` adds the squared distance of the log standard
  deviation from the clone's (``CLONED_LOG_STD``), so the whole action distribution is held; holding it
  did not stop a weak term (weight 1) from losing the clone, since the critic moves the mean
  (docs/experiments/controllers.md, sections 5 and 6). The negative log-likelihood of the demonstrated
  actions would hold both too, but nine in ten demonstrated pick actions have a component on a bound (+-1:
  a full step, the fingers open or shut), whose value before squashing is infinite; a clipped stand-in
  would pull the mean onto the clip and widen the deviation to cover the gap instead.
  ``bc_weight_end`` lets the weight fall linearly over ``learn``.

Everything else (critic and target updates, entropy tuning, saving, loading) is SAC's own.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import torch as th
from stable_baselines3 import SAC
from stable_baselines3.common.type_aliases import ReplayBufferSamples
from stable_baselines3.common.utils import polyak_update
from torch.nn import functional as F

from policies.bc_losses import BC_LOSSES

#: the cloned policy explores this narrowly around its actions at first (standard deviation before
#: squashing, ``policies/imitation.py``): wide enough to find better actions, narrow enough to keep what was
#: cloned; ``bc_loss="distribution"`` holds it there
CLONED_LOG_STD = -1.5


class Transitions(Protocol):
    """What ``set_demonstrations`` reads: ``policies.demonstrations.Demonstrations``, named by its shape
    because importing that module imports the scripted skills, which a policy loaded for execution must not
    (``tests/test_learned_skills.py``)."""

    observations: list[np.ndarray]
    actions: list[np.ndarray]
    next_observations: list[np.ndarray]
    rewards: list[float]
    dones: list[bool]


class SACBC(SAC):
    """SAC with demonstrations in every batch and a behaviour-cloning term in the actor's loss."""

    def __init__(self, *args: Any, bc_weight: float = 10.0, demo_fraction: float = 0.5, bc_loss: str = "mean",
                 bc_weight_end: float | None = None, **kwargs: Any) -> None:
        if not 0.0 < demo_fraction <= 1.0:
            raise ValueError(f"demo_fraction must be in (0, 1], got {demo_fraction}")
        if bc_loss not in BC_LOSSES:
            raise ValueError(f"bc_loss must be one of {', '.join(BC_LOSSES)}, got {bc_loss!r}")
        if bc_weight_end is not None and bc_weight_end < 0:
            raise ValueError(f"bc_weight_end must be at least 0, got {bc_weight_end}")
        self.bc_weight = bc_weight
        self.bc_loss = bc_loss
        self.bc_weight_end = bc_weight_end
        self.demo_fraction = demo_fraction
        self._demonstrations: ReplayBufferSamples | None = None
        self._demo_generator = th.Generator()
        super().__init__(*args, **kwargs)

    def set_demonstrations(self, demos: Transitions, seed: int = 0) -> None:
        """Keep ``demos`` (their transitions) for every later batch; ``seed`` fixes which rows are drawn."""
        def tensor(rows: list[Any]) -> th.Tensor:
            return th.as_tensor(np.asarray(rows, dtype=np.float32), device=self.device)

        self._demonstrations = ReplayBufferSamples(
            observations=tensor(demos.observations), actions=tensor(demos.actions),
            next_observations=tensor(demos.next_observations),
            dones=tensor(demos.dones).reshape(-1, 1), rewards=tensor(demos.rewards).reshape(-1, 1))
        self._demo_generator.manual_seed(seed)

    def _excluded_save_params(self) -> list[str]:
        return [*super()._excluded_save_params(), "_demonstrations", "_demo_generator"]

    def _batch(self, batch_size: int) -> tuple[ReplayBufferSamples, int]:
        """A training batch (demonstration rows first) and how many of its rows are demonstrations."""
        demos = self._demonstrations
        if demos is None:
            raise RuntimeError("SACBC needs set_demonstrations() before training")
        online = 0 if self.replay_buffer is None or self.replay_buffer.size() == 0 else \
            batch_size - round(batch_size * self.demo_fraction)
        rows = th.randint(len(demos.actions), (batch_size - online,), generator=self._demo_generator)
        demo_part = ReplayBufferSamples(demos.observations[rows], demos.actions[rows],
                                        demos.next_observations[rows], demos.dones[rows], demos.rewards[rows])
        if online == 0:
            return demo_part, batch_size
        replay = self.replay_buffer.sample(online, env=self._vec_normalize_env)  # type: ignore[union-attr]
        return ReplayBufferSamples(*(th.cat([d, r]) for d, r in zip(demo_part[:5], replay[:5]))), batch_size - online

    def current_bc_weight(self) -> float:
        """The cloning term's weight now: ``bc_weight``, or with ``bc_weight_end`` set, a linear fall from
        ``bc_weight`` at the start of ``learn`` to ``bc_weight_end`` at its end (SB3's progress remaining runs
        from 1 to 0), to let the critic move the actor further once its estimates have had time to settle."""
        if self.bc_weight_end is None:
            return self.bc_weight
        remaining = self._current_progress_remaining
        return self.bc_weight_end + (self.bc_weight - self.bc_weight_end) * remaining

    def cloning_loss(self, observations: th.Tensor, actions: th.Tensor) -> th.Tensor:
        """The cloning term on demonstration rows: the squared error of the deterministic action, plus (for
        ``bc_loss="distribution"``) that of the log standard deviation from the clone's."""
        mean, log_std, _ = self.actor.get_action_dist_params(observations)
        loss = F.mse_loss(th.tanh(mean), actions)
        if self.bc_loss == "distribution":
            loss = loss + F.mse_loss(log_std, th.full_like(log_std, CLONED_LOG_STD))
        return loss

    def train(self, gradient_steps: int, batch_size: int = 64) -> None:
        """SAC's update on mixed batches, with the behaviour-cloning term in the actor's loss."""
        self.policy.set_training_mode(True)
        optimizers = [self.actor.optimizer, self.critic.optimizer]
        if self.ent_coef_optimizer is not None:
            optimizers += [self.ent_coef_optimizer]
        self._update_learning_rate(optimizers)
        ent_coefs, actor_losses, critic_losses, bc_losses = [], [], [], []
        for gradient_step in range(gradient_steps):
            data, demo_rows = self._batch(batch_size)
            actions_pi, log_prob = self.actor.action_log_prob(data.observations)
            log_prob = log_prob.reshape(-1, 1)
            if self.ent_coef_optimizer is not None and self.log_ent_coef is not None:
                ent_coef = th.exp(self.log_ent_coef.detach())
                assert isinstance(self.target_entropy, float)
                ent_coef_loss = -(self.log_ent_coef * (log_prob + self.target_entropy).detach()).mean()
                self.ent_coef_optimizer.zero_grad()
                ent_coef_loss.backward()
                self.ent_coef_optimizer.step()
            else:
                ent_coef = self.ent_coef_tensor
            ent_coefs.append(ent_coef.item())

            with th.no_grad():
                next_actions, next_log_prob = self.actor.action_log_prob(data.next_observations)
                next_q = th.min(th.cat(self.critic_target(data.next_observations, next_actions), dim=1),
                                dim=1, keepdim=True)[0] - ent_coef * next_log_prob.reshape(-1, 1)
                target_q = data.rewards + (1 - data.dones) * self.gamma * next_q
            critic_loss = 0.5 * sum(F.mse_loss(q, target_q) for q in self.critic(data.observations, data.actions))
            assert isinstance(critic_loss, th.Tensor)
            critic_losses.append(critic_loss.item())
            self.critic.optimizer.zero_grad()
            critic_loss.backward()
            self.critic.optimizer.step()

            min_q_pi = th.min(th.cat(self.critic(data.observations, actions_pi), dim=1), dim=1, keepdim=True)[0]
            bc_loss = self.cloning_loss(data.observations[:demo_rows], data.actions[:demo_rows])
            actor_loss = (ent_coef * log_prob - min_q_pi).mean() + self.current_bc_weight() * bc_loss
            actor_losses.append(actor_loss.item())
            bc_losses.append(bc_loss.item())
            self.actor.optimizer.zero_grad()
            actor_loss.backward()
            self.actor.optimizer.step()

            if gradient_step % self.target_update_interval == 0:
                polyak_update(self.critic.parameters(), self.critic_target.parameters(), self.tau)
                polyak_update(self.batch_norm_stats, self.batch_norm_stats_target, 1.0)
        self._n_updates += gradient_steps
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        self.logger.record("train/ent_coef", np.mean(ent_coefs))
        self.logger.record("train/actor_loss", np.mean(actor_losses))
        self.logger.record("train/critic_loss", np.mean(critic_losses))
        self.logger.record("train/bc_loss", np.mean(bc_losses))
        self.logger.record("train/bc_weight", self.current_bc_weight())
