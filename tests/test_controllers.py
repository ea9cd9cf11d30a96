"""Learned controllers: skill environments, the skill tasks' judgement, training, evaluation and use."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import yaml
from gymnasium.utils.env_checker import check_env

from agent.cli import main
from agent.runs.config import RunConfig
from agent.runs.runner import run
from envs.errors import ConfigError
from envs.simulation import TABLE_TOP_Z
from envs.task_env import TaskEnv
from policies.algorithms import ALGORITHMS
from policies.demonstrations import record
from policies.evaluation import evaluate_controller
from policies.learned import CHECKPOINTS, load_policy
from policies.seeds import SKILL_EVAL_OFFSET
from policies.skill_envs import SKILL_ENV_IDS, PlaceSkillEnv, RightSkillEnv
from policies.skill_tasks import FAILURE, RAMP, SUCCESS, PickTask, corridor_distance
from policies.training import algorithm_class, train_controller

SKILLS = sorted(SKILL_ENV_IDS)


@pytest.mark.parametrize("skill", SKILLS)
def test_skill_envs_pass_check_env(skill: str) -> None:
    env = gym.make(SKILL_ENV_IDS[skill])
    try:
        check_env(env.unwrapped, skip_render_check=True)
        obs, _ = env.reset(seed=3)
        assert obs.shape == env.observation_space.shape and obs.dtype == np.float32
        assert np.abs(obs).max() < 20.0, "observations are relative and scaled: values of order one"
    finally:
        env.close()


@pytest.mark.parametrize("skill", SKILLS)
def test_a_seed_fixes_the_episode(skill: str) -> None:
    env = gym.make(SKILL_ENV_IDS[skill])
    actions = np.random.default_rng(0).uniform(-1, 1, size=(15, 4)).astype(np.float32)
    try:
        runs = []
        for _ in range(2):
            obs, info = env.reset(seed=SKILL_EVAL_OFFSET + 7)
            trace = [obs]
            for action in actions:
                obs, _, terminated, truncated, info = env.step(action)
                trace.append(obs)
                if terminated or truncated:
                    break
            runs.append((np.stack(trace), info["task"], info["object"]))
        assert np.array_equal(runs[0][0], runs[1][0]) and runs[0][1:] == runs[1][1:]
    finally:
        env.close()


@pytest.mark.parametrize("skill", SKILLS)
def test_randomised_episodes_are_seeded_perturbations_of_the_nominal_ones(skill: str) -> None:
    """Same scene, same object, perturbed. Righting's start is the outcome of a knock, which the perturbed
    physics may change: where one knock leaves the object fallen and the other does not, that episode is
    drawn again and the two differ (15 of 20 evaluation seeds from 20 on matched)."""
    nominal, randomised = gym.make(SKILL_ENV_IDS[skill]), gym.make(SKILL_ENV_IDS[skill], randomise=True)
    seeds = range(SKILL_EVAL_OFFSET + 20, SKILL_EVAL_OFFSET + (26 if skill != "right" else 32))
    try:
        check_env(randomised.unwrapped, skip_render_check=True)
        changed = matched = 0
        for seed in seeds:
            _, plain = nominal.reset(seed=seed)
            first, info = randomised.reset(seed=seed)
            again, _ = randomised.reset(seed=seed)
            assert np.array_equal(first, again), "the seed fixes the perturbation too"
            same = (info["task"], info["object"]) == (plain["task"], plain["object"])
            assert same or skill == "right", "same scene, same object"
            if same:
                matched += 1
                sizes = [e.unwrapped.env.world().objects[info["object"]].half_extents[0]
                         for e in (nominal, randomised)]
                assert 0.8 - 1e-9 <= sizes[1] / sizes[0] <= 1.2 + 1e-9
                changed += sizes[1] != sizes[0]
        assert matched >= len(seeds) // 2 and changed >= matched - 2, "sizes are drawn, not fixed"
    finally:
        nominal.close()
        randomised.close()


def test_randomised_actions_take_effect_one_step_late() -> None:
    env = gym.make(SKILL_ENV_IDS["pick"], randomise=True)
    up, down = np.array([0, 0, 1, 0], dtype=np.float32), np.array([0, 0, -1, 0], dtype=np.float32)
    try:
        ends = []
        for second in (up, down):
            env.reset(seed=SKILL_EVAL_OFFSET + 3)
            env.step(up)
            ends.append(env.step(second)[0])
            ends.append(env.step(up)[0])
        assert np.array_equal(ends[0], ends[2]), "the second action has not acted yet after the second step"
        assert not np.array_equal(ends[1], ends[3]), "it has one step later"
    finally:
        env.close()


def test_corridor_keeps_above_obstacles_until_close() -> None:
    target = np.array([0.5, 0.0, 0.01])
    floor = 0.2
    far_low = corridor_distance(np.array([0.2, 0.0, 0.05]), target, floor)
    # far away and below the floor: climb to it, cross, and come down
    assert far_low == pytest.approx((floor - 0.05) + 0.3 + (floor - 0.01))
    # right above the target the way is straight down
    assert corridor_distance(np.array([0.5, 0.0, 0.15]), target, floor) == pytest.approx(0.14)
    # the floor ramps down continuously as the target comes close
    inside = corridor_distance(np.array([0.5 + RAMP[1] - 1e-6, 0.0, 0.05]), target, floor)
    outside = corridor_distance(np.array([0.5 + RAMP[1] + 1e-6, 0.0, 0.05]), target, floor)
    assert inside == pytest.approx(outside, abs=1e-4)


def test_a_pick_lifted_tilted_fails() -> None:
    """A cube lifted by its grasp but hanging 24 degrees from level (what a clone trained on start scenes
    alone did, blocks 6) is no pick: placed on a tower it fell off."""
    env = TaskEnv("blocks", 1)
    try:
        env.reset(seed=0)
        task = PickTask(env, "red" if "red" in env.world().objects else next(iter(env.world().objects)))
        obj = env.world().objects[task.name]
        lifted = (obj.position[0], obj.position[1], obj.position[2] + 0.06)
        tilt = np.radians(24.0)
        tilted_height = obj.half_extents[2] * (np.cos(tilt) + np.sin(tilt))
        level = replace(obj, position=lifted, gripped=True)
        tilted = replace(level, half_height=float(tilted_height))
        world = env.world()
        assert task.status(replace(world, objects={**world.objects, task.name: level})).state == SUCCESS
        status = task.status(replace(world, objects={**world.objects, task.name: tilted}))
        assert status.state == FAILURE and status.reason == f"lifted {task.name} tilted in the hand"
    finally:
        env.close()


@pytest.mark.parametrize("steady_grip", [False, True])
def test_a_steady_grip_holds_the_grasp_point_where_the_fingers_closed(steady_grip: bool) -> None:
    """The agent's pick on the simulator's poses (``steady_grip``): a block that slides 2 cm while both fingers
    touch it is no push, and the policy's grasp point stays where the fingers closed; training's judgement
    (without it) calls the same slide a push and follows the block."""
    env = TaskEnv("blocks", 1)
    try:
        env.reset(seed=0)
        name = next(iter(env.world().objects))
        task = PickTask(env, name, steady_grip=steady_grip)
        task.fingers_touching = lambda: 2  # type: ignore[method-assign]  # the fingers closed on the block
        closed = task.observe()
        x, y, z = env.world().objects[name].position
        env.sim.set_pose(name, (x + 0.02, y, z))
        slid = task.observe()
        status = task.status(env.world())
        if steady_grip:
            assert np.allclose(slid[:2], closed[:2]) and status.state != FAILURE
        else:
            assert slid[0] == pytest.approx(closed[0] + 0.2, abs=1e-3)  # observations are in decimetres
            assert status.reason == f"pushed {name} away instead of grasping it"
    finally:
        env.close()


def test_pick_trains_on_built_up_blocks_scenes_too() -> None:
    """Half of pick's blocks scenes are dealt into fewer, taller stacks, some in the far row, as the agent
    leaves them mid-episode; the other skills' episodes are drawn as before."""
    env = gym.make(SKILL_ENV_IDS["pick"])
    tallest, far = 0, 0
    try:
        for seed in range(40):
            env.reset(seed=seed)
            world = env.unwrapped.env.world()
            tops = [o.top for o in world.movable()]
            tallest = max(tallest, round((max(tops) - TABLE_TOP_Z) / 0.04))
            far += any(o.position[0] > 0.6 for o in world.movable())
    finally:
        env.close()
    assert tallest >= 5 and far >= 3
    assert PlaceSkillEnv.built_up_share == RightSkillEnv.built_up_share == 0.0


