"""End-to-end episodes: perceive, plan, act, monitor and replan, and what a run writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.execution.episode import run_episode
from agent.planning.domain import domain_folder, load_domain
from agent.planning.planner import Planner
from agent.runs.config import RunConfig
from agent.runs.runner import format_summary, run
from envs.errors import ConfigError, InstructionError, NesyError
from envs.scenes.base import CUBE_HALF
from envs.simulation import TABLE_TOP_Z
from envs.task_env import TaskEnv
from policies import scripted
from policies.placement import TABLE, placement
from policies.skill import SkillResult

EPISODE_KEYS = {"seed", "success", "goal", "plan", "replans", "plan_time_s", "wall_time_s", "sim_steps"}


def run_one(tmp_path: Path, name: str, **overrides: Any) -> dict[str, Any]:
    """One episode with oracle goals (these tests are about planning and acting; perception has its own)."""
    config = RunConfig(**{"episodes": 1, "seed": 0, "out": str(tmp_path / name), "goal": "oracle",
                          "controller": "scripted", **overrides})
    return run(config, progress=False)


def executed(record: dict[str, Any]) -> list[str]:
    return [step["operator"] for step in record["executed"]]


@pytest.mark.parametrize("task, size", [("hanoi", 3), ("blocks", 3), ("sort", 3)])
def test_episode_succeeds(tmp_path: Path, task: str, size: int) -> None:
    summary = run_one(tmp_path, "run", task=task, size=size)
    assert summary["success_rate"] == 1.0
    (episode,) = summary["episodes"]
    assert episode["success"], episode["reason"]
    assert episode["goal"] and set(episode["goal"]) <= set(episode["final_state"])
    assert episode["plan"] and executed(episode)[: len(episode["plan"])] == episode["plan"]
    assert all(step["skill_success"] and step["matched"] for step in episode["executed"])
    assert episode["replans"] == 0
    assert episode["sim_steps"] > 0
    assert "(handempty)" in episode["final_state"]


def test_hanoi_goal_is_the_tower_on_the_right(tmp_path: Path) -> None:
    (episode,) = run_one(tmp_path, "run", task="hanoi", size=2)["episodes"]
    assert episode["goal"] == ["(on d1 d2)", "(on d2 right)"]
    assert episode["success"]
    assert len(episode["plan"]) == 6  # 3 moves, each a pick and a place


def test_same_seed_same_episode(tmp_path: Path) -> None:
    first, second = (run_one(tmp_path, name, task="blocks", size=3, seed=2)["episodes"][0] for name in ("a", "b"))
    for key in ("plan", "final_state", "goal", "instruction", "success", "replans", "sim_steps"):
        assert first[key] == second[key], key
    assert executed(first) == executed(second)
    assert first["executed"] == second["executed"]


def test_run_dir_and_json(tmp_path: Path) -> None:
    out, json_path = tmp_path / "run", tmp_path / "summary-copy.json"
    summary = run(RunConfig(task="hanoi", size=2, episodes=2, seed=5, out=str(out), json=str(json_path),
                            goal="oracle", controller="scripted"), progress=False)
    assert sorted(p.name for p in out.iterdir()) == ["config.yaml", "episodes.jsonl", "summary.json"]
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["task"] == "hanoi" and config["size"] == 2 and config["episodes"] == 2 and config["seed"] == 5
    lines = (out / "episodes.jsonl").read_text().splitlines()
    assert [json.loads(line)["seed"] for line in lines] == [5, 6]
    assert json.loads((out / "summary.json").read_text()) == summary
    written = json.loads(json_path.read_text())
    assert written == summary
    assert {"task", "size", "success_rate", "episodes"} <= written.keys()
    assert written["task"] == "hanoi" and written["size"] == 2 and written["success_rate"] == 1.0
    for episode in written["episodes"]:
        assert episode.keys() >= EPISODE_KEYS
    table = format_summary(summary)
    assert "100.0%" in table and str(out) in table


def test_run_dir_is_not_reused(tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_one(tmp_path, "run", task="hanoi", size=1)
    before = (out / "episodes.jsonl").read_bytes()
    with pytest.raises(ConfigError, match="already holds a run"):
        run_one(tmp_path, "run", task="hanoi", size=1, seed=3)
    assert (out / "episodes.jsonl").read_bytes() == before


def test_replans_when_the_scene_is_disturbed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first stacking place is undone behind the agent's back: the block is knocked to a free spot on
    the table. The detected state departs from the prediction, so the agent must replan and still succeed."""
    real_place = scripted.SKILLS["place"]
    knocked: list[str] = []

    def knocking_place(env: TaskEnv, args: tuple[str, ...], step_budget: int) -> SkillResult:
        result = real_place(env, args, step_budget)
        name, target = args
        if not knocked and target != TABLE and result.success:
            spot = placement(env, env.world(), name, TABLE).xy
            env.sim.set_pose(name, (spot[0], spot[1], TABLE_TOP_Z + CUBE_HALF))
            env.sim.step(30)
            knocked.append(f"{name} off {target}")
        return result

    monkeypatch.setitem(scripted.SKILLS, "place", knocking_place)
    (episode,) = run_one(tmp_path, "run", task="blocks", size=3)["episodes"]
    assert knocked, "the plan never stacked a block, so nothing was disturbed"
    assert episode["replans"] >= 1
    mismatched = [s for s in episode["executed"] if not s["matched"]]
    assert mismatched and "ontable" in mismatched[0]["mismatch"]
    assert episode["success"], episode["reason"]
    assert set(episode["goal"]) <= set(episode["final_state"])
    assert len(episode["executed"]) > len(episode["plan"])


