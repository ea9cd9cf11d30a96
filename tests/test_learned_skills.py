"""Learned skills are learned: no code of the scripted skills runs while they act.

The scripted skills make the demonstrations the policies start from (``policies/demonstrations.py``), so they
are one import away; a learned skill that fell back on them, or borrowed a helper, would report the scripted
controller's success as its own. Two checks: no module that the learned skills import (transitively) imports
``policies.scripted``; and a whole episode with the learned controller, with a profiler watching every call,
never enters a function defined in ``policies/scripted.py``, while the same watch does see the scripted
controller's calls (so the watch can fail).
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from test_layering import GRAPH

from agent.execution.episode import EpisodeResult, run_episode
from agent.planning.domain import domain_folder, load_domain
from agent.planning.planner import Planner
from agent.runs.config import RunConfig
from envs.task_env import TaskEnv
from policies import scripted

SCRIPTED_FILE = str(Path(scripted.__file__).resolve())


def imported_by(module: str) -> set[str]:
    """Every project module ``module`` imports, directly or not (lazy imports included)."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        for target in GRAPH[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_learned_skills_do_not_import_the_scripted_ones() -> None:
    closure = imported_by("policies.learned")
    assert "policies.skill_tasks" in closure  # what they do import
    assert "policies.scripted" not in closure and "policies.demonstrations" not in closure
    assert "policies.scripted" in imported_by("policies.demonstrations")  # the check sees such an import


def episode_calling_scripted(controller: str) -> tuple[EpisodeResult, set[str]]:
    """One hanoi episode of two discs run by ``controller``, and the functions of ``policies/scripted.py``
    called during it."""
    domain = load_domain(domain_folder("hanoi"))
    config = RunConfig(task="hanoi", size=2, goal="oracle", controller=controller)
    env = TaskEnv("hanoi", 2)
    called: set[str] = set()

    def watch(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_filename == SCRIPTED_FILE:
            called.add(frame.f_code.co_name)

    planner = Planner(domain)
    sys.setprofile(watch)
    try:
        result = run_episode(env, domain, planner, config, seed=0)
    finally:
        sys.setprofile(None)
        env.close()
    return result, called


@pytest.mark.slow
def test_a_learned_episode_never_runs_scripted_code() -> None:
    result, called = episode_calling_scripted("learned")
    assert result.success, result.reason
    assert result.plan and all(step.skill_success for step in result.steps)
    assert called == set()
    result, called = episode_calling_scripted("scripted")
    assert result.success and {"pick", "place"} <= called
