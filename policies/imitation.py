"""Start a stable-baselines3 policy from demonstrations, before reinforcement learning tries to refine it.

Three steps, each standard: behaviour cloning of the actor on the demonstrations (regression of its
deterministic action onto the demonstrated one); for off-policy algorithms, the demonstrations go into
the replay buffer (``sacbc`` keeps them in a store of its own instead, drawn into every batch:
``policies/sacbc.py``); and the critic is fitted to the cloned actor before
the actor may move, so that the first policy updates follow a critic that knows the task instead of a
random one (which would undo the cloning).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from policies.demonstrations import Demonstrations
from policies.sacbc import CLONED_LOG_STD

#: the critic's fitting reports its loss after every so many updates
CRITIC_REPORT_EVERY = 250


def _action_and_log_std(model: Any, observations: Any) -> tuple[Any, Any]:
    """The action ``model`` takes deterministically and its exploration's log standard deviation,
    differentiable with respect to its parameters."""
    import torch

    if hasattr(model, "actor"):  # SAC, TQC: a squashed Gaussian actor
        mean, log_std, _ = model.actor.get_action_dist_params(observations)
        return torch.tanh(mean), log_std
    distribution = model.policy.get_distribution(observations).distribution  # PPO: a Gaussian, clipped later
    return distribution.mean, distribution.stddev.log()


def clone(model: Any, demos: Demonstrations, steps: int, seed: int, batch_size: int = 256,
          learning_rate: float = 1e-3) -> float:
    """Behaviour-clone ``model``'s actor on ``demos``; returns the last mean squared action error."""
    import torch

    observations = torch.as_tensor(np.stack(demos.observations), dtype=torch.float32)
    actions = torch.as_tensor(np.stack(demos.actions), dtype=torch.float32)
    parameters = model.actor.parameters() if hasattr(model, "actor") else model.policy.parameters()
    optimizer = torch.optim.Adam(parameters, lr=learning_rate)
    generator = torch.Generator().manual_seed(seed)
    loss = torch.tensor(0.0)
    for _ in range(steps):
        batch = torch.randint(len(actions), (batch_size,), generator=generator)
        action, log_std = _action_and_log_std(model, observations[batch])
        loss = (torch.nn.functional.mse_loss(action, actions[batch])
                + 0.01 * ((log_std - CLONED_LOG_STD) ** 2).mean())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return float(loss.detach())


def fill_replay_buffer(model: Any, demos: Demonstrations) -> int:
    """Add the demonstrations to an off-policy ``model``'s replay buffer (in groups of its env count)."""
    n_envs = model.n_envs
    added = 0
    for start in range(0, len(demos) - n_envs + 1, n_envs):
        rows = slice(start, start + n_envs)
        model.replay_buffer.add(np.stack(demos.observations[rows]), np.stack(demos.next_observations[rows]),
                                np.stack(demos.actions[rows]), np.asarray(demos.rewards[rows], dtype=np.float32),
                                np.asarray(demos.dones[rows]), [{} for _ in range(n_envs)])
        added += n_envs
    return added


def fit_critic(model: Any, gradient_steps: int, log_folder: str | None = None,
               every: int = CRITIC_REPORT_EVERY) -> list[tuple[int, float]]:
    """Run ``gradient_steps`` of the algorithm's own updates with the actor held fixed; returns the critic's
    loss (its TD error) after every ``every`` updates, averaged over them, to show whether it has settled.
    The model keeps a logger writing tensorboard events into ``log_folder`` (updates need a logger before
    ``learn``)."""
    from stable_baselines3.common.logger import configure

    if not hasattr(model, "critic"):
        return []
    model.set_logger(configure(log_folder, ["tensorboard"] if log_folder else []))
    frozen = list(model.actor.parameters())
    for parameter in frozen:
        parameter.requires_grad_(False)
    curve: list[tuple[int, float]] = []
    try:
        done = 0
        while done < gradient_steps:
            chunk = min(every, gradient_steps - done)
            model.train(gradient_steps=chunk, batch_size=model.batch_size)
            done += chunk
            curve.append((done, round(float(model.logger.name_to_value["train/critic_loss"]), 5)))
            model.logger.dump(done)
    finally:
        for parameter in frozen:
            parameter.requires_grad_(True)
    return curve
