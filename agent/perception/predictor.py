"""The trained goal reader the agent uses: a checkpoint, the sentence model, and the decoder."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch

from agent.perception.decoder import Reading
from agent.perception.model import GoalNet, GoalNetConfig
from agent.perception.observation import View, observe
from agent.perception.reading import probabilities, read
from agent.perception.text import TextEncoder
from agent.perception.train import resolve_device
from envs.errors import ConfigError
from policies.threads import limit_torch_threads

#: the checkpoint ``nesy train perception`` produced, shipped with the package
SHIPPED_CHECKPOINT = Path(__file__).resolve().parent / "goalnet.pt"


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
    limit_torch_threads()
    if not path.is_file():
        raise ConfigError(f"perception checkpoint {path} does not exist (train one with: nesy train perception)")
    try:
        saved = torch.load(path, map_location=device, weights_only=True)
        model = GoalNet(GoalNetConfig(**saved["config"]))
        model.load_state_dict(saved["state_dict"])
    except (RuntimeError, KeyError, TypeError, ValueError, EOFError) as exc:
        raise ConfigError(f"perception checkpoint {path} is not a GoalNet checkpoint: {exc}") from exc
    return model.to(device).eval(), saved.get("metrics", {})
