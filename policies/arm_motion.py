"""Moving the arm by straight segments of the commanded end-effector target: ``Motion``, which the scripted
skills are built from, and the agent's own moves between skills, which carry nothing anywhere on purpose
(``clear_view`` out of the camera's view, ``make_ready`` down to where skills start).

The agent makes those moves in a learned run too (camera mode before and after every skill, and after a pick
that ran out of steps): they are no skill's motion, so a learned skill's success stays the policy's own
(``tests/test_learned_skills.py`` watches ``policies/scripted.py``, where the scripted skills are).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from envs.robot import MAX_OPENING
from envs.task_env import MAX_STEP, SUBSTEPS, TaskEnv
from policies.skill import SkillResult
from policies.targets import HELD_MARGIN

#: position error (m) at which a waypoint counts as reached: where the hand grasps, and on the way (loose:
#: precision there matters nowhere, and near the edge of the reach the arm settles a few millimetres off)
WAYPOINT_TOLERANCE = 0.004
TRAVEL_TOLERANCE = 0.015
#: control steps to wait for the arm to catch up with a reached target
SETTLE_LIMIT = 60
#: speed (m/s) under which an object counts as at rest
REST_SPEED = 0.005
#: control steps waited after a release where the objects' speed is not known (acting on perceived targets)
BLIND_SETTLE = 20


class Motion:
    """Moves the commanded end-effector target along straight segments within a step budget."""

    def __init__(self, env: TaskEnv, step_budget: int) -> None:
        self.env = env
        self.start = env.sim.steps
        self.deadline = env.sim.steps + step_budget

    @property
    def used(self) -> int:
        return self.env.sim.steps - self.start

    def exhausted(self) -> bool:
        return self.env.sim.steps + SUBSTEPS > self.deadline

    def _grip(self, opening: float) -> float:
        return float(np.clip(opening / MAX_OPENING * 2.0 - 1.0, -1.0, 1.0))

    def move_to(self, goal: np.ndarray, opening: float, tolerance: float = WAYPOINT_TOLERANCE) -> bool:
        """Go to ``goal`` (x, y, z) with the hand at ``opening``; False when out of budget or stuck."""
        robot = self.env.robot
        goal = np.asarray(goal, dtype=np.float64)
        settle = 0
        while not self.exhausted():
            delta = goal - robot.target
            if np.abs(delta).max() < 1e-6:
                if np.linalg.norm(robot.ee_position() - goal) < tolerance:
                    return True
                settle += 1
                if settle > SETTLE_LIMIT:
                    return False
            action = np.append(np.clip(delta / MAX_STEP, -1.0, 1.0), self._grip(opening))
            self.env.apply_action(action)
        return False

    def hold(self, opening: float, steps: int, watch: Callable[[], object] | None = None) -> bool:
        """Keep the arm still for ``steps`` control steps while the hand moves to ``opening``, calling ``watch``
        after each one (a pick on perceived targets reads them there: ``Targets`` feels a grip only from
        fingers sensed to stall, and must feel it with the hand at the object for the box to follow it)."""
        for _ in range(steps):
            if self.exhausted():
                return False
            self.env.apply_action(np.array([0.0, 0.0, 0.0, self._grip(opening)]))
            if watch is not None:
                watch()
        return True

    def settle(self, opening: float, blind: bool = False) -> None:
        """Wait (up to ``SETTLE_LIMIT`` control steps) until nothing in the scene moves: a tall stack still
        swaying after a release would be judged on a passing pose. ``blind``: the objects' speed is not
        known (perceived targets), wait ``BLIND_SETTLE`` steps."""
        if blind:
            self.hold(opening, BLIND_SETTLE)
            return
        sim = self.env.sim
        movable = [o.name for o in self.env.scene.objects if o.movable]
        for _ in range(SETTLE_LIMIT):
            if max(np.abs(sim.velocity(name)[:3]).max() for name in movable) < REST_SPEED:
                return
            if not self.hold(opening, 1):
                return

    def cross(self, xy: tuple[float, float], z_travel: float, opening: float) -> bool:
        """Go to ``z_travel`` (clear of everything), then across to ``xy``; intermediate waypoints need
        no precision, which matters near the edge of the arm's reach."""
        here = self.env.robot.target
        return (self.move_to(np.array([here[0], here[1], z_travel]), opening, TRAVEL_TOLERANCE)
                and self.move_to(np.array([xy[0], xy[1], z_travel]), opening, TRAVEL_TOLERANCE))

    def descend(self, z: float, opening: float, tolerance: float = WAYPOINT_TOLERANCE) -> bool:
        here = self.env.robot.target
        return self.move_to(np.array([here[0], here[1], z]), opening, tolerance)


