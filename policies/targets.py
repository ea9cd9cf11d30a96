"""Object geometry handed to a skill instead of read from the simulator: what a camera-mode agent perceived.

A skill normally reads every object's pose, size and contacts from the simulator (``TaskEnv.world``). In
camera mode the agent perceives the scene before each operator and passes the perceived boxes here as a
``World``; the skill then acts on them and on the robot's own proprioception only:

- where things are: the perceived boxes, fixed for the operator (the scene is re-perceived before the next);
- whether the hand holds something: the fingers stopped (``STALLED``) wider than commanded (``GRIP_MARGIN``;
  fingers still closing lag their command: not a grip); once held, as long as they stay wider than commanded
  (``HELD_MARGIN``, the margin ``agent.vision.state`` reads ``holding`` by) and close by less than
  ``GRIP_SLACK``, stopped or not;
- where the held object is: it follows the hand from where the hand was when the grip closed on it within
  ``GRASP_RADIUS`` of its centre (or, for an object already held when the operator starts, at its perceived
  offset from the hand); let go, it drops straight down onto what the perceived boxes put under it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from envs.detectors import ObjectState, World
from envs.simulation import TABLE_TOP_Z, TIMESTEP
from envs.task_env import TaskEnv

#: fingers that stopped this much wider (m) than commanded have closed on an object: closing fingers lag their
#: command by more than free fingers at rest (within 0.2 mm of it) do
GRIP_MARGIN = 0.003
#: fingers that hold an object stay at least this much (m) wider than commanded: a learned place told the hand
#: to open to 3.9 cm on a 4.2 cm sort cube, the fingers stopped at 4.16 cm, and the cube, taken as let go at
#: ``GRIP_MARGIN``, rose with the hand out of the camera's view (sort 6, development seeds 82 and 106); a
#: frame reads ``holding`` by it too (``agent.vision.state.gripping``)
HELD_MARGIN = 0.001
#: narrower than this (m), the fingers are closed on nothing
MIN_GRIP = 0.005
#: fingers whose width changed less than this (m) over the last control step have stopped
STALLED = 0.0005
#: fingers that closed this much (m) narrower than where they gripped hold nothing any more: a hand pressing
#: on a cube it was told to open less than the cube is wide gave 1.2 mm; fingers closing on nothing after a
#: disc slipped out as the hand rose move 2 mm or more per control step
GRIP_SLACK = 0.002
#: a grip closes on the handled object only with the hand this close (m) to its centre (``agent.vision.state``)
GRASP_RADIUS = 0.04
#: a bin's floor is this thick (m; ``envs.scenes.sort``'s wall): what a cube let go into it lands on
BIN_FLOOR = 0.01


class Targets:
    """The perceived ``world`` a skill acts on in ``env``, with the handled object tracked by proprioception."""

    def __init__(self, env: TaskEnv, world: World) -> None:
        self.env = env
        self.perceived = world
        held = [o.name for o in world.movable() if o.gripped]
        hand = env.robot.ee_position()
        #: the held object's centre relative to the hand, while one is held
        self.offsets = {name: np.asarray(world.objects[name].position) - hand for name in held}
        #: the finger width the held object was gripped at (``blocked``)
        self.grip = env.robot.finger_width() if held else None
        #: the finger width and hand position at the last two simulation step counts seen, oldest first
        self.history = [(env.sim.steps, env.robot.finger_width(), hand)] * 2

    def restart(self) -> None:
        """Forget how the hand moved before now: a move made between the look and the skill (camera mode brings
        the hand down from where it looks, ``policies.arm_motion.make_ready``) is no speed for the skill's first
        step. A held object keeps its offset from the hand."""
        robot = self.env.robot
        self.history = [(self.env.sim.steps, robot.finger_width(), robot.ee_position())] * 2

    def _sense(self) -> tuple[float, np.ndarray]:
        """The finger width and hand position now, remembering them once per simulation step count."""
        robot = self.env.robot
        width, hand = robot.finger_width(), robot.ee_position()
        if self.env.sim.steps != self.history[-1][0]:
            self.history = [self.history[-1], (self.env.sim.steps, width, hand)]
        return width, hand

    def blocked(self) -> bool:
        """Whether the fingers are held apart by something: proprioception alone. A grip starts only where
        the fingers stopped wider than commanded (closing fingers lag their command), and lasts, moving or
        not, while they stay wider than commanded and within ``GRIP_SLACK`` of where they gripped: a hand
        told to open less than the object is wide moves its fingers a little and still squeezes it (a
        learned place opened to 3.55 cm on a 4 cm cube, and the cube, taken as let go, stayed in the hand:
        sort 6, development seeds 20 and 36; told to open to 3.9 cm on a 4.2 cm cube, seeds 82 and 106)."""
        width, _ = self._sense()
        if width < MIN_GRIP:
            return False
        opening = self.env.robot.opening
        if self.offsets and self.grip is not None:
            return width >= opening + HELD_MARGIN and width > self.grip - GRIP_SLACK
        return width >= opening + GRIP_MARGIN and abs(width - self.history[0][1]) < STALLED

    def speed(self, name: str) -> float:
        """How fast ``name`` moves (m/s): the hand's speed over the last control step while it is held, else 0
        (a perceived object at rest stays at rest until the next look)."""
        _, hand = self._sense()
        (before, _, then), (now, _, _) = self.history
        if name not in self.offsets or now == before:
            return 0.0
        return float(np.linalg.norm(hand - then)) / ((now - before) * TIMESTEP)

    def world(self, handled: str | None = None) -> World:
        """The perceived world now: ``handled`` (the object the skill moves) follows the hand once the fingers
        close on it, and stays where the hand left it when they open."""
        hand = self.env.robot.ee_position()
        gripped = self.blocked()
        objects = dict(self.perceived.objects)
        if handled in objects and gripped and handled not in self.offsets:
            offset = np.asarray(objects[handled].position) - hand
            if np.linalg.norm(offset) < GRASP_RADIUS:
                self.offsets[handled] = offset
                self.grip = self.env.robot.finger_width()
        for name, offset in list(self.offsets.items()):
            if gripped:
                x, y, z = (float(v) for v in hand + offset)
                objects[name] = replace(objects[name], position=(x, y, z), gripped=True)
            else:
                objects[name] = _dropped(replace(objects[name], gripped=False), objects)
                del self.offsets[name]
                self.grip = None
        self.perceived = World(objects)
        return self.perceived


def _dropped(obj: ObjectState, objects: dict[str, ObjectState]) -> ObjectState:
    """``obj`` let go: resting on the highest perceived top under its centre, a bin's floor or the table."""
    support = TABLE_TOP_Z
    for other in objects.values():
        if other.name == obj.name or other.kind == "peg":
            continue
        inside = max(abs(obj.position[0] - other.position[0]), abs(obj.position[1] - other.position[1]))
        if inside < other.half_extents[0]:
            top = other.position[2] + BIN_FLOOR if other.kind == "bin" else other.top
            support = max(support, min(top, obj.bottom))
    x, y, _ = obj.position
    return replace(obj, position=(x, y, support + obj.half_height))
