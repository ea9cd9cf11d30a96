"""Whole episodes against raw physics: simulation steps per second of an episode (perceive, plan, act) and
of ``stepSimulation`` alone on the same scenes, measured side by side in one run.

    python -m benchmarks.acting [--quick]

For each controller (learned, scripted) oracle-goal episodes of hanoi 4 (hanoi 3 when quick) run with
seed 0 (after one warm-up episode that loads the translator). The raw physics of the same scenes is timed
inside the episode itself: every ``stepSimulation`` call is timed, so the baseline is exactly the physics
the episode stepped (the same contacts, the same motion), and the ratio episode / physics is the share of
an episode's wall time spent in physics: 1 would mean perception, planning, policies, IK and bookkeeping
cost nothing. A second figure steps the seed's scene at rest for as many steps: resting bodies sleep and
no contact moves, so those steps are several times cheaper than an episode's (that is the comparison the
field notes made). Both come from the same run, so load on the machine hits them alike.
"""

from __future__ import annotations

import time
from unittest import mock

from benchmarks import Row, median_row, run_as_script


def measure(controller: str, size: int, seed: int, rounds: int) -> dict[str, list[float]]:
    """Per round: the episode's simulation steps per second (whole wall time) and raw steps per second."""
    from agent.runs.config import RunConfig
    from agent.runs.runner import EpisodeRunner

    runner = EpisodeRunner(RunConfig(task="hanoi", size=size, controller=controller, goal="oracle"))
    sim = runner.env.sim
    physics = [0.0]
    step = sim.step

    def timed_step(n: int = 1) -> None:
        start = time.perf_counter()
        step(n)
        physics[0] += time.perf_counter() - start

    episode, raw, resting, steps, success = [], [], [], 0, True
    try:
        runner.run(seed)  # the first episode loads the translator and searches; later ones are what runs repeat
        for _ in range(rounds):
            physics[0] = 0.0
            with mock.patch.object(sim, "step", timed_step):
                record = runner.run(seed).record
            steps, success = record["sim_steps"], success and record["success"]
            episode.append(steps / record["wall_time_s"])
            raw.append(steps / physics[0])
            runner.env.reset(seed=seed)
            start = time.perf_counter()
            sim.step(steps)
            resting.append(steps / (time.perf_counter() - start))
    finally:
        runner.close()
    return {"episode": episode, "raw": raw, "resting": resting, "ratio": [e / r for e, r in zip(episode, raw)],
            "resting ratio": [e / r for e, r in zip(episode, resting)], "steps": [steps], "success": [float(success)]}


def run(quick: bool) -> list[Row]:
    size, rounds = (3, 1) if quick else (4, 3)
    rows = []
    for controller in ("learned", "scripted"):
        m = measure(controller, size, 0, rounds)
        note = (f"hanoi {size} seed 0, --goal oracle, {m['steps'][0]:.0f} sim steps"
                f"{'' if m['success'][0] else ', FAILED'}; whole episode vs its own stepSimulation calls")
        rows += [
            median_row(f"episode vs raw physics ({controller})", m["ratio"], "ratio", note, digits=2),
            median_row(f"  episode ({controller})", m["episode"], "steps/s", digits=0),
            median_row(f"  its stepSimulation calls ({controller})", m["raw"], "steps/s", digits=0),
            median_row(f"  episode vs the scene at rest ({controller})", m["resting ratio"], "ratio",
                       "stepSimulation of the seed's scene, nothing moving", digits=2),
        ]
    return rows


if __name__ == "__main__":
    run_as_script(__doc__, run, "hanoi 3, one round")