@pytest.mark.parametrize("skill", SKILLS)
def test_scripted_demonstrations_are_transitions_of_the_skill_env(skill: str) -> None:
    demos = record(skill, [11, 12])
    assert demos.episodes == 2 and demos.successes == 2
    assert len(demos.observations) == len(demos.actions) == len(demos.rewards) == len(demos.next_observations)
    assert demos.dones[-1] and sum(demos.dones) == 2
    assert np.array_equal(demos.next_observations[0], demos.observations[1])
    assert np.abs(np.stack(demos.actions)).max() <= 1.0
    assert sum(demos.rewards) > 0, "a successful episode earns more than it pays in step costs"


@pytest.mark.parametrize("skill", SKILLS)
def test_scripted_demonstrations_act_under_latency(skill: str) -> None:
    """On randomised episodes (a step of action latency) the recorder's predicted target lets the scripted
    skill finish; without it the skill overshoots every waypoint and runs out of steps."""
    demos = record(skill, [11, 12, 13, 14], randomise=True)
    assert demos.episodes == 4 and demos.successes >= 3


def _random_policy(skill: str, tmp_path: Path):
    """A freshly initialised policy of the shipped policy's algorithm, saved and loaded the same way."""
    meta = json.loads((CHECKPOINTS / f"{skill}.json").read_text())
    env = gym.make(SKILL_ENV_IDS[skill])
    model = algorithm_class(meta["algorithm"])("MlpPolicy", env, seed=1, device="cpu")
    path = tmp_path / f"{skill}.zip"
    model.save(path)
    (tmp_path / f"{skill}.json").write_text(json.dumps({"algorithm": meta["algorithm"]}))
    env.close()
    return load_policy(path)


