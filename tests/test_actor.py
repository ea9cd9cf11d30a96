"""The directly evaluated actor gives SB3's deterministic ``predict`` to within float32 rounding."""

from __future__ import annotations

import numpy as np
import pytest

from policies.actor import DeterministicActor, deterministic_policy
from policies.learned import CHECKPOINTS, load_policy
from policies.skill import SKILL_NAMES


@pytest.mark.parametrize("skill", SKILL_NAMES)
def test_actor_equals_predict_to_float32_rounding(skill: str) -> None:
    model = load_policy(CHECKPOINTS / f"{skill}.zip")
    actor = DeterministicActor(model)
    rng = np.random.default_rng(0)
    size = model.observation_space.shape[0]
    # observations of the scale skills see (decimetres), wide ones that saturate the tanh, and zeros
    observations = [*rng.normal(0.0, 1.0, (150, size)), *rng.normal(0.0, 30.0, (50, size)), np.zeros(size)]
    for observation in np.asarray(observations, dtype=np.float32):
        expected, _ = model.predict(observation, deterministic=True)
        action = actor(observation)
        assert action.dtype == expected.dtype and action.shape == expected.shape
        assert np.allclose(action, expected, rtol=0.0, atol=1e-5), (observation, action, expected)


def test_unsupported_policy_falls_back_to_predict() -> None:
    class Model:
        policy = object()

        def predict(self, observation, deterministic=False):  # type: ignore[no-untyped-def]
            return observation * 2.0, None

    with pytest.raises(ValueError):
        DeterministicActor(Model())
    assert np.array_equal(deterministic_policy(Model())(np.ones(3)), np.full(3, 2.0))


@pytest.mark.parametrize("skill", SKILL_NAMES)
def test_actor_read_from_the_checkpoint_equals_the_models(skill: str) -> None:
    path = CHECKPOINTS / f"{skill}.zip"
    from_model = DeterministicActor(load_policy(path))
    from_file = DeterministicActor.from_checkpoint(path)
    rng = np.random.default_rng(1)
    observations = np.asarray([*rng.normal(0.0, 1.0, (100, from_model.observation_size)),
                               *rng.normal(0.0, 30.0, (20, from_model.observation_size))], dtype=np.float32)
    for observation in observations:
        assert np.array_equal(from_file(observation), from_model(observation))


def test_learned_skills_start_without_stable_baselines3() -> None:
    """Building SB3's model builds optimizers, which import torch's compiler: seconds of start-up."""
    import subprocess
    import sys

    code = ("import sys; from policies.learned import LearnedSkills; LearnedSkills(); "
            "print(sorted(m for m in ('stable_baselines3', 'torch._dynamo') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unreadable_checkpoint_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable SB3 checkpoint"):
        DeterministicActor.from_checkpoint(broken)


def test_actions_are_the_same_under_other_instruction_sets() -> None:
    """The float64 evaluation makes an action independent of the CPU's kernels: the same bits with numpy's
    BLAS told to use older kernels and numpy's own AVX-512 loops switched off."""
    import os
    import subprocess
    import sys

    code = ("import numpy as np; from policies.actor import DeterministicActor;"
            "from policies.learned import CHECKPOINTS;"
            "a = DeterministicActor.from_checkpoint(CHECKPOINTS / 'pick.zip');"
            "o = np.random.default_rng(2).normal(0, 1, (200, a.observation_size)).astype(np.float32);"
            "print(np.stack([a(x) for x in o]).tobytes().hex())")
    outputs = set()
    for extra in ({}, {"OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": "AVX512F AVX512_SKX"},
                  {"OPENBLAS_CORETYPE": "Nehalem"}):
        env = {**os.environ, **extra}
        outputs.add(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                   env=env).stdout)
    assert len(outputs) == 1
