"""Where the agent's knowledge of the scene comes from: the simulator's detectors, or the camera alone.

``--state oracle`` (``OracleObserver``) reads what the detectors see (``TaskEnv.symbolic_state``), the
scene's own object names and kinds, and gives the goal network the simulator's instance masks; skills read
the simulator's geometry. ``--state camera`` (``CameraObserver``) receives only ``TaskEnv.camera_frame()``
(RGB-D, the camera's calibration, the gripper's proprioception) and reads everything from it with
``agent.vision``: the objects' names, kinds and colours, the symbolic state, the goal network's masks and the
boxes the skills act on (``policies.targets``). ``Look`` is all the episode loop learns of a scene.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

from agent.goals.refusal import SceneFacts
from envs.task_env import TaskEnv
from policies.targets import Targets

if TYPE_CHECKING:
    from agent.perception.observation import View
    from agent.vision.perceive import Camera, Perceived

@dataclass(frozen=True)
class Look:
    """What the agent knows of the scene at one moment."""

    #: object name -> kind, the names the planner and the goal use
    kinds: Mapping[str, str]
    colours: Mapping[str, str]
    state: list[str]
    #: the goal network's input, rendered on demand (only a perceived goal needs it)
    view: Callable[[], View]
    #: the geometry skills act on; None: they read the simulator's
    targets: Callable[[], Targets] | None = None
    #: in camera mode, what the frame showed (the scoring matches its masks to the simulator's objects)
    perceived: Perceived | None = None
    #: in camera mode, the targets the skill before this look acted on, as it left them
    acted: Targets | None = None

    def facts(self, task: str) -> SceneFacts:
        """What the goal checks know of this scene."""
        return SceneFacts(task, dict(self.kinds), dict(self.colours), frozenset(self.state))


class Observer(Protocol):
    def look(self, acted: Targets | None = None) -> Look:
        """The scene now, as this source tells it (``acted``: the targets the skill just run acted on, in
        camera mode)."""


class OracleObserver:
    """The simulator's names and the detectors' state (``--state oracle``)."""

    def __init__(self, env: TaskEnv, predicates: Mapping[str, str]) -> None:
        self.env = env
        self.predicates = dict(predicates)

    def look(self, acted: Targets | None = None) -> Look:
        from agent.perception.observation import observe

        objects = self.env.scene.objects
        return Look({o.name: o.kind for o in objects}, {o.name: o.color for o in objects},
                    self.env.symbolic_state(self.predicates), lambda: observe(self.env))


class CameraObserver:
    """Everything from the camera frame (``--state camera``); a frame that cannot be read raises
    ``PerceptionError``."""

    def __init__(self, env: TaskEnv, predicates: Mapping[str, str], camera: Camera) -> None:
        self.env = env
        self.predicates = dict(predicates)
        self.camera = camera
        #: the episode's last look that showed every object: its names carry over (``agent.vision.identity``)
        #: and it names a held object the frame does not show; a look missing one names the others by it but
        #: does not replace it
        self.previous: Perceived | None = None
        #: where each movable object was last known to be: seen by the last look that showed it, or where a
        #: skill left it since (``agent.vision.identity.expected_centres``)
        self.known: dict[str, tuple[float, float, float]] = {}
        #: what the last look saw in the hand
        self.holding: str | None = None

    def look(self, acted: Targets | None = None) -> Look:
        """The frame now; ``acted``, the targets the skill since the last look acted on, says where that skill
        left the object it moved (``Targets.world`` read now: the held one at the hand), so that objects of
        one group keep their names across the looks (``agent.vision.identity``)."""
        from agent.perception.observation import perceived_view
        from agent.vision.identity import expected_centres
        from agent.vision.state import GRASP_RADIUS, gripping

        frame = self.env.camera_frame()
        expected = expected_centres(self.known, acted.world() if acted is not None else None)
        if self.holding is not None and frame.gripper is not None and gripping(frame.gripper):
            # the fingers still grip: what the last look saw held is at the hand (a skill that failed part way
            # may have left it elsewhere in its targets; where they carry it at the hand, they say where)
            hand = frame.gripper.position
            carried = expected.get(self.holding)
            if carried is None or float(np.linalg.norm(np.subtract(carried, hand))) >= GRASP_RADIUS:
                expected[self.holding] = hand
        perceived = self.camera.perceive(frame, self.predicates, self.previous, expected)
        self.known = {**expected, **{o.name: o.centre for o in perceived.objects if o.movable}}
        self.holding = perceived.holding
        if self.previous is not None:
            # objects never leave these scenes: one the frame stops showing (a cube read as part of its bin)
            # is still where it is expected, and a cube dropped into the same bin must not land on it
            shown = perceived.kinds
            perceived = replace(perceived, hidden=tuple(
                replace(o, centre=self.known[o.name], mask=None, low=None, high=None)
                for o in self.previous.objects if o.movable and o.name not in shown and o.name in self.known))
        if self.previous is None or _movable(perceived) >= _movable(self.previous):
            self.previous = perceived
        return Look(perceived.kinds, perceived.colours, list(perceived.state),
                    lambda: perceived_view(perceived.frame, perceived.objects),
                    lambda: Targets(self.env, perceived.world()), perceived)


def _movable(perceived: Perceived) -> int:
    return sum(o.movable for o in perceived.objects)


def make_observer(source: str, env: TaskEnv, predicates: Mapping[str, str],
                  segmenter: str | None = None) -> Observer:
    """The observer of ``source`` (``STATE_SOURCES``) for ``env``'s task; camera mode loads the segmenter
    (``segmenter``: a checkpoint, default the shipped one) once per process."""
    if source == "oracle":
        return OracleObserver(env, predicates)
    from agent.vision.perceive import Camera, shared_segmenter

    return CameraObserver(env, predicates, Camera(env.task, shared_segmenter(segmenter)))