@pytest.mark.slow
@pytest.mark.parametrize("skill", SKILLS)
def test_shipped_policy_succeeds_where_a_random_one_fails(skill: str, tmp_path: Path) -> None:
    shipped = evaluate_controller(load_policy(CHECKPOINTS / f"{skill}.zip"), skill, episodes=10, seed=0,
                                  progress=False)
    untrained = evaluate_controller(_random_policy(skill, tmp_path), skill, episodes=10, seed=0, progress=False)
    assert shipped["success_rate"] >= 0.9, shipped["failures"]
    assert untrained["success_rate"] <= 0.5, untrained["failures"]


def test_shipped_metadata_says_how_the_policy_was_made() -> None:
    for skill in SKILLS:
        meta = json.loads((CHECKPOINTS / f"{skill}.json").read_text())
        assert meta["skill"] == skill and meta["algorithm"] in ALGORITHMS
        assert meta["steps"] > 0 and meta["cpu_seconds"] > 0 and meta["energy"]["joules"] > 0
        assert len(meta["commit"]) >= 40


@pytest.mark.parametrize("skill", SKILLS)
def test_shipped_policies_are_the_step_their_metadata_names(skill: str) -> None:
    meta = json.loads((CHECKPOINTS / f"{skill}.json").read_text())
    model = load_policy(CHECKPOINTS / f"{skill}.zip")
    assert model.num_timesteps == meta["validation"]["kept_step"]
    if "kept_stage" in meta:  # written since the stages are named; the older clone says kept_step 0 only
        assert meta["kept_stage"] == (meta["algorithm"] if model.num_timesteps > 0 else "cloning")


@pytest.mark.parametrize("algo", ["sacbc", "sac"])
def test_training_writes_a_loadable_policy_and_its_metadata(tmp_path: Path, algo: str) -> None:
    config = {"algo": algo, "envs": 1, "seed": 5, "skill": "pick", "steps": 600}
    meta = train_controller("pick", algo, steps=600, seed=5, out=tmp_path / "run", progress=False,
                            demonstrations=2, cloning_steps=20, critic_steps=30, validation_episodes=1, config=config,
                            randomised_demonstrations=algo == "sacbc", overrides={"ent_coef": 0.002})
    assert Path(meta["path"]).is_file()
    assert yaml.safe_load((tmp_path / "run" / "config.yaml").read_text()) == config
    written = json.loads((tmp_path / "run" / "pick.json").read_text())
    for key in ("algorithm", "steps", "seed", "validation_success_rate", "cpu_seconds", "wall_seconds", "commit",
                "energy"):
        assert key in written
    assert written["steps"] == 600 and written["seed"] == 5 and written["demonstrations"]["episodes"] == 2
    assert written["demonstrations"]["randomised"] == (algo == "sacbc")
    assert written["hyperparameters"]["ent_coef"] == 0.002 and written["demonstrations"]["critic_steps"] == 30
    assert [updates for updates, _ in written["demonstrations"]["critic_loss_curve"]] == [30]
    assert (tmp_path / "run" / "tensorboard").is_dir()
    assert (tmp_path / "run" / "validation.png").read_bytes()[:4] == b"\x89PNG"
    curve = written["validation"]["curve"]
    assert [point[0] for point in curve] == [0, 150, 300, 450, 600], "the clone, then every 600/4 steps"
    assert written["kept_stage"] == (algo if written["validation"]["kept_step"] else "cloning")
    policy = load_policy(meta["path"])
    assert type(policy) is algorithm_class(algo) and policy.num_timesteps == written["validation"]["kept_step"]
    action, _ = policy.predict(np.zeros(PickTask.size, dtype=np.float32), deterministic=True)
    assert action.shape == (4,)


