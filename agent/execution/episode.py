"""One closed-loop episode: perceive, plan, execute one operator, re-detect, compare, continue or replan.

Like model-predictive control, the agent acts on one operator at a time and re-plans from what the
detectors see whenever the scene departs from the state the domain predicted. Success is judged only
from the detectors' view of the final scene.

What the agent knows of the scene comes from an observer (``agent.execution.observer``): the detectors and
the simulator's names (``--state oracle``), or the camera frame alone (``--state camera``). In camera mode the
agent's names are the perceived ones; success is still judged by the detectors against the instruction's
goal in the simulator's names, and a ``CameraJudge`` (``agent.execution.judge``) measures perception's
errors beside the agent, which never reads them.

This is the only episode loop: a loop that learns while it acts (``agent.alignment.mpc``) runs it with
``EpisodeHooks`` that swap the model, veto the next operator and watch every transition.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from agent.execution.disturbance import Disturber
from agent.execution.judge import CameraJudge
from agent.execution.monitor import Mismatch, compare
from agent.execution.observer import Look, Observer, make_observer
from agent.goals.oracle import default_instruction, parse_instruction
from agent.planning.atoms import has_variables, holds
from agent.planning.domain import Domain
from agent.planning.planner import Operator, Planner
from envs.errors import GoalError, InstructionError, PerceptionError, PlanningError, Refusal
from envs.task_env import TaskEnv
from policies import SCRIPTED_ONLY_SKILLS, load_skills
from policies.arm_motion import clear_view, make_ready
from policies.skill import SkillResult
from policies.targets import Targets

if TYPE_CHECKING:  # importing it loads torch, which an oracle-goal run (and each of its workers) never needs
    from agent.perception.predictor import GoalReader


class EpisodeConfig(Protocol):
    """What the loop reads from a run's configuration (``agent.runs.config.RunConfig`` has all of it)."""

    @property
    def task(self) -> str: ...
    @property
    def instruction(self) -> str | None: ...
    @property
    def controller(self) -> str: ...
    @property
    def max_replans(self) -> int: ...
    @property
    def skill_step_budget(self) -> int: ...
    @property
    def episode_step_budget(self) -> int | None: ...
    @property
    def state(self) -> str: ...


class EpisodeHooks:
    """Extension points of the episode loop. Every default leaves the plain loop unchanged; a subclass
    overrides what it needs (``agent.alignment.mpc.AligningHooks`` overrides all of them)."""

    #: with no ``--instruction``, use the scene's demo instruction if it has one (else the task's default one)
    demo_instruction: bool = True
    #: an oracle goal the first plan cannot reach ends the episode as a failure instead of raising: right for a
    #: model being learned, which may wrongly believe the goal out of reach
    record_planning_failure: bool = False

    def model(self, domain: Domain, planner: Planner) -> tuple[Domain, Planner]:
        """The domain to act with and the planner to plan with now: asked before every plan and operator,
        since a learning loop changes them during the episode."""
        return domain, planner

    def before_operator(self, objects: Mapping[str, str], state: Sequence[str], plan: Sequence[Operator],
                        goal: frozenset[str]) -> str:
        """Why the rest of ``plan`` should not be run from ``state`` (the episode replans), or ``""``."""
        return ""

    def after_operator(self, objects: Mapping[str, str], before: Sequence[str], operator: Operator,
                       outcome: SkillResult, after: Sequence[str]) -> None:
        """Told of every executed operator: the detected state before and after it, and how its skill ended."""


#: the plain loop
NO_HOOKS = EpisodeHooks()


@dataclass
class StepRecord:
    """One executed operator and what came of it."""

    operator: str
    skill_success: bool
    matched: bool
    sim_steps: int
    mismatch: str = ""
    #: the controller that ran the skill where it is not the run's own (a learned run rights a fallen
    #: object with the scripted skill); empty otherwise, and then left out of the record
    controller: str = ""

    def to_dict(self) -> dict[str, Any]:
        record = {"operator": self.operator, "skill_success": self.skill_success, "matched": self.matched,
                  "sim_steps": self.sim_steps, "mismatch": self.mismatch}
        if self.controller:
            record["controller"] = self.controller
        return record


