"""The deterministic action of a trained SB3 policy, evaluated directly, the same under any BLAS or SIMD kernel.

SB3's ``predict`` wraps every call in work a control loop does not need: it switches the whole policy to
evaluation mode (a walk over every module), checks the input's type and shape, builds an action
distribution and converts between arrays and tensors twice. On a network of three small layers that
costs about ten times the arithmetic. ``DeterministicActor`` runs the same layers and the same rescaling
without it.

It runs them in float64 and rounds the action to float32 once, at the end. torch's float32 kernels
differ from one instruction set to another (AVX2, AVX-512: how many products a sum adds at once), and an
action that differs in its last bit sends a closed loop of contacts elsewhere within a few hundred steps,
so the same seed gave different episodes on different machines. In float64 every product of two float32
numbers is exact and a sum's order moves it by about 1e-16, far below float32's rounding, so the action
comes out the same whichever kernels run it (an episode can still differ between kinds of CPU for reasons
below the agent: ``tests/test_records.py``); it is SB3's float32 action to within about 1e-6
(``tests/test_actor.py`` checks both: against ``predict``, and bit for bit under other BLAS kernels and
numpy instruction sets).
"""

from __future__ import annotations

import base64
import json
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from policies.torch_files import read_torch_bytes

#: the SB3 module of each algorithm's default policy, as a checkpoint's ``data`` names it
_POLICY_MODULES = {("sac", "stable_baselines3.sac.policies"), ("sacbc", "stable_baselines3.sac.policies"),
                   ("residual", "stable_baselines3.sac.policies"), ("tqc", "sb3_contrib.tqc.policies")}
#: a linear layer's (weight, bias), or an activation's name
Layer = tuple[np.ndarray, np.ndarray | None] | str
#: policy keyword arguments that leave the actor the default MLP
_DEFAULT_KWARGS = {"net_arch", "use_sde", "n_critics", "n_quantiles", "share_features_extractor"}


