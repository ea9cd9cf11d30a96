"""Simulation speed: agent control steps per second against raw ``stepSimulation`` of the same scene.

Both are measured in one run, on the same hanoi scene, so the ratio is what to compare across machines.
Run: ``python benchmarks/simulation.py [--task hanoi] [--size 3] [--steps 2000]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from envs.task_env import SUBSTEPS, TaskEnv


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
