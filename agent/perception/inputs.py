"""Turning views, instructions and goals into the network's tensors, and its outputs back into atoms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from agent.perception.goalnet_config import (
    KINDS,
    POINT_CENTRE,
    POINT_SCALE,
    SUPPORT_PREDICATE,
    InstructionArrays,
    SceneArrays,
)
from agent.perception.observation import View
from agent.perception.text import WIDTH as TEXT_WIDTH
from agent.perception.text import TextEncoder, object_phrase
from agent.planning.planner import format_atom, parse_atom

if TYPE_CHECKING:
    import torch

    from agent.perception.model import Instructions, Scenes

TABLE = "table"


def scene_arrays(views: Sequence[View], encoder: TextEncoder, numbered_names: bool = False) -> SceneArrays:
    """The network's inputs for ``views``; ``numbered_names`` as the network's ``GoalNetConfig``."""
    n = max(len(v.names) for v in views)
    rgb = np.stack([v.rgb for v in views]).astype(np.float32) / np.float32(255.0) - np.float32(0.5)
    centre, scale = np.array(POINT_CENTRE, dtype=np.float32), np.array(POINT_SCALE, dtype=np.float32)
    points = np.clip((np.stack([v.points for v in views]).astype(np.float32) - centre) / scale, -4.0, 4.0)
    image = np.ascontiguousarray(np.concatenate([rgb, points], axis=-1).transpose(0, 3, 1, 2))
    labels = np.stack([v.masks for v in views]).astype(np.int64)
    masks = (labels[:, None] == np.arange(n)[None, :, None, None]).astype(np.float32)
    kinds = np.zeros((len(views), n), dtype=np.int64)
    phrases = [[object_phrase(name, kind, numbered_names) for name, kind in zip(v.names, v.kinds)] for v in views]
    encoder.encode([p for row in phrases for p in row])
    names = np.zeros((len(views), n, TEXT_WIDTH), dtype=np.float32)
    for b, view in enumerate(views):
        kinds[b, :len(view.kinds)] = [KINDS.index(k) for k in view.kinds]
        names[b, :len(view.names)] = encoder.sentences(phrases[b])
    return SceneArrays(image, masks, kinds, names)


def instruction_arrays(texts: Sequence[str], scenes: Sequence[int], encoder: TextEncoder) -> InstructionArrays:
    tokens, padding = encoder.tokens(texts)
    return InstructionArrays(tokens, padding, np.array(list(scenes), dtype=np.int64))


def scene_inputs(views: Sequence[View], encoder: TextEncoder, numbered_names: bool = False) -> Scenes:
    """``scene_arrays`` as the torch network's tensors."""
    from agent.perception.model import Scenes

    return Scenes.of(scene_arrays(views, encoder, numbered_names))


def instruction_inputs(texts: Sequence[str], scenes: Sequence[int], encoder: TextEncoder) -> Instructions:
    """``instruction_arrays`` as the torch network's tensors."""
    from agent.perception.model import Instructions

    return Instructions.of(instruction_arrays(texts, scenes, encoder))


def support_targets(goals: Sequence[Sequence[str]], views: Sequence[View], n: int) -> torch.Tensor:
    """I x n x (n + 1): 1 where goal i puts object a on support b (b = n is the table)."""
    import torch

    target = torch.zeros(len(goals), n, n + 1)
    for i, (goal, view) in enumerate(zip(goals, views)):
        index = {name: k for k, name in enumerate(view.names)}
        for atom in goal:
            subject, support = atom_pair(atom)
            target[i, index[subject], n if support == TABLE else index[support]] = 1.0
    return target


def atom_pair(atom: str) -> tuple[str, str]:
    """``(on a b)`` / ``(in a b)`` -> (a, b); ``(ontable a)`` -> (a, "table")."""
    name, args = parse_atom(atom)
    if name == "ontable" and len(args) == 1:
        return args[0], TABLE
    if name in ("on", "in") and len(args) == 2:
        return args[0], args[1]
    raise ValueError(f"{atom} is not a goal atom the perception network can predict (on, in, ontable)")


def pair_atom(subject: str, support: str, support_kind: str) -> str:
    """The goal atom for ``subject`` ending up on ``support``; its predicate follows the support's kind."""
    if support == TABLE:
        return format_atom("ontable", (subject,))
    return format_atom(SUPPORT_PREDICATE.get(support_kind, "on"), (subject, support))
