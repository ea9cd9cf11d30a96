"""Success rate of a skill's policy on its skill environment, over seeds training never draws."""

from __future__ import annotations

from collections import Counter
from typing import Any

import gymnasium as gym

from policies.seeds import SKILL_EVAL_OFFSET
from policies.skill_envs import SKILL_ENV_IDS


def run_episodes(policy: Any, skill: str, seeds: list[int], progress: bool = False,
                 randomise: bool = False) -> list[dict[str, Any]]:
    """One record per seeded episode of ``skill`` driven by ``policy`` (SB3's ``predict`` interface), with
    the episodes' domain randomisation when ``randomise``."""
    from tqdm import tqdm

    env = gym.make(SKILL_ENV_IDS[skill], randomise=randomise)
    records = []
    try:
        for seed in tqdm(seeds, desc=f"eval {skill}", unit="episode", disable=not progress):
            obs, info = env.reset(seed=seed)
            steps, done = 0, False
            while not done:
                action, _ = policy.predict(obs, deterministic=True)
                obs, _, terminated, truncated, info = env.step(action)
                steps += 1
                done = terminated or truncated
            records.append({"seed": seed, "success": bool(info["is_success"]), "reason": info["reason"]
                            or ("out of steps" if truncated and not terminated else ""),
                            "task": info["task"], "size": info["size"], "object": info["object"],
                            "control_steps": steps})
    finally:
        env.close()
    return records


def evaluate_policy_success(policy: Any, skill: str, episodes: int, first_seed: int,
                            randomise: bool = False) -> float:
    records = run_episodes(policy, skill, [first_seed + i for i in range(episodes)], randomise=randomise)
    return sum(r["success"] for r in records) / len(records)


def evaluate_controller(policy: Any, skill: str, episodes: int, seed: int,
                        progress: bool = True, randomise: bool = False) -> dict[str, Any]:
    """``nesy eval controller``: evaluation seed ``s`` is episode seed ``SKILL_EVAL_OFFSET + s`` (the locked
    range ``SKILL_EVAL`` of ``policies/seeds.py``), randomised (``--randomise``) or nominal."""
    seeds = [SKILL_EVAL_OFFSET + seed + i for i in range(episodes)]
    records = run_episodes(policy, skill, seeds, progress, randomise)
    successes = sum(r["success"] for r in records)
    failures = Counter(r["reason"] for r in records if not r["success"])
    return {"skill": skill, "episodes": episodes, "seed": seed, "randomise": randomise,
            "success_rate": successes / episodes,
            "failures": dict(sorted(failures.items())), "records": records}
