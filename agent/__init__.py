"""nesy agent: perceive, plan, act and align around a PyBullet robot arm.

The names most users need, importable from here::

    from agent import RunConfig, load_domain, Planner, run_episode, run
    from envs.task_env import TaskEnv

    env = TaskEnv("hanoi", 3)
    domain = load_domain("domains/hanoi")
    config = RunConfig(task="hanoi", goal="oracle", controller="scripted")
    result = run_episode(env, domain, Planner(domain), config, seed=0)

They are loaded on first use (PEP 562), so that ``import agent`` and ``nesy --help`` stay instant: the planner
loads unified-planning and Fast Downward, an episode loads the simulator and torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name -> module that defines it
_EXPORTS = {
    "NesyError": "envs.errors",
    "load_domain": "agent.planning.domain",
    "Domain": "agent.planning.domain",
    "Planner": "agent.planning.planner",
    "Plan": "agent.planning.planner",
    "run_episode": "agent.execution.episode",
    "EpisodeHooks": "agent.execution.episode",
    "EpisodeResult": "agent.execution.episode",
    "RunConfig": "agent.runs.config",
    "run": "agent.runs.runner",
}

__all__ = ["Domain", "EpisodeHooks", "EpisodeResult", "NesyError", "Plan", "Planner", "RunConfig", "load_domain",
           "run", "run_episode"]

if TYPE_CHECKING:
    from agent.execution.episode import EpisodeHooks, EpisodeResult, run_episode
    from agent.planning.domain import Domain, load_domain
    from agent.planning.planner import Plan, Planner
    from agent.runs.config import RunConfig
    from agent.runs.runner import run
    from envs.errors import NesyError


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'agent' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
