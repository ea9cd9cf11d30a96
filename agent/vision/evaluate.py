"""Measure the camera pipeline on a labelled split: segmentation, descriptions and state, per task.

Segmentation is scored on the described objects (what the agent acts on, after ``describe.reconcile``);
``segmenter_alone`` scores the segmenter's raw instances.

Ground truth enters only through ``agent.vision.scoring`` (instances matched to simulator objects by the
pixels they cover). Expected names follow ``agent.vision.describe``'s rules applied to the true objects:
Hanoi discs ``d1..dN`` by true width, sort cubes up to the interchangeable number of a colour.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import numpy as np

from agent.vision.data import SceneSet
from agent.vision.describe import describe
from agent.vision.scoring import (
    SegmentationScore,
    StateScore,
    match_instances,
    score_segmentation,
    translate,
)
from agent.vision.segmenter import Segmenter
from agent.vision.state import held, perceive_state, rest_stacks
from envs.errors import PerceptionError


def expected_name(obj, objects) -> str:
    if obj.kind == "disc":
        widths = sorted(o.half[0] for o in objects if o.kind == "disc")
        return f"d{widths.index(obj.half[0]) + 1}"
    return obj.name


def evaluate_split(segmenter: Segmenter, data: SceneSet, progress: bool = False) -> dict[str, Any]:
    from tqdm import tqdm

    from envs.scenes.registry import SCENES

    seg = {"all": SegmentationScore()}
    raw = SegmentationScore()
    states = {"all": StateScore()}
    description = {"kind": [], "colour": [], "name": [], "name_up_to_ties": [], "width_error": [],
                   "height_error": [], "centre_error": []}
    failures: list[str] = []
    for index in tqdm(range(len(data)), desc=f"scoring {data.split}", unit="scene", disable=not progress,
                      file=sys.stderr):
        item = data.labelled(index)
        task = item.info["task"]
        instances = segmenter.segment(item.frame, task)
        raw.add(score_segmentation(instances, item.instances, len(item.objects)))
        try:
            described = describe(instances, item.frame, task, segmenter.palette)
            atoms = perceive_state(described, item.frame.gripper, SCENES[task].predicates)
        except PerceptionError as exc:
            failures.append(f"{data.split} scene {index} (seed {item.info['seed']}): {exc}")
            described, atoms = [], ["(failed)"]
        score = score_segmentation(described, item.instances, len(item.objects))
        for key in ("all", task, "arm" if item.info["arm"] else "no arm"):
            seg.setdefault(key, SegmentationScore()).add(score)
        match = match_instances(described, item.instances, len(item.objects))
        names = {}
        boxes = {b.name: b for b in rest_stacks(described, held(described, item.frame.gripper))}
        for k, d in enumerate(described):
            if k not in match:
                continue
            truth = item.objects[match[k]]
            box = boxes[d.name]  # the box the state is read from
            names[d.name] = truth.name
            expected = expected_name(truth, item.objects)
            description["kind"].append(d.kind == truth.kind)
            description["colour"].append(d.colour == truth.color)
            description["name"].append(d.name == expected)
            tie_free = re.sub(r"\d+$", "", d.name) if truth.kind == "cube" else d.name
            description["name_up_to_ties"].append(tie_free == (truth.color if truth.kind == "cube" else expected))
            description["width_error"].append(abs(box.half[0] - truth.half[0]) * 2)
            description["height_error"].append(abs(box.half[1] - truth.half[1]) * 2)
            description["centre_error"].append(float(np.linalg.norm(np.subtract(box.centre, truth.centre))))
        predicted = translate(atoms, names)
        for key in ("all", task):
            states.setdefault(key, StateScore()).add(predicted, set(item.state))
    out: dict[str, Any] = {"scenes": len(data), "segmentation": {k: v.summary() for k, v in seg.items()},
                           "segmenter_alone": raw.summary(),
                           "state": {k: v.summary() for k, v in states.items()}, "failures": failures}
    desc: dict[str, Any] = {k: float(np.mean(description[k])) if description[k] else None
                            for k in ("kind", "colour", "name", "name_up_to_ties")}
    for key in ("width_error", "height_error", "centre_error"):
        values = np.asarray(description[key])
        desc[key] = {"median_mm": float(np.median(values) * 1000), "p95_mm": float(np.percentile(values, 95) * 1000),
                     "max_mm": float(values.max() * 1000)} if len(values) else None
    desc["described"] = len(description["kind"])
    out["description"] = desc
    return out
