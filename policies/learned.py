"""Learned pick, place and right: stable-baselines3 policies drive the arm, one control step per action.

The policy's actions alone move the arm and the fingers; nothing scripted takes over when it falters. A
skill stops when its ``SkillTask`` reports success or failure from the detectors' view of the scene, or
when its budget of simulation steps runs out; a failure is the agent loop's to handle (it replans). Given
``targets`` (perceived boxes, camera mode), the task reads them instead (see ``policies.skill_tasks``).
"""

from __future__ import annotations

import pickle
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from envs.detectors import detect_holding
from envs.errors import CheckpointError
from envs.robot import MAX_OPENING
from envs.task_env import SUBSTEPS, TaskEnv
from policies.actor import DeterministicActor, deterministic_policy
from policies.checkpoint_files import one_line, unpickling_reason
from policies.placement import NoFreeSpot
from policies.policy_files import check_skill, inspect_policy
from policies.righting import cannot_right, lying_on, out_of_reach
from policies.skill import SKILL_NAMES, SkillResult, not_movable, unknown_place
from policies.skill_envs import MAX_STEPS
from policies.skill_tasks import REST_SPEED, RUNNING, SUCCESS, PickTask, PlaceTask, RightTask, SkillTask
from policies.targets import Targets

CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"
#: a learned skill gets this many times its training episode's length before it is stopped (a policy that
#: has not finished by then is stuck, and the episode's budget is better spent replanning)
PATIENCE = 3
#: control steps a failed righting waits at most for the scene to come to rest
SETTLE_LIMIT = 60


