"""Runners for the worker tests, in a module of their own: a spawned worker imports it to unpickle the class,
and these import nothing heavy, so a pool starts in about a second."""

from __future__ import annotations

import os
import time

from agent.runs.backends import EpisodeOutcome
from agent.runs.config import RunConfig
from envs.errors import ConfigError


class SleepyRunner:
    """The episode of seed 0 takes longest, so it finishes last."""

    def __init__(self, config: RunConfig) -> None:
        self.pid = os.getpid()

    def run(self, seed: int) -> EpisodeOutcome:
        time.sleep(0.4 if seed == 0 else 0.0)
        return EpisodeOutcome(seed, {"seed": seed, "pid": self.pid})

    def close(self) -> None:
        pass


class CrashingRunner(SleepyRunner):
    def run(self, seed: int) -> EpisodeOutcome:
        if seed == 1:
            os._exit(3)  # what a segfault in native code or the OOM killer looks like from outside
        return super().run(seed)


class BuggyRunner(SleepyRunner):
    def run(self, seed: int) -> EpisodeOutcome:
        if seed == 2:
            raise KeyError("bug")
        return super().run(seed)


class FailingStartRunner(SleepyRunner):
    def __init__(self, config: RunConfig) -> None:
        raise ConfigError("--goal-checkpoint: no such file")