@dataclass
class EpisodeResult:
    seed: int
    instruction: str
    goal: list[str]
    success: bool = False
    plan: list[str] = field(default_factory=list)
    steps: list[StepRecord] = field(default_factory=list)
    replans: int = 0
    plan_time_s: float = 0.0
    #: wall time spent detecting the symbolic state and reading the goal
    perceive_time_s: float = 0.0
    #: wall time spent running skills (control and physics)
    act_time_s: float = 0.0
    wall_time_s: float = 0.0
    sim_steps: int = 0
    reason: str = ""
    final_state: list[str] = field(default_factory=list)
    #: atoms the goal decoder dropped to make the perceived goal consistent, with why
    goal_dropped: dict[str, str] = field(default_factory=dict)
    #: with a perceived goal: the instruction's goal where the rule-based parser reads it (success is
    #: judged against it), else empty (judged against the perceived goal)
    intended_goal: list[str] = field(default_factory=list)
    #: with ``--disturb``: what was done behind the agent's back (``Disturbance.to_dict``); None (and left out
    #: of the record) in an undisturbed run
    disturbances: list[dict[str, Any]] | None = None
    #: with ``--state camera``: the scoring translation and the perceived targets' errors (``CameraJudge``);
    #: None (and left out of the record) in an oracle-state run
    camera: dict[str, Any] | None = None
    #: camera mode: how often the agent kept its model's prediction over a frame it could not plan from
    #: (recorded under ``camera``)
    kept_predictions: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "success": self.success, "instruction": self.instruction, "goal": self.goal,
                "plan": self.plan, "plan_length": len(self.plan), "executed": [s.to_dict() for s in self.steps],
                "replans": self.replans,
                "plan_time_s": round(self.plan_time_s, 6), "perceive_time_s": round(self.perceive_time_s, 6),
                "act_time_s": round(self.act_time_s, 6), "wall_time_s": round(self.wall_time_s, 6),
                "sim_steps": self.sim_steps, "reason": self.reason, "final_state": self.final_state,
                "goal_dropped": self.goal_dropped, "intended_goal": self.intended_goal,
                **({} if self.disturbances is None else {"disturbances": self.disturbances}),
                **({} if self.camera is None else {"camera": self.camera})}


