"""all-MiniLM-L6-v2's BERT forward pass in plain torch, read from the model's own files.

``transformers`` builds the same network through its generic model classes: importing it costs more
than a second of an agent's start-up, and each call pays for its configuration, hooks and output
objects. This module reads ``config.json`` and ``model.safetensors``, tokenizes with the ``tokenizers``
package from ``tokenizer.json`` (the fast tokenizer ``AutoTokenizer`` loads), and runs the encoder:
embeddings, then per layer self-attention and a GELU feed-forward block, each with a residual and layer
norm. ``tests/test_minilm.py`` checks tokens and features against ``transformers`` to 1e-5.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F


class MiniLM:
    """The sentence model's tokenizer and encoder; ``features`` gives its last hidden states."""

    def __init__(self, path: Path, max_tokens: int, device: str = "cpu") -> None:
        from safetensors.torch import load_file
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
        weights = load_file(str(path / "model.safetensors"), device=device)
        self.weights = {name.removeprefix("bert."): tensor.float() for name, tensor in weights.items()}
        # Projections keep their weights transposed and contiguous: ``addmm`` on them gives ``F.linear``'s sums
        # up to float rounding in less time on a few tokens, which is what one new instruction is.
        self.projections = {name.removesuffix(".weight"): tensor.t().contiguous()
                            for name, tensor in self.weights.items() if name.endswith(".weight") and tensor.dim() == 2
                            and name.startswith("encoder.")}
        self.device = device

    def tokens(self, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids (texts x longest, padded with 0) and the attention mask (1 on tokens, 0 on padding)."""
        encodings = self.tokenizer.encode_batch(list(texts))
        longest = max(len(e.ids) for e in encodings)
        ids = torch.zeros((len(encodings), longest), dtype=torch.long)
        mask = torch.zeros((len(encodings), longest), dtype=torch.long)
        for row, encoding in enumerate(encodings):
            ids[row, :len(encoding.ids)] = torch.tensor(encoding.ids)
            mask[row, :len(encoding.ids)] = 1
        return ids.to(self.device), mask.to(self.device)

    @torch.inference_mode()
    def features(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The last hidden states (texts x tokens x width) of token ids under an attention mask."""
        w = self.weights
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        batch, length, width = x.shape
        x = x.reshape(batch * length, width)  # every projection works on all tokens of the batch as rows
        # padding is never attended to: a large negative score before the softmax, as transformers adds; with
        # no padding (one text) that adds only zeros, so it is left out
        blocked = None if bool(mask.all()) else (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        size = width // self.heads
        scale = math.sqrt(size)
        for layer in range(self.layers):
            at = f"encoder.layer.{layer}."

            def split(name: str, h: torch.Tensor = x, at: str = at) -> torch.Tensor:
                projected = self._project(h, f"{at}attention.self.{name}")
                return projected.view(batch, length, self.heads, size).transpose(1, 2)

            scores = split("query") @ split("key").transpose(-1, -2) / scale
            if blocked is not None:
                scores = scores + blocked
            context = (scores.softmax(dim=-1) @ split("value")).transpose(1, 2).reshape(batch * length, width)
            attended = self._project(context, f"{at}attention.output.dense")
            x = self._norm(attended + x, f"{at}attention.output.LayerNorm")
            hidden = F.gelu(self._project(x, f"{at}intermediate.dense"))
            x = self._norm(self._project(hidden, f"{at}output.dense") + x, f"{at}output.LayerNorm")
        return x.view(batch, length, width)

    def _project(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return torch.addmm(self.weights[f"{name}.bias"], x, self.projections[name])

    def _norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.layer_norm(x, x.shape[-1:], self.weights[f"{name}.weight"], self.weights[f"{name}.bias"], self.eps)
