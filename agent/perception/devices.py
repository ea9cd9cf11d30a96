"""Which device a network runs on: ``--device auto``, ``cpu`` or ``cuda``.

``auto`` asks torch whether a CUDA GPU is there only where an NVIDIA driver is installed: importing torch
costs a run two seconds of its start-up, and on a machine without the driver the answer is the CPU, where
the agent reads goals in numpy (``agent.perception.goalnet_numpy``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from envs.errors import ConfigError

#: the file an NVIDIA kernel driver provides on Linux
NVIDIA_DRIVER = Path("/proc/driver/nvidia/version")


def resolve_device(device: str) -> str:
    """``cuda`` or ``cpu`` for a ``--device`` value; a one-line ``ConfigError`` for anything else, or for
    ``cuda`` where no CUDA GPU is available."""
    if device not in ("auto", "cpu", "cuda"):
        raise ConfigError(f"--device: expected auto, cpu or cuda, got {device!r}")
    if device == "cpu":
        return device
    available = cuda_available()
    if device == "cuda" and not available:
        raise ConfigError("--device cuda: no CUDA GPU is available here (try --device auto)")
    return "cuda" if available else "cpu"


def cuda_available() -> bool:
    """torch's ``cuda.is_available()``, asked only where an NVIDIA driver is installed."""
    if not NVIDIA_DRIVER.exists() and shutil.which("nvidia-smi") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())
