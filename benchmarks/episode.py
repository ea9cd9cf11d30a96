"""Where an episode's wall time goes: perceive (detectors and the goal network), plan, act (skills: control
and physics), and the rest (reset, bookkeeping).

    python -m benchmarks.episode [--quick]

Runs ``nesy run --goal perception --task hanoi --size 3`` episodes (seeds 0 to 2; seed 0 alone when quick)
with one planner, as one run does: the first episode searches, later ones start from the same detected
tower and find its plan in the planner's cache (the first search also loads Fast Downward's translator).
The goal network reads one goal before the episodes, so its one-off loading is not counted. The split
comes from the timers ``run_episode`` keeps.
"""

from __future__ import annotations

from benchmarks import Row, median_row, run_as_script


def run(quick: bool) -> list[Row]:
    from agent.execution.episode import run_episode
    from agent.perception.predictor import GoalReader
    from agent.planning.planner import Planner
    from agent.runs.config import RunConfig
    from agent.runs.runner import resolve_domain
    from envs.task_env import TaskEnv

    config = RunConfig(task="hanoi", size=3, goal="perception")
    domain = resolve_domain(config)
    planner = Planner(domain, config.planner)
    reader = GoalReader(config.goal_checkpoint, config.device)
    env = TaskEnv(config.task, config.size)
    try:
        # The goal network's first call loads the sentence model: a cost per process, not per episode.
        env.reset(seed=0)
        reader.read(env, "move the tower to the right peg", env.symbolic_state())
        results = [run_episode(env, domain, planner, config, seed, reader) for seed in ([0] if quick else [0, 1, 2])]
    finally:
        env.close()
    where = f"hanoi 3, --goal perception, {len(results)} episode(s), {sum(r.success for r in results)} succeeded"
    parts = {
        "perceive": [r.perceive_time_s for r in results],
        "plan": [r.plan_time_s for r in results],
        "act": [r.act_time_s for r in results],
        "other": [r.wall_time_s - r.perceive_time_s - r.plan_time_s - r.act_time_s for r in results],
    }
    walls = [r.wall_time_s for r in results]
    rows = [median_row("episode wall time", walls, "s", where, digits=2)]
    for part, seconds in parts.items():
        shares = [100 * s / w for s, w in zip(seconds, walls)]
        rows.append(median_row(f"  {part}", [1000 * s for s in seconds], "ms",
                               f"{min(shares):.1f}-{max(shares):.1f}% of wall time"))
    return rows


if __name__ == "__main__":
    run_as_script(__doc__, run, "one episode")