def run_episode(env: TaskEnv, domain: Domain, planner: Planner, config: EpisodeConfig, seed: int,
                reader: GoalReader | None = None, hooks: EpisodeHooks = NO_HOOKS, disturb: int = 0) -> EpisodeResult:
    """Run one episode on ``env`` reset with ``seed``, reading the goal with ``reader`` (the oracle parser
    when None), disturbing the scene ``disturb`` times between operators (``agent.execution.disturbance``).
    An oracle goal the first plan cannot reach is the user's error and propagates (unless
    ``hooks.record_planning_failure``); a perceived one that cannot be read or reached ends the episode as a
    failure. Later planning errors end it too. ``domain``'s binding names the predicates and skills
    throughout; the objects are the scene's (``config.state`` oracle) or the perceived ones (camera), whose
    frames that cannot be read end the episode as a failure. ``hooks.model`` may swap the domain acted with
    and the planner."""
    start = time.perf_counter()
    env.reset(seed=seed)
    binding = domain.binding
    predicates = dict(binding.predicates)
    observer = make_observer(config.state, env, predicates)
    judge = CameraJudge(env, predicates) if config.state == "camera" else None
    # the instruction's author sees the scene: the demo instruction names its objects
    scene_objects = {o.name: o.kind for o in env.scene.objects}
    demo = env.scene.demo_instruction(seed) if hooks.demo_instruction else None
    instruction = config.instruction or demo or default_instruction(config.task, scene_objects, seed)
    result = EpisodeResult(seed=seed, instruction=instruction, goal=[])
    if judge is not None:  # scoring only: what the instruction asks, in the simulator's names
        with suppress(InstructionError):
            result.intended_goal = sorted(parse_instruction(instruction, config.task, scene_objects))
    clock = time.perf_counter()
    try:
        look = observer.look()
    except PerceptionError as exc:
        result.reason = str(exc)
        return _finish(result, env, frozenset(result.intended_goal), predicates, start, judge)
    result.perceive_time_s += time.perf_counter() - clock
    if judge is not None:
        judge.start(look)
    state, objects = look.state, binding.pddl_objects(look.kinds)
    if reader is None:
        try:
            goal = parse_instruction(instruction, config.task, look.kinds)
        except InstructionError as exc:
            if judge is None:  # the scene's own names: the instruction is the user's to fix
                raise
            result.reason = f"perceived scene: {exc}"
            return _finish(result, env, frozenset(result.intended_goal), predicates, start, judge)
        result.goal = sorted(goal)
        try:
            plan = hooks.model(domain, planner)[1].plan(objects, state, goal)
        except (GoalError, PlanningError) as exc:  # in camera mode, a scene misread: the episode's failure
            if judge is None and (isinstance(exc, GoalError) or not hooks.record_planning_failure):
                raise
            result.reason = f"planning failed: {exc}"
            return _finish(result, env, _judged(result, goal, judge), predicates, start, judge)
    else:
        # Judge by what the instruction means where the parser can read it, so that a misread goal
        # that the robot then achieves still counts as a failure.
        try:
            intended = parse_instruction(instruction, config.task, look.kinds)
            if judge is None:
                result.intended_goal = sorted(intended)
        except InstructionError:
            intended = None
        try:
            if intended and has_variables(intended):
                raise GoalError("the network reads goals over the scene's objects, and this instruction leaves "
                                f"them open ({' '.join(sorted(intended))}): run it with --goal oracle")
            clock = time.perf_counter()
            reading = reader.read_scene(look.view(), look.facts(config.task), instruction, domain)
            result.perceive_time_s += time.perf_counter() - clock
            goal = frozenset(reading.goal)
            result.goal, result.goal_dropped = sorted(goal), reading.dropped
            plan = hooks.model(domain, planner)[1].plan(objects, state, goal)
        except (GoalError, PlanningError) as exc:
            result.reason = f"perceived goal: {exc}"
            return _finish(result, env, _judged(result, frozenset(result.goal), judge), predicates, start, judge)
        except Refusal as refusal:
            if config.instruction is not None and judge is None:  # the user's instruction: theirs to fix
                raise
            # the scene's demo instruction (or, in camera mode, a scene perceived without what it names): a
            # refusal is this episode's outcome
            result.reason = f"perceived goal: {refusal}"
            return _finish(result, env, _judged(result, frozenset(result.goal), judge), predicates, start, judge)
    result.plan = [str(op) for op in plan.operators]
    result.plan_time_s += plan.plan_time_s
    budget = config.episode_step_budget or config.skill_step_budget * (2 * len(plan.operators) + 10)
    queue: list[tuple[Operator, frozenset[str]]] | None = list(zip(plan.operators, plan.predicted))
    disturber = Disturber(disturb, seed, len(plan.operators)) if disturb else None
    if disturber is not None:
        result.disturbances = []

    #: camera mode: the state the model predicted after a skill that succeeded, the objects, the rest of the
    #: plan and the skill's own account of where things ended up (its targets, the held object on the hand),
    #: kept in case the next frame is misread into a state the goal cannot be reached from
    belief: tuple[list[str], dict[str, str], list[tuple[Operator, frozenset[str]]], Look] | None = None
    while not holds(goal, state):
        if env.sim.steps >= budget:
            result.reason = f"episode step budget of {budget} simulation steps spent"
            break
        why = hooks.before_operator(objects, state, [op for op, _ in queue], goal) if queue else ""
        if queue and not why:
            operator, predicted = queue.pop(0)
            before, before_objects = state, objects
            try:
                outcome, look, mismatch = act_and_compare(env, hooks.model(domain, planner)[0], config, operator,
                                                          predicted, budget, observer, look, result, disturber,
                                                          judge)
            except PerceptionError as exc:
                result.reason = f"after {operator}: {exc}"
                break
            state = look.state
            if judge is not None:  # the camera may see other objects now (a name it reads differently)
                objects = binding.pddl_objects(look.kinds)
                reckoned = replace(look, targets=_same(look.acted)) if look.acted is not None else look
                belief = (sorted(predicted), before_objects, list(queue), reckoned) if outcome.success else None
            hooks.after_operator(objects, before, operator, outcome, state)
            if not mismatch:
                continue
            result.reason = f"after {operator}: {mismatch.describe()}"
        else:
            result.reason = f"plan check: {why}" if why else "plan finished but the goal does not hold"
        if not _replan_allowed(result, config):
            break
        queue = _replan(hooks.model(domain, planner)[1], objects, state, goal, result)
        if queue is None and belief is not None:
            # The skill succeeded but the frame shows a state the goal cannot be reached from (or without an
            # object the goal names): a misreading is likelier than a dead end, so act on the prediction.
            (state, objects, queue, look), belief = belief, None
            result.kept_predictions += 1
        if queue is None:
            break

    pursued = goal if judge is None else frozenset(judge.in_simulator_names(sorted(goal)))
    if result.intended_goal and pursued != set(result.intended_goal):
        result.reason = f"perceived goal differs from the instruction's ({' '.join(result.intended_goal)})"
    return _finish(result, env, frozenset(result.intended_goal or pursued), predicates, start, judge)


