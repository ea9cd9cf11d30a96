"""Ground truth beside a camera-mode episode: what the agent's perception got wrong, measured outside it.

The agent in camera mode (``--state camera``) knows only what its frames showed. ``CameraJudge`` is the
scoring side of the episode: it translates the agent's perceived names into the simulator's through the
pixels they cover (``agent.vision.scoring.simulator_names``, the one scoring translation), and before every
operator it measures how far the perceived targets the skill is about to act on are from the true ones:

- grasp error (``pick``): the distance from the perceived centre of the object to its true centre;
- placement error (``place``): the distance from where the skill will put the object down, computed on the
  perceived boxes, to where the same rule puts it on the true scene (``policies.placement``);
- whether the state the agent acts from is exactly the detectors' (``state_exact``, over the predicates the
  camera reads, in the simulator's names): what tells a failure of perception from one of acting.

Nothing it computes flows back to the agent: the episode loop only writes it into the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from agent.execution.observer import Look
from envs.detectors import World
from envs.task_env import TaskEnv
from policies.placement import NoFreeSpot, placement

#: the skills whose targets the judge measures
MEASURED = ("pick", "place")


class CameraJudge:
    """Measures one camera-mode episode against the simulator's ground truth."""

    def __init__(self, env: TaskEnv, predicates: dict[str, str]) -> None:
        self.env = env
        self.predicates = predicates
        #: perceived name -> simulator name at the episode's first look (the goal's names)
        self.names: dict[str, str] = {}
        self.errors: list[dict[str, Any]] = []

    def translate(self, look: Look) -> dict[str, str]:
        """Perceived name -> simulator name for the scene as ``look`` saw it (nothing moved since)."""
        from agent.vision.scoring import simulator_names

        return simulator_names(self.env, look.perceived.objects) if look.perceived is not None else {}

    def start(self, look: Look) -> None:
        self.names = self.translate(look)

    def in_simulator_names(self, atoms: Sequence[str]) -> list[str]:
        """The agent's atoms (its first look's names) in the simulator's; an unmatched name keeps a ``?``."""
        from agent.vision.scoring import translate

        return sorted(translate(list(atoms), self.names))

    def before_skill(self, look: Look, skill: str, args: Sequence[str]) -> None:
        """Measure the targets of ``skill`` on ``args`` (perceived names) as ``look`` saw them: one entry per
        operator, in the order of the record's ``executed``."""
        if look.perceived is None:
            return
        from agent.vision.scoring import simulator_names, translate

        # the state scored is the one the agent acts on, kept atoms included: a name the frame's pixels match
        # to no simulator object keeps the translation of the first look (``simulator_names``)
        names = simulator_names(self.env, look.perceived.objects, self.names, look.kinds)

        readable = {p: d for p, d in self.predicates.items() if p not in look.perceived.unread}
        entry: dict[str, Any] = {"skill": skill, "args": list(args),
                                 "matched": all(a in names or a == "table" for a in args),
                                 "state_exact": translate(look.state, names) == set(self.env.symbolic_state(readable))}
        if entry["matched"] and skill in MEASURED:
            perceived, truth = look.perceived.world(), _renamed(self.env.world(), names)
            if skill == "pick":
                entry["grasp_error_mm"] = _mm(np.subtract(perceived.objects[args[0]].position,
                                                          truth.objects[args[0]].position))
            else:
                try:
                    seen, real = (placement(self.env, perceived, *args), placement(self.env, truth, *args))
                    entry["placement_error_mm"] = _mm(np.subtract([*seen.xy, seen.bottom_z],
                                                                  [*real.xy, real.bottom_z]))
                except (NoFreeSpot, KeyError) as exc:
                    entry["placement_error_mm"] = None
                    entry["note"] = str(exc)
        self.errors.append(entry)

    def to_dict(self) -> dict[str, Any]:
        return {"names": dict(sorted(self.names.items())), "targets": self.errors}


def _renamed(world: World, names: dict[str, str]) -> World:
    """The true ``world`` under the perceived names (objects the camera did not match are left out)."""
    return World({seen: replace(world.objects[true], name=seen) for seen, true in names.items()})


def _mm(delta: np.ndarray) -> float:
    return round(float(np.linalg.norm(delta)) * 1000.0, 2)
