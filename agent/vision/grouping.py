"""From the network's per-pixel outputs to instances: pixels of one class whose votes for their object's
3-D centre agree form one instance.

Per class, votes are clustered greedily by density: the vote with the most neighbours within ``RADIUS``
seeds a cluster unless it lies within ``SEPARATION`` of an earlier seed; every pixel then joins the nearest
seed. Separations follow the geometry: stacked discs' centres are at least 1.8 cm apart, bins 20 cm, pegs
20 cm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: per class (movable, bin, peg): density radius, least distance between two centres, fewest pixels
RADIUS = {1: 0.005, 2: 0.02, 3: 0.02}
SEPARATION = {1: 0.011, 2: 0.08, 3: 0.08}
MIN_PIXELS = {1: 3, 2: 20, 3: 10}
#: votes considered when seeding (a subsample beyond this many, for speed on large bins)
MAX_SEEDING = 600


@dataclass(frozen=True)
class Instance:
    """One segmented object: its class (1 movable, 2 bin, 3 peg), pixel mask, voted centre and size."""

    cls: int
    mask: np.ndarray  # bool H x W
    centre: tuple[float, float, float]
    half: tuple[float, float]  # half width, half height (m), averaged over the instance's pixels

    @property
    def pixels(self) -> int:
        return int(self.mask.sum())


def _seeds(votes: np.ndarray, radius: float, separation: float, min_votes: int) -> np.ndarray:
    step = max(1, len(votes) // MAX_SEEDING)
    sample = votes[::step]
    d2 = ((sample[:, None, :] - sample[None, :, :]) ** 2).sum(-1)
    near = d2 < radius * radius
    density = near.sum(1)
    seeds: list[np.ndarray] = []
    for i in np.argsort(-density, kind="stable"):
        if density[i] * step < min_votes:
            break
        centre = sample[near[i]].mean(0)
        if all(((centre - s) ** 2).sum() >= separation * separation for s in seeds):
            seeds.append(centre)
    return np.asarray(seeds).reshape(-1, 3)


def group(classes: np.ndarray, votes: np.ndarray, sizes: np.ndarray) -> list[Instance]:
    """Instances from per-pixel classes (H x W), centre votes (H x W x 3, m) and sizes (H x W x 2, m)."""
    instances = []
    for cls in (1, 2, 3):
        where = np.flatnonzero(classes.ravel() == cls)
        if len(where) < MIN_PIXELS[cls]:
            continue
        v = votes.reshape(-1, 3)[where].astype(np.float64)
        seeds = _seeds(v, RADIUS[cls], SEPARATION[cls], MIN_PIXELS[cls])
        if not len(seeds):
            continue
        owner = ((v[:, None, :] - seeds[None, :, :]) ** 2).sum(-1).argmin(1)
        for k in range(len(seeds)):
            members = where[owner == k]
            if len(members) < MIN_PIXELS[cls]:
                continue
            mask = np.zeros(classes.size, dtype=bool)
            mask[members] = True
            centre = votes.reshape(-1, 3)[members].mean(0)
            half = sizes.reshape(-1, 2)[members].mean(0)
            instances.append(Instance(cls, mask.reshape(classes.shape), tuple(float(c) for c in centre),
                                      (float(half[0]), float(half[1]))))
    return instances
