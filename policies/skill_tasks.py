"""What a learned skill sees, how it is scored and when it is done: shared by training and execution.

A ``PickTask``, ``PlaceTask`` or ``RightTask`` watches one operator's execution in a ``TaskEnv``. Its ``observe()`` is
the policy's whole input: a few numbers relative to the skill's target (never absolute poses, never the
image), so one policy serves every task, size and position. They include where the arm is commanded to
be relative to where it is: the arm lags its commanded target, and without that lag a policy cannot tell
"still moving there" from "stopped short". ``status()`` says from the detectors' view of
the scene whether the skill has succeeded, failed or is still running; training rewards and the agent's
execution use this same judgement.

Rewards are potential-based shaping (Ng et al. 1999): the reward is the decrease of a distance-to-done,
so the optimal policy is unchanged by the shaping. The distance follows a corridor: while the hand (or
the held object) is far from its target in the plane it must stay above everything in the scene, and
the required height ramps down to the target's as it comes close. That is what keeps a learned arm from
sweeping stacks over.

Given ``targets`` (``policies.targets``: perceived boxes, in camera mode), a task reads the scene from them
and the robot's proprioception instead of the simulator: the handled object follows the hand while the
fingers are held apart, a finger "touches" it when they are, and nothing is seen to move otherwise.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from envs.detectors import ObjectState, World, detect_ontable
from envs.robot import FINGER_JOINTS, MAX_OPENING
from envs.task_env import TaskEnv
from policies.crowding import grasp_point, pick_yaw
from policies.placement import TABLE, Placement, placed, placement
from policies.righting import clear_to_turn, finger_yaw, righting_grasp
from policies.targets import Targets

#: the object counts as picked once it is in the hand this far (m) above where it rested
LIFT = 0.05
#: how far (m) above the tallest thing in the scene the corridor runs
CLEARANCE = 0.03
#: the corridor's floor ramps from the obstacles' height down to the target's between these planar
#: distances (m) from the target
RAMP = (0.01, 0.05)
#: above the grasp point, the fingers should stand this much wider than the object (m; its diagonal
#: counts when it is turned, hence the factor)
APPROACH_MARGIN = 0.01
TURNED_FACTOR = 1.15
#: control steps of squeezing the observation counts up to (the scripted grasp squeezes for 25)
SQUEEZE_STEPS = 30
#: how far (m) above its grasp point the hand counts as coming down onto the object
APPROACH_ZONE = 0.01
#: after letting go the hand rises this far (m) above the object's top before the place is done
RETREAT = 0.03
#: an object other than the one handled counts as knocked when it moved this far (m)
KNOCKED = 0.01
#: the handled object counts as pushed when it slid this far (m) before it was in the hand
PUSHED = 0.015
#: a picked object counts as held level while its bounding box stands at most this much (m) taller than the
#: object: a cube about 11 degrees from level. Beyond it, placing it on a tower of four let it fall off
#: (blocks 6, a cube lifted 24 degrees tilted); the scripted pick lifts every object level
LEVEL_TOLERANCE = 0.004
#: speed (m/s) under which an object counts as at rest
REST_SPEED = 0.01
#: a fallen object counts as pushed away when it slid this far (m) before it was lifted: one lying across
#: another may slide off it as the fingers close, which is no failure
RIGHT_PUSHED = 0.04
#: observations are in decimetres: values of order one for the network
SCALE = 10.0
#: potential weights: what having (or having let go of) the object is worth, in metres of distance
HOLD_WEIGHT = 0.02
SUCCESS_REWARD = 3.0
FAILURE_REWARD = -3.0
STEP_COST = 0.01

RUNNING, SUCCESS, FAILURE = "running", "success", "failure"


@dataclass(frozen=True)
class Status:
    """Where a skill stands: ``RUNNING``, ``SUCCESS`` or ``FAILURE``, with the reason for a failure."""

    state: str
    reason: str = ""


def obstacle_height(world: World, skip: str) -> float:
    """Top (m) of the tallest thing the hand or its load could hit, ``skip`` aside (pegs are flat marks)."""
    return max((o.top for o in world.objects.values() if o.name != skip and o.kind != "peg"), default=0.0)


def corridor_distance(point: np.ndarray, target: np.ndarray, floor: float) -> float:
    """Length of the way from ``point`` to ``target`` that stays above ``floor`` while far from it."""
    planar = float(np.hypot(*(target[:2] - point[:2])))
    ramp = float(np.clip((planar - RAMP[0]) / (RAMP[1] - RAMP[0]), 0.0, 1.0))
    height = target[2] + ramp * max(floor - target[2], 0.0)
    climb = max(height - point[2], 0.0)
    return planar + climb + abs(max(height, point[2]) - target[2])


def _moved(world: World, start: dict[str, np.ndarray], limit: float) -> str | None:
    for name, position in start.items():
        if np.linalg.norm(np.asarray(world.objects[name].position) - position) > limit:
            return name
    return None


class SkillTask(ABC):
    """One operator's execution as a learned skill sees it."""

    #: length of ``observe()``
    size: int

    def __init__(self, env: TaskEnv, name: str, targets: Targets | None = None) -> None:
        self.env = env
        self.name = name
        self.targets = targets
        world = self.world()
        self.start = {o.name: np.asarray(o.position) for o in world.movable() if o.name != name}

    def world(self) -> World:
        """The scene as this task reads it now: the simulator's, or the perceived targets."""
        return self.env.world() if self.targets is None else self.targets.world(self.name)

    def speed(self) -> float:
        """How fast the handled object moves (m/s); on perceived targets, the hand's speed while it holds it."""
        if self.targets is not None:
            return self.targets.speed(self.name)
        return float(np.linalg.norm(self.env.sim.velocity(self.name)[:3]))

    def before_action(self) -> None:  # noqa: B027 (a hook: only picks and righting do something)
        """What the operator does to the arm besides the policy's action, before each one: nothing, but a
        pick or a righting turns the hand (``PickTask``, ``RightTask``). Training and execution both call it."""

    @abstractmethod
    def observe(self, world: World | None = None) -> np.ndarray:
        """The policy's input now; called once per control step."""

    @abstractmethod
    def potential(self, world: World) -> float:
        """Minus the remaining distance to done (m): what shaping rewards the decrease of."""

    @abstractmethod
    def status(self, world: World) -> Status:
        """Success, failure (with the reason) or still running, from the detectors' view."""

    def reward(self, before: float, world: World, status: Status) -> float:
        """The shaped reward for the step that took the potential from ``before`` to now."""
        reward = SCALE * (self.potential(world) - before) - STEP_COST
        if status.state == SUCCESS:
            reward += SUCCESS_REWARD
        elif status.state == FAILURE:
            reward += FAILURE_REWARD
        return reward

    def fingers_touching(self) -> int:
        """How many fingers touch the handled object. The detectors' ``gripped`` also needs nothing else
        to touch it, which an object still resting on its support never is. On perceived targets: both, when
        the fingers are held apart."""
        if self.targets is not None:
            return 2 * self.targets.blocked()
        sim, robot = self.env.sim, self.env.robot
        contacts = sim.client.getContactPoints(bodyA=robot.body, bodyB=sim.bodies[self.name])
        return len({contact[3] for contact in contacts} & set(FINGER_JOINTS))

    def in_hand(self) -> bool:
        """Whether any part of the hand touches the handled object (on perceived targets: holds it)."""
        if self.targets is not None:
            return self.targets.blocked()
        sim = self.env.sim
        return bool(sim.client.getContactPoints(bodyA=self.env.robot.body, bodyB=sim.bodies[self.name]))

    @staticmethod
    def _bottom_centre(obj: ObjectState) -> np.ndarray:
        return np.array([obj.position[0], obj.position[1], obj.bottom])

    def _knocked(self, world: World, skip: str | None = None) -> str | None:
        others = {n: p for n, p in self.start.items() if n != skip}
        return _moved(world, others, KNOCKED)


