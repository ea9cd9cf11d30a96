"""The Franka Panda: end-effector targets in, joint position commands out.

The arm tracks a *commanded* end-effector target that actions move, rather than "measured pose plus a
step": the latter makes the arm slower the higher the control rate (controller lag). The orientation is
fixed, gripper pointing down, fingers closing along the world y axis; only the righting skills (scripted and
learned) turn the hand about the vertical (``set_yaw``) to close the fingers on the faces of a tilted object.
"""

from __future__ import annotations

import numpy as np

from envs.simulation import Simulation

ARM_JOINTS = tuple(range(7))
FINGER_JOINTS = (9, 10)
MOVABLE_JOINTS = (*ARM_JOINTS, *FINGER_JOINTS)
EE_LINK = 11  # panda_grasptarget: the point between the finger pads
HOME_JOINTS = (0.0, -0.25, 0.0, -2.1, 0.0, 1.85, 0.785)
ARM_FORCES = (87.0, 87.0, 87.0, 87.0, 12.0, 12.0, 12.0)
FINGER_FORCE = 40.0
MAX_OPENING = 0.08
WORKSPACE_LOW = np.array([0.2, -0.5, 0.005])
WORKSPACE_HIGH = np.array([0.85, 0.5, 0.55])


class Panda:
    """A Panda fixed at the origin of the table's back edge."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        c = sim.client
        self.body = sim.add_urdf("robot", "franka_panda/panda.urdf", (0.0, 0.0, 0.0))
        self._reset_joints()
        for joint in FINGER_JOINTS:
            c.changeDynamics(self.body, joint, lateralFriction=1.5, spinningFriction=0.01)
        # Couple the fingers so they open and close symmetrically: two independent saturated finger
        # controllers let a held object drift along the closing axis when the arm accelerates.
        gear = c.createConstraint(self.body, FINGER_JOINTS[0], self.body, FINGER_JOINTS[1], c.JOINT_GEAR,
                                  (1.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
        c.changeConstraint(gear, gearRatio=-1, erp=0.1, maxForce=50)
        self.yaw = 0.0
        self.down = c.getQuaternionFromEuler((np.pi, 0.0, 0.0))
        # Null-space IK needs limits for every movable joint, fingers included: PyBullet silently ignores
        # lists of any other length.
        info = [c.getJointInfo(self.body, j) for j in MOVABLE_JOINTS]
        self._lower = [i[8] for i in info]
        self._upper = [i[9] for i in info]
        self._ranges = [upper - lower for lower, upper in zip(self._lower, self._upper)]
        self.target = self.ee_position()
        self.opening = MAX_OPENING
        self.command()

    def _reset_joints(self) -> None:
        c = self.sim.client
        for joint, angle in zip(ARM_JOINTS, HOME_JOINTS):
            c.resetJointState(self.body, joint, angle)
        for joint in FINGER_JOINTS:
            c.resetJointState(self.body, joint, MAX_OPENING / 2)

    def set_yaw(self, yaw: float) -> None:
        """Turn the commanded hand by ``yaw`` (rad) about the vertical: the fingers then close along
        (-sin yaw, cos yaw). Actions never change it; the arm turns there over the next control steps."""
        self.yaw = float(yaw)
        self.down = self.sim.client.getQuaternionFromEuler((np.pi, 0.0, self.yaw))

    def go_home(self) -> None:
        """Put the arm at its home posture at once, hand open, at rest."""
        self.set_yaw(0.0)
        self._reset_joints()
        self.target = self.ee_position()
        self.opening = MAX_OPENING
        self.command()

    def ee_position(self) -> np.ndarray:
        return np.array(self.sim.client.getLinkState(self.body, EE_LINK, computeForwardKinematics=True)[4])

    def finger_width(self) -> float:
        c = self.sim.client
        return float(sum(c.getJointState(self.body, j)[0] for j in FINGER_JOINTS))

    def joint_positions(self) -> np.ndarray:
        return np.array([s[0] for s in self.sim.client.getJointStates(self.body, ARM_JOINTS)])

    def move_target(self, delta: np.ndarray) -> None:
        """Shift the commanded end-effector target, kept inside the workspace."""
        self.target = np.clip(self.target + delta, WORKSPACE_LOW, WORKSPACE_HIGH)

    def set_opening(self, opening: float) -> None:
        self.opening = float(np.clip(opening, 0.0, MAX_OPENING))

    def reset_pose(self, target: np.ndarray, opening: float) -> None:
        """Put the arm at ``target`` with the hand at ``opening`` at once (setting up a skill-training
        episode's start; skills and the agent only ever move the arm through ``move_target``)."""
        c = self.sim.client
        self.target = np.clip(np.asarray(target, dtype=np.float64), WORKSPACE_LOW, WORKSPACE_HIGH)
        self.set_opening(opening)
        for joint, angle in zip(ARM_JOINTS, self._solve_ik()[:7]):
            c.resetJointState(self.body, joint, angle)
        for joint in FINGER_JOINTS:
            c.resetJointState(self.body, joint, self.opening / 2)
        self.command()

    def command(self) -> None:
        """Send joint targets for the commanded pose and opening."""
        c = self.sim.client
        c.setJointMotorControlArray(self.body, ARM_JOINTS, c.POSITION_CONTROL, targetPositions=self._solve_ik()[:7],
                                    forces=ARM_FORCES)
        c.setJointMotorControlArray(self.body, FINGER_JOINTS, c.POSITION_CONTROL,
                                    targetPositions=[self.opening / 2] * 2, forces=[FINGER_FORCE] * 2)

    def _solve_ik(self) -> list[float]:
        """Joint positions that put the end effector at the commanded target, in a consistent posture.

        Two passes. The first pulls towards the home posture turned to face the target (null-space IK):
        without it, solutions drift from call to call into twisted postures whose elbow sweeps low through
        nearby stacks. Null-space IK leaves 1 to 3 mm of error, so a second, plain pass starts from the
        first pass's joints (set for the solve only; positions and velocities are restored before any
        physics step) and brings the error under a millimetre.
        """
        c = self.sim.client
        target = self.target.tolist()
        rest = [float(np.arctan2(self.target[1], self.target[0])), *HOME_JOINTS[1:], self.opening / 2,
                self.opening / 2]
        posture = c.calculateInverseKinematics(
            self.body, EE_LINK, target, self.down, lowerLimits=self._lower, upperLimits=self._upper,
            jointRanges=self._ranges, restPoses=rest, maxNumIterations=10)
        saved = c.getJointStates(self.body, MOVABLE_JOINTS)
        for joint, angle in zip(MOVABLE_JOINTS, posture):
            c.resetJointState(self.body, joint, angle)
        joints = c.calculateInverseKinematics(self.body, EE_LINK, target, self.down, maxNumIterations=30,
                                              residualThreshold=1e-5)
        for joint, state in zip(MOVABLE_JOINTS, saved):
            c.resetJointState(self.body, joint, state[0], state[1])
        return list(joints)
