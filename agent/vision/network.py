"""The segmenter's network: a small U-Net from an RGB-D frame's colours and world points to, per pixel, a
class (background, movable object, bin, peg place), the 3-D centre of the object the pixel belongs to (as an
offset from the pixel's own world point) and that object's half width and half height.

Voting for object centres in 3-D is what separates objects that touch in the image: two stacked discs of a
tower share a long boundary in the image but have centres at least 1.8 cm apart in height.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

#: world points are centred and scaled before the network sees them (metres)
POINT_CENTRE = (0.5, 0.0, 0.1)
POINT_SCALE = (0.3, 0.4, 0.15)
#: offsets and sizes are predicted in units of this many metres
UNIT = 0.05
N_CLASSES = 4
IN_CHANNELS = 6
OUT_CHANNELS = N_CLASSES + 3 + 2


@dataclass(frozen=True)
class NetConfig:
    channels: tuple[int, ...] = (8, 16, 32, 32)


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class SegNet(nn.Module):
    def __init__(self, config: NetConfig = NetConfig()) -> None:
        super().__init__()
        self.config = config
        c = config.channels
        self.down = nn.ModuleList([_block(IN_CHANNELS, c[0])] + [_block(c[i], c[i + 1]) for i in range(len(c) - 1)])
        # one convolution per decoder level: the encoder's two carry the features, and the full-resolution
        # levels are what the < 20 ms budget of a re-perception pays for
        self.up = nn.ModuleList([nn.Sequential(nn.Conv2d(c[i + 1] + c[i], c[i], 3, padding=1, bias=False),
                                               nn.BatchNorm2d(c[i]), nn.ReLU(inplace=True))
                                 for i in reversed(range(len(c) - 1))])
        self.head = nn.Conv2d(c[0], OUT_CHANNELS, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        for block, skip in zip(self.up, reversed(skips[:-1])):
            x = block(torch.cat([F.interpolate(x, scale_factor=2.0, mode="nearest"), skip], dim=1))
        return self.head(x)

    def describe(self) -> dict:
        return asdict(self.config)


def net_input(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """B x 6 x H x W float32 from B x H x W x 3 colours and world points."""
    colour = rgb.astype(np.float32) / 255.0 - 0.5
    scaled = (points.astype(np.float32) - np.float32(POINT_CENTRE)) / np.float32(POINT_SCALE)
    return np.ascontiguousarray(np.concatenate([colour, np.clip(scaled, -4.0, 4.0)], axis=-1).transpose(0, 3, 1, 2))
