"""GoalNet: camera frame + instruction -> a probability for every "x ends up on/in y" over the scene's objects.

A goal of the three tasks is a set of support atoms: ``(on x y)``, ``(in x bin)`` and ``(ontable x)``, which
is ``x`` on the table. So the network scores every (object, support) pair of the scene at hand, where a
support is another object or the table; the support's kind then names the predicate. This makes goals of
any size over any number of objects, instead of one triple over a fixed vocabulary.

Object tokens come from the image: a small CNN, trained here, runs over the RGB frame and its world-point
map, and each object's features are pooled under its instance mask, beside the mask's geometry (where it
is, how big, how high). Each token also carries the object's kind and its name read by the sentence
model, which is how "red" in an instruction finds the block the planner calls ``red``. Instruction tokens
are the frozen sentence model's features. A transformer lets every word and object attend to every other,
and a pair head scores the supports.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

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
from agent.perception.text import WIDTH as TEXT_WIDTH


@dataclass
class Scenes:
    """A batch of camera frames and their objects, padded to ``N`` objects."""

    image: Tensor  # B x 6 x H x W: RGB and world points, normalised
    masks: Tensor  # B x N x H x W, 1 where the object is seen
    kinds: Tensor  # B x N, index into KINDS (0 = padding)
    names: Tensor  # B x N x TEXT_WIDTH, sentence features of the object's name

    @classmethod
    def of(cls, arrays: SceneArrays) -> Scenes:
        return cls(*(torch.from_numpy(a) for a in (arrays.image, arrays.masks, arrays.kinds, arrays.names)))

    def to(self, device: torch.device | str) -> Scenes:
        return Scenes(self.image.to(device), self.masks.to(device), self.kinds.to(device), self.names.to(device))


@dataclass
class Instructions:
    """A batch of instructions, each about one scene of a ``Scenes`` batch."""

    tokens: Tensor  # I x T x TEXT_WIDTH
    padding: Tensor  # I x T, True on padding
    scene: Tensor  # I, index of the scene each instruction is about

    @classmethod
    def of(cls, arrays: InstructionArrays) -> Instructions:
        return cls(*(torch.from_numpy(a) for a in (arrays.tokens, arrays.padding, arrays.scene)))

    def to(self, device: torch.device | str) -> Instructions:
        return Instructions(self.tokens.to(device), self.padding.to(device), self.scene.to(device))


class GoalNet(nn.Module):
    def __init__(self, config: GoalNetConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or GoalNetConfig()
        d, c = config.width, config.channels
        self.cnn = nn.Sequential(
            nn.Conv2d(6, c, 5, stride=CNN_STEP, padding=2), nn.GELU(),
            nn.Conv2d(c, c, 3, padding=1), nn.GELU(),
            nn.Conv2d(c, c, 3, padding=1), nn.GELU(),
        )
        self.object_features = nn.Sequential(nn.Linear(c + GEOMETRY, d), nn.GELU(), nn.Linear(d, d))
        self.kind = nn.Embedding(len(KINDS), d)
        self.name = nn.Linear(TEXT_WIDTH, d)
        self.text = nn.Linear(TEXT_WIDTH, d)
        self.position = nn.Embedding(config.max_tokens, d)
        self.text_segment = nn.Parameter(torch.zeros(d))
        layer = nn.TransformerEncoderLayer(d, config.heads, dim_feedforward=2 * d, dropout=config.dropout,
                                           batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        # Attention between objects is biased by where they are relative to each other (one bias per layer
        # and head): "the block under red" and "the leftmost stack" are comparisons of positions.
        self.relation_bias = nn.Sequential(nn.Linear(RELATION, 64), nn.GELU(),
                                           nn.Linear(64, config.layers * config.heads))
        self.relation_pair = nn.Sequential(nn.Linear(RELATION, d), nn.GELU(), nn.Linear(d, d))
        self.norm = nn.LayerNorm(d)
        self.subject = nn.Linear(d, d)
        self.support = nn.Linear(d, d)
        self.subject_gate = nn.Linear(d, d)
        self.support_gate = nn.Linear(d, d)
        self.score = nn.Linear(d, 1)

    def object_tokens(self, scenes: Scenes) -> tuple[Tensor, Tensor]:
        """B x (N + 1) x d: the scene's objects, then the table; and B x N x N x RELATION: where each object
        is relative to each other one."""
        # Only the cells under some object's mask are pooled, and the objects fill a band of the frame (a fifth
        # to a half of it): the CNN runs on that band and a margin, where its values are the whole frame's.
        rows, cols = object_window(scenes.masks, CNN_STEP, CNN_MARGIN)
        image, masks = scenes.image[..., rows, cols], scenes.masks[..., rows, cols]
        features = self.cnn(image)
        small = F.avg_pool2d(masks, kernel_size=CNN_STEP)
        pooled = torch.einsum("bnhw,bchw->bnc", small, features) / small.sum(dim=(2, 3)).clamp_min(1e-6)[..., None]
        shape = geometry(scenes)
        visual = self.object_features(torch.cat([pooled, shape], dim=-1))
        tokens = self.kind(scenes.kinds) + self.name(scenes.names) + visual
        batch = scenes.kinds.shape[0]
        table = self.kind(torch.full((batch, 1), KINDS.index("table"), device=tokens.device))
        return torch.cat([tokens, table], dim=1), relations(shape)

    def forward(self, scenes: Scenes, instructions: Instructions) -> Tensor:
        """Logits I x N x (N + 1): instruction i wants object n on support m (m = N is the table)."""
        objects, relation = self.object_tokens(scenes)
        objects, relation = objects[instructions.scene], relation[instructions.scene]
        kinds = scenes.kinds[instructions.scene]
        count, t, n = kinds.shape[0], instructions.tokens.shape[1], kinds.shape[1]
        heads, size = self.config.heads, t + n + 1
        text = self.text(instructions.tokens) + self.position.weight[:t] + self.text_segment
        text_padding = instructions.padding
        if self.training and self.config.word_dropout > 0:
            hidden_words = torch.rand(text_padding.shape, device=text_padding.device) < self.config.word_dropout
            hidden_words[:, 0] = False  # the sentence model's [CLS] token always stays
            text_padding = text_padding | hidden_words
        object_padding = torch.cat([kinds == 0, torch.zeros_like(kinds[:, :1], dtype=torch.bool)], dim=1)
        padding = torch.cat([text_padding, object_padding], dim=1)
        blocked = torch.zeros(count, 1, 1, size, device=kinds.device).masked_fill(padding[:, None, None], -1e9)
        bias = self.relation_bias(relation).permute(0, 3, 1, 2)  # I x (layers * heads) x N x N
        hidden = torch.cat([text, objects], dim=1)
        # PyTorch's fused inference path for encoder layers mishandles a per-head float mask (its outputs
        # differ from the training path's): always take the plain path.
        fast_path = torch.backends.mha.get_fastpath_enabled()
        torch.backends.mha.set_fastpath_enabled(False)
        try:
            for k, layer in enumerate(self.encoder.layers):
                mask = blocked.expand(count, heads, size, size).clone()
                mask[:, :, t:t + n, t:t + n] += bias[:, k * heads:(k + 1) * heads]
                hidden = layer(hidden, src_mask=mask.reshape(count * heads, size, size))
        finally:
            torch.backends.mha.set_fastpath_enabled(fast_path)
        hidden = self.norm(hidden[:, t:])
        subject, support = hidden[:, :n], hidden
        pair = (self.subject(subject)[:, :, None] + self.support(support)[:, None]
                + self.subject_gate(subject)[:, :, None] * self.support_gate(support)[:, None])
        pair = pair + F.pad(self.relation_pair(relation), (0, 0, 0, 1))
        return self.score(F.gelu(pair)).squeeze(-1)


def object_window(masks: Tensor, step: int = 1, margin: int = 0) -> tuple[slice, slice]:
    """The rows and columns of pixels (B x N x H x W ``masks``) that hold every object's pixels, on a grid of
    ``step`` pixels a cell, widened by ``margin`` cells and cut at the frame; the whole frame where no object
    is seen."""
    seen = (masks > 0).any(dim=1).any(dim=0)  # H x W
    height, width = seen.shape
    rows, cols = seen.any(dim=1).nonzero().flatten(), seen.any(dim=0).nonzero().flatten()
    if not len(rows):
        return slice(0, height), slice(0, width)

    def span(found: Tensor, size: int) -> slice:
        first, last = int(found[0]) // step - margin, int(found[-1]) // step + 1 + margin
        return slice(max(first, 0) * step, min(last * step, size))

    return span(rows, height), span(cols, width)


def geometry(scenes: Scenes) -> Tensor:
    """B x N x GEOMETRY, read off each object's mask: seen or not, area, mean colour, mean world point,
    top height, image bounding box, ranks among its peers (6) and bottom height."""
    b, n, height, width = scenes.masks.shape
    # every figure is read off the objects' pixels: the rest of the frame is left out of the sums
    rows_at, cols_at = object_window(scenes.masks)
    masks, image = scenes.masks[..., rows_at, cols_at], scenes.image[..., rows_at, cols_at]
    h, w = masks.shape[-2:]
    area = masks.sum(dim=(2, 3))
    seen = (area > 0).float()
    weights = masks / area.clamp_min(1.0)[..., None, None]
    means = torch.einsum("bnhw,bchw->bnc", weights, image)  # colour (3) and world point (3)
    inside = masks > 0
    z = image[:, 5][:, None].expand(b, n, h, w)
    top = torch.where(inside, z, torch.full_like(z, -1e4)).amax(dim=(2, 3)) * seen
    bottom = torch.where(inside, z, torch.full_like(z, 1e4)).amin(dim=(2, 3)) * seen
    rows = torch.linspace(-1.0, 1.0, height, device=masks.device)[rows_at][None, None, :].expand(b, n, h)
    cols = torch.linspace(-1.0, 1.0, width, device=masks.device)[cols_at][None, None, :].expand(b, n, w)
    in_row, in_col = inside.any(dim=3), inside.any(dim=2)
    box = torch.stack([
        torch.where(in_col, cols, torch.full_like(cols, 2.0)).amin(dim=2),
        torch.where(in_col, cols, torch.full_like(cols, -2.0)).amax(dim=2),
        torch.where(in_row, rows, torch.full_like(rows, 2.0)).amin(dim=2),
        torch.where(in_row, rows, torch.full_like(rows, -2.0)).amax(dim=2),
    ], dim=-1) * seen[..., None]
    ranks = _ranks(scenes.kinds, seen, means[..., 3:6], top)
    return torch.cat([seen[..., None], (area / (height * width) * 100.0)[..., None], means, top[..., None], box, ranks,
                      bottom[..., None]], dim=-1)


def _ranks(kinds: Tensor, seen: Tensor, point: Tensor, top: Tensor) -> Tensor:
    """B x N x 6 soft counts, up to ``RANK_CAP``, of the seen objects of the same kind that are further left,
    nearer the robot's base and lower than this one, then of those further right, further away and higher
    (0 and 0 for the leftmost and the rightmost). Superlatives ("the leftmost cube") are comparisons with
    every other object, which attention finds slowly. Capped counts, not shares or plain counts: both of
    those take values in a taller tower that no training tower has (a share of the peers below shifts with
    the tower's height, a count passes training's largest), and six-disc towers were misread for it."""
    x = point[..., 0] * POINT_SCALE[0] + POINT_CENTRE[0]
    y = point[..., 1] * POINT_SCALE[1] + POINT_CENTRE[1]
    keys = torch.stack([y, torch.hypot(x, y), top * POINT_SCALE[2]], dim=-1)  # metres
    ahead = torch.sigmoid((keys[:, :, None] - keys[:, None, :]) / RANK_SOFTNESS)  # B x N x N x 3: j before i
    peers = (kinds[:, :, None] == kinds[:, None, :]) & (seen[:, None, :] > 0)
    peers &= ~torch.eye(kinds.shape[1], dtype=torch.bool, device=kinds.device)
    weights = peers.float()[..., None]
    before, after = (ahead * weights).sum(dim=2), ((1.0 - ahead) * weights).sum(dim=2)
    return torch.cat([before, after], dim=-1).clamp(max=RANK_CAP) * seen[..., None]


def relations(shape: Tensor) -> Tensor:
    """B x N x N x RELATION from per-object geometry: for a pair (i, j), where j's mean point and top are
    relative to i's, their horizontal distance, how far i's bottom is above j's top and j's above i's, and
    whether both are seen (all zero unless both are). The gaps are what "i stands on j" is, whatever the
    objects' thickness and however high the stack: about zero for the object directly below, a whole
    object's thickness for the one below that. A difference of tops says the same only where every object
    is equally thick."""
    place = torch.cat([shape[..., 5:8], shape[..., 8:9]], dim=-1)  # mean world point and top height
    delta = place[:, None, :, :] - place[:, :, None, :]
    top, bottom = shape[..., 8], shape[..., 19]
    gap = bottom[:, :, None] - top[:, None, :]  # i's bottom above j's top
    seen = shape[..., 0]
    both = (seen[:, :, None] * seen[:, None, :])[..., None]
    return torch.cat([delta, delta[..., :2].norm(dim=-1, keepdim=True), gap[..., None],
                      gap.transpose(1, 2)[..., None], both], dim=-1) * both


def valid_pairs(kinds: Tensor) -> Tensor:
    """I x N x (N + 1) bool: pairs a goal may contain (a movable subject on another object or the table)."""
    movable = torch.zeros_like(kinds, dtype=torch.bool)
    for kind in MOVABLE:
        movable |= kinds == KINDS.index(kind)
    n = kinds.shape[1]
    supports = torch.cat([kinds != 0, torch.ones_like(kinds[:, :1], dtype=torch.bool)], dim=1)
    not_self = ~torch.eye(n, n + 1, dtype=torch.bool, device=kinds.device)
    return movable[:, :, None] & supports[:, None, :] & not_self[None]
