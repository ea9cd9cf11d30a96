"""Skill-environment speed: ``nesy/PickSkill-v0`` and ``nesy/PlaceSkill-v0`` steps per second against raw
``stepSimulation`` of the same scene, measured in one run.

Each skill environment is stepped with random actions through the gymnasium API, resets included (what
training pays for); then the scene of its last episode is stepped raw, ``SUBSTEPS`` physics steps per
control step, so the ratio says what the skill layer (IK, detectors, observation, reward) costs on top
of physics. Several rounds alternate the two so that load on the machine hits both alike; the medians
are reported with their spread (min to max).
Run: ``python benchmarks/skills.py [--steps 600] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium as gym
import numpy as np

import envs
from envs.task_env import SUBSTEPS


def _skill_steps_per_s(env: gym.Env, steps: int, rng: np.random.Generator) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(rng.uniform(-1.0, 1.0, size=4).astype(np.float32))
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - start)


def _raw_control_steps_per_s(env: gym.Env, steps: int) -> float:
    sim = env.unwrapped.env.sim
    start = time.perf_counter()
    for _ in range(steps):
        sim.step(SUBSTEPS)
    return steps / (time.perf_counter() - start)


def measure(skill: str, steps: int, rounds: int) -> dict[str, float]:
    env = gym.make(envs.SKILL_ENV_IDS[skill])
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    skill_rates, raw_rates = [], []
    for _ in range(rounds):
        skill_rates.append(_skill_steps_per_s(env, steps, rng))
        raw_rates.append(_raw_control_steps_per_s(env, steps))
    env.close()
    ratios = [s / r for s, r in zip(skill_rates, raw_rates)]
    return {"skill_steps_per_s": statistics.median(skill_rates), "skill_spread": (min(skill_rates), max(skill_rates)),
            "raw_steps_per_s": statistics.median(raw_rates), "raw_spread": (min(raw_rates), max(raw_rates)),
            "ratio": statistics.median(ratios)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600, help="control steps per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{'':24}{'median steps/s':>16}{'spread':>18}")
    for skill in sorted(envs.SKILL_ENV_IDS):
        r = measure(skill, args.steps, args.rounds)
        print(f"{skill + ' skill env':24}{r['skill_steps_per_s']:16.0f}"
              f"{r['skill_spread'][0]:10.0f} to {r['skill_spread'][1]:.0f}")
        print(f"{'  raw physics (x' + str(SUBSTEPS) + ')':24}{r['raw_steps_per_s']:16.0f}"
              f"{r['raw_spread'][0]:10.0f} to {r['raw_spread'][1]:.0f}")
        print(f"{'  ratio skill / raw':24}{r['ratio']:16.2f}")


if __name__ == "__main__":
    main()
