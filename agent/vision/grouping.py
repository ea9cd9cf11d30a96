"""From the network's per-pixel outputs to instances: pixels of one class whose votes for their object's
3-D centre agree form one instance.

Per class, votes (with colour, see ``features``) are clustered greedily by density: the vote with the most
neighbours within ``RADIUS`` seeds a cluster unless it lies within ``SEPARATION`` of an earlier seed; every
pixel then joins the nearest seed. Separations follow the geometry: stacked discs' centres are at least
1.8 cm apart, bins 20 cm, pegs 20 cm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: per class (movable, bin, peg): density radius, least distance between two centres, fewest pixels
RADIUS = {1: 0.007, 2: 0.02, 3: 0.02}
SEPARATION = {1: 0.015, 2: 0.08, 3: 0.08}
Z_SCALE = 0.3
#: metres of feature distance per unit of chromaticity: orange and yellow, the closest palette colours,
#: differ by about 0.17, so 3.4 cm apart
CHROMA = 0.2
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
    squares = (sample ** 2).sum(1)
    d2 = squares[:, None] + squares[None, :] - 2.0 * (sample @ sample.T)
    near = d2 < radius * radius
    density = near.sum(1)
    order = np.argsort(-density, kind="stable")
    order = order[density[order] * step >= min_votes]
    # every candidate's neighbourhood mean at once, then each accepted seed rules out the candidates within
    # ``separation`` of it: the same seeds as testing each candidate against those accepted before it
    centres = (near[order].astype(sample.dtype) @ sample) / density[order, None]
    excluded = np.zeros(len(centres), dtype=bool)
    seeds = []
    for k in range(len(centres)):
        if excluded[k]:
            continue
        seeds.append(centres[k])
        excluded |= ((centres - centres[k]) ** 2).sum(1) < separation * separation
    return np.asarray(seeds).reshape(-1, votes.shape[1])


def features(votes: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """What pixels are clustered on: the voted centre, its height shrunk by ``Z_SCALE`` (votes spread most
    in height, where a side face shows least of where its object ends), and the pixel's chromaticity
    (colour with brightness divided out, so that shaded faces match lit ones) scaled by ``CHROMA``: touching
    objects of these tasks always differ in colour, and same-coloured ones stand apart."""
    colour = rgb.astype(np.float64) + 1.0
    chroma = colour / colour.sum(-1, keepdims=True)
    return np.concatenate([votes[..., :2], votes[..., 2:] * Z_SCALE, chroma * CHROMA], axis=-1)


def group(classes: np.ndarray, votes: np.ndarray, sizes: np.ndarray, rgb: np.ndarray) -> list[Instance]:
    """Instances from per-pixel classes (H x W), centre votes (H x W x 3, m), sizes (H x W x 2, m) and the
    frame's colours (H x W x 3)."""
    feats = features(votes, rgb)
    instances = []
    for cls in (1, 2, 3):
        where = np.flatnonzero(classes.ravel() == cls)
        if len(where) < MIN_PIXELS[cls]:
            continue
        v = feats.reshape(-1, feats.shape[-1])[where]
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