def test_bad_training_arguments_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--skill"):
        train_controller("push", out=tmp_path / "a")
    with pytest.raises(ConfigError, match="--algo"):
        train_controller("pick", "dqn", out=tmp_path / "b")
    with pytest.raises(ConfigError, match="--bc-weight: sac has no bc_weight"):
        train_controller("pick", "sac", overrides={"bc_weight": 1.0}, out=tmp_path / "c")
    with pytest.raises(ConfigError, match="--bc-loss: ppo has no bc_loss"):
        train_controller("pick", "ppo", overrides={"bc_loss": "distribution"}, out=tmp_path / "c")
    assert not (tmp_path / "c").exists(), "refused before the run directory is made"


def test_init_from_a_policy_of_another_skill_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "controller", "--skill", "pick", "--init", str(CHECKPOINTS / "place.zip"),
                 "--out", str(tmp_path / "run"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--init" in err and "'place', not 'pick'" in err and len(err.splitlines()) == 1
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    assert main(["train", "controller", "--skill", "pick", "--init", str(empty), "--quiet"]) == 2
    assert "--init" in capsys.readouterr().err


def test_eval_controller_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "eval.json"
    assert main(["eval", "controller", "--skill", "place", "--episodes", "3", "--seed", "11", "--json", str(out),
                 "--quiet"]) == 0
    result = json.loads(out.read_text())
    assert result["episodes"] == 3 and not result["randomise"]
    assert [r["seed"] for r in result["records"]] == [SKILL_EVAL_OFFSET + 11 + i for i in range(3)]
    assert "success rate" in capsys.readouterr().out
    assert main(["eval", "controller", "--skill", "place", "--episodes", "2", "--seed", "11", "--randomise",
                 "--json", str(out), "--quiet"]) == 0
    assert json.loads(out.read_text())["randomise"] and "randomised episodes" in capsys.readouterr().out


def test_a_checkpoint_of_the_other_skill_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "controller", "--skill", "pick", "--checkpoint", str(CHECKPOINTS / "place.zip"),
                 "--quiet"]) == 2
    assert "a place policy" in capsys.readouterr().err
    bare = tmp_path / "place.zip"  # without its metadata: the observation size gives it away
    bare.write_bytes((CHECKPOINTS / "place.zip").read_bytes())
    assert main(["eval", "controller", "--skill", "pick", "--checkpoint", str(bare), "--quiet"]) == 2
    assert "but the pick skill needs a pick policy (13 values)" in capsys.readouterr().err
    truncated = tmp_path / "pick.zip"
    truncated.write_bytes((CHECKPOINTS / "pick.zip").read_bytes()[:100_000])
    assert main(["eval", "controller", "--skill", "pick", "--checkpoint", str(truncated), "--quiet"]) == 2
    assert str(truncated) in capsys.readouterr().err


def test_missing_checkpoint_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.zip"
    assert main(["eval", "controller", "--skill", "pick", "--checkpoint", str(missing), "--quiet"]) == 2
    assert str(missing) in capsys.readouterr().err


def test_run_with_learned_controllers(tmp_path: Path) -> None:
    summary = run(RunConfig(task="hanoi", size=2, seed=0, goal="oracle", controller="learned",
                            out=str(tmp_path / "run")), progress=False)
    (episode,) = summary["episodes"]
    assert episode["success"], episode["reason"]
    assert set(episode["goal"]) <= set(episode["final_state"])


def test_cli_default_steps_are_the_training_default() -> None:
    from agent.cli.main import DEFAULT_CONTROLLER_STEPS, DEFAULT_DEMONSTRATIONS
    from policies.training import DEFAULT_STEPS, DEMONSTRATIONS

    assert DEFAULT_CONTROLLER_STEPS == DEFAULT_STEPS and DEFAULT_DEMONSTRATIONS == DEMONSTRATIONS
