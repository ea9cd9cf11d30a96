"""Scripted pick, place, right and fetch: the oracle controllers that learned ones are measured against.

They drive the arm only through ``TaskEnv.apply_action`` (end-effector deltas and gripper opening), move
through inverse kinematics and joint position control, and grasp by friction: nothing is teleported or
welded to the hand. Each skill stops when its symbolic effect holds, or fails when its budget of
simulation steps runs out or a phase cannot finish.

Given ``targets`` (``policies.targets``: perceived boxes, in camera mode), a skill reads every object's
geometry from them and the robot's proprioception instead of from the simulator, and waits a fixed time for
the scene to settle instead of watching the objects' speed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from envs.detectors import World, detect_holding, detect_ontable
from envs.robot import MAX_OPENING
from envs.task_env import TaskEnv
from policies.arm_motion import TRAVEL_TOLERANCE, Motion
from policies.placement import NoFreeSpot, placed, placement
from policies.righting import cannot_right, clear_to_turn, finger_yaw, lying_on, out_of_reach, righting_grasp
from policies.skill import SkillResult, not_movable, unknown_place
from policies.targets import Targets

#: height (m) kept between the hand's load and the tallest thing it passes over
TRAVEL_CLEARANCE = 0.05
#: extra opening (m) beyond the object's width when approaching and releasing
OPENING_MARGIN = 0.03
GRIP_STEPS = 25
RELEASE_STEPS = 12
RETREAT = 0.06
#: the grasp point sits this far above the object's bottom at most (fingertips stay off the support)
GRASP_HEIGHT = 0.012


def _highest_top(world: World, skip: str) -> float:
    tops = [o.top for o in world.objects.values() if o.name != skip and o.kind != "peg"]
    return max(tops, default=0.0)


def _opening_for(world: World, name: str) -> float:
    obj = world.objects[name]
    return min(MAX_OPENING, 2.0 * max(obj.half_extents[0], obj.half_extents[1]) + OPENING_MARGIN)


def _world(env: TaskEnv, targets: Targets | None, handled: str) -> World:
    """The geometry the skill acts on now: the simulator's, or the perceived ``targets``."""
    return env.world() if targets is None else targets.world(handled)


def pick(env: TaskEnv, args: Sequence[str], step_budget: int, targets: Targets | None = None) -> SkillResult:
    """Grasp ``args[0]`` from above and lift it clear of everything."""
    (name,) = args
    motion = Motion(env, step_budget)
    world = _world(env, targets, name)
    if (failure := not_movable(world, name)) is not None:
        return failure
    obj = world.objects[name]
    opening = _opening_for(world, name)
    grasp_z = obj.bottom + min(obj.half_height, GRASP_HEIGHT)
    travel_z = _highest_top(world, name) + TRAVEL_CLEARANCE
    xy = (obj.position[0], obj.position[1])
    if not (motion.cross(xy, travel_z, opening) and motion.descend(grasp_z, opening)
            and motion.hold(0.0, GRIP_STEPS, None if targets is None else lambda: targets.world(name))):
        return SkillResult(False, motion.used, "could not reach the object")
    lift_z = _highest_top(_world(env, targets, name), name) + 2.0 * obj.half_height + TRAVEL_CLEARANCE
    here = env.robot.target
    if not motion.move_to(np.array([here[0], here[1], lift_z]), 0.0):
        return SkillResult(False, motion.used, "could not lift the object")
    held = (name,) in detect_holding(_world(env, targets, name))
    return SkillResult(held, motion.used, "" if held else "the object is not in the hand after lifting")


def place(env: TaskEnv, args: Sequence[str], step_budget: int, targets: Targets | None = None) -> SkillResult:
    """Put the held ``args[0]`` onto ``args[1]``: an object, a peg, a bin or the table."""
    name, target = args
    motion = Motion(env, step_budget)
    world = _world(env, targets, name)
    if (name,) not in detect_holding(world):
        return SkillResult(False, 0, f"{name!r} is not in the hand")
    if (failure := unknown_place(world, target)) is not None:
        return failure
    obj = world.objects[name]
    try:
        where = placement(env, world, name, target)
    except NoFreeSpot as exc:
        return SkillResult(False, 0, str(exc))
    grasp_above_bottom = env.robot.ee_position()[2] - obj.bottom
    travel_z = _highest_top(world, name) + 2.0 * obj.half_height + TRAVEL_CLEARANCE + grasp_above_bottom
    # The grasp is never perfectly centred and the object may slip on the way: aim the hand so that the
    # object, not the hand, lands on the spot, measuring the offset in the hand's frame (immune to lag).
    if not motion.cross(_hand_target(env, _world(env, targets, name), name, where.xy), travel_z, 0.0):
        return SkillResult(False, motion.used, "could not reach the place")
    release_z = where.bottom_z + grasp_above_bottom
    if not (motion.cross(_hand_target(env, _world(env, targets, name), name, where.xy), travel_z, 0.0)
            and motion.descend(release_z, 0.0, where.tolerance)):
        return SkillResult(False, motion.used, "could not reach the place")
    opening = _opening_for(world, name)
    here = env.robot.target
    if not (motion.hold(opening, RELEASE_STEPS)
            and motion.move_to(np.array([here[0], here[1], here[2] + RETREAT]), opening)):
        return SkillResult(False, motion.used, "could not release and retreat")
    motion.settle(opening, blind=targets is not None)
    done = placed(_world(env, targets, name), name, target)
    return SkillResult(done, motion.used, "" if done else f"{name} did not end up on {target}")


def right(env: TaskEnv, args: Sequence[str], step_budget: int, targets: Targets | None = None) -> SkillResult:
    """Pick the fallen (or loose) ``args[0]`` as it lies and put it down upright on a free spot of the table.

    An object lying on it is set upright first (a grasp would take both). The hand turns so that the fingers
    close along the object's most horizontal axis: a box tilted about that axis keeps the two faces across it
    vertical, a grasp as firm as on a flat box. It grasps at the object's centre (higher where it lies across
    another, so that the fingertips stay off that one's top), then ``place`` lowers it until its lowest
    corner is just above the table and lets go: tilted by less than 45 degrees about the finger axis, it
    drops onto the face nearest the table. It needs the object's orientation, which perceived ``targets``
    do not give: with them it refuses.
    """
    (name,) = args
    refusal = cannot_right(env, name, targets is not None)
    return refusal or _set_upright(env, name, step_budget)


def _set_upright(env: TaskEnv, name: str, step_budget: int) -> SkillResult:
    """``right``'s motion, for ``name`` and first for whatever lies on it (fallen or resting there)."""
    motion = Motion(env, step_budget)
    world = env.world()
    obj = world.objects[name]
    if out_of_reach(world, name):
        return SkillResult(False, 0, f"{name} is out of the arm's reach (off the table)")
    above = lying_on(world, name)
    if above is not None:  # a grasp would take both: the one on top goes first
        cleared = _set_upright(env, above, step_budget)
        if not cleared.success:
            return SkillResult(False, cleared.sim_steps, f"{above} lies on {name}: {cleared.reason}")
        rest = _set_upright(env, name, max(step_budget - cleared.sim_steps, 1))
        return SkillResult(rest.success, cleared.sim_steps + rest.sim_steps, rest.reason)
    opening = MAX_OPENING
    travel_z = _highest_top(world, name) + TRAVEL_CLEARANCE
    grasp_z = float(righting_grasp(world, name)[2])
    try:
        here, rise_z = env.robot.target, _highest_top(world, "") + TRAVEL_CLEARANCE
        if not (clear_to_turn(world, env.robot.ee_position()) or motion.move_to(
                np.array([here[0], here[1], max(here[2], rise_z)]), env.robot.opening, TRAVEL_TOLERANCE)):
            return SkillResult(False, motion.used, "could not rise clear to turn the hand")
        env.robot.set_yaw(finger_yaw(env.sim.pose(name).orientation))
        if not (motion.cross((obj.position[0], obj.position[1]), travel_z, opening)
                and motion.descend(grasp_z, opening) and motion.hold(0.0, GRIP_STEPS)):
            return SkillResult(False, motion.used, "could not reach the object")
        lift_z = _highest_top(env.world(), name) + 2.0 * max(obj.half_extents) + TRAVEL_CLEARANCE
        here = env.robot.target
        if not motion.move_to(np.array([here[0], here[1], lift_z]), 0.0):
            return SkillResult(False, motion.used, "could not lift the object")
        if (name,) not in detect_holding(env.world()):
            return SkillResult(False, motion.used, "the object is not in the hand after lifting")
        down = place(env, (name, "table"), max(step_budget - motion.used, 1))
    finally:
        env.robot.set_yaw(0.0)
    used = motion.used + down.sim_steps
    upright = (name,) in detect_ontable(env.world())
    return SkillResult(upright, used, "" if upright else down.reason or f"{name} is not upright on the table")


def fetch(env: TaskEnv, args: Sequence[str], step_budget: int, targets: Targets | None = None) -> SkillResult:
    """Take the loose ``args[0]`` into the hand wherever it lies: one flat on the table as ``pick`` takes any
    object; any other (tilted, lying across another) righted onto the table first (``right``): a disc held
    askew would land askew, and a grasp from above on one resting across another takes both. With perceived
    ``targets`` (camera mode) it is picked where its box lies: perceived boxes carry no tilt, so it cannot be
    righted first (a tilted one may slip; the agent sees that on its next look and plans again)."""
    (name,) = args
    if targets is not None:
        return pick(env, args, step_budget, targets)
    world = env.world()
    if (failure := not_movable(world, name)) is not None:
        return failure
    used = 0
    if (name,) not in detect_ontable(world):
        upright = right(env, args, step_budget)
        if not upright.success:
            return upright
        used = upright.sim_steps
    taken = pick(env, args, max(step_budget - used, 1))
    return SkillResult(taken.success, used + taken.sim_steps, taken.reason)


def _hand_target(env: TaskEnv, world: World, name: str, spot: tuple[float, float]) -> tuple[float, float]:
    """Where the hand goes so that the held ``name`` (where ``world`` has it) is centred over ``spot``."""
    offset = np.asarray(world.objects[name].position[:2]) - env.robot.ee_position()[:2]
    return (spot[0] - offset[0], spot[1] - offset[1])


SKILLS = {"pick": pick, "place": place, "right": right, "fetch": fetch}
