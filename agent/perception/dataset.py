"""The perception dataset: rendered scenes of the three tasks, each with instructions and canonical goals.

Splits differ in what they hold back from training: ``test`` is the training distribution on new seeds;
``held-out-templates`` uses only sentence templates training never saw; ``held-out-colours`` relates only
colour pairs training never related; ``larger`` has more objects than any training scene. Every split draws
its scenes from its own seed range (``policies/seeds.py``), far from the seeds ``nesy run`` uses, so train
and evaluation scenes never overlap. ``locked-test`` and ``locked-larger`` are drawn as ``test`` and
``larger`` on scenes of a locked range: training never evaluates them (``EVAL_SPLITS``), only reporting
does. The same split and count always give the same data; it is cached under ``runs/perception/data``
keyed by the generator's own source, so editing the generator regenerates it.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

import envs
from agent.perception import grammar, instructions, language, observation
from agent.perception.instructions import draw_examples
from agent.perception.language import Facts
from agent.perception.observation import View, observe
from envs.scenes.hanoi import PEGS
from policies.artifacts import atomic_path
from policies.seeds import PERCEPTION_LOCKED_SPLIT_BASES, PERCEPTION_SPLIT_BASES, PERCEPTION_SPLIT_SPAN

TRAIN_SIZES = {"blocks": (2, 6), "hanoi": (1, 4), "sort": (1, 6)}
TASK_WEIGHTS = {"blocks": 0.45, "hanoi": 0.2, "sort": 0.35}


@dataclass(frozen=True)
class SplitSpec:
    """How one split draws scenes (task, size, seed) and the instructions on each."""

    name: str
    seed_base: int
    sizes: dict[str, tuple[int, int]]
    per_scene: int
    templates: str = "train"
    colours: str = "train"
    weights: dict[str, float] = field(default_factory=lambda: dict(TASK_WEIGHTS))
    #: Hanoi disc widths (see ``envs.scenes.hanoi.WIDTHS``): splits drawn from training's distribution draw
    #: them, so that no width stands for a place in the tower; ``larger`` shows the graded discs of ``nesy run``
    disc_widths: str = "drawn"
    #: Hanoi disc thickness (see ``envs.scenes.hanoi.THICKNESSES``), drawn or ``nesy run``'s, as the widths
    disc_thickness: str = "drawn"

    def scene(self, index: int) -> tuple[str, int, int, dict[str, str]]:
        """Task, size, seed and scene options of this split's scene ``index``."""
        rng = np.random.default_rng(self.seed_base + index)
        tasks = sorted(self.sizes)
        weights = np.array([self.weights[t] for t in tasks])
        task = tasks[int(rng.choice(len(tasks), p=weights / weights.sum()))]
        low, high = self.sizes[task]
        size = int(rng.integers(low, high + 1))
        options = {"tower_peg": PEGS[int(rng.integers(0, 3))], "widths": self.disc_widths,
                   "thickness": self.disc_thickness} if task == "hanoi" else {}
        return task, size, self.seed_base + index, options


LARGER_SIZES = {"blocks": (7, 8), "hanoi": (5, 6), "sort": (7, 8)}
_BASES = {**PERCEPTION_SPLIT_BASES, **PERCEPTION_LOCKED_SPLIT_BASES}
SPLITS = {
    "train": SplitSpec("train", _BASES["train"], TRAIN_SIZES, per_scene=10),
    "test": SplitSpec("test", _BASES["test"], TRAIN_SIZES, per_scene=4),
    "held-out-templates": SplitSpec("held-out-templates", _BASES["held-out-templates"], TRAIN_SIZES, per_scene=4,
                                    templates="held-out"),
    "held-out-colours": SplitSpec("held-out-colours", _BASES["held-out-colours"], {"blocks": (2, 6), "sort": (2, 6)},
                                  per_scene=3, colours="held-out"),
    "larger": SplitSpec("larger", _BASES["larger"], LARGER_SIZES, per_scene=4, disc_widths="graded",
                        disc_thickness="standard"),
    "locked-test": SplitSpec("locked-test", _BASES["locked-test"], TRAIN_SIZES, per_scene=4),
    "locked-larger": SplitSpec("locked-larger", _BASES["locked-larger"], LARGER_SIZES, per_scene=4,
                               disc_widths="graded", disc_thickness="standard"),
}
#: the splits training evaluates (and recipes have been chosen on); never a locked one
EVAL_SPLITS = ("test", "held-out-templates", "held-out-colours", "larger")
#: the splits only reporting reads (``policies/seeds.py``)
LOCKED_SPLITS = ("locked-test", "locked-larger")


