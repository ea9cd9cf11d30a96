"""``sacbc``: SAC whose batches always hold demonstrations and whose actor's loss keeps a cloning term."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from torch.nn import functional as F

from policies.algorithms import algorithm_class
from policies.bc_losses import BC_LOSSES
from policies.demonstrations import record
from policies.sacbc import CLONED_LOG_STD, SACBC
from policies.skill_envs import SKILL_ENV_IDS


@pytest.fixture(scope="module")
def demos():
    return record("pick", [11, 12])


def _model(env: gym.Env, **kwargs) -> SACBC:
    return SACBC("MlpPolicy", env, seed=0, device="cpu", batch_size=64, learning_starts=0,
                 policy_kwargs={"net_arch": [32, 32]}, **kwargs)


def test_batches_mix_demonstrations_with_online_data(demos) -> None:
    env = gym.make(SKILL_ENV_IDS["pick"])
    model = _model(env, demo_fraction=0.25)
    model.set_demonstrations(demos, seed=0)
    batch, demo_rows = model._batch(64)
    assert demo_rows == 64 and len(batch.actions) == 64, "before any online data the batch is all demonstrations"
    assert model.replay_buffer is not None
    observation = np.zeros((1, *env.observation_space.shape), dtype=np.float32)
    model.replay_buffer.add(observation, observation, np.full((1, 4), 0.5, dtype=np.float32), np.zeros(1),
                            np.zeros(1), [{}])
    batch, demo_rows = model._batch(64)
    assert demo_rows == 16 and len(batch.actions) == 64
    assert np.allclose(batch.actions[demo_rows:].numpy(), 0.5), "the online rows come after the demonstrations"
    demo_actions = {tuple(np.round(a, 5)) for a in demos.actions}
    assert all(tuple(np.round(a, 5)) in demo_actions for a in batch.actions[:demo_rows].numpy())
    env.close()


def test_the_cloning_term_holds_the_actor_to_the_demonstrations(demos) -> None:
    """With a large cloning weight, training pulls the actor's actions towards the demonstrated ones;
    without it, nothing does."""
    from stable_baselines3.common.logger import configure

    errors = {}
    for weight in (0.0, 50.0):
        env = gym.make(SKILL_ENV_IDS["pick"])
        model = _model(env, bc_weight=weight, learning_rate=3e-3)
        model.set_demonstrations(demos, seed=0)
        model.set_logger(configure(None, []))
        model.train(gradient_steps=150, batch_size=64)
        predicted, _ = model.predict(np.stack(demos.observations), deterministic=True)
        errors[weight] = float(np.mean((predicted - np.stack(demos.actions)) ** 2))
        env.close()
    assert errors[50.0] < 0.5 * errors[0.0], errors


def test_the_distribution_term_is_the_mean_term_plus_the_log_std_distance(demos) -> None:
    """At the clone's log standard deviation the two terms agree; away from it only ``distribution`` grows."""
    env = gym.make(SKILL_ENV_IDS["pick"])
    terms = {loss: _model(env, bc_loss=loss) for loss in BC_LOSSES}
    terms["distribution"].actor.load_state_dict(terms["mean"].actor.state_dict())
    observations = th.as_tensor(np.stack(demos.observations), dtype=th.float32)
    actions = th.as_tensor(np.stack(demos.actions), dtype=th.float32)
    with th.no_grad():
        mean, log_std, _ = terms["mean"].actor.get_action_dist_params(observations)
        expected = F.mse_loss(th.tanh(mean), actions) + ((log_std - CLONED_LOG_STD) ** 2).mean()
        got = {loss: float(model.cloning_loss(observations, actions)) for loss, model in terms.items()}
    assert got["mean"] == pytest.approx(float(F.mse_loss(th.tanh(mean), actions)), rel=1e-5)
    assert got["distribution"] == pytest.approx(float(expected), rel=1e-5)
    assert got["distribution"] > got["mean"], "a fresh actor's log std (0) is far from the clone's"
    env.close()


def test_the_distribution_term_holds_the_exploration_that_entropy_widens(demos) -> None:
    """A strong entropy weight widens the policy; the ``distribution`` term keeps its log standard deviation
    near the clone's, the ``mean`` term does not (docs/experiments/controllers.md, section 6)."""
    from stable_baselines3.common.logger import configure

    observations = th.as_tensor(np.stack(demos.observations), dtype=th.float32)
    log_stds = {}
    for loss in BC_LOSSES:
        env = gym.make(SKILL_ENV_IDS["pick"])
        model = _model(env, bc_weight=5.0, bc_loss=loss, ent_coef=1.0, learning_rate=3e-3)
        with th.no_grad():  # start where a clone does
            model.actor.log_std.weight.zero_()
            model.actor.log_std.bias.fill_(CLONED_LOG_STD)
        model.set_demonstrations(demos, seed=0)
        model.set_logger(configure(None, []))
        model.train(gradient_steps=150, batch_size=64)
        with th.no_grad():
            log_stds[loss] = float(model.actor.get_action_dist_params(observations)[1].mean())
        env.close()
    assert abs(log_stds["distribution"] - CLONED_LOG_STD) < 0.5 < log_stds["mean"] - CLONED_LOG_STD, log_stds


def test_the_cloning_weight_falls_linearly_to_its_end_value() -> None:
    env = gym.make(SKILL_ENV_IDS["pick"])
    steady, falling = _model(env, bc_weight=4.0), _model(env, bc_weight=4.0, bc_weight_end=1.0)
    weights = []
    for remaining in (1.0, 0.5, 0.0):  # what SB3's learn sets as its steps go by
        steady._current_progress_remaining = falling._current_progress_remaining = remaining
        weights.append((steady.current_bc_weight(), falling.current_bc_weight()))
    assert weights == [(4.0, 4.0), (4.0, 2.5), (4.0, 1.0)]
    env.close()


def test_an_unknown_cloning_term_or_a_negative_end_weight_is_refused() -> None:
    env = gym.make(SKILL_ENV_IDS["pick"])
    with pytest.raises(ValueError, match="bc_loss must be one of mean, distribution"):
        _model(env, bc_loss="nll")
    with pytest.raises(ValueError, match="bc_weight_end must be at least 0"):
        _model(env, bc_weight_end=-1.0)
    env.close()


def test_saved_and_loaded_without_its_demonstrations(demos, tmp_path: Path) -> None:
    env = gym.make(SKILL_ENV_IDS["pick"])
    model = _model(env, bc_weight=3.0, bc_loss="distribution")
    model.set_demonstrations(demos)
    model.save(tmp_path / "m.zip")
    loaded = algorithm_class("sacbc").load(tmp_path / "m.zip", device="cpu")
    assert isinstance(loaded, SACBC) and loaded.bc_weight == 3.0 and loaded._demonstrations is None
    assert loaded.bc_loss == "distribution"
    assert (tmp_path / "m.zip").stat().st_size < 2 * 1024 * 1024
    env.close()
