"""What GoalNet is, apart from the framework that runs it: its settings, the constants its inputs follow and
the inputs themselves as numpy arrays.

Both the torch network that trains (``agent.perception.model``) and the numpy evaluation the agent reads goals
with (``agent.perception.goalnet_numpy``) import these, so neither can drift from the other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the layout of the checkpoint ``train.save_checkpoint`` writes; a loader refuses any other (the shipped file
#: predates the field and is format 1)
CHECKPOINT_FORMAT = 1
KINDS = ("pad", "table", "block", "disc", "peg", "cube", "bin")
MOVABLE = ("block", "disc", "cube")
#: predicate a goal atom takes for a support of each kind (anything else: ``on``)
SUPPORT_PREDICATE = {"table": "ontable", "bin": "in"}
#: world-point normalisation: the workspace centre and half-extents (m)
POINT_CENTRE = (0.5, 0.0, 0.0)
POINT_SCALE = (0.3, 0.4, 0.1)
GEOMETRY = 20
#: metres over which a soft rank goes from "level" to "clearly before"
RANK_SOFTNESS = 0.01
#: the most peers a rank counts: one, so that it says whether any peer is further left (and so on), which is
#: all a superlative ("the leftmost cube", "the top disc") asks, and a tower taller than any in training
#: shows the network no count it never saw (the top disc of six has five below it, of four three)
RANK_CAP = 1.0
RELATION = 8
#: pixels a cell of the CNN's feature map spans (its first convolution's stride)
CNN_STEP = 2
#: feature cells around the objects the CNN also computes: each of its three convolutions reads one cell
#: beyond its output (the strided first, two pixels), so only cells within three of a cut edge differ from
#: what the whole frame gives, and those hold no object's pixels
CNN_MARGIN = 3


@dataclass(frozen=True)
class GoalNetConfig:
    width: int = 128
    layers: int = 3
    heads: int = 4
    channels: int = 32
    max_tokens: int = 64
    #: none inside the transformer: on a CPU its random masks took a sixth of every training step, and word
    #: dropout and the smoothed targets already keep the network from leaning on any one cue
    dropout: float = 0.0
    #: share of instruction tokens hidden from the network in training, so it cannot lean on any one word
    word_dropout: float = 0.1
    #: object names keep their numbers (``text.object_phrase``): "red2" and "d1" in an instruction then find
    #: their object. False for checkpoints trained before the field, which never saw the numbers
    numbered_names: bool = False


@dataclass
class SceneArrays:
    """``model.Scenes`` as numpy arrays: what both the torch network and its numpy evaluation read."""

    image: np.ndarray  # B x 6 x H x W float32: RGB and world points, normalised
    masks: np.ndarray  # B x N x H x W float32, 1 where the object is seen
    kinds: np.ndarray  # B x N int64, index into KINDS (0 = padding)
    names: np.ndarray  # B x N x TEXT_WIDTH float32, sentence features of the object's name


@dataclass
class InstructionArrays:
    """``model.Instructions`` as numpy arrays."""

    tokens: np.ndarray  # I x T x TEXT_WIDTH float32
    padding: np.ndarray  # I x T bool, True on padding
    scene: np.ndarray  # I int64, index of the scene each instruction is about