class PickTask(SkillTask):
    """Grasp ``name`` and lift it ``LIFT`` above where it rested, touching nothing else.

    Closing fingers need a moment to squeeze before the object can be lifted, and nothing in a single
    frame says how long they have been closing: the observation counts it (``observe`` is called once
    per control step).

    ``steady_grip`` is for the agent's picks on the simulator's poses, never for training: once both fingers
    touch the object, the policy sees its grasp point where they closed (x, y), and the object sliding along
    with them is no push. The trained pick drifts a few millimetres per control step while it squeezes when
    the corridor's floor stands far above the hand (blocks 6: a table block picked once a tower of five
    stands); with the grasp point following the object it chases its own drift, and the judgement of
    training ends the pick as a push after ``PUSHED``. Perceived targets behave so already (the object is
    seen to move only with the hand that holds it, and no push is seen).
    """

    size = 13

    def __init__(self, env: TaskEnv, name: str, targets: Targets | None = None, steady_grip: bool = False) -> None:
        super().__init__(env, name, targets)
        world = self.world()
        obj = world.objects[name]
        self.rest = np.asarray(obj.position)
        self.rest_bottom = obj.bottom
        self.squeezing = 0
        self.steady_grip = steady_grip
        #: with ``steady_grip``, the grasp point's x, y where both fingers first touched the object (None while not)
        self.closed_at: np.ndarray | None = None
        #: the hand's yaw for this pick (``policies.crowding``): turned where an object crowds the fingers
        self.yaw = pick_yaw(world, name, None if targets is not None else finger_yaw(env.sim.pose(name).orientation))

    def before_action(self) -> None:
        """Turn the hand to ``yaw`` once it is clear to (``righting.clear_to_turn``); the pick before may have
        left it turned."""
        if self.env.robot.yaw != self.yaw and clear_to_turn(self.world(), self.env.robot.ee_position()):
            self.env.robot.set_yaw(self.yaw)

    def observe(self, world: World | None = None) -> np.ndarray:
        world = world or self.world()
        obj = world.objects[self.name]
        hand = self.env.robot.ee_position()
        floor = obstacle_height(world, "") + CLEARANCE
        touching = self.fingers_touching() == 2
        self.squeezing = self.squeezing + 1 if touching else 0
        commanded = self.env.robot.target
        grasp = grasp_point(obj)
        if self.steady_grip:
            if not touching:
                self.closed_at = None
            elif self.closed_at is None:
                self.closed_at = grasp[:2].copy()
            else:
                grasp[:2] = self.closed_at
        return SCALE * np.array([
            *(grasp - commanded),
            *(commanded - hand),
            floor - hand[2],
            obj.half_extents[0],
            obj.half_height,
            self.env.robot.finger_width(),
            obj.bottom - self.rest_bottom,
            float(touching) / SCALE,
            min(self.squeezing / SQUEEZE_STEPS, 1.0) / SCALE,
        ], dtype=np.float32)

    def potential(self, world: World) -> float:
        obj = world.objects[self.name]
        hand = self.env.robot.ee_position()
        grasp = grasp_point(obj)
        reach = corridor_distance(hand, grasp, obstacle_height(world, "") + CLEARANCE)
        held = self.fingers_touching() == 2
        lift = min(obj.bottom - self.rest_bottom, LIFT) if held else 0.0
        # Coming down onto the object takes an open hand; closing it is for the grasp point.
        narrow = 0.0
        if not held and hand[2] - grasp[2] > APPROACH_ZONE:
            wide = min(2.0 * obj.half_extents[0] * TURNED_FACTOR + APPROACH_MARGIN, MAX_OPENING)
            narrow = max(wide - self.env.robot.finger_width(), 0.0)
        return -(reach + narrow + HOLD_WEIGHT * (not held) + LIFT - lift)

    def status(self, world: World) -> Status:
        obj = world.objects[self.name]
        if obj.gripped and obj.bottom - self.rest_bottom >= LIFT:
            if obj.half_height - obj.half_extents[2] > LEVEL_TOLERANCE:
                return Status(FAILURE, f"lifted {self.name} tilted in the hand")
            return Status(SUCCESS)
        knocked = self._knocked(world)
        if knocked:
            return Status(FAILURE, f"knocked {knocked} over")
        held = self.steady_grip and self.fingers_touching() == 2
        if not obj.gripped and not held and np.hypot(*(np.asarray(obj.position[:2]) - self.rest[:2])) > PUSHED:
            return Status(FAILURE, f"pushed {self.name} away instead of grasping it")
        if not obj.gripped and obj.bottom - self.rest_bottom > KNOCKED:
            return Status(FAILURE, f"{self.name} slipped from the hand")
        return Status(RUNNING)


