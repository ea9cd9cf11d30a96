"""The task environment: a Panda, a table, a task scene and a fixed camera, behind the gymnasium API.

The action moves the commanded end-effector target by up to ``MAX_STEP`` metres per axis and sets the
gripper opening; each control step runs ``SUBSTEPS`` physics steps. Observations carry the camera's RGB
and depth, the robot's proprioception and the poses of the movable objects (sorted by name, as
``info["movable"]`` lists them). ``symbolic_state()`` is what the detectors read off the scene now.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from envs.camera import Camera
from envs.camera_frame import FRAME_SIZE, Frame, Gripper
from envs.detectors import ObjectState, World, box_half_height, detect
from envs.robot import FINGER_JOINTS, MAX_OPENING, Panda
from envs.scenes.base import Scene, settle
from envs.scenes.registry import SCENES
from envs.simulation import Simulation

MAX_STEP = 0.012
SUBSTEPS = 8
OBS_IMAGE_SIZE = 96
RENDER_SIZE = (320, 240)
#: an action: the end-effector target's move along x, y, z and the gripper opening
ACTION_SIZE = 4


class TaskEnv(gym.Env):
    """A manipulation task (``hanoi``, ``blocks`` or ``sort``) of a given size."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}

    def __init__(self, task: str = "hanoi", size: int = 3, render_mode: str | None = None, gui: bool = False,
                 image_size: int = OBS_IMAGE_SIZE, **scene_options: Any) -> None:
        if task not in SCENES:
            raise ValueError(f"unknown task {task!r}; known: {sorted(SCENES)}")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.task = task
        self.scene: Scene = SCENES[task](size, **scene_options)
        self.scene_options = scene_options
        self.render_mode = render_mode
        self.sim = Simulation(gui=gui)
        self.camera = Camera(image_size, image_size)
        self.video_camera = Camera(*RENDER_SIZE)
        self.robot: Panda | None = None
        self.goal: frozenset[str] = frozenset()
        self._frames: list[np.ndarray] | None = None
        self._frame_every = 1
        self._build(np.random.default_rng(0))
        n_movable = sum(o.movable for o in self.scene.objects)
        self.action_space = spaces.Box(-1.0, 1.0, shape=(ACTION_SIZE,), dtype=np.float32)
        self.observation_space = spaces.Dict({
            "image": spaces.Box(0, 255, shape=(image_size, image_size, 3), dtype=np.uint8),
            "depth": spaces.Box(0.0, np.inf, shape=(image_size, image_size, 1), dtype=np.float32),
            "robot": spaces.Box(-np.inf, np.inf, shape=(11,), dtype=np.float32),
            "objects": spaces.Box(-np.inf, np.inf, shape=(n_movable, 7), dtype=np.float32),
        })

    # -- building -------------------------------------------------------------------------------------------------

    def _build(self, rng: np.random.Generator) -> None:
        self.sim.reset()
        self.robot = Panda(self.sim)
        self.build_scene(rng)

    def build_scene(self, rng: np.random.Generator, keep_robot: bool = False) -> None:
        """Build a fresh scene from ``rng``. ``keep_robot`` keeps the loaded arm (sent home) instead of
        rebuilding the world: loading the Panda costs more than a whole skill-training episode, and
        training scenes need not match a fresh world bit for bit. ``reset`` always builds afresh."""
        if keep_robot:
            self.sim.remove_all_but(("table", "robot"))
            self.robot.go_home()
        self.scene = SCENES[self.task](self.scene.size, **self.scene_options)
        self.scene.build(self.sim, rng)
        settle(self.sim)
        self.sim.steps = 0
        self.sim.finish_building()

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._build(self.np_random)
        self.goal = frozenset((options or {}).get("goal", ()))
        return self._observation(), self._info()

    # -- acting ---------------------------------------------------------------------------------------------------

    def apply_action(self, action: np.ndarray) -> None:
        """Move the arm by one control step without building an observation (skills use this: rendering
        every step would dominate the cost)."""
        action = np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0)
        self.robot.move_target(action[:3] * MAX_STEP)
        self.robot.set_opening((action[3] + 1.0) / 2.0 * MAX_OPENING)
        self.robot.command()
        self.sim.step(SUBSTEPS)
        if self._frames is not None and (self.sim.steps // SUBSTEPS) % self._frame_every == 0:
            self._frames.append(self.video_camera.render(self.sim.client)[0])

    def step(self, action: np.ndarray):
        self.apply_action(action)
        reward, terminated = 0.0, False
        if self.goal:
            terminated = self.goal <= set(self.symbolic_state())
            reward = float(terminated)
        return self._observation(), reward, terminated, False, self._info()

    # -- observing ------------------------------------------------------------------------------------------------

    def world(self) -> World:
        """Snapshot of every object's geometry and whether the hand grips it."""
        sim, robot = self.sim, self.robot
        c = sim.client
        states = {}
        for obj in self.scene.objects:
            pose = sim.pose(obj.name)
            half_height, flat = obj.half_extents[2], True
            gripped = False
            if obj.movable:
                half_height, flat = box_half_height(obj.half_extents, pose.orientation)
                contacts = c.getContactPoints(bodyA=sim.bodies[obj.name])
                fingers = {contact[4] for contact in contacts if contact[2] == robot.body}
                others = [contact for contact in contacts if contact[2] != robot.body]
                gripped = set(FINGER_JOINTS) <= fingers and not others
            states[obj.name] = ObjectState(obj.name, obj.kind, obj.half_extents, pose.position, obj.movable,
                                           half_height, flat, gripped, obj.shape, obj.material)
        return World(states)

    def symbolic_state(self, predicates: dict[str, str] | None = None) -> list[str]:
        """Atoms that hold now, sorted; ``predicates`` maps a domain's predicate names to detectors
        (default: the task's own vocabulary)."""
        return detect(self.world(), predicates or self.scene.predicates)

    def camera_frame(self, size: int = FRAME_SIZE) -> Frame:
        """All a camera-mode agent gets (``envs.camera_frame``): the fixed camera's RGB-D frame and
        calibration, and the gripper as the robot's joints report it."""
        camera = Camera(size, size)
        rgb, depth = camera.render(self.sim.client)
        robot = self.robot
        x, y, z = (float(v) for v in robot.ee_position())
        gripper = Gripper((x, y, z), robot.finger_width(), float(robot.opening))
        return Frame(rgb, depth[..., 0], camera, gripper)

    def _observation(self) -> dict[str, np.ndarray]:
        rgb, depth = self.camera.render(self.sim.client)
        robot = self.robot
        proprio = np.concatenate([robot.ee_position(), [robot.finger_width()], robot.joint_positions()])
        poses = [np.concatenate([p.position, p.orientation])
                 for p in (self.sim.pose(o.name) for o in self.scene.objects if o.movable)]
        return {"image": rgb, "depth": depth, "robot": proprio.astype(np.float32),
                "objects": np.asarray(poses, dtype=np.float32)}

    def _info(self) -> dict[str, Any]:
        return {"objects": [o.name for o in self.scene.objects],
                "movable": [o.name for o in self.scene.objects if o.movable], "sim_steps": self.sim.steps}

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array":
            return None
        return self.video_camera.render(self.sim.client)[0]

    def start_recording(self, every: int = 4) -> None:
        """Keep a video frame every ``every`` control steps until ``stop_recording``."""
        self._frames = [self.video_camera.render(self.sim.client)[0]]
        self._frame_every = max(1, every)

    def stop_recording(self) -> list[np.ndarray]:
        frames, self._frames = self._frames or [], None
        return frames

    def close(self) -> None:
        self.sim.close()


#: the registered id of each task's environment
ENV_IDS = {task: f"nesy/{task.capitalize()}-v0" for task in SCENES}

for _task, _env_id in ENV_IDS.items():
    if _env_id not in gym.registry:
        gym.register(id=_env_id, entry_point="envs.task_env:TaskEnv", kwargs={"task": _task},
                     max_episode_steps=1000)
