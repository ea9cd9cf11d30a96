"""Skill-environment speed: ``nesy/PickSkill-v0`` and ``nesy/PlaceSkill-v0`` steps per second against raw
``stepSimulation`` of the same scene, measured in one run.

Each skill environment is stepped with random actions through the gymnasium API, resets included (what
training pays for); then the scene of its last episode is stepped raw, ``SUBSTEPS`` physics steps per
control step, so the ratio says what the skill layer (IK, detectors, observation, reward, resets) costs
on top of physics. Rounds alternate the two so that load on the machine hits both alike.
Run: ``python -m benchmarks.skills [--steps 600] [--rounds 3]``; ``nesy bench`` calls ``run``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks import Row, format_rows, median_row


def _skill_steps_per_s(env, steps: int, rng: np.random.Generator) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(rng.uniform(-1.0, 1.0, size=4).astype(np.float32))
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - start)


def _raw_control_steps_per_s(env, steps: int) -> float:
    from envs.task_env import SUBSTEPS

    sim = env.unwrapped.env.sim
    start = time.perf_counter()
    for _ in range(steps):
        sim.step(SUBSTEPS)
    return steps / (time.perf_counter() - start)


def measure(skill: str, steps: int, rounds: int) -> dict[str, list[float]]:
    """Per round: skill-env control steps per second and raw control steps (of physics) per second."""
    import gymnasium as gym

    from policies.skill_envs import SKILL_ENV_IDS

    env = gym.make(SKILL_ENV_IDS[skill])
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    skill_rates, raw_rates = [], []
    for _ in range(rounds):
        skill_rates.append(_skill_steps_per_s(env, steps, rng))
        raw_rates.append(_raw_control_steps_per_s(env, steps))
    env.close()
    return {"skill": skill_rates, "raw": raw_rates}


def run(quick: bool, steps: int | None = None, rounds: int | None = None) -> list[Row]:
    """Three rounds of 600 control steps per skill (one of 100 when quick)."""
    from envs.task_env import SUBSTEPS
    from policies import SKILL_NAMES

    steps = steps or (100 if quick else 600)
    rounds = rounds or (1 if quick else 3)
    rows = []
    for skill in SKILL_NAMES:
        rates = measure(skill, steps, rounds)
        ratios = [s / r for s, r in zip(rates["skill"], rates["raw"])]
        note = f"random actions, resets included; raw = {SUBSTEPS} stepSimulation per control step, same scene"
        rows += [median_row(f"{skill} skill env vs raw stepSimulation", ratios, "ratio", note, digits=2),
                 median_row(f"{skill} skill env steps", rates["skill"], "1/s", digits=0),
                 median_row(f"{skill} raw control steps", rates["raw"], "1/s", digits=0)]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600, help="control steps per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(format_rows(run(False, args.steps, args.rounds)))


if __name__ == "__main__":
    main()
