"""Config files for training commands: checked like flags, flags win, the resolved config runs again."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.cli import EXIT_USER_ERROR, main
from agent.runs import config_file
from envs.errors import ConfigError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--algo", choices=("sac", "ppo"), default="sac")
    parser.add_argument("--name", default=None)
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--out", default=None)
    return parser


def test_file_values_are_checked_like_flags(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("steps: 20\nalgo: ppo\nname: 7\nfast: true\n")
    assert config_file.load(path, _parser()) == {"steps": 20, "algo": "ppo", "name": "7", "fast": True}
    for text, words in [("algo: dqn\n", ["c.yaml:1", "algo", "dqn"]), ("steps: 1\nsteps2: 3\n", ["c.yaml:2", "steps2"]),
                        ("steps: many\n", ["c.yaml:1", "steps"]), ("out: x\n", ["unknown key 'out'"]),
                        ("- steps\n", ["c.yaml", "mapping"]), ("steps: [1\n", ["c.yaml", "not valid YAML"]),
                        ("fast: 1\n", ["fast", "true or false"])]:
        path.write_text(text)
        with pytest.raises(ConfigError) as error:
            config_file.load(path, _parser())
        assert all(w in str(error.value) for w in words), (text, str(error.value))
    with pytest.raises(ConfigError, match="no such file"):
        config_file.load(tmp_path / "missing.yaml", _parser())


def test_flags_win_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("steps: 20\nalgo: ppo\n")
    parser = _parser()
    config_file.apply(parser, path)
    args = parser.parse_args(["--steps", "5"])
    assert config_file.resolved(args, parser) == {"algo": "ppo", "fast": False, "name": None, "steps": 5}


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """``nesy train controller`` with the training itself replaced by a record of what it was asked."""
    calls: list[dict[str, Any]] = []

    def fake(skill: str, algo: str, steps: int, envs: int, seed: int, out: str | None, progress: bool,
             demonstrations: int, init: str | None, randomised_demonstrations: bool,
             config: dict[str, Any], critic_steps: int, validation_episodes: int,
             overrides: dict[str, Any]) -> dict[str, Any]:
        calls.append(config)
        tunable = ("learning_rate", "ent_coef", "bc_weight", "demo_fraction", "bc_loss", "bc_weight_end",
                   "residual_weight", "residual_scale", "residual_hold")
        assert overrides == {key: config[key] for key in tunable if config[key] is not None}
        assert config == {"skill": skill, "algo": algo, "steps": steps, "envs": envs, "seed": seed,
                          "demonstrations": demonstrations, "randomised_demonstrations": randomised_demonstrations,
                          "init": init, "critic_steps": critic_steps, "validation_episodes": validation_episodes,
                          **{key: overrides.get(key) for key in tunable}}
        return {"steps": steps, "wall_seconds": 0, "cpu_seconds": 0, "energy": {"joules": 0, "source": "none"},
                "validation_success_rate": 1.0, "validation": {"episodes": 1, "kept_step": 0},
                "kept_stage": "cloning", "path": "x.zip"}

    monkeypatch.setattr("policies.training.train_controller", fake)
    return calls


def test_train_controller_resolves_file_and_flags_and_reruns_from_its_config(
        tmp_path: Path, recorded: list[dict[str, Any]]) -> None:
    path = tmp_path / "pick.yaml"
    path.write_text("skill: pick\nalgo: sacbc\nsteps: 300\nrandomised_demonstrations: true\nbc_weight: 2\n"
                    "ent_coef: auto_0.003\nbc_loss: distribution\n")
    assert main(["train", "controller", "--config", str(path), "--seed", "4", "--critic-steps", "5000",
                 "--ent-coef", "0.001", "--quiet"]) == 0
    assert recorded[-1] == {"skill": "pick", "algo": "sacbc", "steps": 300, "envs": 1, "seed": 4,
                            "demonstrations": 1000, "randomised_demonstrations": True, "init": None,
                            "critic_steps": 5000, "validation_episodes": 20, "learning_rate": None,
                            "ent_coef": 0.001, "bc_weight": 2.0, "demo_fraction": None, "bc_loss": "distribution",
                            "bc_weight_end": None, "residual_weight": None, "residual_scale": None,
                            "residual_hold": None}
    (tmp_path / "config.yaml").write_text(config_file.dump(recorded[-1]))
    assert main(["train", "controller", "--config", str(tmp_path / "config.yaml"), "--quiet"]) == 0
    assert recorded[-1] == recorded[-2]
    assert yaml.safe_load(config_file.dump(recorded[-1])) == recorded[-1]


@pytest.mark.parametrize("component, text, words", [
    ("controller", "skill: pick\ngamma: 0.9\n", ["gamma", "c.yaml:2", "unknown key"]),
    ("controller", "skill: pick\nent_coef: auto_-1\n", ["ent_coef", "c.yaml:2", "above 0"]),
    ("controller", "skill: pick\ndemo_fraction: 1.5\n", ["demo_fraction", "c.yaml:2", "at most 1"]),
    ("controller", "skill: pick\nbc_loss: nll\n", ["bc_loss", "c.yaml:2", "'nll'"]),
    ("controller", "skill: pick\nbc_weight_end: -1\n", ["bc_weight_end", "c.yaml:2", "at least 0"]),
    ("perception", "epochs: 0\n", ["c.yaml:1", "epochs", "at least 1"]),
    ("controller", "algo: sac\n", ["--skill", "required"]),
])
def test_bad_config_files_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               recorded: list[dict[str, Any]], component: str, text: str,
                                               words: list[str]) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    assert main(["train", component, "--config", str(path)]) == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and all(w in err for w in words), err
    assert not recorded