class PlaceTask(SkillTask):
    """Put the held ``name`` onto ``target`` (an object, a peg, a bin or the table), let go and rise clear."""

    size = 12

    def __init__(self, env: TaskEnv, name: str, target: str, where: Placement | None = None,
                 targets: Targets | None = None) -> None:
        super().__init__(env, name, targets)
        self.target = target
        self.where = where or placement(env, self.world(), name, target)
        self.spot = np.array([*self.where.xy, self.where.bottom_z])

    def observe(self, world: World | None = None) -> np.ndarray:
        world = world or self.world()
        obj = world.objects[self.name]
        hand = self.env.robot.ee_position()
        floor = obstacle_height(world, self.name) + CLEARANCE
        speed = self.speed()
        commanded = self.env.robot.target
        return SCALE * np.array([
            *(self.spot - self._bottom_centre(obj)),
            *(commanded - hand),
            floor - obj.bottom,
            hand[2] - obj.top,
            obj.half_height,
            self.env.robot.finger_width(),
            min(speed, 1.0) / SCALE,
            float(self.in_hand()) / SCALE,
        ], dtype=np.float32)

    def potential(self, world: World) -> float:
        obj = world.objects[self.name]
        hand = self.env.robot.ee_position()
        carry = corridor_distance(self._bottom_centre(obj), self.spot, obstacle_height(world, self.name) + CLEARANCE)
        held = self.in_hand()
        # Before letting go the whole retreat is still ahead; after, what is left of it.
        retreat = RETREAT if held else float(np.clip(RETREAT - (hand[2] - obj.top), 0.0, RETREAT))
        return -(carry + HOLD_WEIGHT * held + retreat)

    def status(self, world: World) -> Status:
        obj = world.objects[self.name]
        knocked = self._knocked(world, skip=self.target)
        if knocked:
            return Status(FAILURE, f"knocked {knocked} over")
        speed = self.speed()
        if self.in_hand() or speed > REST_SPEED:
            return Status(RUNNING)
        if not placed(world, self.name, self.target):
            return Status(FAILURE, f"{self.name} did not end up on {self.target}")
        if self.env.robot.ee_position()[2] - obj.top >= RETREAT:
            return Status(SUCCESS)
        return Status(RUNNING)


class RightTask(SkillTask):
    """Grasp the fallen ``name`` as it lies, lift it, lower it onto a free spot of the table until it stands
    upright, let go and rise clear.

    The fingers must close across the object's faces, so the hand turns about the vertical
    (``policies.righting.finger_yaw``, from the object's orientation at the start). Actions have no turn: the
    task turns the hand before the first action it is clear to (``before_action``), and the observation
    says whether it has.

    One policy does the whole operator, so the observation holds both halves: pick's (the grasp point
    relative to the commanded hand, how far the object has risen, the fingers' contact and squeeze) and
    place's (the table spot relative to the load's lowest point, the hand above the load, the load's speed).
    The object's size enters as its bounding box, which is what a tilted object shows. Until the object is
    lifted ``LIFT``, the distance to done also counts the carry ahead, so that shaping never rewards lifting
    it anywhere but towards the table spot.
    """

    size = 20

    def __init__(self, env: TaskEnv, name: str) -> None:
        """On the simulator's scene only: the turn needs the object's orientation and the heap its contacts,
        which perceived targets do not give (camera mode refuses to right an object)."""
        super().__init__(env, name)
        self.yaw = finger_yaw(env.sim.pose(name).orientation)
        self.turned = False
        # The heap the fallen object is part of (what it leans on or lies across, what leans on or lies on
        # that) shifts when it is lifted off: that is no knock.
        for other in self._heap():
            self.start.pop(other, None)
        world = self.world()
        obj = world.objects[name]
        self.rest = np.asarray(obj.position)
        self.rest_bottom = obj.bottom
        self.grasp = righting_grasp(world, name)
        where = placement(env, world, name, TABLE)
        self.spot = np.array([*where.xy, where.bottom_z])
        self.squeezing = 0
        #: the object has been held ``LIFT`` above where it lay (the pick half is done; it stays done)
        self.lifted = False

    def before_action(self) -> None:
        if not self.turned and clear_to_turn(self.world(), self.env.robot.ee_position()):
            self.env.robot.set_yaw(self.yaw)
            self.turned = True

    def _heap(self) -> set[str]:
        """The movable objects the handled one touches now, directly or through others (the simulator's
        contacts)."""
        sim = self.env.sim
        movable = {sim.bodies[o.name]: o.name for o in self.env.world().movable()}
        heap, todo = {self.name}, [self.name]
        while todo:
            contacts = sim.client.getContactPoints(bodyA=sim.bodies[todo.pop()])
            for other in {movable[c[2]] for c in contacts if c[2] in movable} - heap:
                heap.add(other)
                todo.append(other)
        return heap - {self.name}

    def _grasp_point(self, obj: ObjectState) -> np.ndarray:
        """The grasp point where the object lies now (it may have been nudged since the task started)."""
        return np.array([obj.position[0], obj.position[1], self.grasp[2] + obj.position[2] - self.rest[2]])

    def observe(self, world: World | None = None) -> np.ndarray:
        world = world or self.world()
        obj = world.objects[self.name]
        hand = self.env.robot.ee_position()
        commanded = self.env.robot.target
        touching = self.fingers_touching() == 2
        self.squeezing = self.squeezing + 1 if touching else 0
        return SCALE * np.array([
            *(self._grasp_point(obj) - commanded),
            *(commanded - hand),
            obstacle_height(world, self.name) + CLEARANCE - obj.bottom,
            obj.half_extents[0],
            obj.half_height,
            self.env.robot.finger_width(),
            obj.bottom - self.rest_bottom,
            float(touching) / SCALE,
            min(self.squeezing / SQUEEZE_STEPS, 1.0) / SCALE,
            *(self.spot - self._bottom_centre(obj)),
            hand[2] - obj.top,
            min(self.speed(), 1.0) / SCALE,
            float(self.lifted) / SCALE,
            float(self.turned) / SCALE,
        ], dtype=np.float32)

    def potential(self, world: World) -> float:
        obj = world.objects[self.name]
        hand = self.env.robot.ee_position()
        floor = obstacle_height(world, self.name) + CLEARANCE
        carry = corridor_distance(self._bottom_centre(obj), self.spot, floor)
        if not self.lifted:
            held = self.fingers_touching() == 2
            grasp = self._grasp_point(obj)
            reach = corridor_distance(hand, grasp, obstacle_height(world, "") + CLEARANCE)
            lift = min(obj.bottom - self.rest_bottom, LIFT) if held else 0.0
            return -(reach + HOLD_WEIGHT * (not held) + LIFT - lift + carry + HOLD_WEIGHT + RETREAT)
        in_hand = self.in_hand()
        retreat = RETREAT if in_hand else float(np.clip(RETREAT - (hand[2] - obj.top), 0.0, RETREAT))
        return -(carry + HOLD_WEIGHT * in_hand + retreat)

    def status(self, world: World) -> Status:
        """Also notes when the pick half is done: every caller asks for the status first at each step."""
        obj = world.objects[self.name]
        self.lifted = self.lifted or (obj.gripped and obj.bottom - self.rest_bottom >= LIFT)
        knocked = self._knocked(world)
        if knocked:
            return Status(FAILURE, f"knocked {knocked} over")
        if not self.lifted:
            if not obj.gripped and np.hypot(*(np.asarray(obj.position[:2]) - self.rest[:2])) > RIGHT_PUSHED:
                return Status(FAILURE, f"pushed {self.name} away instead of grasping it")
            return Status(RUNNING)
        if self.in_hand() or self.speed() > REST_SPEED:
            return Status(RUNNING)
        if (self.name,) not in detect_ontable(world):
            return Status(FAILURE, f"{self.name} is not upright on the table")
        if self.env.robot.ee_position()[2] - obj.top >= RETREAT:
            return Status(SUCCESS)
        return Status(RUNNING)
