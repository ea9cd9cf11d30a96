"""One re-perception of the scene from the camera alone: frame in; named objects, boxes and state out.

This is what a camera-mode agent knows of the world (``--state camera``): ``perceive`` reads one
``envs.camera_frame.Frame`` (RGB-D, the camera's calibration, the gripper's proprioception) with the
segmenter, names the instances (``describe``) and reads the symbolic state from their boxes (``state``).
Nothing here touches a simulator. ``Perceived`` then says the same things in the forms the rest of the
agent uses: names and kinds, colours for the goal checks and a ``World`` of perceived boxes for the skills
(``agent.perception.observation.perceived_view`` turns it into the goal network's view).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from agent.vision.describe import Described, describe
from agent.vision.frames import Frame
from agent.vision.identity import renamed, stack_ranked, tracked, unseen_held
from agent.vision.segmenter import Segmenter
from agent.vision.state import READABLE, held, perceive_state, rest_stacks
from envs.detectors import ObjectState, World
from envs.errors import PerceptionError

#: a bin's walls are this thick (m): its inside is the perceived outer half width less a wall
BIN_WALL = 0.01


@dataclass(frozen=True)
class Perceived:
    """What one frame showed: the objects (named by ``describe``'s rules, boxes rested on their supports),
    the symbolic state over them, and the frame they were read from."""

    objects: tuple[Described, ...]
    state: tuple[str, ...]
    holding: str | None
    frame: Frame
    #: predicates of the domain the camera cannot read (blocks' ``fallen``, ``leaning``): taken as false
    unread: tuple[str, ...] = ()
    #: objects this frame does not show that the episode's looks say are there (a cube read as part of its
    #: bin), boxed where they are expected (``agent.execution.observer.CameraObserver``): not named or read
    #: into the state here, only given to the skills, so that a place keeps clear of them
    hidden: tuple[Described, ...] = ()

    @property
    def kinds(self) -> dict[str, str]:
        return {o.name: o.kind for o in self.objects}

    @property
    def colours(self) -> dict[str, str]:
        return {o.name: o.colour for o in self.objects}

    def world(self) -> World:
        """The perceived boxes, and the hidden ones, as the skills read geometry (``policies.targets``); the held
        object gripped."""
        objects = {}
        for o in self.objects + self.hidden:
            if o.kind == "bin":
                inner = o.half[0] - BIN_WALL
                objects[o.name] = ObjectState(o.name, o.kind, (inner, inner, 2 * o.half[1]),
                                              (o.centre[0], o.centre[1], o.bottom), False, 2 * o.half[1])
            elif o.kind == "peg":
                objects[o.name] = ObjectState(o.name, o.kind, (o.half[0], o.half[0], 0.0),
                                              (o.centre[0], o.centre[1], o.bottom), False, 0.0)
            else:
                objects[o.name] = ObjectState(o.name, o.kind, (o.half[0], o.half[0], o.half[1]), o.centre, True,
                                              o.half[1], gripped=o.name == self.holding)
        return World(objects)


class Camera:
    """Reads scenes of one task with a segmenter (default: the shipped one)."""

    def __init__(self, task: str, segmenter: Segmenter) -> None:
        self.task = task
        self.segmenter = segmenter

    def perceive(self, frame: Frame, predicates: Mapping[str, str],
                 previous: Perceived | None = None,
                 expected: Mapping[str, tuple[float, float, float]] | None = None) -> Perceived:
        """The objects and the state of ``predicates`` (PDDL predicate -> detector) in ``frame``; raises
        ``PerceptionError`` (one line) when the frame shows nothing to act on or cannot be named.
        ``previous``: the episode's last look, whose names the discs and the blocks or cubes of one colour keep
        (``identity.tracked``) and which names the object the hand grips when this frame does not show it
        (``identity.unseen_held``); without it (a first look) discs are ranked by the stacking too
        (``identity.stack_ranked``). ``expected``: where the objects should be now
        (``identity.expected_centres``), matched instead of ``previous``'s positions where it says otherwise."""
        if not np.isfinite(frame.depth).all() or not frame.rgb.any():
            raise PerceptionError("camera: the frame is blank (no colour or no depth): nothing can be seen")
        instances = self.segmenter.segment(frame, self.task)
        objects = describe(instances, frame, self.task, self.segmenter.palette)
        readable = {p: d for p, d in predicates.items() if d in READABLE}
        holding = held(objects, frame.gripper)
        state = perceive_state(objects, frame.gripper, readable)
        on = next((p for p, d in readable.items() if d == "on"), None)
        if previous is not None:
            expected = {**{o.name: o.centre for o in previous.objects if o.movable}, **(expected or {})}
            objects, state, holding = renamed(objects, state, holding,
                                              tracked(rest_stacks(objects, holding), previous.objects, expected))
            unseen = None if holding else unseen_held(objects, previous.objects, frame.gripper,
                                                      frame.depth.shape[:2], expected)
            if unseen is not None:
                objects.append(unseen)
                holding = unseen.name
                state = perceive_state(objects, frame.gripper, readable)
        elif on is not None:
            objects, state, holding = renamed(objects, state, holding, stack_ranked(objects, state, on))
        objects.sort(key=lambda o: o.name)
        state = _ranked_discs(state, objects, readable)
        rested = rest_stacks(objects, holding)
        return Perceived(tuple(rested), tuple(state), holding, frame,
                         tuple(sorted(p for p in predicates if p not in readable)))


def _ranked_discs(state: list[str], objects: list[Described], predicates: Mapping[str, str]) -> list[str]:
    """``smaller`` between discs as their names rank them: ``describe`` names discs ``d1``..``dN`` by measured
    width, so the state must not contradict the order the naming already read (widths that differ by less
    than ``agent.vision.state``'s tolerance would otherwise leave two discs unordered, and Hanoi unsolvable)."""
    names = [p for p, detector in predicates.items() if detector == "smaller"]
    discs = sorted((o.name for o in objects if o.kind == "disc"), key=lambda n: int(n[1:]))
    if not names or len(discs) < 2:
        return state
    kept = [a for a in state if not (a.strip("()").split()[0] in names
                                     and all(x in discs for x in a.strip("()").split()[1:]))]
    ranked = [f"({p} {a} {b})" for p in names for i, a in enumerate(discs) for b in discs[i + 1:]]
    return sorted(kept + ranked)


@lru_cache(maxsize=2)
def shared_segmenter(path: str | None = None) -> Segmenter:
    """One segmenter per checkpoint in a process (loading it for every episode would dominate short runs)."""
    return Segmenter.load(Path(path) if path else None)
