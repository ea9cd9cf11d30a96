"""How many threads torch and numpy's BLAS may use in a process: one, unless ``NESY_TORCH_THREADS`` says
otherwise.

The networks the agent runs are small (a policy call is three layers of 256 units), so per-operation
overhead, not arithmetic, bounds them, and more intra-op threads only add synchronisation: on the loaded
two-core machine one SB3 policy call took 7.4 ms with torch's default of two threads against 0.18 ms with
one. Every process that loads a torch network (the CLI, each worker, each Ray actor) calls
``limit_torch_threads`` when it does, so serial runs, workers and training behave alike. The goal reader
on the CPU runs in numpy (``agent.perception.goalnet_numpy``), whose BLAS starts a thread per core by
default; ``limit_blas_threads`` holds it to the same count (through ``threadpoolctl``), so that worker
processes do not each spin threads on every core.
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


def limit_blas_threads() -> int:
    """Set the threads of the BLAS numpy calls (OpenBLAS) to ``torch_threads()`` in this process; returns
    the count."""
    from threadpoolctl import threadpool_limits

    threads = torch_threads()
    threadpool_limits(threads, user_api="blas")
    return threads
