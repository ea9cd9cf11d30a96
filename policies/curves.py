"""The validation curve of a controller's training, drawn as a PNG beside the policy it chose."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from policies.artifacts import atomic_path


def plot_validation(curve: Sequence[tuple[int, float, float]], kept_step: int, title: str, path: Path) -> None:
    """Nominal and randomised validation success against training steps (step 0 is the clone), with the
    kept policy's step marked; written atomically to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    steps = [point[0] for point in curve]
    figure, axes = plt.subplots(figsize=(5.5, 3.2), dpi=100)
    axes.plot(steps, [100 * point[1] for point in curve], "o-", label="nominal")
    axes.plot(steps, [100 * point[2] for point in curve], "s--", label="randomised")
    axes.axvline(kept_step, color="gray", linewidth=0.8, linestyle=":", label=f"kept (step {kept_step:,})")
    axes.set_xlabel("reinforcement-learning steps (0: the clone)")
    axes.set_ylabel("validation success (%)")
    axes.set_ylim(-3, 103)
    axes.set_title(title)
    axes.legend(loc="lower left", fontsize=8)
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png")
    plt.close(figure)
