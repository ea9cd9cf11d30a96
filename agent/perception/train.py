"""``nesy train perception``: generate (or reuse) the dataset, train GoalNet, evaluate every split, save.

The checkpoint holds the weights, the network's configuration and what it scored on every split, and is
written to a temporary file first and renamed, so an interrupted run never leaves a broken checkpoint.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from torch.nn import functional as F

from agent.perception.dataset import LOCKED_SPLITS, SPLITS, Dataset, load_or_generate
from agent.perception.devices import resolve_device
from agent.perception.goalnet_config import CHECKPOINT_FORMAT
from agent.perception.goalnet_numpy import NumpyGoalNet
from agent.perception.inputs import instruction_inputs, scene_inputs, support_targets
from agent.perception.instructions import GRAMMAR_SHARE
from agent.perception.model import GoalNet, GoalNetConfig, valid_pairs
from agent.perception.reading import read_all, score, support_accuracy
from agent.perception.text import TextEncoder
from envs.errors import ConfigError
from policies.artifacts import atomic_path, commit, cpu_seconds, new_run_folder, write_atomic
from policies.seeds import refusal

EVAL_SCENES = {"test": 250, "held-out-templates": 200, "held-out-colours": 200, "larger": 200}
BATCH_SCENES = 16
#: epochs between evaluations of the test split during training (and after the last)
EVAL_EVERY = 2
DATA_CACHE = Path("runs") / "perception" / "data"
#: the loss aims every pair at 0.001 or 0.999, not 0 or 1. With hard targets, a feature that is always false
#: in training, such as a colour pair held out of every goal, earns an ever more negative weight for as long
#: as training runs, and the network learns "red never goes on blue" instead of reading the instruction.
#: With smoothed targets a pair is pushed no further than odds of 1 in 999, which the words already give.
#: Not 0.01: that also cut the margins that carry a tower's reading over to six discs (docs/experiments/perception.md).
LABEL_SMOOTHING = 0.001


def train(samples: int = 30_000, epochs: int = 24, device: str = "auto", out: str | None = None, seed: int = 0,
          workers: int = 2, eval_scenes: dict[str, int] | None = None, progress: bool = True,
          learning_rate: float = 2e-3, cache: Path = DATA_CACHE,
          config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train from scratch; returns the metrics also written beside the checkpoint. ``config``, the command's
    resolved settings, is written into the run directory as ``config.yaml`` (``nesy train perception
    --config`` reads it back)."""
    from torch.utils.tensorboard import SummaryWriter

    if (locked := refusal("--seed", seed)) is not None:
        raise ConfigError(locked)
    if any(split in LOCKED_SPLITS for split in eval_scenes or ()):
        raise ConfigError(f"eval_scenes: training never evaluates a locked split ({', '.join(LOCKED_SPLITS)})")
    if samples < SPLITS["train"].per_scene:
        raise ConfigError(f"--samples: need at least {SPLITS['train'].per_scene}, got {samples}")
    device = resolve_device(device)
    started = time.perf_counter()
    torch.manual_seed(seed)
    run_dir, _ = new_run_folder(out, "perception")
    if config is not None:
        write_atomic(run_dir / "config.yaml", yaml.safe_dump(config, sort_keys=True))
    data = {"train": load_or_generate("train", math.ceil(samples / SPLITS["train"].per_scene), cache, workers,
                                      progress)}
    for split, count in (eval_scenes or EVAL_SCENES).items():
        data[split] = load_or_generate(split, count, cache, workers, progress)
    data_seconds = time.perf_counter() - started
    encoder = _encoder(data, cache, progress)

    train_set = data["train"]
    # numbered names go with the grammar, the only one of the two generators that names planner names; without
    # it, the default run is the shipped checkpoint's recipe, weight for weight
    model = GoalNet(GoalNetConfig(numbered_names=GRAMMAR_SHARE > 0)).to(device)
    optimiser = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=learning_rate, pct_start=0.1,
                                                   total_steps=epochs * math.ceil(len(train_set.scenes) / BATCH_SCENES))
    writer = SummaryWriter(str(run_dir / "tensorboard"))
    scenes = _TrainingScenes(train_set)
    rng = np.random.default_rng(seed)
    history = []
    for epoch in range(epochs):
        loss = _epoch(model, encoder, scenes, optimiser, schedule, rng, writer, device,
                      f"epoch {epoch + 1}/{epochs}", progress)
        history.append({"epoch": epoch + 1, "loss": loss})
        if (epoch + 1) % EVAL_EVERY and epoch + 1 < epochs:
            continue
        test = evaluate(model, encoder, data["test"], device)
        writer.add_scalar("test/accuracy", test["accuracy"], epoch + 1)
        history[-1]["test_accuracy"] = test["accuracy"]
        if progress:
            categories = ", ".join(f"{k} {v:.1%}" for k, v in test["by_category"].items())
            print(f"epoch {epoch + 1}: loss {loss:.4f}, test accuracy {test['accuracy']:.2%} ({categories})",
                  file=sys.stderr)

    metrics: dict[str, Any] = {"splits": {}}
    for split in data:
        if split == "train" and len(data["train"].examples) > 4000:
            continue  # the training fit is in the loss curve; scoring 30k readings adds minutes for nothing
        metrics["splits"][split] = evaluate(model, encoder, data[split], device)
        writer.add_scalar(f"{split}/accuracy", metrics["splits"][split]["accuracy"], epochs)
    if "test" in data:
        metrics["blanked"] = evaluate(model, encoder, data["test"], device, blank=True)
    writer.close()
    metrics.update({
        "samples": len(train_set.examples), "train_scenes": len(train_set.scenes), "epochs": epochs, "seed": seed,
        "device": device, "wall_seconds": round(time.perf_counter() - started, 1),
        "data_seconds": round(data_seconds, 1),
        "cpu_seconds": round(cpu_seconds(), 1),
        "parameters": sum(p.numel() for p in model.parameters()), "history": history, "commit": commit(),
    })
    save_checkpoint(run_dir / "goalnet.pt", model, metrics)
    write_atomic(run_dir / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    metrics["checkpoint"] = str(run_dir / "goalnet.pt")
    return metrics


class _TrainingScenes:
    """The training split's views and each scene's examples, built once for all epochs."""

    def __init__(self, dataset: Dataset) -> None:
        self.views = [dataset.view(i) for i in range(len(dataset.scenes))]
        self.examples_of: dict[int, list[dict[str, Any]]] = {i: [] for i in range(len(self.views))}
        for e in dataset.examples:
            self.examples_of[e["scene"]].append(e)


def _encoder(data: dict[str, Dataset], cache: Path, progress: bool) -> TextEncoder:
    """The sentence model with every instruction of ``data`` encoded (cached on disk across runs)."""
    encoder = TextEncoder()
    text_cache = cache / "instructions.npz"
    encoder.load(text_cache)
    known = len(encoder.cache)
    encoder.encode((e["instruction"] for d in data.values() for e in d.examples), progress=progress)
    if len(encoder.cache) > known:
        encoder.save(text_cache)
    return encoder


def _epoch(model: GoalNet, encoder: TextEncoder, batches: _TrainingScenes, optimiser: torch.optim.Optimizer,
           schedule: torch.optim.lr_scheduler.LRScheduler, rng: np.random.Generator, writer: Any, device: str,
           label: str, progress: bool) -> float:
    """One pass over the training scenes in batches of scenes with all their instructions; the mean loss."""
    from tqdm import tqdm

    model.train()
    views, examples_of = batches.views, batches.examples_of
    order = rng.permutation(len(views))
    losses = []
    bar = tqdm(range(0, len(order), BATCH_SCENES), desc=label, unit="batch", disable=not progress, file=sys.stderr)
    for start in bar:
        chunk = [int(s) for s in order[start:start + BATCH_SCENES]]
        members = [(k, e) for k, s in enumerate(chunk) for e in examples_of[s]]
        scenes = scene_inputs([views[s] for s in chunk], encoder, model.config.numbered_names).to(device)
        instructions = instruction_inputs([e["instruction"] for _, e in members], [k for k, _ in members],
                                          encoder).to(device)
        target = support_targets([e["goal"] for _, e in members], [views[chunk[k]] for k, _ in members],
                                 scenes.kinds.shape[1]).to(device)
        logits = model(scenes, instructions)
        valid = valid_pairs(scenes.kinds[instructions.scene])
        smoothed = target[valid] * (1.0 - 2.0 * LABEL_SMOOTHING) + LABEL_SMOOTHING
        loss = F.binary_cross_entropy_with_logits(logits[valid], smoothed, reduction="sum") / len(members)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        losses.append(loss.item())
        step = schedule.last_epoch
        writer.add_scalar("train/loss", loss.item(), step)
        writer.add_scalar("train/learning_rate", schedule.get_last_lr()[0], step)
        bar.set_postfix(loss=f"{np.mean(losses[-50:]):.4f}")
    return float(np.mean(losses))


def evaluate(model: GoalNet | NumpyGoalNet, encoder: TextEncoder, dataset: Dataset, device: str,
             blank: bool = False) -> dict[str, Any]:
    """Exact-match accuracy of ``model`` on ``dataset``. With ``blank``, every image is blanked and only the
    instructions that need it are read: the control for whether the network looks, which an instruction the
    words alone answer ("the block under red" among two blocks) cannot tell."""
    examples = [{**e, "task": dataset.scenes[e["scene"]]["task"]} for e in dataset.examples
                if not blank or e["needs_image"]]
    views = [dataset.view(i) for i in range(len(dataset.scenes))]
    if blank:
        views = [v.blanked() for v in views]
    states = [s["state"] for s in dataset.scenes]
    probs, readings = read_all(model, encoder, views, states, examples, device)
    result = score(examples, readings)
    result["support_accuracy"], result["support_chance"] = (round(x, 4)
                                                             for x in support_accuracy(probs, examples, views))
    return result


def save_checkpoint(path: Path, model: GoalNet, metrics: dict[str, Any]) -> None:
    with atomic_path(path) as tmp:
        torch.save({"format": CHECKPOINT_FORMAT, "config": asdict(model.config), "state_dict": model.state_dict(),
                    "metrics": metrics}, tmp)
