"""The agent's CPU path reads goals without torch: GoalNet evaluated in numpy gives the torch network's
probabilities, from weights read without torch, and ``nesy run`` never imports torch."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from agent.perception.decoder import decode
from agent.perception.goalnet_config import GoalNetConfig
from agent.perception.goalnet_numpy import NumpyGoalNet, conv2d, weight_shapes
from agent.perception.observation import observe
from agent.perception.predictor import SHIPPED_CHECKPOINT, GoalReader, load_checkpoint, load_numpy_checkpoint
from agent.perception.reading import probabilities
from agent.perception.text import TextEncoder
from envs.errors import GoalError
from envs.task_env import TaskEnv
from policies.torch_files import read_torch_file

ROOT = Path(__file__).resolve().parent.parent
INSTRUCTIONS = {
    "blocks": ["put the red block on the blue one", "stack all the blocks into one tower", "unstack everything",
               "the block on the far left goes on the green one, please"],
    "hanoi": ["move the tower to the right peg", "put d1 on the middle peg", "shift the whole stack to the middle",
              "stack the smallest disc on the left peg"],
    "sort": ["sort the cubes into their bins", "put every red cube in the red bin", "put the cube nearest the "
             "robot in the blue bin", "tidy up the green ones"],
}


@pytest.fixture(scope="module")
def networks() -> tuple[torch.nn.Module, NumpyGoalNet, TextEncoder]:
    model, _ = load_checkpoint(SHIPPED_CHECKPOINT)
    network, _ = load_numpy_checkpoint(SHIPPED_CHECKPOINT)
    return model, network, TextEncoder()


def test_weight_shapes_are_the_torch_networks() -> None:
    from agent.perception.model import GoalNet

    for config in (GoalNetConfig(), GoalNetConfig(width=64, layers=2, heads=2, channels=16, max_tokens=32)):
        assert weight_shapes(config) == {k: tuple(v.shape) for k, v in GoalNet(config).state_dict().items()}


@pytest.mark.parametrize(("task", "size"), [("blocks", 6), ("hanoi", 4), ("sort", 6), ("blocks", 8)])
def test_numpy_probabilities_are_the_torch_networks(task: str, size: int, networks: tuple) -> None:
    model, network, encoder = networks
    env = TaskEnv(task, size, image_size=16)
    try:
        views = []
        for seed in range(3):
            env.reset(seed=seed)
            views.append(observe(env))
    finally:
        env.close()
    texts = [t for _ in views for t in INSTRUCTIONS[task]]
    scene_of = [s for s in range(len(views)) for _ in INSTRUCTIONS[task]]
    expected = probabilities(model, encoder, views, texts, scene_of)
    got = probabilities(network, encoder, views, texts, scene_of)
    for want, have, s in zip(expected, got, scene_of):
        assert have.dtype == np.float32 and have.shape == want.shape
        assert np.abs(have - want).max() < 1e-4
        view = views[s]
        try:
            goal = decode(want, view.names, view.kinds).goal
        except GoalError:
            goal = None
        try:
            assert decode(have, view.names, view.kinds).goal == goal
        except GoalError:
            assert goal is None


def test_conv2d_is_torchs() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 14, 10)).astype(np.float32)
    for out, k, stride, pad in ((5, 5, 2, 2), (4, 3, 1, 1)):
        weight = rng.normal(size=(out, 6, k, k)).astype(np.float32)
        bias = rng.normal(size=out).astype(np.float32)
        want = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(weight), torch.from_numpy(bias),
                                          stride=stride, padding=pad).numpy()
        assert np.allclose(conv2d(x, weight, bias, stride, pad), want, atol=1e-5)


def test_the_reader_on_the_cpu_evaluates_in_numpy() -> None:
    assert isinstance(GoalReader(device="cpu").model, NumpyGoalNet)


def test_weights_read_without_torch_are_torch_loads(tmp_path: Path) -> None:
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    saved = {"format": 1, "nested": {"transposed": base.t(), "slice": base[1:3, 2:], "same": base},
             "kinds": [torch.tensor([1, 2], dtype=torch.int64), torch.tensor([True, False]),
                       torch.zeros(2, dtype=torch.float16), torch.ones(3, dtype=torch.float64)],
             "metric": np.float64(0.25), "text": "x"}
    path = tmp_path / "saved.pt"
    torch.save(saved, path)
    with zipfile.ZipFile(path) as archive:
        read = read_torch_file(archive)
    assert read["format"] == 1 and read["text"] == "x" and read["metric"] == 0.25
    for key in ("transposed", "slice", "same"):
        assert np.array_equal(read["nested"][key], saved["nested"][key].numpy())
    for got, want in zip(read["kinds"], saved["kinds"]):
        assert got.dtype == want.numpy().dtype and np.array_equal(got, want.numpy())
    with zipfile.ZipFile(SHIPPED_CHECKPOINT) as archive:
        shipped = read_torch_file(archive)["state_dict"]
    for name, tensor in torch.load(SHIPPED_CHECKPOINT, weights_only=True)["state_dict"].items():
        assert np.array_equal(shipped[name], tensor.numpy()), name


@pytest.mark.slow
def test_a_default_run_never_imports_torch(tmp_path: Path) -> None:
    """Perceived goals and learned skills, on the CPU: importing torch would cost seconds of start-up."""
    code = ("import sys; from agent.cli import main; "
            f"code = main(['run', '--task', 'hanoi', '--size', '3', '--episodes', '1', '--quiet', '--device', 'cpu', "
            f"'--out', {str(tmp_path / 'run')!r}]); "
            "print('torch' in sys.modules); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"