#: where the hand waits while a camera-mode agent looks: high over the table's far strip, above the camera's field
#: of view there (the camera looks from the far side, x = 0.95, down to the table; at x = 0.28 it sees nothing
#: above about 0.38 m). The frame then shows none of the hand, the arm or a held object (a sort cube held there
#: bottoms out at about 0.44 m; held 4 cm lower it shows 28 pixels), only the robot's base, which is in every
#: frame: the arm's pixels can neither hide an object nor join one's instance. A held object the frame does not
#: show is named by proprioception and boxed where the skill's targets carry it (``agent.vision.identity``)
LOOK_POINT = (0.28, 0.0, 0.45)
#: where a camera-mode skill starts after a look, straight under the look point: low over the same strip, between
#: the robot's base and the nearest objects (every object stands at x >= 0.34), near where the skills' training
#: starts lie (the hand 3 to 15 cm above the scene, ``policies.skill_envs``)
READY_POINT = (LOOK_POINT[0], LOOK_POINT[1], 0.12)
#: control steps an empty hand spends opening fully before it leaves for the look point (``clear_view``)
LOOK_RELEASE_STEPS = 6


def clear_view(env: TaskEnv, step_budget: int) -> SkillResult:
    """Take the hand, and what it holds, out of the camera's view before it looks (camera mode): up and across
    to ``LOOK_POINT``. Fingers that hold something stay as they are; fingers that hold nothing by
    proprioception (no wider than ``HELD_MARGIN`` over their command) open fully for ``LOOK_RELEASE_STEPS`` first,
    so that a cube the fingers were told to open to about its own width, and which hangs from them by
    friction, falls where it was put instead of rising with the hand out of the frame, where the agent would
    take it as let go (sort 6, development seeds 155 and 162). Proprioception and the fixed layout of the
    workspace only: no object is read.

    A hand far out across the table (a learned pick that chased an object beyond its reach, x about 0.8 m)
    cannot rise to the travel height there: it crosses from as high as it got, and reaches that height on
    the way in. (Giving up there left it where no skill starts: blocks 5, ``--disturb 2``, development seed
    20342, where every later pick of a block in plain reach then stalled.)"""
    motion = Motion(env, step_budget)
    opening = env.robot.opening
    if env.robot.finger_width() < opening + HELD_MARGIN:
        opening = MAX_OPENING
        motion.hold(opening, LOOK_RELEASE_STEPS)
    here = env.robot.target
    travel = max(float(here[2]), LOOK_POINT[2])
    motion.move_to(np.array([here[0], here[1], travel]), opening, TRAVEL_TOLERANCE)
    done = (motion.move_to(np.array([LOOK_POINT[0], LOOK_POINT[1], travel]), opening, TRAVEL_TOLERANCE)
            and motion.descend(LOOK_POINT[2], opening, TRAVEL_TOLERANCE))
    return SkillResult(done, motion.used, "" if done else "could not take the hand out of the camera's view")


def make_ready(env: TaskEnv, step_budget: int) -> SkillResult:
    """Bring the hand, and what it holds, from the look point (where ``clear_view`` commanded it) straight down to
    ``READY_POINT``, where a camera-mode skill starts, the fingers as they are. A hand commanded anywhere else
    stays: an episode's first look is taken with the arm at home, where the hand shows at the top of the frame,
    far above every object in the image, and its first skill starts there (a first pick from the ready point
    took the disc under the top one in hanoi 4 development seeds 11 and 47)."""
    if np.abs(env.robot.target - np.asarray(LOOK_POINT)).max() > 1e-6:
        return SkillResult(True, 0)
    motion = Motion(env, step_budget)
    opening = env.robot.opening
    done = motion.descend(READY_POINT[2], opening, TRAVEL_TOLERANCE)
    return SkillResult(done, motion.used, "" if done else "could not bring the hand to where skills start")