def load_policy(path: str | Path, device: str = "cpu", skill: str | None = None) -> Any:
    """An SB3 model from ``path`` (``.zip``) for ``skill`` (any skill when None); for a residual policy, clone
    and residual together (``policies.residual_files``), with SB3's ``predict``. The zip's own metadata is
    checked first (``policies.policy_files``): a missing, truncated, foreign or wrong-skill file is one
    ``CheckpointError`` line, never SB3's traceback."""
    from policies.algorithms import algorithm_class
    from policies.residual_files import is_residual, load_residual
    from policies.threads import limit_torch_threads

    path = Path(path)
    policy = inspect_policy(path)
    check_skill(path, policy, skill)
    limit_torch_threads()
    if is_residual(path):
        return load_residual(path)
    try:
        return algorithm_class(policy.algorithm).load(path, device=device)
    except pickle.UnpicklingError as exc:
        raise CheckpointError(f"{path}: stable-baselines3 cannot load it ({unpickling_reason(exc)})") from None
    except (ValueError, KeyError, TypeError, AttributeError, OSError, RuntimeError, EOFError, AssertionError,
            zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{path}: stable-baselines3 cannot load it ({type(exc).__name__}: "
                              f"{one_line(exc)})") from None


def load_actor(path: str | Path, device: str = "cpu",
               skill: str | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """The deterministic action of the policy in ``path``, checked like ``load_policy`` first: read straight
    from the checkpoint where it is a default SAC or TQC policy (no SB3 model is built, see
    ``DeterministicActor.from_checkpoint``) or, for a residual policy, clone plus residual
    (``policies.residual_files``), else through ``load_policy``."""
    from policies.residual_files import is_residual, load_residual

    path = Path(path)
    check_skill(path, inspect_policy(path), skill)
    if is_residual(path):
        return load_residual(path)
    try:
        return DeterministicActor.from_checkpoint(path)
    except ValueError:
        return deterministic_policy(load_policy(path, device, skill))


class LearnedSkills:
    """The ``pick``, ``place`` and ``right`` skills backed by trained policies (default: the shipped ones)."""

    def __init__(self, checkpoints: dict[str, str | Path] | None = None, device: str = "cpu") -> None:
        paths = {skill: CHECKPOINTS / f"{skill}.zip" for skill in SKILL_NAMES}
        paths.update({k: Path(v) for k, v in (checkpoints or {}).items()})
        #: each policy's deterministic action, evaluated without ``predict``'s per-call overhead
        self.actors = {skill: load_actor(path, device, skill) for skill, path in paths.items()}

    def skills(self) -> dict[str, Any]:
        return {"pick": self.pick, "place": self.place, "right": self.right}

    def pick(self, env: TaskEnv, args: Sequence[str], step_budget: int,
             targets: Targets | None = None) -> SkillResult:
        (name,) = args
        world = env.world() if targets is None else targets.world()
        if (failure := not_movable(world, name)) is not None:
            return failure
        # on the simulator's poses the grasp point holds still once the fingers close (``PickTask``'s steady_grip)
        task = PickTask(env, name, targets, steady_grip=targets is None)
        return self._drive(env, "pick", task, step_budget)

    def place(self, env: TaskEnv, args: Sequence[str], step_budget: int,
              targets: Targets | None = None) -> SkillResult:
        name, target = args
        world = env.world() if targets is None else targets.world()
        if (name,) not in detect_holding(world):
            return SkillResult(False, 0, f"{name!r} is not in the hand")
        if (failure := unknown_place(world, target)) is not None:
            return failure
        try:
            task = PlaceTask(env, name, target, targets=targets)
        except NoFreeSpot as exc:
            return SkillResult(False, 0, str(exc))
        return self._drive(env, "place", task, step_budget)

    def right(self, env: TaskEnv, args: Sequence[str], step_budget: int,
              targets: Targets | None = None) -> SkillResult:
        """Put the fallen ``args[0]`` upright on the table; one lying on it is righted first (a grasp would
        take both). The hand turns for the grasp as in training (``RightTask.before_action``), from the
        object's orientation, which perceived ``targets`` do not give: with them it refuses, as the scripted
        skill does."""
        (name,) = args
        refusal = cannot_right(env, name, targets is not None)
        return refusal or self._set_upright(env, name, step_budget)

    def _set_upright(self, env: TaskEnv, name: str, step_budget: int) -> SkillResult:
        """``right``'s motion, for ``name`` and first for whatever lies on it (fallen or resting there)."""
        world = env.world()
        if out_of_reach(world, name):
            return SkillResult(False, 0, f"{name} is out of the arm's reach (off the table)")
        above = lying_on(world, name)
        if above is not None:
            cleared = self._set_upright(env, above, step_budget)
            if not cleared.success:
                return SkillResult(False, cleared.sim_steps, f"{above} lies on {name}: {cleared.reason}")
            rest = self._set_upright(env, name, max(step_budget - cleared.sim_steps, 1))
            return SkillResult(rest.success, cleared.sim_steps + rest.sim_steps, rest.reason)
        try:
            outcome = self._drive(env, "right", RightTask(env, name), step_budget)
        except NoFreeSpot as exc:
            return SkillResult(False, 0, str(exc))
        finally:
            env.robot.set_yaw(0.0)
        if outcome.success:
            return outcome
        # A righting that failed often leaves a heap still sliding: the next look, and the next try, must see
        # it at rest, or the try fails at once on objects that were moving before it began.
        settled = _hold_still(env, max(step_budget - outcome.sim_steps, 0))
        return SkillResult(False, outcome.sim_steps + settled, outcome.reason)

    def _drive(self, env: TaskEnv, skill: str, task: SkillTask, step_budget: int) -> SkillResult:
        actor = self.actors[skill]
        start = env.sim.steps
        deadline = start + min(step_budget, PATIENCE * MAX_STEPS[skill] * SUBSTEPS)
        world = task.world()
        status = task.status(world)
        while status.state == RUNNING and env.sim.steps + SUBSTEPS <= deadline:
            action = np.asarray(actor(task.observe(world)))
            task.before_action()
            env.apply_action(action)
            world = task.world()
            status = task.status(world)
        used = env.sim.steps - start
        if status.state == RUNNING:
            return SkillResult(False, used, f"{skill} did not finish within {used} simulation steps", finished=False)
        return SkillResult(status.state == SUCCESS, used, status.reason)


def _hold_still(env: TaskEnv, step_budget: int) -> int:
    """Keep the arm where it is commanded, fingers as they are, until every movable object is at rest (or
    ``SETTLE_LIMIT`` control steps, or the budget, have passed); the simulation steps it took."""
    start = env.sim.steps
    hold = np.array([0.0, 0.0, 0.0, env.robot.opening / MAX_OPENING * 2.0 - 1.0])
    names = [o.name for o in env.world().movable()]
    for _ in range(min(SETTLE_LIMIT, step_budget // SUBSTEPS)):
        if all(np.linalg.norm(env.sim.velocity(name)[:3]) < REST_SPEED for name in names):
            break
        env.apply_action(hold)
    return env.sim.steps - start
