"""Energy spent training, in joules: measured by RAPL where the machine exposes it, else estimated.

RAPL (``/sys/class/powercap/intel-rapl:*/energy_uj``) counts the whole CPU package, so a measured figure
includes whatever else ran meanwhile. Without it, energy is CPU-seconds times a stated power per busy
core: 4.4 W, a 64-core AMD EPYC's 280 W TDP shared over its cores (this machine reports an AMD EPYC).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

RAPL_ROOT = Path("/sys/class/powercap")
WATTS_PER_BUSY_CORE = 4.4


def _rapl_counters() -> list[Path]:
    return sorted(p / "energy_uj" for p in RAPL_ROOT.glob("intel-rapl:[0-9]*") if (p / "energy_uj").is_file())


def _read(counters: list[Path]) -> float | None:
    try:
        return sum(int(c.read_text()) for c in counters) / 1e6
    except (OSError, ValueError):
        return None


class EnergyMeter:
    """Started at construction; ``report(cpu_seconds)`` gives the energy since then."""

    def __init__(self) -> None:
        self.counters = _rapl_counters()
        self.start = _read(self.counters) if self.counters else None

    def report(self, cpu_seconds: float) -> dict[str, Any]:
        now = _read(self.counters) if self.start is not None else None
        if now is not None and self.start is not None and now >= self.start:
            return {"joules": round(now - self.start, 1), "source": "RAPL (whole CPU package)"}
        return {"joules": round(cpu_seconds * WATTS_PER_BUSY_CORE, 1),
                "source": f"estimate: {WATTS_PER_BUSY_CORE} W per busy core x CPU-seconds (no RAPL here)"}
