"""Episodes spread over worker processes and Ray actors give the records a serial run gives, in seed order."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from scale_fakes import BuggyRunner, CrashingRunner, FailingStartRunner, SleepyRunner

from agent.cli import EXIT_USER_ERROR, main
from agent.runs.backends import EpisodeOutcome, ProcessBackend, SeedOrder
from agent.runs.config import RunConfig
from agent.runs.runner import choose_backend, run
from envs.errors import ConfigError, InstructionError, WorkerError

#: fields that measure the machine, not the episode
WALL_TIME_KEYS = ("plan_time_s", "perceive_time_s", "act_time_s", "wall_time_s")


def without_wall_times(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in record.items() if k not in WALL_TIME_KEYS} for record in records]


def episodes_file(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines()]


def oracle(tmp_path: Path, name: str, **overrides: Any) -> RunConfig:
    return RunConfig(**{"task": "hanoi", "size": 2, "episodes": 3, "seed": 4, "goal": "oracle",
                        "out": str(tmp_path / name), **overrides})


@pytest.mark.slow
def test_workers_give_the_serial_records_in_seed_order(tmp_path: Path) -> None:
    serial = run(oracle(tmp_path, "serial"), progress=False)
    parallel = run(oracle(tmp_path, "parallel"), progress=False, workers=2)
    assert [e["seed"] for e in episodes_file(tmp_path / "parallel")] == [4, 5, 6]
    assert without_wall_times(parallel["episodes"]) == without_wall_times(serial["episodes"])
    assert without_wall_times(episodes_file(tmp_path / "parallel")) == without_wall_times(serial["episodes"])
    assert parallel["success_rate"] == serial["success_rate"] == 1.0
    assert serial["execution"] == {"backend": "serial", "workers": 1}
    assert parallel["execution"] == {"backend": "processes", "workers": 2}


def test_more_workers_than_episodes_runs_in_process(tmp_path: Path) -> None:
    summary = run(oracle(tmp_path, "one", episodes=1, size=1), progress=False, workers=4)
    assert summary["execution"] == {"backend": "serial", "workers": 1}
    assert summary["episodes"][0]["success"]


def test_seed_order_releases_in_order_whatever_the_arrival() -> None:
    order = SeedOrder([3, 4, 5, 6])
    released = [[o.seed for o in order.add(EpisodeOutcome(seed, {}))] for seed in (5, 3, 6, 4)]
    assert released == [[], [3], [], [4, 5, 6]]


def test_process_backend_yields_as_episodes_finish_and_builds_once_per_worker() -> None:
    outcomes = list(ProcessBackend([0, 1, 2, 3], 2).outcomes(SleepyRunner, RunConfig()))
    assert sorted(o.seed for o in outcomes) == [0, 1, 2, 3]
    assert outcomes[-1].seed == 0  # the slow one came back last
    assert len({o.record["pid"] for o in outcomes}) <= 2 and os.getpid() not in {o.record["pid"] for o in outcomes}


def test_a_dead_worker_is_a_clear_error() -> None:
    with pytest.raises(WorkerError, match=r"worker process died .* seeds .*1.*--workers 1"):
        list(ProcessBackend([0, 1, 2, 3], 2).outcomes(CrashingRunner, RunConfig()))


def test_a_bug_in_a_worker_keeps_its_type_and_names_the_seed() -> None:
    with pytest.raises(KeyError) as caught:
        list(ProcessBackend([0, 1, 2, 3], 2).outcomes(BuggyRunner, RunConfig()))
    assert any("seed 2" in note for note in caught.value.__notes__)


def test_a_worker_that_cannot_start_reports_why() -> None:
    with pytest.raises(ConfigError, match="--goal-checkpoint: no such file"):
        list(ProcessBackend([0, 1], 2).outcomes(FailingStartRunner, RunConfig()))


@pytest.mark.slow
def test_user_error_in_workers_leaves_no_run_behind(tmp_path: Path) -> None:
    config = oracle(tmp_path, "bad", instruction="fly the discs to the moon")
    with pytest.raises(InstructionError):
        run(config, progress=False, workers=2)
    assert not (tmp_path / "bad").exists()


def test_bad_workers_flag_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--workers", "0"])
    assert exited.value.code == EXIT_USER_ERROR
    assert "--workers" in capsys.readouterr().err


def test_ray_missing_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(ConfigError, match=r"--ray: Ray is not installed.*nesy\[ray\]"):
        run(oracle(tmp_path, "ray"), progress=False, ray_address="local")
    assert not (tmp_path / "ray").exists()


def test_backend_choice() -> None:
    assert type(choose_backend([0, 1, 2], None, None)).__name__ == "SerialBackend"
    assert type(choose_backend([0, 1, 2], 8, None)).__name__ == "ProcessBackend"
    assert type(choose_backend([0, 1, 2], None, "local")).__name__ == "RayBackend"


@pytest.mark.slow
def test_ray_actors_give_the_serial_records_and_clear_errors(tmp_path: Path) -> None:
    """Against a local Ray instance (about 30 s on 2 cores, most of it Ray starting). The actors import
    this repository's code and the fakes beside this file, as every node of a cluster must."""
    ray = pytest.importorskip("ray")
    from agent.runs.ray_backend import RayBackend

    here = Path(__file__).resolve().parent
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join([str(here), str(here.parent)])}})
    try:
        serial = run(oracle(tmp_path, "serial", size=1, episodes=2), progress=False)
        distributed = run(oracle(tmp_path, "ray", size=1, episodes=2), progress=False, ray_address="local",
                          workers=2)
        assert without_wall_times(distributed["episodes"]) == without_wall_times(serial["episodes"])
        assert [e["seed"] for e in episodes_file(tmp_path / "ray")] == [4, 5]
        assert distributed["execution"] == {"backend": "ray", "workers": 2, "address": "local"}
        assert ray.is_initialized()  # a run leaves a Ray instance it did not start running

        def outcomes(fake: type) -> list[EpisodeOutcome]:
            return list(RayBackend([0, 1, 2, 3], "local", 2).outcomes(fake, RunConfig()))

        assert sorted(o.seed for o in outcomes(SleepyRunner)) == [0, 1, 2, 3]
        with pytest.raises(WorkerError, match="actor running the episode of seed 1 died"):
            outcomes(CrashingRunner)
        with pytest.raises(KeyError) as caught:
            outcomes(BuggyRunner)
        assert any("seed 2" in note for note in caught.value.__notes__)
        with pytest.raises(ConfigError, match="--goal-checkpoint: no such file"):
            outcomes(FailingStartRunner)
    finally:
        ray.shutdown()