def _judged(result: EpisodeResult, goal: frozenset[str], judge: CameraJudge | None) -> frozenset[str]:
    """The goal success is judged against: the instruction's where the parser reads it, else the one the
    agent pursued (in camera mode, translated into the simulator's names by the scoring)."""
    if result.intended_goal:
        return frozenset(result.intended_goal)
    return goal if judge is None else frozenset(judge.in_simulator_names(sorted(goal)))


def act_and_compare(env: TaskEnv, domain: Domain, config: EpisodeConfig, operator: Operator,
                    predicted: frozenset[str], budget: int, observer: Observer, look: Look, result: EpisodeResult,
                    disturber: Disturber | None = None,
                    judge: CameraJudge | None = None) -> tuple[SkillResult, Look, Mismatch]:
    """Execute ``operator`` on what ``look`` saw (the skill's targets, in camera mode), let ``disturber``
    disturb the scene, look again, compare with the ``predicted`` state and record the step (and its acting
    and perceiving time) in ``result``; returns the skill's outcome, the new look and the mismatch. A frame
    that cannot be read after a skill that succeeded (camera mode) leaves the prediction and the skill's own
    targets in its place; after one that failed, it records the step and raises its ``PerceptionError``."""
    skill = domain.skill_call(operator.name, operator.args)
    before = look
    if judge is not None:
        judge.before_skill(look, *skill)
    clock = time.perf_counter()
    targets = look.targets() if look.targets is not None else None
    if targets is None:
        outcome = restart_stalled_pick(env, skill[0], execute(env, domain, config, operator, budget), budget)
    else:
        # camera mode: from the look point (above the camera's view) down to where skills start (the first skill
        # starts from home, where the hand was at the first look); the targets, made at the look, carry a held
        # object's box along with the hand
        make_ready(env, max(budget - env.sim.steps, 1))
        targets.restart()
        outcome = execute(env, domain, config, operator, budget, targets)
        # the arm, and what it holds, must be out of the frame the camera is about to read
        clear_view(env, max(budget - env.sim.steps, 1))
    if disturber is not None and result.disturbances is not None:
        result.disturbances.extend(d.to_dict() for d in disturber.after_operator(env, len(result.steps)))
    acted = time.perf_counter()
    result.act_time_s += acted - clock
    substitute = "scripted" if config.controller != "scripted" and skill[0] in SCRIPTED_ONLY_SKILLS else ""
    try:
        look = observer.look(targets)
    except PerceptionError as exc:
        if targets is None or not outcome.success:
            result.steps.append(StepRecord(str(operator), outcome.success, False, outcome.sim_steps,
                                           str(exc), substitute))
            raise
        # the skill succeeded and the frame cannot be read: go on from the prediction and the skill's account
        result.kept_predictions += 1
        result.steps.append(StepRecord(str(operator), outcome.success, True, outcome.sim_steps,
                                       f"{exc} (kept the prediction)", substitute))
        return outcome, replace(look, state=sorted(predicted), targets=_same(targets), acted=targets), Mismatch((), ())
    result.perceive_time_s += time.perf_counter() - acted
    if targets is not None:
        look = _unseen_kept(look, before, predicted)
    mismatch = compare(predicted, look.state)
    result.steps.append(StepRecord(str(operator), outcome.success, not mismatch, outcome.sim_steps,
                                   mismatch.describe(), substitute))
    return outcome, replace(look, acted=targets) if targets is not None else look, mismatch


