"""The reinforcement-learning algorithms a controller can be trained with, by name.

Named here, apart from ``policies.training``, so that the CLI's ``--algo`` choices and loading a checkpoint
(``policies.learned``) need neither the training code nor stable-baselines3 until a class is asked for.
"""

from __future__ import annotations

from envs.errors import ConfigError

#: ``sacbc`` (SAC with demonstrations in every batch and a cloning term: ``policies/sacbc.py``) and
#: ``residual`` (SAC learning a bounded correction on a frozen clone: ``policies/residual.py``) keep the
#: clone; the others refine a clone without keeping it (docs/experiments/controllers.md)
ALGORITHMS = ("sacbc", "residual", "sac", "tqc", "ppo")


def algorithm_class(name: str) -> type:
    """The SB3 class for ``name`` (TQC comes from sb3-contrib)."""
    if name == "sacbc":
        from policies.sacbc import SACBC
        return SACBC
    if name == "residual":
        from policies.residual_sac import ResidualSAC
        return ResidualSAC
    if name == "sac":
        from stable_baselines3 import SAC
        return SAC
    if name == "ppo":
        from stable_baselines3 import PPO
        return PPO
    if name == "tqc":
        from sb3_contrib import TQC
        return TQC
    raise ConfigError(f"--algo: unknown algorithm {name!r} (choices: {', '.join(ALGORITHMS)})")
