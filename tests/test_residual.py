"""A residual policy on a frozen clone: zero residual is the clone, exactly; one file holds both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from agent.cli.main import EXIT_USER_ERROR, main
from envs.errors import ConfigError
from policies.actor import DeterministicActor
from policies.learned import CHECKPOINTS, LearnedSkills, load_actor, load_policy
from policies.residual import CORRECTED, ResidualAction, ResidualActor, combine, zero_residual
from policies.residual_files import MANIFEST, is_residual, save_residual
from policies.skill_envs import SKILL_ENV_IDS
from policies.skill_tasks import PickTask
from policies.training import train_controller

PICK = CHECKPOINTS / "pick.zip"
SCALE = 0.2


def _observations(size: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.asarray([*rng.normal(0.0, 1.0, (100, size)), *rng.normal(0.0, 30.0, (20, size))], dtype=np.float32)


@pytest.fixture(scope="module")
def residual_model() -> Any:
    """A fresh SAC residual on the pick clone, its output zeroed as training starts it."""
    from stable_baselines3 import SAC

    env = ResidualAction(gym.make(SKILL_ENV_IDS["pick"], randomise=True), load_actor(PICK), SCALE)
    model = SAC("MlpPolicy", env, seed=0, device="cpu", policy_kwargs={"net_arch": [256, 256]})
    zero_residual(model)
    return model


def test_a_zero_residual_acts_exactly_as_the_clone(residual_model: Any) -> None:
    clone = load_actor(PICK, skill="pick")
    combined = ResidualActor(clone, DeterministicActor(residual_model), SCALE)
    for observation in _observations(PickTask.size):
        assert np.array_equal(combined(observation), clone(observation))


def test_the_residual_moves_the_hand_only_and_within_its_scale() -> None:
    base = np.array([0.1, -0.95, 0.5, -1.0], dtype=np.float32)
    moved = combine(base, np.ones(4, dtype=np.float32), SCALE)
    assert np.allclose(moved, [0.3, -0.75, 0.7, -1.0]) and moved.dtype == np.float32
    assert np.array_equal(combine(base, -np.ones(4, dtype=np.float32), SCALE)[1], np.float32(-1.0)), "clipped"
    assert CORRECTED.tolist() == [1.0, 1.0, 1.0, 0.0]


def test_a_zero_residual_runs_the_clones_episode() -> None:
    """Through the wrapper, action zero replays the clone's own episode (randomised: latency included)."""
    clone = load_actor(PICK, skill="pick")
    direct, wrapped = gym.make(SKILL_ENV_IDS["pick"], randomise=True), \
        ResidualAction(gym.make(SKILL_ENV_IDS["pick"], randomise=True), clone, SCALE)
    (obs, _), (wrapped_obs, _) = direct.reset(seed=3), wrapped.reset(seed=3)
    done = False
    while not done:
        obs, reward, terminated, truncated, _ = direct.step(clone(obs))
        wrapped_obs, wrapped_reward, *_ = wrapped.step(np.zeros(4, dtype=np.float32))
        assert np.array_equal(obs, wrapped_obs) and reward == wrapped_reward
        done = terminated or truncated
    direct.close()
    wrapped.close()


def test_one_checkpoint_holds_clone_and_residual(residual_model: Any, tmp_path: Path) -> None:
    path = tmp_path / "pick.zip"
    save_residual(residual_model, PICK, SCALE, path)
    path.with_suffix(".json").write_text(json.dumps({"skill": "pick", "algorithm": "residual"}))
    assert is_residual(path) and not is_residual(PICK)
    clone = load_actor(PICK, skill="pick")
    loaded, model = load_actor(path, skill="pick"), load_policy(path, skill="pick")
    for observation in _observations(PickTask.size):
        assert np.array_equal(loaded(observation), clone(observation))
        assert np.array_equal(model.predict(observation, deterministic=True)[0], clone(observation))
    assert isinstance(LearnedSkills({"pick": path}).actors["pick"], ResidualActor)


def test_a_residual_checkpoint_without_its_clone_is_one_line(residual_model: Any, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    import zipfile

    whole = tmp_path / "whole.zip"
    save_residual(residual_model, PICK, SCALE, whole)
    for dropped, says in (("residual_base/policy.pt", "not a whole residual policy"),
                          (MANIFEST, None)):
        path = tmp_path / f"without-{dropped.replace('/', '-')}.zip"
        with zipfile.ZipFile(whole) as source, zipfile.ZipFile(path, "w") as out:
            for item in source.infolist():
                if item.filename != dropped:
                    out.writestr(item, source.read(item.filename))
        if says is None:  # without its manifest it is an ordinary SAC policy: the residual alone
            assert not is_residual(path)
            continue
        assert main(["eval", "controller", "--skill", "pick", "--checkpoint", str(path), "--episodes", "1",
                     "--quiet"]) == EXIT_USER_ERROR
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and says in err and path.name in err and "Traceback" not in err
    bad = tmp_path / "bad-manifest.zip"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(bad, "w") as out:
        for item in source.infolist():
            out.writestr(item, b"{\"format\": 9}" if item.filename == MANIFEST else source.read(item.filename))
    assert main(["eval", "controller", "--skill", "pick", "--checkpoint", str(bad), "--episodes", "1",
                 "--quiet"]) == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "format-1 residual manifest" in err


def test_residual_training_writes_one_policy_with_its_clone(tmp_path: Path) -> None:
    meta = train_controller("pick", "residual", steps=400, seed=5, out=tmp_path / "run", progress=False,
                            validation_episodes=1, init=PICK,
                            overrides={"residual_scale": 0.1, "residual_hold": 200})
    written = json.loads((tmp_path / "run" / "pick.json").read_text())
    assert written["algorithm"] == "residual" and written["demonstrations"]["episodes"] == 0
    assert written["residual"] == {"scale": 0.1, "hold": 200, "clone": str(PICK)}
    assert written["started_from"]["path"] == str(PICK)
    assert [point[0] for point in written["validation"]["curve"]] == [0, 100, 200, 300, 400]
    kept = written["validation"]["kept_step"]
    assert written["kept_stage"] == ("residual" if kept else "started_from")
    assert is_residual(Path(meta["path"])) and isinstance(load_actor(meta["path"], skill="pick"), ResidualActor)


def test_a_residual_needs_its_clone(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--init: --algo residual needs the clone"):
        train_controller("pick", "residual", out=tmp_path / "a")
    with pytest.raises(ConfigError, match="--residual-scale: sacbc has no residual_scale"):
        train_controller("pick", "sacbc", overrides={"residual_scale": 0.1}, out=tmp_path / "b")
