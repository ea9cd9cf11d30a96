"""Acting while aligning: an episode that logs every transition, learns from it at once, and checks the
rest of its plan against the updated model before each operator.

The loop is the episode loop of ``agent.execution.episode`` (detect, plan, act one operator, re-detect, replan on a
mismatch), run with ``AligningHooks``: every executed operator becomes a ``Transition`` handed to the
``Aligner``, which may repair the model on the spot (``after_operator``); the loop plans and acts with the
current model (``model``); and before each operator the rest of the plan is simulated in that model and
replaced when the model predicts it to fail (``before_operator``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from agent.alignment.learner import MIN_SUPPORT, Rule, learn
from agent.alignment.mismatch import MATCH, Classified, classify
from agent.alignment.plan_check import check_plan
from agent.alignment.transitions import Transition, append_log
from agent.alignment.writer import write_aligned_domain
from agent.execution.episode import EpisodeConfig, EpisodeHooks, EpisodeResult, run_episode
from agent.planning.domain import Domain
from agent.planning.planner import Operator, Planner
from envs.task_env import TaskEnv
from policies.skill import SkillResult


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


class AligningHooks(EpisodeHooks):
    """The episode loop's hooks for an episode that aligns as it acts: plan and act with the aligner's current
    model, check the rest of the plan in it before each operator, and hand every transition to the aligner.
    A first plan the model says cannot reach the goal ends the episode as a failure: the model may be wrong."""

    record_planning_failure = True

    def __init__(self, aligner: Aligner, source: str, explore: bool) -> None:
        self.aligner = aligner
        self.source = source
        self.demo_instruction = not explore

    def model(self, domain: Domain, planner: Planner) -> tuple[Domain, Planner]:
        return self.aligner.domain, self.aligner.planner

    def before_operator(self, objects: Mapping[str, str], state: Sequence[str], plan: Sequence[Operator],
                        goal: frozenset[str]) -> str:
        return check_plan(self.aligner.planner, objects, state, plan, goal)

    def after_operator(self, objects: Mapping[str, str], before: Sequence[str], operator: Operator,
                       outcome: SkillResult, after: Sequence[str]) -> None:
        self.aligner.observe(Transition(tuple(sorted(objects.items())), frozenset(before), str(operator),
                                        frozenset(after), outcome.success, self.source))


def run_aligning_episode(env: TaskEnv, aligner: Aligner, config: EpisodeConfig, seed: int, source: str,
                         explore: bool = False) -> EpisodeResult:
    """One episode (oracle goal) that aligns as it acts. Its instruction is ``config.instruction``, else
    with ``explore`` the task's default one (for blocks a tower in an order drawn from the seed, which a
    variant's physics may forbid: the attempts to learn from), else the scene's demo one."""
    hooks = AligningHooks(aligner, f"{source} seed {seed}", explore)
    return run_episode(env, aligner.base, aligner.base_planner, config, seed, hooks=hooks)
