"""How many threads torch may use in a process: one, unless ``NESY_TORCH_THREADS`` says otherwise.

The networks the agent runs are small (a policy call is three layers of 256 units), so per-operation
overhead, not arithmetic, bounds them, and more intra-op threads only add synchronisation: on the loaded
two-core machine one SB3 policy call took 7.4 ms with torch's default of two threads against 0.18 ms with
one. Every process that loads a network (the CLI, each worker, each Ray actor) calls
``limit_torch_threads`` when it does, so serial runs, workers and training behave alike.
"""

from __future__ import annotations

import os

from envs.errors import ConfigError

ENV_VAR = "NESY_TORCH_THREADS"


def torch_threads() -> int:
    """The thread count asked for: ``NESY_TORCH_THREADS`` when set, else 1."""
    text = os.environ.get(ENV_VAR, "1")
    try:
        threads = int(text)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ConfigError(f"{ENV_VAR}: expected a whole number of threads of at least 1, got {text!r}")
    return threads


def limit_torch_threads() -> int:
    """Set torch's intra-op threads to ``torch_threads()`` in this process; returns the count."""
    import torch

    threads = torch_threads()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads
