"""Train a skill's policy with stable-baselines3 on its skill environment.

Reinforcement learning from scratch needs hundreds of thousands of steps to discover a grasp; on a
2-core CPU that is hours. So the policy starts from demonstrations of the scripted skill (cloned, with the
critic fitted to the clone before the actor moves: ``policies/imitation.py``), and reinforcement learning
then refines it on domain-randomised episodes (``policies/randomisation.py``). Plain SAC forgets the clone
(docs/experiments/controllers.md); ``sacbc`` (``policies/sacbc.py``) keeps the demonstrations in every
batch and in the actor's loss. The refining runs through SB3: vectorised environments
(``SubprocVecEnv`` when ``envs > 1``), ``learn`` with its progress bar and tensorboard logging, a callback
that scores the policy on validation episodes training never draws (nominal and randomised) and keeps the
best, ``CheckpointCallback`` into the run directory. The curve is plotted as ``validation.png``; the policy
kept is written atomically beside a metadata file saying how it was made and which stage trained it last;
``policies/checkpoints/`` ships the ones this produced.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import yaml
from stable_baselines3.common.callbacks import BaseCallback

from envs.errors import ConfigError
from policies.algorithms import algorithm_class
from policies.artifacts import atomic_path, commit, cpu_seconds, new_run_folder, write_atomic
from policies.energy import EnergyMeter
from policies.seeds import SKILL_VALIDATION_OFFSET, refusal
from policies.skill_envs import SKILL_ENV_IDS

#: validation episodes (EvalCallback's, while training) have seeds of their own, apart from training's
#: and from those ``nesy eval`` uses
VALIDATION_SEED = SKILL_VALIDATION_OFFSET
VALIDATION_EPISODES = 20
#: evaluations on the validation episodes during refinement
EVALUATIONS = 4
#: scripted episodes that start each policy, and the updates spent cloning them and fitting the critic
DEMONSTRATIONS = 1_000
CLONING_STEPS = 15_000
CRITIC_FITTING_STEPS = 2_000
DEFAULT_STEPS = 6_000
#: hyperparameters per algorithm, for refining a cloned policy. A short horizon (episodes last about 60
#: control steps) wants gamma 0.95 like panda-gym's manipulation tasks; a modest learning rate and a small
#: initial entropy weight slow the drift away from what cloning learned (SAC's default weight of 1 makes
#: entropy outweigh these rewards, and the actor turns to small, random actions within a few thousand
#: steps). On a small CPU one gradient step costs several simulation steps (it is bound by per-operation
#: overhead, not by the network's size), so off-policy updates come every other step. ``sacbc`` adds its
#: cloning term's weight (the SAC part of the actor's loss is of order one) and the demonstrations' share of
#: each batch. ``residual`` adds the weight of its anchor at zero, the largest correction as a share of the
#: action bound, and the steps the residual is held at zero while the critic learns (the first 1,000 of them
#: SB3's uniformly random actions: corrections of up to ``residual_scale`` around the clone); its values are
#: those of the best-validating run of docs/experiments/controllers.md, section 7 (R4).
HYPERPARAMETERS: dict[str, dict[str, Any]] = {
    "sacbc": {"learning_rate": 1e-4, "buffer_size": 300_000, "batch_size": 256, "gamma": 0.95, "tau": 0.02,
              "learning_starts": 500, "train_freq": 2, "gradient_steps": 1, "ent_coef": "auto_0.01",
              "bc_weight": 10.0, "demo_fraction": 0.5, "bc_loss": "mean",
              "bc_weight_end": None, "policy_kwargs": {"net_arch": [256, 256]}},
    "sac": {"learning_rate": 1e-4, "buffer_size": 300_000, "batch_size": 256, "gamma": 0.95, "tau": 0.02,
            "learning_starts": 500, "train_freq": 2, "gradient_steps": 1, "ent_coef": "auto_0.01",
            "policy_kwargs": {"net_arch": [256, 256]}},
    "tqc": {"learning_rate": 1e-4, "buffer_size": 300_000, "batch_size": 256, "gamma": 0.95, "tau": 0.02,
            "learning_starts": 500, "train_freq": 2, "gradient_steps": 1, "ent_coef": "auto_0.01",
            "policy_kwargs": {"net_arch": [256, 256], "n_critics": 2}},
    "residual": {"learning_rate": 3e-5, "buffer_size": 300_000, "batch_size": 256, "gamma": 0.95, "tau": 0.02,
                 "learning_starts": 1_000, "train_freq": 2, "gradient_steps": 1, "ent_coef": "auto_0.01",
                 "residual_weight": 0.1, "residual_scale": 0.1, "residual_hold": 3_000,
                 "policy_kwargs": {"net_arch": [256, 256]}},
    "ppo": {"learning_rate": 1e-4, "n_steps": 2048, "batch_size": 256, "gamma": 0.95, "n_epochs": 10,
            "policy_kwargs": {"net_arch": [256, 256]}},
}
#: the hyperparameters a run may change (``nesy train controller --bc-weight`` and the like), each with the
#: algorithms that have it; the values a run used are in its ``.json``
TUNABLE: dict[str, tuple[str, ...]] = {"learning_rate": ("sacbc", "residual", "sac", "tqc", "ppo"),
                                       "ent_coef": ("sacbc", "residual", "sac", "tqc"),
                                       "residual_weight": ("residual",), "residual_scale": ("residual",),
                                       "residual_hold": ("residual",),
                                       "bc_weight": ("sacbc",),
                                       "demo_fraction": ("sacbc",), "bc_loss": ("sacbc",),
                                       "bc_weight_end": ("sacbc",)}


def hyperparameters(algo: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """``algo``'s hyperparameters with ``overrides`` (keys of ``TUNABLE``) in place of the defaults; an
    override the algorithm has no use for is a ``ConfigError`` naming its flag."""
    chosen = dict(HYPERPARAMETERS[algo])
    for key, value in sorted((overrides or {}).items()):
        if algo not in TUNABLE.get(key, ()):
            raise ConfigError(f"--{key.replace('_', '-')}: {algo} has no {key} "
                              f"(it is for {', '.join(TUNABLE.get(key, ())) or 'no algorithm'})")
        chosen[key] = value
    return chosen


def make_envs(skill: str, n_envs: int, seed: int, randomise: bool = True,
              residual: tuple[Path, float] | None = None):
    """``n_envs`` monitored copies of the skill's environment (domain-randomised unless ``randomise`` is
    false), in subprocesses when more than one; with ``residual`` (a clone's checkpoint and a scale), each
    takes a residual action on that clone (``policies.residual.ResidualAction``)."""
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    common: dict[str, Any] = {"n_envs": n_envs, "seed": seed, "env_kwargs": {"randomise": randomise},
                              "monitor_kwargs": {"info_keywords": ("is_success",)}}
    if residual is not None:
        common.update(wrapper_class=residual_env, wrapper_kwargs={"clone": str(residual[0]), "scale": residual[1]})
    if n_envs > 1:
        return make_vec_env(SKILL_ENV_IDS[skill], vec_env_cls=SubprocVecEnv,
                            vec_env_kwargs={"start_method": "spawn"}, **common)
    return make_vec_env(SKILL_ENV_IDS[skill], vec_env_cls=DummyVecEnv, **common)


def residual_env(env: gym.Env, clone: str, scale: float) -> gym.Env:
    """``env`` taking residual actions on the policy in checkpoint ``clone`` (``ResidualAction``), built from
    picklable arguments so that a ``SubprocVecEnv`` worker can build it."""
    from policies.learned import load_actor
    from policies.residual import ResidualAction

    return ResidualAction(env, load_actor(clone, skill=getattr(env.unwrapped, "skill", None)), scale)


def train_controller(skill: str, algo: str = "sacbc", steps: int = DEFAULT_STEPS, envs: int = 1, seed: int = 0,
                     out: str | Path | None = None, progress: bool = True,
                     demonstrations: int = DEMONSTRATIONS, cloning_steps: int = CLONING_STEPS,
                     critic_steps: int = CRITIC_FITTING_STEPS, randomised_demonstrations: bool = False,
                     validation_episodes: int = VALIDATION_EPISODES, init: str | Path | None = None,
                     config: dict[str, Any] | None = None,
                     overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train ``skill``'s policy; returns the metadata written beside the policy in ``out``, and ``config``
    (the command's resolved settings, if given) as ``config.yaml`` (``nesy train controller --config``).

    ``demonstrations`` scripted episodes start the policy (``cloning_steps`` updates of behaviour cloning,
    ``critic_steps`` of critic fitting: ``policies/imitation.py``); then ``steps`` environment steps of
    ``algo`` on randomised episodes refine it. The policy runs the validation episodes (nominal and
    randomised) before refinement and ``EVALUATIONS`` times during it; the policy kept is the one with the
    best mean of the two success rates (the clone unless beaten; the latest among equal refined ones).
    ``init`` (a policy of the same algorithm family and skill, such as a shipped clone) replaces the
    cloning: its weights, actor and critic, are the start, and its metadata is kept in the new policy's.
    ``overrides`` replace some of ``HYPERPARAMETERS[algo]`` (``hyperparameters``). ``algo="residual"``
    records no demonstrations and clones nothing: ``init`` is the clone, frozen, and SAC learns a correction
    of at most ``residual_scale`` added to its actions (``policies/residual.py``); the kept policy is written
    with its clone in one file (``policies/residual_files.py``).
    """
    from stable_baselines3.common.callbacks import CallbackList, CheckpointCallback

    from policies.curves import plot_validation
    from policies.demonstrations import record
    from policies.imitation import clone, fill_replay_buffer, fit_critic
    from policies.residual import zero_residual

    if skill not in SKILL_ENV_IDS:
        raise ConfigError(f"--skill: unknown skill {skill!r} (choices: {', '.join(SKILL_ENV_IDS)})")
    if seed >= SKILL_VALIDATION_OFFSET:
        raise ConfigError(f"--seed: training seeds must stay below {SKILL_VALIDATION_OFFSET:,}, got {seed}")
    if (locked := refusal("--seed", seed)) is not None:
        raise ConfigError(locked)
    cls = algorithm_class(algo)
    chosen = hyperparameters(algo, overrides)
    # the wrapper's and the callback's, not arguments of SB3's
    scale: float | None = chosen.pop("residual_scale", None)
    hold: int = chosen.pop("residual_hold", 0)
    started_from = _init_metadata(Path(init), skill) if init is not None else None
    residual = _residual_base(init, scale, skill)
    run_dir, _ = new_run_folder(None if out is None else str(out), f"controller-{skill}")
    if config is not None:
        write_atomic(run_dir / "config.yaml", yaml.safe_dump(config, sort_keys=True))
    wall, cpu, source = time.perf_counter(), cpu_seconds(), commit()
    meter = EnergyMeter()
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)  # per-operation overhead, not arithmetic, bounds these small networks
    rng = np.random.default_rng(seed)
    demo_seeds = sorted(int(s) for s in rng.choice(SKILL_VALIDATION_OFFSET, size=demonstrations, replace=False))
    demos = record(skill, demo_seeds if scale is None else [], progress, randomise=randomised_demonstrations)
    train_env = make_envs(skill, envs, seed, residual=residual)
    model = cls("MlpPolicy", train_env, seed=seed, verbose=0, tensorboard_log=str(run_dir / "tensorboard"),
                device="cpu", **chosen)
    if init is None:
        cloning_error: float | None = clone(model, demos, cloning_steps, seed)
    elif residual is not None:
        cloning_steps, cloning_error, critic_steps = 0, None, 0
        zero_residual(model)
    else:
        cloning_steps, cloning_error = 0, None
        try:
            model.set_parameters(str(init), exact_match=True, device="cpu")
        except (ValueError, KeyError, OSError, RuntimeError) as exc:
            raise ConfigError(f"--init: {init} does not fit a {algo} policy for {skill} ({exc})") from exc
    if hasattr(model, "set_demonstrations") and residual is None:
        model.set_demonstrations(demos, seed)
    elif hasattr(model, "replay_buffer") and len(demos):
        fill_replay_buffer(model, demos)
    critic_curve = fit_critic(model, critic_steps, str(run_dir / "tensorboard" / skill)) \
        if hasattr(model, "replay_buffer") and critic_steps else []
    every = max(steps // EVALUATIONS // envs, 1)
    best = _Validation(run_dir / f"{skill}.zip", skill, validation_episodes, every,
                       None if residual is None else _ResidualSaving(*residual))
    best.consider(model, 0)
    if progress:
        start = f"the clone {init}" if residual is not None else \
            f"cloned from {demos.episodes} demonstrations ({demos.successes} successful)"
        print(f"{start}: validation success {best.success:.0%} over {validation_episodes} episodes, nominal and "
              f"randomised; refining with {algo}", flush=True)
    checkpoints = CheckpointCallback(save_freq=every, save_path=str(run_dir / "checkpoints"), name_prefix=skill)
    callbacks = CallbackList([best, _HoldActor(hold), checkpoints])
    model.learn(total_timesteps=steps, callback=callbacks, progress_bar=progress, tb_log_name=skill)
    train_env.close()
    plot_validation(best.curve, best.step, f"{skill}, {algo}", run_dir / "validation.png")
    trained_cpu, trained_wall = cpu_seconds() - cpu, time.perf_counter() - wall
    metadata = {
        "skill": skill, "algorithm": algo, "steps": steps, "envs": envs, "seed": seed,
        "demonstrations": {"episodes": demos.episodes, "successes": demos.successes, "transitions": len(demos),
                           "randomised": randomised_demonstrations,
                           "cloning_steps": cloning_steps, "critic_steps": critic_steps,
                           "cloning_error": None if cloning_error is None else round(cloning_error, 5),
                           # the critic's TD error while it is fitted: [updates so far, mean loss since the last]
                           "critic_loss_curve": critic_curve},
        "started_from": started_from,
        # --algo residual: the clone (started_from) is frozen; the policy adds scale x the residual to its actions
        "residual": None if scale is None else {"scale": scale, "hold": hold, "clone": str(init)},
        "randomised_training": True,
        "validation": {"episodes": validation_episodes, "first_seed": VALIDATION_SEED,
                       "curve_columns": ["step", "nominal", "randomised"], "curve": best.curve,
                       "kept_step": best.step},
        # the stage whose updates are the last in the kept policy: the algorithm after step 0; at step 0
        # the cloning (critic fitted), or with --init the policy started from
        "kept_stage": algo if best.step > 0 else ("cloning" if init is None else "started_from"),
        "validation_success_rate": best.success,
        "cpu_seconds": round(trained_cpu, 1), "wall_seconds": round(trained_wall, 1),
        "energy": meter.report(trained_cpu), "commit": source, "hyperparameters": _plain(chosen),
        "policy": best.path.name, "observation_size": int(np.prod(train_env.observation_space.shape)),
    }
    write_atomic(run_dir / f"{skill}.json", json.dumps(metadata, indent=2) + "\n")
    metadata["path"] = str(best.path)
    return metadata


def _init_metadata(path: Path, skill: str) -> dict[str, Any]:
    """The metadata of the policy ``--init`` names (its path and how it was made), refusing one of another
    skill or one without metadata."""
    meta_path = path.with_suffix(".json")
    if not path.is_file() or not meta_path.is_file():
        raise ConfigError(f"--init: {path} and its {meta_path.name} must both exist")
    try:
        meta = json.loads(meta_path.read_text())
    except (ValueError, OSError) as exc:
        raise ConfigError(f"--init: {meta_path} is not readable JSON ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("skill") != skill:
        raise ConfigError(f"--init: {path} is a policy for {meta.get('skill') if isinstance(meta, dict) else None!r}"
                          f", not {skill!r}")
    return {"path": str(path), "metadata": meta}


def _residual_base(init: str | Path | None, scale: float | None, skill: str) -> tuple[Path, float] | None:
    """The clone a residual run corrects and the residual's scale (None unless ``scale`` is given, i.e.
    ``--algo residual``); the clone must be a whole policy of ``skill`` of its own, not a residual policy."""
    from policies.policy_files import check_skill, inspect_policy
    from policies.residual_files import is_residual

    if scale is None:
        return None
    if init is None:
        raise ConfigError("--init: --algo residual needs the clone it corrects (a policy of the same skill)")
    check_skill(Path(init), inspect_policy(Path(init)), skill)
    if is_residual(Path(init)):
        raise ConfigError(f"--init: {init} is a residual policy already; give the clone it corrects")
    return Path(init), scale


class _HoldActor(BaseCallback):
    """Keeps the actor fixed for the first ``steps`` environment steps while the critic learns from the online
    data. A residual run has no demonstrations to fit its critic on beforehand, and SAC's first actor updates
    would follow a random critic: 100 of them, from the first step the critic trained, lost every validation
    episode (docs/experiments/controllers.md, section 7). Adam skips parameters without
    gradients, so the actor's optimizer does nothing while they are held."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.steps, self.held = steps, False

    def _on_training_start(self) -> None:
        self._hold(self.steps > 0)

    def _on_step(self) -> bool:
        if self.held and self.num_timesteps >= self.steps:
            self._hold(False)
        return True

    def _hold(self, held: bool) -> None:
        self.held = held
        actor: Any = getattr(self.model, "actor", None)  # off-policy models; PPO's is never held (hold 0)
        for parameter in [] if actor is None else actor.parameters():
            parameter.requires_grad_(not held)


class _ResidualSaving:
    """How a residual run's policy is validated and saved: clone and residual together, in one file."""

    def __init__(self, clone: Path, scale: float) -> None:
        from policies.learned import load_actor

        self.clone, self.scale = clone, scale
        self.base = load_actor(clone)

    def acting(self, model: Any) -> Any:
        """The combined policy, reading the residual's live weights (``DeterministicActor`` shares them)."""
        from policies.actor import DeterministicActor
        from policies.residual import ResidualActor

        return ResidualActor(self.base, DeterministicActor(model), self.scale)

    def save(self, model: Any, path: Path) -> None:
        from policies.residual_files import save_residual

        save_residual(model, self.clone, self.scale, path)


class _Validation(BaseCallback):
    """Every ``every`` calls, scores the policy on the same validation episodes, nominal and randomised,
    and keeps the policy with the best mean success rate, written atomically to ``path``: the clone (step
    0) unless a refined policy does strictly better, else the latest of the best refined ones. The same
    seeds every time, so successive points of the curve compare. ``residual`` scores and saves a residual
    run's policy with its clone."""

    def __init__(self, path: Path, skill: str, episodes: int, every: int,
                 residual: _ResidualSaving | None = None) -> None:
        super().__init__()
        self.path, self.skill, self.episodes, self.every = path, skill, episodes, every
        self.residual = residual
        self.success, self.step = -1.0, 0
        self.curve: list[tuple[int, float, float]] = []

    def consider(self, model: Any, step: int) -> None:
        from policies.evaluation import evaluate_policy_success

        policy = model if self.residual is None else self.residual.acting(model)
        nominal, randomised = (evaluate_policy_success(policy, self.skill, self.episodes, VALIDATION_SEED, randomise)
                               for randomise in (False, True))
        self.curve.append((step, nominal, randomised))
        success = (nominal + randomised) / 2
        # a refined policy must beat the clone (step 0) to replace it; among refined ones, the latest wins ties
        if success > self.success or (success == self.success and self.step > 0):
            self.success, self.step = success, step
            with atomic_path(self.path) as temporary:
                if self.residual is None:
                    model.save(temporary)
                else:
                    self.residual.save(model, temporary)

    def _on_step(self) -> bool:
        if self.n_calls % self.every == 0:
            self.consider(self.model, self.num_timesteps)
        return True


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value))
