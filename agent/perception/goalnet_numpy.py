"""GoalNet's forward pass in numpy: how the agent reads a goal on the CPU, without importing torch.

Importing torch is two seconds of a run's start-up on a two-core machine, and calling a network of a few
dozen small modules through it costs more in per-call overhead than in arithmetic. Training keeps the torch
network (``agent.perception.model``); this module evaluates the same weights, read from the same checkpoint
without torch (``policies.torch_files``), layer for layer: the CNN as matrix products over image patches,
the transformer's pre-norm layers with their per-head relation bias, the pair head. The inputs' geometry
(``geometry``, ``relations``, ...) is computed as the torch module computes it. ``tests/test_goalnet_numpy.py``
checks its probabilities against the torch network's on every task's scenes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from agent.perception.goalnet_config import (
    CNN_MARGIN,
    CNN_STEP,
    GEOMETRY,
    KINDS,
    MOVABLE,
    POINT_CENTRE,
    POINT_SCALE,
    RANK_CAP,
    RANK_SOFTNESS,
    RELATION,
    GoalNetConfig,
    InstructionArrays,
    SceneArrays,
)
from agent.perception.minilm import gelu, layer_norm, softmax
from agent.perception.text import WIDTH as TEXT_WIDTH

#: the layer norms' epsilon (torch's default, which GoalNet keeps)
NORM_EPS = 1e-5


class NumpyGoalNet:
    """A GoalNet's weights (``state_dict`` names, numpy arrays) and the forward pass over them."""

    def __init__(self, config: GoalNetConfig, weights: Mapping[str, np.ndarray]) -> None:
        self.config = config
        self.w = {name: np.asarray(value, dtype=np.float32) for name, value in weights.items()}

    def probabilities(self, scenes: SceneArrays, instructions: InstructionArrays) -> np.ndarray:
        """I x N x (N + 1): the sigmoid of ``logits`` on pairs a goal may hold, 0 elsewhere."""
        logits = self.logits(scenes, instructions)
        valid = valid_pairs(scenes.kinds[instructions.scene])
        return np.where(valid, sigmoid(logits), np.float32(0.0))

    def logits(self, scenes: SceneArrays, instructions: InstructionArrays) -> np.ndarray:
        """``GoalNet.forward``: instruction i wants object n on support m (m = N is the table)."""
        objects, relation = self.object_tokens(scenes)
        objects, relation = objects[instructions.scene], relation[instructions.scene]
        kinds = scenes.kinds[instructions.scene]
        count, t, n = kinds.shape[0], instructions.tokens.shape[1], kinds.shape[1]
        heads, size = self.config.heads, t + n + 1
        text = self._linear(instructions.tokens, "text") + self.w["position.weight"][:t] + self.w["text_segment"]
        object_padding = np.concatenate([kinds == 0, np.zeros((count, 1), dtype=bool)], axis=1)
        padding = np.concatenate([instructions.padding, object_padding], axis=1)
        blocked = np.where(padding, np.float32(-1e9), np.float32(0.0))[:, None, None, :]
        bias = self._mlp(relation, "relation_bias").transpose(0, 3, 1, 2)  # I x (layers * heads) x N x N
        hidden = np.concatenate([text, objects], axis=1)
        for k in range(self.config.layers):
            mask = np.broadcast_to(blocked, (count, heads, size, size)).copy()
            mask[:, :, t:t + n, t:t + n] += bias[:, k * heads:(k + 1) * heads]
            hidden = self._encoder_layer(hidden, mask, f"encoder.layers.{k}.")
        hidden = self._norm(hidden[:, t:], "norm")
        subject, support = hidden[:, :n], hidden
        pair = (self._linear(subject, "subject")[:, :, None] + self._linear(support, "support")[:, None]
                + self._linear(subject, "subject_gate")[:, :, None] * self._linear(support, "support_gate")[:, None])
        relation_pair = self._mlp(relation, "relation_pair")
        pair[:, :, :n] += relation_pair  # the table (support N) stands in no relation
        return self._linear(gelu(pair), "score")[..., 0]

    def object_tokens(self, scenes: SceneArrays) -> tuple[np.ndarray, np.ndarray]:
        """``GoalNet.object_tokens``: the objects' and the table's tokens, and their relations."""
        rows, cols = object_window(scenes.masks, CNN_STEP, CNN_MARGIN)
        features = scenes.image[..., rows, cols]
        for index, stride, pad in ((0, CNN_STEP, 2), (2, 1, 1), (4, 1, 1)):
            features = gelu(conv2d(features, self.w[f"cnn.{index}.weight"], self.w[f"cnn.{index}.bias"], stride, pad))
        small = avg_pool(scenes.masks[..., rows, cols], CNN_STEP)
        pooled = np.einsum("bnhw,bchw->bnc", small, features, optimize=True)
        pooled /= np.maximum(small.sum(axis=(2, 3)), np.float32(1e-6))[..., None]
        shape = geometry(scenes)
        visual = self._mlp(np.concatenate([pooled, shape], axis=-1), "object_features")
        tokens = self.w["kind.weight"][scenes.kinds] + self._linear(scenes.names, "name") + visual
        table = np.broadcast_to(self.w["kind.weight"][KINDS.index("table")], (tokens.shape[0], 1, tokens.shape[2]))
        return np.concatenate([tokens, table], axis=1), relations(shape)

    def _encoder_layer(self, x: np.ndarray, mask: np.ndarray, at: str) -> np.ndarray:
        """``nn.TransformerEncoderLayer`` with ``norm_first``: self-attention, then a ReLU feed-forward block."""
        count, size, width = x.shape
        heads = self.config.heads
        head = width // heads
        h = self._norm(x, f"{at}norm1")
        qkv = _affine(h, self.w[f"{at}self_attn.in_proj_weight"], self.w[f"{at}self_attn.in_proj_bias"])
        q, k, v = (part.reshape(count, size, heads, head).transpose(0, 2, 1, 3) for part in np.split(qkv, 3, axis=-1))
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + mask
        context = softmax(scores) @ v
        attended = self._linear(context.transpose(0, 2, 1, 3).reshape(count, size, width), f"{at}self_attn.out_proj")
        x = x + attended
        h = np.maximum(self._linear(self._norm(x, f"{at}norm2"), f"{at}linear1"), np.float32(0.0))
        return x + self._linear(h, f"{at}linear2")

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return _affine(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def _mlp(self, x: np.ndarray, name: str) -> np.ndarray:
        """``nn.Sequential(Linear, GELU, Linear)``."""
        return self._linear(gelu(self._linear(x, f"{name}.0")), f"{name}.2")

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return layer_norm(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"], NORM_EPS)


def weight_shapes(config: GoalNetConfig) -> dict[str, tuple[int, ...]]:
    """The shape of every weight ``GoalNet(config).state_dict()`` holds, by name: what a checkpoint must
    hold for this module to evaluate it (``tests/test_goalnet_numpy.py`` checks the two agree)."""
    d, c, heads, layers = config.width, config.channels, config.heads, config.layers
    if d % heads:
        raise ValueError(f"width {d} is not a multiple of heads {heads}")

    def linear(name: str, inputs: int, outputs: int) -> dict[str, tuple[int, ...]]:
        return {f"{name}.weight": (outputs, inputs), f"{name}.bias": (outputs,)}

    def norm(name: str) -> dict[str, tuple[int, ...]]:
        return {f"{name}.weight": (d,), f"{name}.bias": (d,)}

    shapes: dict[str, tuple[int, ...]] = {
        "text_segment": (d,), "cnn.0.weight": (c, 6, 5, 5), "cnn.0.bias": (c,), "cnn.2.weight": (c, c, 3, 3),
        "cnn.2.bias": (c,), "cnn.4.weight": (c, c, 3, 3), "cnn.4.bias": (c,),
        **linear("object_features.0", c + GEOMETRY, d), **linear("object_features.2", d, d),
        "kind.weight": (len(KINDS), d), **linear("name", TEXT_WIDTH, d), **linear("text", TEXT_WIDTH, d),
        "position.weight": (config.max_tokens, d)}
    for k in range(layers):
        at = f"encoder.layers.{k}."
        shapes |= {f"{at}self_attn.in_proj_weight": (3 * d, d), f"{at}self_attn.in_proj_bias": (3 * d,),
                   **linear(f"{at}self_attn.out_proj", d, d), **linear(f"{at}linear1", d, 2 * d),
                   **linear(f"{at}linear2", 2 * d, d), **norm(f"{at}norm1"), **norm(f"{at}norm2")}
    shapes |= {**linear("relation_bias.0", RELATION, 64), **linear("relation_bias.2", 64, layers * heads),
               **linear("relation_pair.0", RELATION, d), **linear("relation_pair.2", d, d), **norm("norm"),
               **linear("subject", d, d), **linear("support", d, d), **linear("subject_gate", d, d),
               **linear("support_gate", d, d), **linear("score", d, 1)}
    return shapes


def _affine(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``torch.nn.functional.linear``: every row of every leading axis at once, as one matrix product."""
    return (x.reshape(-1, x.shape[-1]) @ weight.T + bias).reshape(*x.shape[:-1], weight.shape[0])


def conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """``torch.nn.functional.conv2d`` (B x C x H x W, weights O x C x k x k) as one product over patches."""
    batch, channels = x.shape[:2]
    out, _, k, _ = weight.shape
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    patches = np.lib.stride_tricks.sliding_window_view(padded, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    height, width = patches.shape[2:4]
    columns = patches.transpose(0, 2, 3, 1, 4, 5).reshape(batch * height * width, channels * k * k)
    result = columns @ weight.reshape(out, -1).T + bias
    return np.ascontiguousarray(result.reshape(batch, height, width, out).transpose(0, 3, 1, 2))


def avg_pool(x: np.ndarray, step: int) -> np.ndarray:
    """``torch.nn.functional.avg_pool2d`` with ``kernel_size=step``: the mean of each step x step cell."""
    *lead, height, width = x.shape
    h, w = height // step, width // step
    cells = x[..., :h * step, :w * step].reshape(*lead, h, step, w, step)
    return cells.mean(axis=(-3, -1), dtype=np.float32)


def object_window(masks: np.ndarray, step: int = 1, margin: int = 0) -> tuple[slice, slice]:
    """``model.object_window``: the rows and columns that hold every object's pixels, on a grid of ``step``
    pixels a cell, widened by ``margin`` cells and cut at the frame; the whole frame where nothing is seen."""
    seen = np.any(masks > 0, axis=(0, 1))
    height, width = seen.shape
    rows, cols = np.flatnonzero(seen.any(axis=1)), np.flatnonzero(seen.any(axis=0))
    if not len(rows):
        return slice(0, height), slice(0, width)

    def span(found: np.ndarray, size: int) -> slice:
        first, last = int(found[0]) // step - margin, int(found[-1]) // step + 1 + margin
        return slice(max(first, 0) * step, min(last * step, size))

    return span(rows, height), span(cols, width)


def geometry(scenes: SceneArrays) -> np.ndarray:
    """``model.geometry``: B x N x GEOMETRY figures read off each object's mask."""
    b, n, height, width = scenes.masks.shape
    rows_at, cols_at = object_window(scenes.masks)
    masks, image = scenes.masks[..., rows_at, cols_at], scenes.image[..., rows_at, cols_at]
    h, w = masks.shape[-2:]
    area = masks.sum(axis=(2, 3), dtype=np.float32)
    seen = (area > 0).astype(np.float32)
    weights = masks / np.maximum(area, np.float32(1.0))[..., None, None]
    means = np.einsum("bnhw,bchw->bnc", weights, image, optimize=True)
    inside = masks > 0
    z = np.broadcast_to(image[:, 5][:, None], (b, n, h, w))
    top = np.where(inside, z, np.float32(-1e4)).max(axis=(2, 3)) * seen
    bottom = np.where(inside, z, np.float32(1e4)).min(axis=(2, 3)) * seen
    rows = np.linspace(-1.0, 1.0, height, dtype=np.float32)[rows_at][None, None, :]
    cols = np.linspace(-1.0, 1.0, width, dtype=np.float32)[cols_at][None, None, :]
    in_row, in_col = inside.any(axis=3), inside.any(axis=2)
    box = np.stack([
        np.where(in_col, cols, np.float32(2.0)).min(axis=2),
        np.where(in_col, cols, np.float32(-2.0)).max(axis=2),
        np.where(in_row, rows, np.float32(2.0)).min(axis=2),
        np.where(in_row, rows, np.float32(-2.0)).max(axis=2),
    ], axis=-1) * seen[..., None]
    ranks = _ranks(scenes.kinds, seen, means[..., 3:6], top)
    share = area / np.float32(height * width) * np.float32(100.0)
    return np.concatenate([seen[..., None], share[..., None], means, top[..., None], box, ranks, bottom[..., None]],
                          axis=-1).astype(np.float32)


def _ranks(kinds: np.ndarray, seen: np.ndarray, point: np.ndarray, top: np.ndarray) -> np.ndarray:
    """``model._ranks``: capped soft counts of same-kind peers before and after each object."""
    x = point[..., 0] * np.float32(POINT_SCALE[0]) + np.float32(POINT_CENTRE[0])
    y = point[..., 1] * np.float32(POINT_SCALE[1]) + np.float32(POINT_CENTRE[1])
    keys = np.stack([y, np.hypot(x, y), top * np.float32(POINT_SCALE[2])], axis=-1)
    ahead = sigmoid((keys[:, :, None] - keys[:, None, :]) / np.float32(RANK_SOFTNESS))
    peers = (kinds[:, :, None] == kinds[:, None, :]) & (seen[:, None, :] > 0)
    peers &= ~np.eye(kinds.shape[1], dtype=bool)
    weights = peers.astype(np.float32)[..., None]
    before, after = (ahead * weights).sum(axis=2), ((1.0 - ahead) * weights).sum(axis=2)
    return np.minimum(np.concatenate([before, after], axis=-1), np.float32(RANK_CAP)) * seen[..., None]


def relations(shape: np.ndarray) -> np.ndarray:
    """``model.relations``: B x N x N x RELATION, where each object is relative to each other one."""
    place = np.concatenate([shape[..., 5:8], shape[..., 8:9]], axis=-1)
    delta = place[:, None, :, :] - place[:, :, None, :]
    top, bottom = shape[..., 8], shape[..., 19]
    gap = bottom[:, :, None] - top[:, None, :]
    seen = shape[..., 0]
    both = (seen[:, :, None] * seen[:, None, :])[..., None]
    distance = np.sqrt((delta[..., :2] ** 2).sum(axis=-1, keepdims=True))
    return np.concatenate([delta, distance, gap[..., None], gap.transpose(0, 2, 1)[..., None], both],
                          axis=-1) * both


def valid_pairs(kinds: np.ndarray) -> np.ndarray:
    """``model.valid_pairs``: I x N x (N + 1), the pairs a goal may contain."""
    movable = np.isin(kinds, [KINDS.index(kind) for kind in MOVABLE])
    n = kinds.shape[1]
    supports = np.concatenate([kinds != 0, np.ones((kinds.shape[0], 1), dtype=bool)], axis=1)
    not_self = ~np.eye(n, n + 1, dtype=bool)
    return movable[:, :, None] & supports[:, None, :] & not_self[None]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow for large negative inputs."""
    return (np.float32(0.5) * (np.float32(1.0) + np.tanh(np.float32(0.5) * x))).astype(np.float32)
