"""An alignment session: evaluate the domain, align it over iterations of episodes, evaluate it again.

Alignment episodes explore: their goals are the task's default instructions (for blocks, towers in an
order drawn from the seed), which a variant's physics may forbid, so the agent attempts what its domain
wrongly allows and learns from the failures. Evaluation episodes run the plain episode loop of
``nesy run`` on seeds alignment never saw, with the variant's demo instruction (one tower of every block
in an order left to the agent; hanoi's tower to the right peg): a goal the physics allows, reached only by
the moves it allows, which is where a domain that is wrong about the world plans what fails. They run once
with the domain as shipped and once with the aligned one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from agent.alignment.mpc import Aligner, run_aligning_episode
from agent.alignment.writer import write_aligned_domain
from agent.execution.episode import EpisodeResult, run_episode
from agent.planning.domain import Domain, domain_folder, load_domain, variant_domain_folder
from agent.planning.planner import Planner
from agent.runs.config import RunConfig
from agent.runs.rundir import RunDir
from agent.runs.runner import make_env
from envs.detectors import DETECTORS
from envs.errors import ConfigError, PlanningError
from envs.scenes.registry import check_size
from envs.task_env import TaskEnv
from policies import BINDABLE_SKILLS
from policies.artifacts import write_atomic
from policies.seeds import ALIGNMENT_EVAL_OFFSET, refusal


def base_domain(config: RunConfig) -> Domain:
    """The domain to align: ``--domain``, else the task's variant domain for a variant, else the shipped one."""
    if config.domain:
        folder = Path(config.domain)
    else:
        folder = variant_domain_folder(config.task) if config.variant else domain_folder(config.task)
    domain = load_domain(folder, task=config.task)
    domain.binding.check_names(DETECTORS, BINDABLE_SKILLS)
    return domain


def align(config: RunConfig, iterations: int, eval_episodes: int, min_support: int,
          progress: bool = True) -> dict[str, Any]:
    """Run the session; returns the summary also written to the run directory."""
    from tqdm import tqdm

    check_size(config.task, config.size)
    # alignment episodes choose the rules the aligned domain keeps: they are tuning, so never on locked seeds
    if (locked := refusal("--seed", config.seed, iterations * config.episodes)) is not None:
        raise ConfigError(locked)
    base = base_domain(config)
    env = make_env(config)
    label = f"align-{config.task}{config.size}" + (f"-{config.variant}" if config.variant else "")
    run_dir = RunDir.create(config.out, label)
    run_dir.write_config({**config.to_dict(), "iterations": iterations, "eval_episodes": eval_episodes,
                          "min_support": min_support})
    aligner = Aligner(base, config.planner, run_dir.path / "aligned", run_dir.path / "transitions.jsonl",
                      min_support)
    eval_seeds = [config.seed + ALIGNMENT_EVAL_OFFSET + i for i in range(eval_episodes)]
    try:
        with tqdm(total=2 * eval_episodes + iterations * config.episodes, desc=label, unit="episode",
                  disable=not progress, file=sys.stderr) as bar:
            before = _evaluate(env, base, config, eval_seeds, run_dir, "before", bar)
            history = []
            for iteration in range(1, iterations + 1):
                known = {rule.key for rule in aligner.rules}
                results = []
                for i in range(config.episodes):
                    seed = config.seed + (iteration - 1) * config.episodes + i
                    result = run_aligning_episode(env, aligner, config, seed, f"iteration {iteration}", explore=True)
                    aligner.relearn()  # successes narrow the candidates too, not only the failures that trigger it
                    _append(run_dir, "align", result, iteration)
                    results.append(result)
                    bar.update()
                history.append({"iteration": iteration, "episodes": len(results),
                                "success_rate": _rate(results),
                                "failed_skills": sum(not s.skill_success for r in results for s in r.steps),
                                "new_rules": [r.describe() for r in aligner.rules if r.key not in known]})
            aligned = write_aligned_domain(base, aligner.rules, run_dir.path / "aligned")
            after = _evaluate(env, aligned, config, eval_seeds, run_dir, "after", bar)
    finally:
        env.close()
    summary = {
        "task": config.task, "size": config.size, "variant": config.variant, "planner": config.planner,
        "base_domain": str(base.folder), "rules": [r.to_dict() for r in aligner.rules],
        "unexplained_mispredictions": len(aligner.unexplained), "transitions": len(aligner.classified),
        "iterations": history, "before": before, "after": after,
        "aligned_domain": str(run_dir.path / "aligned"), "run_dir": str(run_dir.path),
    }
    write_atomic(run_dir.path / "summary.json", json.dumps(summary, indent=2, sort_keys=True) + "\n")
    if config.json:
        write_atomic(Path(config.json), json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary


def _evaluate(env: TaskEnv, domain: Domain, config: RunConfig, seeds: list[int], run_dir: RunDir, phase: str,
              bar: Any) -> dict[str, Any]:
    """``nesy run``'s episode loop with ``domain`` on ``seeds`` (oracle goals); a goal the domain cannot
    reach counts as a failure."""
    planner = Planner(domain, engine=config.planner)
    results = []
    for seed in seeds:
        try:
            result = run_episode(env, domain, planner, config, seed)
        except PlanningError as exc:
            result = EpisodeResult(seed=seed, instruction=config.instruction or "", goal=[], reason=str(exc))
        _append(run_dir, phase, result)
        results.append(result)
        bar.update()
    return {"episodes": len(results), "success_rate": _rate(results),
            "failed_skills": sum(not s.skill_success for r in results for s in r.steps),
            "seeds": [seeds[0], seeds[-1]] if seeds else []}


def _rate(results: list[EpisodeResult]) -> float:
    return sum(r.success for r in results) / len(results) if results else 0.0


def _append(run_dir: RunDir, phase: str, result: EpisodeResult, iteration: int | None = None) -> None:
    record = {"phase": phase, **({"iteration": iteration} if iteration else {}), **result.to_dict()}
    with open(run_dir.path / "episodes.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, sort_keys=True) + "\n")


def format_alignment(summary: dict[str, Any]) -> str:
    """What ``nesy align`` prints: the rules, each iteration, before and after."""
    world = summary["task"] + (f" ({summary['variant']})" if summary["variant"] else "")
    lines = [f"aligned {world}: {len(summary['rules'])} rule(s) from {summary['transitions']} transitions"]
    lines += [f"  rule: {rule['rule']} ({rule['evidence']})" for rule in summary["rules"]]
    for it in summary["iterations"]:
        lines.append(f"  iteration {it['iteration']}: {it['episodes']} episodes, success {it['success_rate']:.0%}, "
                     f"{len(it['new_rules'])} new rule(s)")
    for phase in ("before", "after"):
        result = summary[phase]
        if result["episodes"]:
            lines.append(f"  {phase}: success {result['success_rate']:.0%} on {result['episodes']} unseen seeds, "
                         f"{result['failed_skills']} failed skill(s)")
    lines.append(f"  aligned domain: {summary['aligned_domain']}")
    return "\n".join(lines)