def test_replan_budget_ends_the_episode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A place that always fails to stack and no replans allowed: the episode fails with a reason."""
    real_place = scripted.SKILLS["place"]

    def knocking_place(env: TaskEnv, args: tuple[str, ...], step_budget: int) -> SkillResult:
        result = real_place(env, args, step_budget)
        name, target = args
        if target != TABLE:
            spot = placement(env, env.world(), name, TABLE).xy
            env.sim.set_pose(name, (spot[0], spot[1], TABLE_TOP_Z + CUBE_HALF))
            env.sim.step(30)
        return result

    monkeypatch.setitem(scripted.SKILLS, "place", knocking_place)
    (episode,) = run_one(tmp_path, "run", task="blocks", size=3, max_replans=0)["episodes"]
    assert not episode["success"]
    assert episode["replans"] == 0
    assert "replan budget" in episode["reason"]


def test_run_episode_directly() -> None:
    domain = load_domain(domain_folder("sort"))
    planner = Planner(domain)
    config = RunConfig(task="sort", size=2, instruction=None, goal="oracle", controller="scripted")
    env = TaskEnv("sort", 2, image_size=32)
    try:
        result = run_episode(env, domain, planner, config, seed=1)
    finally:
        env.close()
    assert result.success, result.reason
    assert result.goal == sorted(result.goal) and all(a.startswith("(in ") for a in result.goal)
    assert set(result.goal) <= set(result.final_state)
    assert result.to_dict()["plan_length"] == len(result.plan)
    # the wall time splits into perceiving, planning and acting, with a little left for bookkeeping
    parts = (result.perceive_time_s, result.plan_time_s, result.act_time_s)
    assert all(part > 0 for part in parts) and sum(parts) <= result.wall_time_s


@pytest.mark.parametrize("instruction, word", [("put blue on blue", "itself"), ("put gray on blue", "gray"),
                                               ("fly to the moon", "not-an-instruction")])
def test_bad_instruction_raises(tmp_path: Path, instruction: str, word: str) -> None:
    # blocks seed 0 has blue, purple and yellow blocks
    with pytest.raises(NesyError, match=word) as info:
        run_one(tmp_path, "run", task="blocks", size=3, instruction=instruction)
    assert isinstance(info.value, InstructionError)


def test_unknown_bin_raises(tmp_path: Path) -> None:
    # sort seed 0 has blue1, blue2 and yellow1 and a blue and a yellow bin
    with pytest.raises(NesyError, match=r"refused \(absent-object\): nothing in the scene is purple"):
        run_one(tmp_path, "run", task="sort", size=3, instruction="put all the blue cubes in the purple bin")


def test_unsupported_size_raises(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--size"):
        run_one(tmp_path, "run", task="hanoi", size=9)
    assert not (tmp_path / "run").exists()
