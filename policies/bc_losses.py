"""The cloning terms ``sacbc`` can add to SAC's actor loss, by name (``--bc-loss``).

Apart from ``policies.sacbc`` so that the CLI can offer the choices without importing stable-baselines3, and
apart from ``policies.algorithms`` because that module imports ``policies.sacbc`` when asked for the class.
"""

from __future__ import annotations

#: the deterministic action alone, or with the log standard deviation held at the clone's
BC_LOSSES = ("mean", "distribution")