def restart_stalled_pick(env: TaskEnv, skill: str, outcome: SkillResult, budget: int) -> SkillResult:
    """``outcome``, after taking the hand up to the look point and down to the ready point (``clear_view``,
    ``make_ready``, where camera-mode skills start) where a pick ran out of steps: a learned pick that stalls
    hovers beside its object, often over a tower, and the retry the agent plans next, started from there,
    stalled the same way until the replan budget was spent. From the ready point, 12 cm above the table
    beside the scene, the retry starts afresh (blocks 5, ``--disturb 2``, development seeds 20100-20299: 181
    of 200 without, 188 with). The steps it takes count as the pick's."""
    if skill != "pick" or outcome.finished:
        return outcome
    up = clear_view(env, max(budget - env.sim.steps, 1))
    down = make_ready(env, max(budget - env.sim.steps, 1))
    return replace(outcome, sim_steps=outcome.sim_steps + up.sim_steps + down.sim_steps)


def _unseen_kept(look: Look, before: Look, predicted: frozenset[str]) -> Look:
    """Camera mode: ``look`` with the objects ``before`` showed and it does not (a cube inside a bin of its
    own colour is often read as part of the bin): objects never leave these scenes, so each keeps its kind,
    its colour and the atoms the model predicted about it, while everything the frame shows is read from it."""
    missing = {name: kind for name, kind in before.kinds.items() if name not in look.kinds}
    if not missing:
        return look
    kept = {atom for atom in predicted if any(arg in missing for arg in atom.strip("()").split()[1:])}
    return replace(look, kinds={**look.kinds, **missing},
                   colours={**look.colours, **{name: before.colours[name] for name in missing}},
                   state=sorted(set(look.state) | kept))


def _same(targets: Targets) -> Callable[[], Targets]:
    """The targets a skill ended on, handed on as they are (dead reckoning across one misread frame)."""
    return lambda: targets


def execute(env: TaskEnv, domain: Domain, config: EpisodeConfig, operator: Operator, budget: int,
            targets: Targets | None = None) -> SkillResult:
    """Run the skill bound to ``operator`` for at most the operator's share of the episode's ``budget``, on
    the perceived ``targets`` where given: the one place that looks a skill up, so every loop that acts runs
    the same controllers."""
    skill, args = domain.skill_call(operator.name, operator.args)
    run_skill = load_skills(config.controller)[skill]
    step_budget = min(config.skill_step_budget, max(budget - env.sim.steps, 1))
    if targets is None:
        return run_skill(env, args, step_budget)
    return run_skill(env, args, step_budget, targets)


def _finish(result: EpisodeResult, env: TaskEnv, goal: frozenset[str], predicates: dict[str, str],
            start: float, judge: CameraJudge | None = None) -> EpisodeResult:
    """Judge the episode from the detectors' view of the final scene (what the scoring sees, in camera mode
    too, where the perceived targets' errors join the record)."""
    clock = time.perf_counter()
    result.final_state = env.symbolic_state(predicates)
    result.perceive_time_s += time.perf_counter() - clock
    if judge is not None:
        result.camera = {**judge.to_dict(), "kept_predictions": result.kept_predictions}
    result.success = bool(goal) and holds(goal, result.final_state)
    if result.success:
        result.reason = ""
    result.sim_steps = env.sim.steps
    result.wall_time_s = time.perf_counter() - start
    return result


def _replan_allowed(result: EpisodeResult, config: EpisodeConfig) -> bool:
    if result.replans >= config.max_replans:
        result.reason += f" (replan budget of {config.max_replans} spent)"
        return False
    result.replans += 1
    return True


def _replan(planner: Planner, objects: dict[str, str], state: list[str], goal: frozenset[str],
            result: EpisodeResult) -> list[tuple[Operator, frozenset[str]]] | None:
    """Plan again from the detected ``state``; a goal that became unreachable ends the episode (None)."""
    try:
        plan = planner.plan(objects, state, goal)
    except (GoalError, PlanningError) as exc:  # GoalError: the camera no longer sees an object the goal names
        result.reason = f"replanning failed: {exc}"
        return None
    result.plan_time_s += plan.plan_time_s
    return list(zip(plan.operators, plan.predicted))