@dataclass
class Dataset:
    """Scenes (as stacked arrays) and examples that point into them."""

    split: str
    rgb: np.ndarray  # S x H x W x 3 uint8
    points: np.ndarray  # S x H x W x 3 float16
    masks: np.ndarray  # S x H x W int8
    objects: list[list[tuple[str, str]]]  # per scene: (name, kind)
    scenes: list[dict[str, Any]]  # per scene: task, size, seed, options and detected state
    examples: list[dict[str, Any]]  # scene, instruction, goal, category, template, needs_image

    def view(self, index: int) -> View:
        names, kinds = zip(*self.objects[index])
        return View(names, kinds, self.rgb[index], self.points[index], self.masks[index])

    def save(self, path: Path) -> None:
        """Write atomically: a half-written dataset is never mistaken for a cached one."""
        with atomic_path(path, directory=True) as tmp:
            np.savez(tmp / "arrays.npz", rgb=self.rgb, points=self.points, masks=self.masks)
            meta = {"split": self.split, "objects": self.objects, "scenes": self.scenes, "examples": self.examples}
            (tmp / "meta.json").write_text(json.dumps(meta))

    @classmethod
    def load(cls, path: Path) -> Dataset:
        arrays = np.load(path / "arrays.npz")
        meta = json.loads((path / "meta.json").read_text())
        objects = [[tuple(o) for o in scene] for scene in meta["objects"]]
        return cls(meta["split"], arrays["rgb"], arrays["points"], arrays["masks"], objects, meta["scenes"],
                   meta["examples"])


def _source_hash() -> str:
    """Changes whenever the code that builds scenes, renders them or writes instructions does."""
    digest = hashlib.sha256()
    sources = [Path(m.__file__) for m in (language, grammar, instructions, observation, sys.modules[__name__])]
    sources += sorted(Path(envs.__file__).parent.rglob("*.py"))
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:10]


# -- generation (runs in worker processes) -----------------------------------------------------------------------------

_ENVS: dict[tuple, Any] = {}


def _scene_record(job: tuple[str, int]) -> tuple[View, dict[str, Any], list[dict[str, Any]]]:
    from envs.task_env import TaskEnv

    split, index = job
    spec = SPLITS[split]
    task, size, seed, options = spec.scene(index)
    key = (task, size, tuple(sorted(options.items())))
    if key not in _ENVS:
        _ENVS[key] = TaskEnv(task, size, image_size=16, **options)
    env = _ENVS[key]
    env.reset(seed=seed)
    facts = Facts.of(env)
    examples = draw_examples(facts, random.Random(seed), spec.per_scene, spec.templates, spec.colours)
    records = [{"instruction": e.instruction, "goal": list(e.goal), "category": e.category, "template": e.template,
                "needs_image": e.needs_image} for e in examples]
    info = {"task": task, "size": size, "seed": seed, **options, "state": sorted(facts.state)}
    return observe(env), info, records


def generate(split: str, scenes: int, workers: int = 2, progress: bool = True, first: int = 0) -> Dataset:
    """Render ``scenes`` scenes of ``split``, from its scene ``first`` on, and draw their instructions. A
    ``first`` far past what training and its evaluation read gives scenes of the split's distribution that
    nothing was ever chosen on, from the split's own open seed range (``tests/test_perception_cli.py``)."""
    from tqdm import tqdm

    if not 0 <= first <= PERCEPTION_SPLIT_SPAN - scenes:
        raise ValueError(f"first: scenes {first} to {first + scenes - 1} leave the split's seed range")
    jobs = [(split, first + i) for i in range(scenes)]
    views, infos, examples = [], [], []
    with ExitStack() as stack:
        if workers > 1:
            results = stack.enter_context(get_context("spawn").Pool(workers)).imap(_scene_record, jobs, chunksize=8)
        else:
            results = map(_scene_record, jobs)
        for index, (view, info, records) in enumerate(tqdm(results, total=scenes, desc=f"rendering {split}",
                                                           unit="scene", disable=not progress, file=sys.stderr)):
            views.append(view)
            infos.append(info)
            examples += [{"scene": index, **r} for r in records]
    return Dataset(split, np.stack([v.rgb for v in views]), np.stack([v.points for v in views]),
                   np.stack([v.masks for v in views]), [list(zip(v.names, v.kinds)) for v in views], infos, examples)


def load_or_generate(split: str, scenes: int, cache: Path, workers: int = 2, progress: bool = True) -> Dataset:
    """The cached dataset for (``split``, ``scenes``) under ``cache``, generated on first use."""
    path = cache / f"{split}-{scenes}-{_source_hash()}"
    if (path / "meta.json").exists():
        return Dataset.load(path)
    dataset = generate(split, scenes, workers, progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    dataset.save(path)
    return dataset
