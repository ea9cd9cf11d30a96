"""``nesy run --disturb``: seeded disturbances between operators, recorded, and an agent that recovers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.cli.main import EXIT_USER_ERROR, main
from agent.execution.disturbance import KINDS, Disturber
from agent.execution.episode import EpisodeResult
from agent.runs.config import RunConfig
from envs.detectors import detect_fallen
from envs.errors import ConfigError
from envs.task_env import TaskEnv

TIMING_FIELDS = ("plan_time_s", "perceive_time_s", "act_time_s", "wall_time_s")


def test_moments_are_distinct_seeded_and_capped_by_the_plan() -> None:
    moments = Disturber(2, 7, 10).moments
    assert moments == Disturber(2, 7, 10).moments
    assert len(set(moments)) == 2 and all(0 <= m < 10 for m in moments)
    assert any(Disturber(2, seed, 10).moments != moments for seed in range(8, 12))
    assert Disturber(3, 7, 2).moments == [0, 1]
    assert Disturber(2, 7, 0).moments == []


def test_only_a_disturbed_episode_records_disturbances() -> None:
    assert "disturbances" not in EpisodeResult(seed=0, instruction="", goal=[]).to_dict()
    assert EpisodeResult(seed=0, instruction="", goal=[], disturbances=[]).to_dict()["disturbances"] == []


def test_a_negative_disturb_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"--disturb: .*must be non-negative"):
        RunConfig(disturb=-1)


def test_disturbing_with_a_domain_that_cannot_recover_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """The Hanoi variant without the size rule has no ``fetch``: nothing could put a knocked disc back."""
    assert main(["run", "--task", "hanoi", "--domain", "domains/variants/hanoi", "--disturb", "2", "--quiet"]) \
        == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert "--disturb" in err and "recovers" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def blocks4() -> Iterator[TaskEnv]:
    env = TaskEnv("blocks", 4)
    yield env
    env.close()


def disturb_once(env: TaskEnv, seed: int) -> dict[str, object]:
    env.reset(seed=seed)
    (record,) = Disturber(1, seed, 1).after_operator(env, 0)
    return record.to_dict()


def test_disturbances_are_seeded_and_a_topple_leaves_a_fallen_object(blocks4: TaskEnv) -> None:
    kinds = set()
    for seed in range(12):
        record = disturb_once(blocks4, seed)
        kinds.add(record["kind"])
        assert record["after_operator"] == 0 and record["object"] in {o.name for o in blocks4.scene.objects}
        if record["kind"] == "topple":
            assert (record["object"],) in detect_fallen(blocks4.world()), record
        if seed == 3:
            assert disturb_once(blocks4, 3) == record
    assert kinds == set(KINDS)


@pytest.mark.slow
def test_a_disturbed_episode_rights_the_fallen_block_and_reaches_the_goal() -> None:
    """Seed 104 of blocks 5: a push, then a block toppled against another; the agent sees the block fallen,
    replans through ``right`` and finishes. The same seed gives the same record."""
    from agent.runs.runner import EpisodeRunner

    config = RunConfig(task="blocks", size=5, goal="oracle", controller="scripted", disturb=2)
    runner = EpisodeRunner(config)
    try:
        first, again = (runner.run(104).record for _ in range(2))
    finally:
        runner.close()
    assert first["success"], first["reason"]
    assert [d["kind"] for d in first["disturbances"]] == ["push", "topple"]
    rights = [step for step in first["executed"] if step["operator"].startswith(("(right ", "(right-from "))]
    assert any(step["skill_success"] for step in rights)
    assert first["replans"] >= 1
    assert ({k: v for k, v in first.items() if k not in TIMING_FIELDS}
            == {k: v for k, v in again.items() if k not in TIMING_FIELDS})


def test_only_a_learned_pick_that_ran_out_of_steps_restarts_from_the_ready_point(blocks4: TaskEnv) -> None:
    """A pick that stalled leaves the hand where it stopped; ``restart_stalled_pick`` takes it to the ready
    point and counts the steps as the pick's. A pick that ended, and any other skill, is left as it is."""
    import numpy as np

    from agent.execution.episode import restart_stalled_pick
    from policies.arm_motion import READY_POINT
    from policies.skill import SkillResult

    blocks4.reset(seed=0)
    blocks4.robot.reset_pose(np.array([0.55, 0.2, 0.08]), 0.04)
    stalled = SkillResult(False, 900, "pick did not finish within 900 simulation steps", finished=False)
    for skill, outcome in (("pick", SkillResult(False, 900, "pushed")), ("place", stalled)):
        assert restart_stalled_pick(blocks4, skill, outcome, 100_000) is outcome
    assert np.linalg.norm(blocks4.robot.ee_position() - READY_POINT) > 0.2
    steps = blocks4.sim.steps
    restarted = restart_stalled_pick(blocks4, "pick", stalled, 100_000)
    assert np.linalg.norm(blocks4.robot.ee_position() - READY_POINT) < 0.02
    assert restarted.sim_steps == 900 + blocks4.sim.steps - steps > 900
    assert (restarted.success, restarted.reason) == (False, stalled.reason)


def test_a_pick_that_stalled_far_out_across_the_table_still_restarts_from_the_ready_point(blocks4: TaskEnv) -> None:
    """Where the arm cannot rise to the look point's height (a pick that chased a block beyond its reach,
    blocks 5 development seed 20342), the hand crosses from as high as it got instead of staying there."""
    import numpy as np

    from agent.execution.episode import restart_stalled_pick
    from policies.arm_motion import READY_POINT
    from policies.skill import SkillResult

    blocks4.reset(seed=0)
    blocks4.robot.reset_pose(np.array([0.80, 0.0, 0.22]), 0.04)
    stalled = SkillResult(False, 2400, "pick did not finish within 2400 simulation steps", finished=False)
    restart_stalled_pick(blocks4, "pick", stalled, 100_000)
    assert np.linalg.norm(blocks4.robot.ee_position() - READY_POINT) < 0.02
