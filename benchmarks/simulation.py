"""Simulation speed: agent control steps per second against raw ``stepSimulation`` of the same scene.

Both are measured in one run, on the same hanoi scene, so the ratio is what to compare across machines.
Run: ``python -m benchmarks.simulation [--task hanoi] [--size 3] [--steps 2000]``; ``nesy bench`` calls ``run``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks import Row, median_row
from envs.task_env import SUBSTEPS, TaskEnv


def run(quick: bool) -> list[Row]:
    """Three rounds of 2,000 physics steps each way on hanoi 3 (one round of 400 when quick)."""
    rounds = [measure("hanoi", 3, 400 if quick else 2000) for _ in range(1 if quick else 3)]
    note = f"hanoi 3, IK + {SUBSTEPS} physics steps per control step"
    return [
        median_row("agent control vs raw stepSimulation", [r["ratio"] for r in rounds], "ratio", note, digits=2),
        median_row("agent control steps", [r["agent_sim_steps_per_s"] / SUBSTEPS for r in rounds], "1/s", digits=0),
        median_row("raw stepSimulation", [r["raw_steps_per_s"] for r in rounds], "steps/s", digits=0),
    ]


def measure(task: str, size: int, steps: int) -> dict[str, float]:
    env = TaskEnv(task, size)
    env.reset(seed=0)
    start = time.perf_counter()
    env.sim.step(steps)
    raw = steps / (time.perf_counter() - start)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    controls = steps // SUBSTEPS
    start = time.perf_counter()
    for _ in range(controls):
        env.apply_action(rng.uniform(-1.0, 1.0, size=4))
    agent = controls * SUBSTEPS / (time.perf_counter() - start)
    env.close()
    return {"raw_steps_per_s": raw, "agent_sim_steps_per_s": agent, "ratio": agent / raw}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="hanoi")
    parser.add_argument("--size", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args()
    result = measure(args.task, args.size, args.steps)
    print(f"raw stepSimulation      {result['raw_steps_per_s']:10.0f} steps/s")
    print(f"agent control (IK+step) {result['agent_sim_steps_per_s']:10.0f} sim steps/s "
          f"({result['agent_sim_steps_per_s'] / SUBSTEPS:.0f} control steps/s)")
    print(f"ratio                   {result['ratio']:10.2f}")


if __name__ == "__main__":
    main()
