"""``nesy run --ray ADDRESS`` against a Ray head started apart with ``ray start --head``, as a user starts one, with
the pinned Ray's token authentication on (a token file exists and ``RAY_AUTH_MODE`` is unset: Ray's default then).
The run's records must be a serial run's; a missing or wrong token must be said in one line. About 40 s on two
busy cores, most of it Ray starting and the refused connections' retries."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.runs.config import RunConfig
from agent.runs.runner import run

pytest.importorskip("ray", reason="the optional extra `ray` is not installed (pip install -e '.[ray]')")

ROOT = Path(__file__).resolve().parent.parent
WALL_TIME_KEYS = ("plan_time_s", "perceive_time_s", "act_time_s", "wall_time_s")
RUN = ["--task", "hanoi", "--size", "2", "--episodes", "3", "--seed", "4", "--goal", "oracle",
       "--controller", "scripted"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without Ray's authentication and address settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH", "RAY_ADDRESS")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["OMP_NUM_THREADS"] = "1"
    return {**env, **extra}


@pytest.fixture(scope="module")
def head() -> Iterator[dict[str, Any]]:
    """A head on the loopback address with 2 CPUs and token authentication, stopped (it and only it) after."""
    folder = Path(tempfile.mkdtemp(prefix="nesy-ray-", dir="/tmp"))  # Ray's socket paths must stay short
    token_file = folder / "auth_token"
    token_file.write_text(secrets.token_hex(32))
    port = _free_port()
    ray = Path(sys.executable).with_name("ray")
    log = (folder / "head.log").open("w")
    # --block keeps the head's processes children of this one: SIGTERM to it stops them all, unlike `ray stop`,
    # which stops every Ray instance of the machine
    process = subprocess.Popen(
        [str(ray if ray.exists() else shutil.which("ray")), "start", "--head", "--node-ip-address", "127.0.0.1",
         "--port", str(port), "--num-cpus", "2", "--block", "--include-dashboard", "false",
         "--disable-usage-stats", "--temp-dir", str(folder / "t")],
        env=_clean_env(RAY_AUTH_TOKEN_PATH=str(token_file)), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        text = ""
        while "Ray runtime started" not in text:
            text = (folder / "head.log").read_text()
            assert process.poll() is None and time.monotonic() < deadline, f"the Ray head did not start:\n{text}"
            time.sleep(0.5)
        assert "Token authentication is enabled" in text, text  # Ray's default once a token exists
        yield {"address": f"127.0.0.1:{port}", "token_file": token_file, "folder": folder}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=45)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the head's own process group only
            process.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _nesy(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "agent.cli", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _records(out: Path) -> list[dict[str, Any]]:
    lines = (out / "episodes.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k not in WALL_TIME_KEYS} for line in lines]


@pytest.mark.slow
def test_a_separately_started_head_gives_the_serial_records(head: dict[str, Any], tmp_path: Path) -> None:
    address = head["address"]
    joined = _nesy("run", *RUN, "--ray", address, "--out", str(tmp_path / "ray"),
                   env=_clean_env(RAY_AUTH_TOKEN_PATH=str(head["token_file"])))
    # the refused ones retry for as long as RAY_gcs_server_port_wait_time_s says (Ray's default: about 20 s)
    empty_home = tmp_path / "home"
    empty_home.mkdir()
    refused = {"none": _nesy("run", *RUN, "--ray", address, "--out", str(tmp_path / "none"),
                             env=_clean_env(HOME=str(empty_home), RAY_gcs_server_port_wait_time_s="3")),
               "wrong": _nesy("run", *RUN, "--ray", address, "--out", str(tmp_path / "wrong"),
                              env=_clean_env(RAY_AUTH_TOKEN=secrets.token_hex(32),
                                             RAY_gcs_server_port_wait_time_s="3"))}
    serial = run(RunConfig(task="hanoi", size=2, episodes=3, seed=4, goal="oracle", controller="scripted",
                           out=str(tmp_path / "serial")), progress=False)
    _, err = joined.communicate(timeout=300)
    assert joined.returncode == 0, err[-3000:]
    assert _records(tmp_path / "ray") == _records(tmp_path / "serial")
    assert [record["seed"] for record in _records(tmp_path / "ray")] == [4, 5, 6]
    summary = json.loads((tmp_path / "ray" / "summary.json").read_text())
    assert summary["execution"]["backend"] == "ray" and summary["execution"]["address"] == address
    assert summary["success_rate"] == serial["success_rate"] == 1.0

    expected = {"none": "the cluster requires a token (Ray token authentication) and none was found: "
                        "set RAY_AUTH_TOKEN",
                "wrong": "the cluster refused the token read from RAY_AUTH_TOKEN: it is not this cluster's token"}
    for name, process in refused.items():
        _, err = process.communicate(timeout=300)
        assert process.returncode == 2, err[-3000:]
        assert "Traceback" not in err
        (line,) = [line for line in err.splitlines() if line.startswith("nesy run: error:")]
        assert f"nesy run: error: --ray {address}: {expected[name]}" in line
        assert not (tmp_path / name / "summary.json").exists()
