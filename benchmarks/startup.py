"""Start-up: how long ``nesy run`` takes from its start to its first episode.

    python -m benchmarks.startup [--quick]

Runs ``python -m agent.cli run --task hanoi --size 3 --episodes 1`` (the defaults otherwise: perceived
goals, learned skills) as a new process, as a user would, and subtracts the episode's own wall time (its
record's ``wall_time_s``) from the process's: what is left is importing, loading the domain, the
planner, the goal network and the policies, building the scene, and writing the run directory. The CPU
seconds the process used are given beside it: on a shared machine they say how much of the wall time
was the process's own work.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import Row, median_row, run_as_script

ROOT = Path(__file__).resolve().parent.parent


def measure() -> dict[str, float]:
    """Seconds from start to the first episode (wall and CPU of the process) for one ``nesy run``."""
    with tempfile.TemporaryDirectory(prefix="nesy-startup-") as folder:
        summary = Path(folder) / "summary.json"
        command = [sys.executable, "-m", "agent.cli", "run", "--task", "hanoi", "--size", "3", "--episodes", "1",
                   "--quiet", "--out", f"{folder}/run", "--json", str(summary)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        episode = json.loads(summary.read_text())["episodes"][0]["wall_time_s"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"startup": wall - episode, "episode": episode, "cpu": cpu}


def run(quick: bool) -> list[Row]:
    rounds = [measure() for _ in range(1 if quick else 3)]
    return [
        median_row("startup to first episode (s)", [r["startup"] for r in rounds], "s",
                   "nesy run --task hanoi --size 3 --episodes 1 (perceived goal, learned skills), new process; "
                   "process wall time minus the episode's", digits=2),
        median_row("  process CPU time, whole run", [r["cpu"] for r in rounds], "s", digits=2),
        median_row("  the episode itself", [r["episode"] for r in rounds], "s", digits=2),
    ]


if __name__ == "__main__":
    run_as_script(__doc__, run, "one run")
