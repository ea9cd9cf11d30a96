"""Latency of one re-perception from the camera alone, split into its stages, on the CPU.

    python -m benchmarks.camera [--repeats 20 --checkpoint PATH]

Stages: rendering the 128 x 128 RGB-D frame (``render``), depth to world points through the calibration
(``points``), the segmenter's forward pass (``network``), grouping votes into instances (``grouping``),
describing and naming them (``describe``) and the symbolic state from their boxes (``state``). The network
stages (``network`` + ``grouping``) are what the < 20 ms budget covers. One torch thread, as the agent's
workers use. Each figure is the median over ``--repeats`` scenes (blocks 6, hanoi 4 and sort 6 in turn);
both wall time and this process's CPU time are given, since on a shared machine wall time also counts
the other processes' turns.
"""

from __future__ import annotations

import argparse
import statistics
import time
from itertools import pairwise

from benchmarks import Row, median_row

STAGES = ("render", "points", "network", "grouping", "describe", "state")
SCENES = (("blocks", 6, {}), ("hanoi", 4, {}), ("sort", 6, {}))


def run(quick: bool) -> list[Row]:
    timings = measure(3 if quick else 15, None)
    rows = []
    for clock in ("wall", "cpu"):
        rows.append(median_row(f"re-perception ({clock})", timings[clock]["total"], "ms",
                               "blocks 6, hanoi 4, sort 6; 1 torch thread"))
        rows.append(median_row(f"  network stages ({clock})", timings[clock]["network stages"], "ms",
                               "network + grouping"))
        rows += [median_row(f"  {stage} ({clock})", timings[clock][stage], "ms") for stage in STAGES]
    return rows


def measure(repeats: int, checkpoint: str | None) -> dict[str, dict[str, list[float]]]:
    """Milliseconds of each stage, by wall clock and by this process's CPU clock, after one warm-up round."""
    import torch

    from agent.vision.describe import describe
    from agent.vision.frames import capture
    from agent.vision.grouping import group
    from agent.vision.segmenter import Segmenter
    from agent.vision.state import perceive_state
    from envs.task_env import TaskEnv

    torch.set_num_threads(1)
    segmenter = Segmenter.load(checkpoint)
    envs = {task: TaskEnv(task, size, image_size=16, **options) for task, size, options in SCENES}
    timings = {clock: {k: [] for k in (*STAGES, "network stages", "total")} for clock in ("wall", "cpu")}
    for i in range(repeats + 1):
        task = SCENES[i % len(SCENES)][0]
        env = envs[task]
        env.reset(seed=i)
        marks = [(time.perf_counter(), time.process_time())]
        frame = capture(env)
        marks.append((time.perf_counter(), time.process_time()))
        points = frame.points()
        marks.append((time.perf_counter(), time.process_time()))
        classes, votes, sizes, _ = segmenter.outputs(frame, task, points)
        marks.append((time.perf_counter(), time.process_time()))
        instances = group(classes, votes, sizes, frame.rgb)
        marks.append((time.perf_counter(), time.process_time()))
        described = describe(instances, frame, task, segmenter.palette)
        marks.append((time.perf_counter(), time.process_time()))
        perceive_state(described, frame.gripper, env.scene.predicates)
        marks.append((time.perf_counter(), time.process_time()))
        if not i:
            continue
        for c, clock in enumerate(("wall", "cpu")):
            spans = [(b[c] - a[c]) * 1000 for a, b in pairwise(marks)]
            for stage, span in zip(STAGES, spans):
                timings[clock][stage].append(span)
            timings[clock]["network stages"].append(spans[2] + spans[3])
            timings[clock]["total"].append(sum(spans))
    for env in envs.values():
        env.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--checkpoint", default=None)
    args = parser.parse_args()
    timings = measure(args.repeats, args.checkpoint)
    print(f"median of {args.repeats} re-perceptions (blocks 6, hanoi 4, sort 6 in turn), 1 torch thread")
    print(f"{'clock':<6}" + "".join(f"{s:>12}" for s in (*STAGES, "net stages", "total")))
    for clock, values in timings.items():
        print(f"{clock:<6}" + "".join(f"{statistics.median(v):>12.1f}" for v in values.values()))


if __name__ == "__main__":
    main()
