"""The trained goal reader the agent uses: a checkpoint, the sentence model, and the decoder."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agent.perception.decoder import Reading
from agent.perception.model import GoalNet, GoalNetConfig
from agent.perception.observation import View, observe
from agent.perception.reading import probabilities, read
from agent.perception.text import TextEncoder
from agent.perception.train import CHECKPOINT_FORMAT, resolve_device
from envs.errors import CheckpointError
from policies.checkpoint_files import check_config, check_format, entry, load_torch, load_weights, one_line
from policies.threads import limit_torch_threads

#: the checkpoint ``nesy train perception`` produced, shipped with the package
SHIPPED_CHECKPOINT = Path(__file__).resolve().parent / "goalnet.pt"
KIND = "a GoalNet checkpoint"


class GoalReader:
    """Reads the goal of an instruction in a scene. Loading takes a few seconds (the sentence model), so
    build one and reuse it across episodes."""

    def __init__(self, checkpoint: str | Path | None = None, device: str = "auto") -> None:
        path = Path(checkpoint) if checkpoint else SHIPPED_CHECKPOINT
        self.device = resolve_device(device)
        self.checkpoint = path
        self.model, self.metrics = load_checkpoint(path, self.device)
        self.encoder = TextEncoder(self.device)

    def read_view(self, view: View, instruction: str, state: Iterable[str]) -> Reading:
        probs = probabilities(self.model, self.encoder, [view], [instruction], [0], self.device)[0]
        return read(probs, view, state)

    def read(self, env: Any, instruction: str, state: Iterable[str]) -> Reading:
        """The goal ``instruction`` asks for in ``env``'s current scene; ``state`` is the detected state."""
        return self.read_view(observe(env), instruction, state)


def load_checkpoint(path: Path, device: str = "cpu") -> tuple[GoalNet, dict[str, Any]]:
    """GoalNet and the metrics saved with it; a missing, damaged or foreign file, or weights that do not fit
    the network its config describes, is one ``CheckpointError`` line naming the file."""
    limit_torch_threads()
    saved = load_torch(path, KIND, "train one with: nesy train perception")
    check_format(path, saved, CHECKPOINT_FORMAT, "nesy train perception")
    weights = entry(path, saved, "state_dict", KIND)
    config = entry(path, saved, "config", KIND)
    metrics = entry(path, saved, "metrics", KIND) if "metrics" in saved else {}
    check_config(path, config, GoalNetConfig)
    try:
        model = GoalNet(GoalNetConfig(**config))
    except (TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{path}: its config cannot build GoalNet ({one_line(exc)})") from None
    load_weights(path, model, weights)
    return model.to(device).eval(), metrics
