"""Latency of one goal prediction, split into its stages, on the CPU (and the GPU when there is one).

    python -m benchmarks.perception [--task blocks --size 6 --repeats 30 --checkpoint PATH]

Stages: rendering the 128 x 128 RGB-D frame with instance masks, encoding the instruction with the
sentence model (a new sentence every time: nothing cached), and reading it: the refusal checks
(``agent.goals.refusal``, the novelty score, GoalNet's doubts), GoalNet's forward pass and decoding. A
refused instruction counts like a read one: refusing is reading.
Each figure is the median over ``--repeats`` predictions on distinct seeds and instructions.
``nesy bench`` calls ``run``: blocks 6, 30 predictions (5 when quick).
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import suppress

from benchmarks import Row, median_row

INSTRUCTIONS = ("put the {a} block on the {b} one", "stack {a} on {b}", "place {a} onto the {b} cube please",
                "{a} on {b}, thanks", "could you put {a} on top of {b}")


def run(quick: bool) -> list[Row]:
    from agent.perception.devices import cuda_available
    from policies.threads import torch_threads

    rows = []
    for device in ["cpu"] + (["cuda"] if cuda_available() else []):
        timings = measure(device, "blocks", 6, 5 if quick else 30, None)
        note = f"blocks 6, {'numpy, BLAS' if device == 'cpu' else 'torch'} threads {torch_threads()}"
        rows.append(median_row(f"goal prediction ({device})", timings["total"], "ms", note))
        if device == "cpu":
            rows.append(median_row("goal reading beyond rendering (ms)", timings["beyond"], "ms",
                                   "encoding a new sentence, the refusal checks, the network and decoding: "
                                   "all but the render"))
        rows += [median_row(f"  {stage} ({device})", timings[stage], "ms") for stage in ("render", "encode", "network")]
    return rows


def measure(device: str, task: str, size: int, repeats: int, checkpoint: str | None) -> dict[str, list[float]]:
    """Milliseconds of each stage (and in total) for every prediction after a warm-up one."""
    from agent.goals.refusal import SceneFacts
    from agent.perception.observation import observe
    from agent.perception.predictor import GoalReader
    from envs.errors import Refusal
    from envs.task_env import TaskEnv

    reader = GoalReader(checkpoint, device)
    env = TaskEnv(task, size, image_size=16)
    timings: dict[str, list[float]] = {"render": [], "encode": [], "network": [], "total": [], "beyond": []}
    for i in range(repeats + 1):  # the first round warms up caches and kernels
        env.reset(seed=i)
        names = [o.name for o in env.scene.objects]
        text = INSTRUCTIONS[i % len(INSTRUCTIONS)].format(a=names[i % len(names)], b=names[(i + 1) % len(names)])
        text += f" (take {i})"  # a sentence the encoder has never seen
        state = env.symbolic_state()
        t0 = time.perf_counter()
        view = observe(env)
        t1 = time.perf_counter()
        reader.encoder.encode([text])
        t2 = time.perf_counter()
        with suppress(Refusal):
            reader.read_scene(view, SceneFacts.of(env, state), text)
        if device == "cuda":
            import torch

            torch.cuda.synchronize()
        t3 = time.perf_counter()
        if i:
            for key, value in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t3 - t0, t3 - t1)):
                timings[key].append(value * 1000)
    env.close()
    return timings


def main() -> None:
    from agent.perception.devices import cuda_available
    from policies.threads import torch_threads

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="blocks")
    parser.add_argument("--size", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--checkpoint", default=None)
    args = parser.parse_args()
    devices = ["cpu"] + (["cuda"] if cuda_available() else [])
    print(f"{args.task} size {args.size}, median of {args.repeats} predictions, threads {torch_threads()}")
    print(f"{'device':<8}{'render ms':>12}{'encode ms':>12}{'network ms':>12}{'total ms':>12}")
    for device in devices:
        m = {k: statistics.median(v) for k, v in measure(device, args.task, args.size, args.repeats,
                                                          args.checkpoint).items()}
        print(f"{device:<8}{m['render']:>12.1f}{m['encode']:>12.1f}{m['network']:>12.1f}{m['total']:>12.1f}")


if __name__ == "__main__":
    main()
