"""Turning views, instructions and goals into the network's tensors, and its outputs back into atoms."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from agent.perception.model import KINDS, POINT_CENTRE, POINT_SCALE, SUPPORT_PREDICATE, Instructions, Scenes
from agent.perception.observation import View
from agent.perception.text import WIDTH as TEXT_WIDTH
from agent.perception.text import TextEncoder, object_phrase
from agent.planning.planner import format_atom, parse_atom

TABLE = "table"


def scene_inputs(views: Sequence[View], encoder: TextEncoder, numbered_names: bool = False) -> Scenes:
    """The network's tensors for ``views``; ``numbered_names`` as the network's ``GoalNetConfig``."""
    n = max(len(v.names) for v in views)
    # the same float32 operations as numpy's, in torch: its float16 conversion is vectorised, numpy's is not
    rgb = torch.from_numpy(np.stack([v.rgb for v in views])).float() / 255.0 - 0.5
    centre, scale = torch.tensor(POINT_CENTRE), torch.tensor(POINT_SCALE)
    points = ((torch.from_numpy(np.stack([v.points for v in views])).float() - centre) / scale).clamp(-4.0, 4.0)
    image = torch.cat([rgb, points], dim=-1).permute(0, 3, 1, 2).contiguous()
    labels = np.stack([v.masks for v in views]).astype(np.int64)
    masks = (labels[:, None] == np.arange(n)[None, :, None, None]).astype(np.float32)
    kinds = np.zeros((len(views), n), dtype=np.int64)
    phrases = [[object_phrase(name, kind, numbered_names) for name, kind in zip(v.names, v.kinds)] for v in views]
    encoder.encode([p for row in phrases for p in row])
    names = torch.zeros(len(views), n, TEXT_WIDTH)
    for b, view in enumerate(views):
        kinds[b, :len(view.kinds)] = [KINDS.index(k) for k in view.kinds]
        names[b, :len(view.names)] = encoder.sentences(phrases[b])
    return Scenes(image, torch.from_numpy(masks), torch.from_numpy(kinds), names)


def instruction_inputs(texts: Sequence[str], scenes: Sequence[int], encoder: TextEncoder) -> Instructions:
    tokens, padding = encoder.tokens(texts)
    return Instructions(tokens, padding, torch.tensor(list(scenes), dtype=torch.long))


def support_targets(goals: Sequence[Sequence[str]], views: Sequence[View], n: int) -> torch.Tensor:
    """I x n x (n + 1): 1 where goal i puts object a on support b (b = n is the table)."""
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
