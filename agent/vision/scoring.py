"""Scoring against the simulator: the one place where perceived instances meet ground truth.

``simulator_names`` (on a live scene) and ``match_instances`` (on labelled data) are the documented matching
that every figure uses and the agent never calls: a
perceived instance is matched to the simulator object whose pixels (from PyBullet's segmentation buffer) it
covers, one to one, when their masks overlap with IoU >= 0.5 (at most one such partner can exist on each
side, so the matching is unique). Everything else about an unmatched object is classified from overlaps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from agent.vision.describe import Described


class Masked(Protocol):
    """Anything perceived that covers pixels: a segmenter ``Instance`` or a ``Described`` object."""

    mask: np.ndarray

MATCH_IOU = 0.5
#: objects with fewer visible pixels than this are hidden (behind the arm, say): reported, not scored
MIN_VISIBLE = 4


@dataclass
class SegmentationScore:
    objects: int = 0
    hidden: int = 0
    found: int = 0
    missed: int = 0
    split: int = 0
    merged: int = 0
    spurious: int = 0
    iou_sum: float = 0.0

    def add(self, other: SegmentationScore) -> None:
        for key in self.__dataclass_fields__:
            setattr(self, key, getattr(self, key) + getattr(other, key))

    def summary(self) -> dict[str, float]:
        n = max(self.objects, 1)
        return {"objects": self.objects, "hidden": self.hidden, "found": self.found / n, "missed": self.missed / n,
                "split": self.split / n, "merged": self.merged / n, "spurious": self.spurious,
                "mean_iou": self.iou_sum / n}


def iou_matrix(instances: Sequence[Masked], truth: np.ndarray, n_objects: int) -> tuple[np.ndarray, np.ndarray,
                                                                                          np.ndarray, np.ndarray]:
    """Intersections (P x O), perceived sizes (P), true sizes (O) and IoUs (P x O)."""
    flat = truth.ravel().astype(np.int64)
    inter = np.zeros((len(instances), n_objects))
    for p, inst in enumerate(instances):
        labels = flat[inst.mask.ravel()]
        inter[p] = np.bincount(labels[labels >= 0], minlength=n_objects)[:n_objects]
    true_sizes = np.bincount(flat[flat >= 0], minlength=n_objects)[:n_objects].astype(float)
    pred_sizes = np.array([inst.mask.sum() for inst in instances], dtype=float)
    union = pred_sizes[:, None] + true_sizes[None, :] - inter
    return inter, pred_sizes, true_sizes, inter / np.maximum(union, 1.0)


def match_instances(instances: Sequence[Masked], truth: np.ndarray, n_objects: int) -> dict[int, int]:
    """Perceived instance (or described object) index -> simulator object index (into the scene's objects),
    by the pixels they cover: pairs with IoU >= 0.5. For scoring only; the agent never calls this."""
    if not instances:
        return {}
    _, _, _, iou = iou_matrix(instances, truth, n_objects)
    return {p: int(iou[p].argmax()) for p in range(len(instances)) if iou[p].max() >= MATCH_IOU}


def score_segmentation(instances: Sequence[Masked], truth: np.ndarray, n_objects: int) -> SegmentationScore:
    """Per visible object: found (IoU >= 0.5), else merged (a perceived instance covers half of it and half of
    another object), else split (two or more instances lying mostly inside it cover half of it), else missed."""
    score = SegmentationScore()
    inter, pred_sizes, true_sizes, iou = iou_matrix(instances, truth, n_objects)
    visible = true_sizes >= MIN_VISIBLE
    score.hidden = int((~visible).sum())
    matched_pred = set()
    for o in np.flatnonzero(visible):
        score.objects += 1
        best = iou[:, o].max() if len(instances) else 0.0
        score.iou_sum += best
        if best >= MATCH_IOU:
            score.found += 1
            matched_pred.add(int(iou[:, o].argmax()))
            continue
        covers = inter[:, o] >= 0.5 * true_sizes[o]
        others = (inter >= 0.5 * true_sizes[None, :]) & visible[None, :]
        others[:, o] = False
        inside = inter[:, o] >= 0.5 * np.maximum(pred_sizes, 1.0)
        if np.any(covers & others.any(1)):
            score.merged += 1
        elif inside.sum() >= 2 and inter[inside, o].sum() >= 0.5 * true_sizes[o]:
            score.split += 1
        else:
            score.missed += 1
    score.spurious = len(instances) - len(matched_pred)
    return score


@dataclass
class StateScore:
    """Per-predicate true positives, false positives and false negatives, and exactly right states."""

    counts: dict[str, Counter] = field(default_factory=dict)
    scenes: int = 0
    exact: int = 0

    def add(self, predicted: set[str], truth: set[str]) -> None:
        self.scenes += 1
        self.exact += predicted == truth
        for atom in predicted | truth:
            name = atom.strip("()").split()[0]
            c = self.counts.setdefault(name, Counter())
            c["tp" if atom in predicted and atom in truth else "fp" if atom in predicted else "fn"] += 1

    def summary(self) -> dict:
        out = {"scenes": self.scenes, "exact": self.exact / max(self.scenes, 1), "predicates": {}}
        for name, c in sorted(self.counts.items()):
            p = c["tp"] / max(c["tp"] + c["fp"], 1)
            r = c["tp"] / max(c["tp"] + c["fn"], 1)
            out["predicates"][name] = {"precision": p, "recall": r, "f1": 2 * p * r / max(p + r, 1e-12),
                                       "support": c["tp"] + c["fn"]}
        return out


def translate(atoms: list[str], names: dict[str, str]) -> set[str]:
    """Perceived atoms in the simulator's names (through the pixel matching); an unmatched perceived object
    keeps its name with a ``?`` prefix, so any atom about it counts as wrong."""
    out = set()
    for atom in atoms:
        parts = atom.strip("()").split()
        out.add("(" + " ".join([parts[0]] + [names.get(a, "?" + a) for a in parts[1:]]) + ")")
    return out


def simulator_names(env, objects: Sequence[Described], first: Mapping[str, str] | None = None,
                    known: Iterable[str] = ()) -> dict[str, str]:
    """Perceived object name -> the simulator's name of the object it covers: THE scoring translation of a
    camera-mode episode (``agent.execution.judge``), and never called by the agent itself.

    ``objects`` must come from a frame of ``env``'s scene as it is now (nothing moved since): the scene is
    rendered again with PyBullet's segmentation buffer from the same camera, and each perceived mask is
    matched to the object whose pixels it covers with IoU >= 0.5 (``match_instances``). A perceived object
    with no such partner is left out.

    ``known``: every name the agent's state uses now, ``first``: the translation at the episode's first look.
    A known name that this frame's pixels match to no simulator object (a held object the frame does not
    show, a cube the agent keeps in its bin though the frame reads it as part of the bin, a piece of cubes
    read merged) keeps its first-look translation, unless this frame matched another name to that object:
    the atoms the agent keeps about it are then scored against where that object really is, not counted
    wrong for want of pixels. A name the first look did not have either stays untranslated."""
    from envs.camera import Camera

    truth_objects = env.scene.objects
    frame = next((o.mask.shape for o in objects if o.mask is not None), None)
    matched: dict[str, str] = {}
    if frame is not None:
        _, _, bodies = Camera(frame[1], frame[0]).render_segmented(env.sim.client)
        truth = np.full(bodies.shape, -1, dtype=np.int64)
        for index, obj in enumerate(truth_objects):
            truth[bodies == env.sim.bodies[obj.name]] = index
        match = match_instances(objects, truth, len(truth_objects))
        matched = {objects[p].name: truth_objects[o].name for p, o in match.items()}
    taken = set(matched.values())
    kept = {name: first[name] for name in known
            if first is not None and name in first and name not in matched and first[name] not in taken}
    return {**kept, **matched}
