"""Acting while aligning: an episode that logs every transition, learns from it at once, and checks the
rest of its plan against the updated model before each operator.

The loop is the episode loop of ``agent.execution.episode`` (detect, plan, act one operator, re-detect, replan on a
mismatch) with two additions: every executed operator becomes a ``Transition`` handed to the ``Aligner``,
which may repair the model on the spot; and before each operator the rest of the plan is simulated in the
current model and replaced when the model predicts it to fail.
"""

from __future__ import annotations

import time
from pathlib import Path

from agent.alignment.learner import MIN_SUPPORT, Rule, learn
from agent.alignment.mismatch import MATCH, Classified, classify
from agent.alignment.plan_check import check_plan
from agent.alignment.transitions import Transition, append_log
from agent.alignment.writer import write_aligned_domain
from agent.planning.atoms import holds
from agent.runs.config import RunConfig
from agent.planning.domain import Domain
from agent.execution.episode import EpisodeResult, act_and_compare
from envs.errors import PlanningError
from agent.goals.oracle import default_instruction, parse_instruction
from agent.planning.planner import Planner
from envs.task_env import TaskEnv


class Aligner:
    """The base domain, every transition logged so far compared with it, the rules learned from them and
    the aligned domain they make (rewritten into ``folder`` whenever the rules change)."""

    def __init__(self, base: Domain, engine: str, folder: Path, log_path: Path | None = None,
                 min_support: int = MIN_SUPPORT) -> None:
        self.base = base
        self.engine = engine
        self.folder = folder
        self.log_path = log_path
        self.min_support = min_support
        self.base_planner = Planner(base, engine=engine)
        self.classified: list[Classified] = []
        self.rules: list[Rule] = []
        self.unexplained: list[int] = []
        self.domain = base
        self.planner = self.base_planner

    def observe(self, transition: Transition) -> bool:
        """Log ``transition``; when the base domain mispredicted it, learn again. True when the rules changed."""
        if self.log_path is not None:
            append_log(self.log_path, [transition])
        classified = classify(self.base_planner, transition)
        self.classified.append(classified)
        if classified.kind == MATCH:
            return False
        return self.relearn()

    def relearn(self) -> bool:
        learned = learn(self.base, self.classified, self.min_support)
        self.unexplained = learned.unexplained
        changed = [r.key for r in learned.rules] != [r.key for r in self.rules]
        self.rules = learned.rules
        if changed:
            self.domain = write_aligned_domain(self.base, self.rules, self.folder)
            self.planner = Planner(self.domain, engine=self.engine)
        return changed


def run_aligning_episode(env: TaskEnv, aligner: Aligner, config: RunConfig, seed: int, source: str,
                         explore: bool = False) -> EpisodeResult:
    """One episode (oracle goal) that aligns as it acts. Its instruction is ``config.instruction``, else
    with ``explore`` the task's default one (for blocks a tower in an order drawn from the seed, which a
    variant's physics may forbid: the attempts to learn from), else the scene's demo one."""
    start = time.perf_counter()
    env.reset(seed=seed)
    binding = aligner.base.binding
    scene_objects = {o.name: o.kind for o in env.scene.objects}
    objects = binding.pddl_objects(scene_objects)
    instruction = (config.instruction or (None if explore else env.scene.demo_instruction(seed))
                   or default_instruction(config.task, scene_objects, seed))
    goal = parse_instruction(instruction, config.task, scene_objects)
    result = EpisodeResult(seed=seed, instruction=instruction, goal=sorted(goal))
    predicates = dict(binding.predicates)
    state = env.symbolic_state(predicates)
    queue = _plan(aligner, objects, state, goal, result)
    if queue is not None:
        result.plan = [str(op) for op, _ in queue]
    budget = config.episode_step_budget or config.skill_step_budget * (2 * len(result.plan) + 10)
    while queue is not None and not holds(goal, state):
        if env.sim.steps >= budget:
            result.reason = f"episode step budget of {budget} simulation steps spent"
            break
        why = check_plan(aligner.planner, objects, state, [op for op, _ in queue], goal) if queue else ""
        if queue and not why:
            operator, predicted = queue.pop(0)
            before = state
            outcome, state, mismatch = act_and_compare(env, aligner.domain, config, operator, predicted, budget,
                                                       predicates, result)
            aligner.observe(Transition(tuple(sorted(objects.items())), frozenset(before), str(operator),
                                       frozenset(state), outcome.success, f"{source} seed {seed}"))
            if not mismatch:
                continue
            result.reason = f"after {operator}: {mismatch.describe()}"
        else:
            result.reason = f"plan check: {why}" if why else "plan finished but the goal does not hold"
        if result.replans >= config.max_replans:
            result.reason += f" (replan budget of {config.max_replans} spent)"
            break
        result.replans += 1
        queue = _plan(aligner, objects, state, goal, result)
    result.final_state = env.symbolic_state(predicates)
    result.success = holds(goal, result.final_state)
    if result.success:
        result.reason = ""
    result.sim_steps = env.sim.steps
    result.wall_time_s = time.perf_counter() - start
    return result


def _plan(aligner: Aligner, objects: dict[str, str], state: list[str], goal: frozenset[str],
          result: EpisodeResult) -> list | None:
    """A plan in the current model, or None (with the reason) when the model says the goal is out of reach."""
    try:
        plan = aligner.planner.plan(objects, state, goal)
    except PlanningError as exc:
        result.reason = f"planning failed: {exc}"
        return None
    result.plan_time_s += plan.plan_time_s
    return list(zip(plan.operators, plan.predicted))