class DeterministicActor:
    """``predict(observation, deterministic=True)`` of an SB3 SAC or TQC policy (a squashed Gaussian actor
    of linear layers and element-wise activations, without gSDE), without the per-call overhead."""

    def __init__(self, model: Any) -> None:
        from torch import nn

        policy = model.policy
        actor = getattr(policy, "actor", None)
        if actor is None or getattr(actor, "use_sde", True) or not policy.squash_output:
            raise ValueError(f"{type(model).__name__} policy: not a squashed Gaussian actor without gSDE")
        activations: dict[type, str] = {nn.ReLU: "relu", nn.Tanh: "tanh"}
        layers: list[Layer] = []
        for module in [*actor.latent_pi, actor.mu]:
            if isinstance(module, nn.Linear):
                layers.append((_array(module.weight), None if module.bias is None else _array(module.bias)))
            elif type(module) in activations:
                layers.append(activations[type(module)])
            else:
                raise ValueError(f"{type(model).__name__} policy: unsupported layer {type(module).__name__}")
        if not isinstance(actor.features_extractor, nn.Flatten) and \
                type(actor.features_extractor).__name__ != "FlattenExtractor":
            raise ValueError(f"{type(model).__name__} policy: unsupported features extractor")
        self._setup(layers, int(np.prod(policy.observation_space.shape)),
                    policy.action_space.low, policy.action_space.high)

    @classmethod
    def from_checkpoint(cls, path: Path) -> DeterministicActor:
        """The actor of a SAC or TQC checkpoint (``.zip``) read from the file alone, without building the SB3
        model: ``load`` also builds the critics and their optimizers, and creating an optimizer imports
        torch's compiler stack (seconds of a run's start-up). Only the default MLP policy is read (ReLU
        layers of ``net_arch``, a flattened box observation, no gSDE); ``ValueError`` for anything else."""
        algorithm = _algorithm(path)
        try:
            with zipfile.ZipFile(path) as archive:
                data, weights = archive.read("data"), archive.read("policy.pth")
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path}: not a readable SB3 checkpoint ({exc})") from exc
        try:
            return cls.from_members(data, weights, algorithm)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from exc

    @classmethod
    def from_members(cls, data_json: bytes, weights: bytes, algorithm: str = "sac") -> DeterministicActor:
        """The actor described by an SB3 checkpoint's ``data`` entry and ``policy.pth`` weights, given as
        bytes (a residual checkpoint stores its clone's so: ``policies/residual_files.py``). The weights are
        read without torch (``policies.torch_files``): acting needs only numpy."""
        try:
            data = json.loads(data_json)
            state = read_torch_bytes(weights)
        except (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError) as exc:
            raise ValueError(f"not a readable SB3 policy ({exc})") from exc
        module = data.get("policy_class", {}).get("__module__")
        kwargs = data.get("policy_kwargs", {})
        if (algorithm, module) not in _POLICY_MODULES or set(kwargs) - _DEFAULT_KWARGS or kwargs.get("use_sde"):
            raise ValueError(f"not a default {algorithm} MLP policy")
        observation_space, action_space = (_space(data[name]) for name in ("observation_space", "action_space"))
        if len(observation_space.shape) != 1:
            raise ValueError(f"observations of shape {observation_space.shape}, not flat")
        net_arch = kwargs.get("net_arch", [256, 256])
        hidden = net_arch["pi"] if isinstance(net_arch, dict) else net_arch
        layers: list[Layer] = []
        try:
            for index in range(len(hidden)):  # nn.Sequential(Linear, ReLU, Linear, ReLU, ...): linear layers at 2i
                layers += [(state[f"actor.latent_pi.{2 * index}.weight"], state[f"actor.latent_pi.{2 * index}.bias"]),
                           "relu"]
            layers.append((state["actor.mu.weight"], state["actor.mu.bias"]))
        except KeyError as exc:
            raise ValueError(f"no actor weight {exc}") from exc
        actor = cls.__new__(cls)
        actor._setup(layers, observation_space.shape[0], action_space.low, action_space.high)
        return actor

    def _setup(self, layers: list[Layer], observation_size: int, low: np.ndarray, high: np.ndarray) -> None:
        activations: dict[str, Callable[[np.ndarray], np.ndarray]] = {"relu": _relu, "tanh": np.tanh}

        def float64(array: np.ndarray | None) -> np.ndarray | None:
            return None if array is None else np.array(array, dtype=np.float64)

        self._layers: list[tuple[np.ndarray, np.ndarray | None] | Callable[[np.ndarray], np.ndarray]] = [
            activations[layer] if isinstance(layer, str)
            else (np.array(layer[0], np.float64).T.copy(), float64(layer[1])) for layer in layers]
        self.observation_size = observation_size
        self._low = np.asarray(low, dtype=np.float64)
        self._span = np.asarray(high, dtype=np.float64) - self._low

    def __call__(self, observation: np.ndarray) -> np.ndarray:
        """The action for one observation (float32, the action space's shape), as ``predict`` returns it to
        within float32's rounding."""
        x = np.asarray(observation, dtype=np.float32).astype(np.float64).reshape(self.observation_size)
        for layer in self._layers:
            if callable(layer):
                x = layer(x)
            else:
                weight, bias = layer
                x = x @ weight if bias is None else x @ weight + bias
        # SB3's unscale_action of the squashed mean
        return (self._low + 0.5 * (np.tanh(x) + 1.0) * self._span).astype(np.float32)


def _array(tensor: Any) -> np.ndarray:
    return np.asarray(tensor.detach().cpu().numpy())


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def _algorithm(path: Path) -> str:
    """The algorithm a checkpoint was trained with, from the metadata file beside it (SAC without one)."""
    meta = path.with_suffix(".json")
    return str(json.loads(meta.read_text())["algorithm"]) if meta.is_file() else "sac"


def _space(entry: dict[str, Any]) -> Any:
    """A gymnasium space as SB3 stores it in a checkpoint's ``data`` (pickled, base64); ``ValueError`` unless
    it is a ``Box``."""
    from gymnasium.spaces import Box

    space = pickle.loads(base64.b64decode(entry[":serialized:"]))  # SB3's own format, read as its load reads it
    if not isinstance(space, Box):
        raise ValueError(f"a {type(space).__name__} space, not a Box")
    return space


def deterministic_policy(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """The fastest exact way to get ``model``'s deterministic action: a ``DeterministicActor`` where the
    policy is of a kind it evaluates, else SB3's ``predict``."""
    try:
        return DeterministicActor(model)
    except ValueError:
        return lambda observation: model.predict(observation, deterministic=True)[0]
