"""Reading a run's instruction once, on its first scene, before anything moves or is written.

An instruction the agent refuses (``envs.errors.Refusal``) is the user's to fix, not an episode's to fail:
``nesy run`` reads it here first, with the reader its episodes will use, and stops with one line before
the run directory exists. The goal must also be reachable: a goal the planner proves unreachable from the
first scene is refused as impossible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.goals.oracle import parse_instruction, read_checked
from agent.goals.refusal import SceneFacts, check_reachable, check_words
from agent.planning.atoms import has_variables
from agent.planning.domain import Domain
from agent.planning.planner import Planner
from envs.errors import GoalError, InstructionError
from envs.task_env import TaskEnv

if TYPE_CHECKING:
    from agent.perception.predictor import GoalReader


def preflight(env: TaskEnv, domain: Domain, planner: Planner, task: str, instruction: str, seed: int,
              reader: GoalReader | None = None) -> None:
    """Raise the ``Refusal`` (or other instruction error) that the episode of ``seed`` would meet reading the
    user's ``instruction``; return quietly when its goal can be read and reached, or when only the episode
    can tell (a perceived goal the network cannot express is an episode failure, as before)."""
    env.reset(seed=seed)
    binding = domain.binding
    scene_objects = {o.name: o.kind for o in env.scene.objects}
    state = env.symbolic_state(dict(binding.predicates))
    scene = SceneFacts.of(env, state)
    if reader is None:
        goal = read_checked(instruction, scene, domain)
    else:
        check_words(instruction, scene)
        try:
            intended = parse_instruction(instruction, task, scene_objects)
        except InstructionError:  # a refusal is raised again by the reader, which reads beside the parser
            intended = None
        if intended and has_variables(intended):
            return
        try:
            goal = frozenset(reader.read(env, instruction, state, domain).goal)
        except GoalError:
            return
    check_reachable(planner, binding.pddl_objects(scene_objects), state, goal)
