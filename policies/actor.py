"""The deterministic action of a trained SB3 policy, evaluated directly.

SB3's ``predict`` wraps every call in work a control loop does not need: it switches the whole policy to
evaluation mode (a walk over every module), checks the input's type and shape, builds an action
distribution and converts between arrays and tensors twice. On a network of three small layers that
costs about ten times the arithmetic. ``DeterministicActor`` runs the same layers (the same tensors, the
same torch kernels: ``F.linear`` is what ``nn.Linear`` calls) and the same rescaling, so its action equals
``predict(obs, deterministic=True)`` bit for bit; ``tests/test_actor.py`` checks that on many observations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class DeterministicActor:
    """``predict(observation, deterministic=True)`` of an SB3 SAC or TQC policy (a squashed Gaussian actor
    of linear layers and element-wise activations, without gSDE), without the per-call overhead."""

    def __init__(self, model: Any) -> None:
        import torch
        from torch import nn
        from torch.nn import functional as F

        policy = model.policy
        actor = getattr(policy, "actor", None)
        if actor is None or getattr(actor, "use_sde", True) or not policy.squash_output:
            raise ValueError(f"{type(model).__name__} policy: not a squashed Gaussian actor without gSDE")
        activations: dict[type, Callable[[Any], Any]] = {nn.ReLU: torch.relu, nn.Tanh: torch.tanh}
        self._layers: list[tuple[Any, Any]] = []  # (weight, bias) of a linear layer, or (activation, None)
        for module in [*actor.latent_pi, actor.mu]:
            if isinstance(module, nn.Linear):
                self._layers.append((module.weight.detach(), None if module.bias is None else module.bias.detach()))
            elif type(module) in activations:
                self._layers.append((activations[type(module)], None))
            else:
                raise ValueError(f"{type(model).__name__} policy: unsupported layer {type(module).__name__}")
        if not isinstance(actor.features_extractor, nn.Flatten) and \
                type(actor.features_extractor).__name__ != "FlattenExtractor":
            raise ValueError(f"{type(model).__name__} policy: unsupported features extractor")
        self._torch, self._linear = torch, F.linear
        self._device = actor.mu.weight.device
        self.observation_size = int(np.prod(policy.observation_space.shape))
        self._low = policy.action_space.low
        self._span = policy.action_space.high - policy.action_space.low

    def __call__(self, observation: np.ndarray) -> np.ndarray:
        """The action for one observation, as ``predict`` returns it (float32, the action space's shape)."""
        torch = self._torch
        x = torch.from_numpy(np.asarray(observation, dtype=np.float32).reshape(1, self.observation_size))
        x = x.to(self._device)  # a no-op on the CPU
        with torch.inference_mode():
            for first, bias in self._layers:
                x = self._linear(x, first, bias) if isinstance(first, torch.Tensor) else first(x)
            scaled = torch.tanh(x).cpu().numpy()
        # SB3's unscale_action, operation for operation: the same float32 rounding
        return (self._low + (0.5 * (scaled + 1.0) * self._span))[0]


def deterministic_policy(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """The fastest exact way to get ``model``'s deterministic action: a ``DeterministicActor`` where the
    policy is of a kind it evaluates, else SB3's ``predict``."""
    try:
        return DeterministicActor(model)
    except ValueError:
        return lambda observation: model.predict(observation, deterministic=True)[0]
