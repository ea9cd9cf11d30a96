"""Running a GoalNet on views and instructions, and checking its readings against known goals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from agent.perception.decoder import Reading, decode
from agent.perception.goalnet_config import InstructionArrays, SceneArrays
from agent.perception.goalnet_numpy import NumpyGoalNet
from agent.perception.inputs import TABLE, atom_pair, instruction_arrays, scene_arrays
from agent.perception.observation import View
from agent.perception.text import TextEncoder
from agent.planning.planner import parse_atom
from envs.errors import GoalError

if TYPE_CHECKING:
    from agent.perception.model import GoalNet

BATCH_SCENES = 32


def probabilities(model: GoalNet | NumpyGoalNet, encoder: TextEncoder, views: Sequence[View], texts: Sequence[str],
                  scene_of: Sequence[int], device: str = "cpu") -> list[np.ndarray]:
    """For instruction i about ``views[scene_of[i]]``: an n x (n + 1) array of pair probabilities, from the
    torch network or its numpy evaluation."""
    results: list[np.ndarray | None] = [None] * len(texts)
    by_scene: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(scene_of):
        by_scene[s].append(i)
    order = sorted(by_scene)
    for start in range(0, len(order), BATCH_SCENES):
        chunk = order[start:start + BATCH_SCENES]
        members = [i for s in chunk for i in by_scene[s]]
        local = {s: k for k, s in enumerate(chunk)}
        scenes = scene_arrays([views[s] for s in chunk], encoder, model.config.numbered_names)
        instructions = instruction_arrays([texts[i] for i in members], [local[scene_of[i]] for i in members], encoder)
        if isinstance(model, NumpyGoalNet):
            probs = model.probabilities(scenes, instructions)
        else:
            probs = _torch_probabilities(model, scenes, instructions, device)
        for row, i in zip(probs, members):
            n = len(views[scene_of[i]].names)
            results[i] = np.concatenate([row[:n, :n], row[:n, -1:]], axis=1)
    return results  # type: ignore[return-value]


def _torch_probabilities(model: GoalNet, scenes: SceneArrays, instructions: InstructionArrays,
                         device: str) -> np.ndarray:
    import torch

    from agent.perception.model import Instructions, Scenes, valid_pairs

    if model.training:  # a training run's evaluation; ``eval()`` walks every module, a millisecond per call
        model.eval()
    with torch.inference_mode():
        inputs, asked = Scenes.of(scenes).to(device), Instructions.of(instructions).to(device)
        logits = model(inputs, asked)
        valid = valid_pairs(inputs.kinds[asked.scene])
        return torch.where(valid, torch.sigmoid(logits), torch.zeros_like(logits)).cpu().numpy()


def domain_veto(state: Iterable[str]) -> Callable[[str, str], bool] | None:
    """What the detected state forbids: where ``smaller`` facts exist (Hanoi), only a smaller object may go
    on another object."""
    smaller = set()
    for atom in state:
        name, args = parse_atom(atom)
        if name == "smaller":
            smaller.add(args)
    if not smaller:
        return None
    return lambda x, y: (x, y) in smaller


def read(probs: np.ndarray, view: View, state: Iterable[str]) -> Reading:
    return decode(probs, view.names, view.kinds, domain_veto(state))


def score(examples: Sequence[dict[str, Any]], readings: Sequence[Reading | None]) -> dict[str, Any]:
    """Exact-match accuracy overall and by category and task (a reading of ``None`` counts as wrong)."""
    correct = [r is not None and set(r.goal) == set(e["goal"]) for e, r in zip(examples, readings)]
    groups: dict[str, dict[str, list[bool]]] = {"category": defaultdict(list), "task": defaultdict(list)}
    for e, ok in zip(examples, correct):
        groups["category"][e["category"]].append(ok)
        groups["task"][e.get("task", "?")].append(ok)
    return {
        "accuracy": float(np.mean(correct)) if correct else 0.0,
        "examples": len(correct),
        **{f"by_{key}": {k: round(float(np.mean(v)), 4) for k, v in sorted(g.items())} for key, g in groups.items()},
    }


def support_accuracy(probs: Sequence[np.ndarray], examples: Sequence[dict[str, Any]],
                     views: Sequence[View]) -> tuple[float, float]:
    """How often the most probable support of a goal atom's subject is the right one, and how often a
    uniform guess among the possible supports would be: a measure that credits partial readings."""
    hits, chance = [], []
    for p, e in zip(probs, examples):
        names = [*views[e["scene"]].names, TABLE]
        for atom in e["goal"]:
            subject, support = atom_pair(atom)
            row = p[names.index(subject)]
            hits.append(names[int(np.argmax(row))] == support)
            chance.append(1.0 / (len(names) - 1))
    return float(np.mean(hits)) if hits else 0.0, float(np.mean(chance)) if chance else 0.0


def read_all(model: GoalNet | NumpyGoalNet, encoder: TextEncoder, views: Sequence[View],
             states: Sequence[Sequence[str]], examples: Sequence[dict[str, Any]],
             device: str = "cpu") -> tuple[list[np.ndarray], list[Reading | None]]:
    """Every example's pair probabilities and decoded goal (``None`` where nothing could be read)."""
    probs = probabilities(model, encoder, views, [e["instruction"] for e in examples],
                          [e["scene"] for e in examples], device)
    readings: list[Reading | None] = []
    for p, e in zip(probs, examples):
        try:
            readings.append(read(p, views[e["scene"]], states[e["scene"]]))
        except GoalError:
            readings.append(None)
    return probs, readings
