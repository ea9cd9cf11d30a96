"""Where a movable object (a Hanoi disc, a block, a sort cube) stands and how wide it is, from the 3-D points
of its own pixels.

The segmenter's voted centre is poor along the camera's line of sight (x) and not good across it: a disc
under another shows its front face and a rim of its top, and the votes of those few pixels land up to 4 cm
off (discs at rest, development seeds 10-17 of hanoi 3: median 6 mm, 90th percentile 25 mm along x).
Every movable object of these tasks is a square cuboid standing upright, so its points say more than the
votes do:

- its width is the spread of its points across the table (y), which every disc of a tower shows whole;
- its centre across the table is the middle of that spread;
- its front face (the side facing the camera, +x) is the farthest its points reach towards the camera, and
  its centre lies half a width behind that (the camera looks down at about 60 degrees, so the front face
  is seen whole even under a narrower disc; points within ``ABOVE_TABLE`` of the table are left out: a
  pixel of table at the object's foot would reach further).

Only pixels whose own colour is nearest the instance's colour count (``own_pixels``): a mask that spills
onto the arm (grey) or the next object (of another colour: no two discs or blocks share one) must not
widen or move the object. Pixel centres stop inside the edges and the calibrated points fall slightly to
+y of the surfaces they show, so each measurement carries a constant correction measured on development
episodes.
"""

from __future__ import annotations

import numpy as np

from envs.simulation import TABLE_TOP_Z

#: an object's width: the spread of its points' y between these quantiles, plus what the quantiles and the
#: pixel centres leave out at the edges (``PIXEL_FOOTPRINT``)
EDGE_QUANTILE = 0.02
PIXEL_FOOTPRINT = 0.0028
#: corrections (m) of the centre read from the points: the front face's pixel centres stop short of it
#: (``FRONT_CORRECTION``), and the points' middle across the table lies to +y of the true one
#: (``SIDE_CORRECTION``). These three constants are mean errors over the discs at rest at every operator
#: of development episodes (hanoi 3 seeds 10-17, 356 discs; hanoi 4 seeds 10-13, 352 discs); on the latter
#: the centre is then off by 1.2 mm (median; 90th percentile 2.4 mm) along x and 1.4 (3.1) mm along y,
#: the votes by 4.3 (18.2) and 4.0 (7.7) mm, and the half width by 0.9 (2.1) mm. On blocks (blocks 5 seeds
#: 10-14, 315 blocks at rest) the same constants leave 0.8 (3.9) mm along x, 1.3 (3.6) mm along y and
#: 0.9 (2.8) mm on the half width, against the votes' 1.8 (6.2), 5.1 (11.4) and 2.9 (7.1) mm
FRONT_CORRECTION = 0.0024
SIDE_CORRECTION = -0.0037
#: points this close (m) to the table top may be the table at the object's foot
ABOVE_TABLE = 0.004
#: fewer own pixels than this: the whole mask counts
MIN_OWN = 3


def nearest_colour(rgb: np.ndarray, palette: dict[str, tuple[float, float, float]]) -> tuple[list[str], np.ndarray]:
    """The ``palette``'s names (sorted) and, for each colour of ``rgb`` (n x 3), the index of the name nearest
    in chromaticity (colour with brightness divided out): shaded faces keep their colour's chromaticity."""
    names = sorted(palette)
    chroma = np.array([np.asarray(palette[n], float) + 1.0 for n in names])
    chroma /= chroma.sum(axis=1, keepdims=True)
    seen = np.asarray(rgb, float).reshape(-1, 3) + 1.0
    seen /= seen.sum(axis=1, keepdims=True)
    return names, ((seen[:, None, :] - chroma[None]) ** 2).sum(-1).argmin(1)


def own_pixels(rgb: np.ndarray, mask: np.ndarray, colour: str,
               palette: dict[str, tuple[float, float, float]]) -> np.ndarray:
    """The pixels of ``mask`` whose own colour is nearest to ``colour`` among the ``palette``'s
    (``describe.colour_of``'s rule, per pixel); the whole mask when fewer than ``MIN_OWN`` are."""
    names, nearest = nearest_colour(rgb[mask], palette)
    keep = nearest == names.index(colour)
    if keep.sum() < MIN_OWN:
        return mask
    own = np.zeros_like(mask)
    own[mask] = keep
    return own


def footprint(points: np.ndarray, own: np.ndarray) -> tuple[float, float, float]:
    """The centre (x, y) across the table and the half width of an object whose pixels are ``own``, from
    ``points`` (the world point each pixel shows)."""
    seen = points[own]
    left, right = np.quantile(seen[:, 1], EDGE_QUANTILE), np.quantile(seen[:, 1], 1 - EDGE_QUANTILE)
    half = float(right - left + PIXEL_FOOTPRINT) / 2
    raised = seen[seen[:, 2] > TABLE_TOP_Z + ABOVE_TABLE]
    front = float((raised if len(raised) else seen)[:, 0].max())
    return front - half + FRONT_CORRECTION, float(left + right) / 2 + SIDE_CORRECTION, half
