"""all-MiniLM-L6-v2's BERT forward pass in numpy, read from the model's own files.

``transformers`` builds the same network through its generic model classes: importing it costs more
than a second of an agent's start-up, and each call pays for its configuration, hooks and output
objects; importing torch costs two more. This module reads ``config.json`` and ``model.safetensors``,
tokenizes with the ``tokenizers`` package from ``tokenizer.json`` (the fast tokenizer ``AutoTokenizer``
loads), and runs the encoder in float32: embeddings, then per layer self-attention and a GELU feed-forward
block, each with a residual and layer norm. ``tests/test_minilm.py`` checks tokens and features against
``transformers`` to 1e-5.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

#: Eigen's rational approximation of erf on [-4, 4] (its float kernel): odd numerator, even denominator
#: coefficients from the highest power down; beyond 4, erf is 1 in float32
_ERF_NUMERATOR = (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
                  -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02)
_ERF_DENOMINATOR = (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
                    -1.42647390514189e-02)


class MiniLM:
    """The sentence model's tokenizer and encoder; ``features`` gives its last hidden states."""

    def __init__(self, path: Path, max_tokens: int) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "bert" or config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{path / 'config.json'}: not a BERT encoder with absolute positions")
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.no_padding()
        weights = load_file(str(path / "model.safetensors"))
        self.weights = {name.removeprefix("bert."): tensor.astype(np.float32) for name, tensor in weights.items()}
        # projections keep their weights transposed and contiguous: ``x @ w`` then reads them row by row
        self.projections = {name.removesuffix(".weight"): np.ascontiguousarray(tensor.T)
                            for name, tensor in self.weights.items() if name.endswith(".weight") and tensor.ndim == 2
                            and name.startswith("encoder.")}

    def tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids (texts x longest, padded with 0) and the attention mask (1 on tokens, 0 on padding)."""
        encodings = self.tokenizer.encode_batch(list(texts))
        longest = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), longest), dtype=np.int64)
        mask = np.zeros((len(encodings), longest), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, :len(encoding.ids)] = encoding.ids
            mask[row, :len(encoding.ids)] = 1
        return ids, mask

    def features(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The last hidden states (texts x tokens x width, float32) of token ids under an attention mask."""
        w = self.weights
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:ids.shape[1]]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        batch, length, width = x.shape
        x = x.reshape(batch * length, width)  # every projection works on all tokens of the batch as rows
        # padding is never attended to: a large negative score before the softmax, as transformers adds; with
        # no padding (one text) that adds only zeros, so it is left out
        blocked = None if bool(mask.all()) else \
            ((1.0 - mask[:, None, None, :]) * np.finfo(np.float32).min).astype(np.float32)
        size = width // self.heads
        scale = np.float32(math.sqrt(size))
        for layer in range(self.layers):
            at = f"encoder.layer.{layer}."

            def split(name: str, h: np.ndarray = x, at: str = at) -> np.ndarray:
                projected = self._project(h, f"{at}attention.self.{name}")
                return projected.reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

            scores = split("query") @ split("key").transpose(0, 1, 3, 2) / scale
            if blocked is not None:
                scores = scores + blocked
            context = (softmax(scores) @ split("value")).transpose(0, 2, 1, 3).reshape(batch * length, width)
            attended = self._project(context, f"{at}attention.output.dense")
            x = self._norm(attended + x, f"{at}attention.output.LayerNorm")
            hidden = gelu(self._project(x, f"{at}intermediate.dense"))
            x = self._norm(self._project(hidden, f"{at}output.dense") + x, f"{at}output.LayerNorm")
        return x.reshape(batch, length, width)

    def _project(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.projections[name] + self.weights[f"{name}.bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return layer_norm(x, self.weights[f"{name}.weight"], self.weights[f"{name}.bias"], self.eps)


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """``torch.nn.functional.layer_norm`` over the last axis (the biased variance, as torch takes it)."""
    centred = x - x.mean(axis=-1, keepdims=True)
    variance = np.mean(centred * centred, axis=-1, keepdims=True)
    return centred / np.sqrt(variance + np.float32(eps)) * weight + bias


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact GELU, ``x * (1 + erf(x / sqrt 2)) / 2``, as ``torch.nn.functional.gelu`` computes it."""
    return x * np.float32(0.5) * (np.float32(1.0) + erf(x * np.float32(1.0 / math.sqrt(2.0))))


def erf(x: np.ndarray) -> np.ndarray:
    """erf to within a few units in float32's last place (``tests/test_minilm.py`` checks it against
    ``math.erf``), as Eigen's float kernel computes it: a rational function of the input clamped to [-4, 4],
    by Horner's rule."""
    z = np.clip(x, np.float32(-4.0), np.float32(4.0), dtype=np.float32)
    z2 = z * z
    numerator = np.full_like(z2, _ERF_NUMERATOR[0])
    for c in _ERF_NUMERATOR[1:]:
        numerator *= z2
        numerator += np.float32(c)
    denominator = np.full_like(z2, _ERF_DENOMINATOR[0])
    for c in _ERF_DENOMINATOR[1:]:
        denominator *= z2
        denominator += np.float32(c)
    return z * numerator / denominator


def softmax(scores: np.ndarray) -> np.ndarray:
    """The softmax over the last axis, shifted by its maximum so that no exponent overflows."""
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)
