"""Skill-training environments: ``nesy/PickSkill-v0``, ``nesy/PlaceSkill-v0`` and ``nesy/RightSkill-v0``.

Each episode is one operator in a real task scene: a seeded hanoi (any legal start), blocks or sort
scene built by the same scene, robot and detector code as the task environments, a random object (discs
of every trained size, cubes) and, for placing, a random legal target (a peg, a larger disc, a block, the
table or a bin); for righting, a blocks or sort scene with one object knocked over (leaning on another's
side, or lying across another's top edge). The hand starts where the agent could leave it: anywhere above
the scene, or at home.
Observations and success are a ``SkillTask``'s (``policies/skill_tasks.py``), so what a policy learns
here is judged at execution exactly as it was in training.

Setting up a place episode puts the object into the closed hand directly; that is the episode's start
state, never something a skill does.

``randomise=True`` perturbs each episode as ``policies/randomisation.py`` describes (sizes, friction,
masses, start pose, observation noise, a step of action latency), drawn from the episode's seed: training
uses it, ``nesy eval controller --randomise`` measures it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from envs.detectors import World, detect_fallen, detect_in, detect_loose, detect_on
from envs.robot import MAX_OPENING, WORKSPACE_HIGH, WORKSPACE_LOW
from envs.scenes.base import settle
from envs.simulation import TABLE_TOP_Z
from envs.task_env import ACTION_SIZE, TaskEnv
from policies.crowding import GRASP_HEIGHT
from policies.placement import TABLE, NoFreeSpot, placement
from policies.randomisation import DEFAULT, episode_rng, perturb_scene
from policies.righting import lying_on
from policies.seeds import SKILL_VALIDATION_OFFSET
from policies.skill import SKILL_NAMES
from policies.skill_tasks import RUNNING, SUCCESS, PickTask, PlaceTask, RightTask, SkillTask

#: task -> (weight, smallest size, largest size) of the scenes skills train on (hanoi 5 and 6 never)
TRAINING_SCENES = {"hanoi": (0.4, 1, 4), "blocks": (0.35, 1, 6), "sort": (0.25, 1, 6)}
#: righting trains where the domains have a ``right`` operator (Hanoi's discs are fetched instead), in scenes
#: with an object to knock over and another to lean it on
RIGHTING_SCENES = {"blocks": (0.6, 2, 6), "sort": (0.4, 2, 6)}
#: scene options (``envs/scenes/blocks.py``) for a "built-up" blocks scene: one to three stacks, half of them in
#: the far row. Mid-episode the agent leaves towers of four to six and objects in the far row, where it puts
#: them down; start scenes rarely show either, and a pick cloned on start scenes alone reached a cube from
#: above a tall tower too low and lifted it tilted (blocks 6, development seeds 20013, 20016, 20018)
BUILT_UP_OPTIONS = {"new_stack_probability": 0.15, "far_row_share": 0.5}
#: control steps an episode may last (a skill's budget in the agent is far larger)
MAX_STEPS = {"pick": 100, "place": 120, "right": 240}
#: the hand starts this far (m) above whatever is under it, at least
START_HEIGHT = (0.03, 0.15)
START_AREA = ((0.3, 0.7), (-0.35, 0.35))
#: around a start point, things within this planar distance (m) count as under the hand
UNDER_HAND = 0.1
HOME_PROBABILITY = 0.2
#: control steps for the arm to settle at its start pose (and the hand to close on a placed load)
SETTLE_STEPS = 12

#: how a righting episode knocks its object over (``RightSkillEnv``): leaning against another's side (this
#: share of episodes; its centre this many of its half widths from the other's, tilted by ``LEAN_TILT`` rad
#: towards it, as ``agent/execution/disturbance.py`` topples), else dropped from ``ACROSS_DROP`` m above
#: another's top, its centre ``ACROSS_SHIFT`` of that one's half widths off centre, tilted by ``ACROSS_TILT``
LEAN_SHARE = 0.6
LEAN_DISTANCE = 2.5
LEAN_TILT = (0.4, 0.7)
ACROSS_SHIFT = (0.6, 1.2)
ACROSS_DROP = 0.01
ACROSS_TILT = (0.3, 0.8)
#: an object counts as standing on the table when its bottom is this close to it (m)
STANDING_TOLERANCE = 0.005
#: physics steps (one simulated second) for a knocked object to come to rest
KNOCK_SETTLE_STEPS = 240
#: a knocked object must lie this far (m) inside the workspace's edges, where the arm still reaches around it
REACH_MARGIN = 0.05


class SkillEnv(gym.Env, ABC):
    """One operator's motion from a randomised start; subclasses choose the operator."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}
    skill: str
    #: the ``SkillTask`` class whose observation the policy sees
    task_class: type[SkillTask]
    #: task -> (weight, smallest size, largest size) of the scenes drawn
    training_scenes: dict[str, tuple[float, int, int]] = TRAINING_SCENES
    #: share of blocks scenes drawn built up (``BUILT_UP_OPTIONS``)
    built_up_share: float = 0.0

    def __init__(self, scenes: dict[str, tuple[float, int, int]] | None = None,
                 render_mode: str | None = None, randomise: bool = False) -> None:
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.scenes = scenes or self.training_scenes
        self.render_mode = render_mode
        self.action_space = spaces.Box(-1.0, 1.0, shape=(ACTION_SIZE,), dtype=np.float32)
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(self.task_class.size,), dtype=np.float32)
        self._envs: dict[tuple[str, int, bool], TaskEnv] = {}
        self.env: TaskEnv | None = None
        self.task: SkillTask | None = None
        self._potential = 0.0
        self._steps = 0
        self._rng = np.random.default_rng(0)
        self.randomise = randomise
        self._noise = np.random.default_rng(0)
        #: with latency, the action the arm carries out at the next step (the one chosen a step before)
        self._pending = np.zeros(4, dtype=np.float32)
        #: the finger command the episode's start state holds (the first latent step's action keeps it)
        self._grip = -1.0

    def _scene(self, fresh: bool) -> TaskEnv:
        """Build a random scene (one PyBullet client per task and size, reused). ``fresh`` rebuilds the
        whole world, arm included, so that a seeded episode is the same whatever ran before it."""
        rng = self._rng
        names = sorted(self.scenes)
        weights = np.array([self.scenes[n][0] for n in names])
        task = names[int(rng.choice(len(names), p=weights / weights.sum()))]
        _, low, high = self.scenes[task]
        size = int(rng.integers(low, high + 1))
        built_up = task == "blocks" and self.built_up_share > 0.0 and rng.random() < self.built_up_share
        if (task, size, built_up) not in self._envs:
            options = {"start": "random"} if task == "hanoi" else BUILT_UP_OPTIONS if built_up else {}
            self._envs[(task, size, built_up)] = TaskEnv(task, size, **options)
        env = self._envs[(task, size, built_up)]
        scene_rng = np.random.default_rng(int(rng.integers(2**31 - 1)))
        if fresh:
            env.reset(seed=int(scene_rng.integers(2**31 - 1)))
        else:
            env.build_scene(scene_rng, keep_robot=True)
            settle(env.sim)
        return env

    @abstractmethod
    def _setup(self, env: TaskEnv, world: World, name: str) -> SkillTask | None:
        """Put the scene (seen as ``world``) into the start state of an episode about the clear object
        ``name``; None when this scene offers no such episode."""

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """``seed`` fixes the whole episode; without one, the next training seed (below
        ``SKILL_VALIDATION_OFFSET``, ``policies/seeds.py``) is drawn from the generator the first seed set up."""
        super().reset(seed=seed)
        episode_seed = seed if seed is not None else int(self.np_random.integers(SKILL_VALIDATION_OFFSET))
        self._rng = np.random.default_rng(episode_seed)
        self._noise = episode_rng(episode_seed)
        while True:
            env = self._scene(fresh=seed is not None)
            world = env.world()
            name = self._random_clear_object(world)
            if name is not None and self.randomise:
                perturb_scene(env, name, self._noise)
                world = env.world()
            task = self._setup(env, world, name) if name is not None else None
            if task is not None:
                break
        self.env, self.task, self._steps = env, task, 0
        self._pending = np.array([0.0, 0.0, 0.0, self._grip], dtype=np.float32)
        world = env.world()
        self._potential = task.potential(world)
        return self._observe(world), self._info(RUNNING, "")

    def step(self, action: np.ndarray):
        env, task = self.env, self.task
        if self.randomise and DEFAULT.latency:
            action, self._pending = self._pending, np.asarray(action, dtype=np.float32)
        task.before_action()
        env.apply_action(action)
        self._steps += 1
        world = env.world()
        status = task.status(world)
        reward = task.reward(self._potential, world, status)
        self._potential = task.potential(world)
        terminated = status.state != RUNNING
        truncated = not terminated and self._steps >= MAX_STEPS[self.skill]
        return self._observe(world), float(reward), terminated, truncated, self._info(status.state, status.reason)

    @property
    def pending_action(self) -> np.ndarray | None:
        """With latency, the action chosen at the last step that the arm carries out at the next one; None
        without latency (every action takes effect at once)."""
        return self._pending.copy() if self.randomise and DEFAULT.latency else None

    def _observe(self, world: World) -> np.ndarray:
        observation = self.task.observe(world)
        if self.randomise:
            noise = self._noise.normal(0.0, DEFAULT.observation_noise, size=observation.shape)
            observation = (observation + noise).astype(observation.dtype)
        return observation

    def _info(self, state: str, reason: str) -> dict[str, Any]:
        return {"is_success": state == SUCCESS, "status": state, "reason": reason, "task": self.env.task,
                "size": self.env.scene.size, "object": self.task.name}

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array" or self.env is None:
            return None
        return self.env.video_camera.render(self.env.sim.client)[0]

    def close(self) -> None:
        for env in self._envs.values():
            env.close()
        self._envs.clear()

    # -- start states ---------------------------------------------------------------------------------------------

    def _random_clear_object(self, world: World) -> str | None:
        """A random movable object with nothing on it and outside every bin (what a pick may take), or
        None when there is none."""
        supports = {below for _, below in detect_on(world)}
        in_bins = {name for name, _ in detect_in(world)}
        candidates = [o.name for o in world.movable() if o.name not in supports and o.name not in in_bins]
        return candidates[int(self._rng.integers(len(candidates)))] if candidates else None

    def _start_point(self, world: World, skip: str, load: float) -> np.ndarray:
        """A random point for the bottom of the hand's load (``load`` m below the hand) to start at: above
        whatever lies under it, within reach."""
        rng = self._rng
        xy = np.array([rng.uniform(*START_AREA[0]), rng.uniform(*START_AREA[1])])
        under = [o.top for o in world.objects.values()
                 if o.name != skip and o.kind != "peg" and np.hypot(*(np.asarray(o.position[:2]) - xy)) < UNDER_HAND]
        bottom = max(under, default=0.0) + rng.uniform(*START_HEIGHT)
        return np.array([xy[0], xy[1], bottom + load])

    def _settle(self, env: TaskEnv, grip: float) -> None:
        self._grip = grip
        for _ in range(SETTLE_STEPS):
            env.apply_action(np.array([0.0, 0.0, 0.0, grip]))


class PickSkillEnv(SkillEnv):
    """Grasp a random clear object and lift it."""

    skill = "pick"
    task_class = PickTask
    built_up_share = 0.5

    def _setup(self, env: TaskEnv, world: World, name: str) -> SkillTask | None:
        rng = self._rng
        opening = rng.uniform(0.4, 1.0) * MAX_OPENING
        if rng.random() >= HOME_PROBABILITY:
            env.robot.reset_pose(self._start_point(world, "", 0.0), opening)
        self._settle(env, opening / MAX_OPENING * 2.0 - 1.0)
        return PickTask(env, name)


class PlaceSkillEnv(SkillEnv):
    """Carry a held object to a random legal target, put it down and let go."""

    skill = "place"
    task_class = PlaceTask

    def _setup(self, env: TaskEnv, world: World, name: str) -> SkillTask | None:
        rng = self._rng
        obj = world.objects[name]
        grasp = min(obj.half_height, GRASP_HEIGHT) + rng.uniform(-0.003, 0.003)
        hand = self._start_point(world, name, grasp)
        offset = rng.uniform(-0.004, 0.004)
        env.sim.set_pose(name, (hand[0] + offset, hand[1], hand[2] - grasp + obj.half_height),
                         yaw=float(rng.uniform(-0.15, 0.15)))
        env.robot.reset_pose(hand, MAX_OPENING)
        self._settle(env, -1.0)
        world = env.world()
        if not world.objects[name].gripped:
            return None
        targets = self._targets(env, world, name)
        if not targets:
            return None
        target = targets[int(rng.integers(len(targets)))]
        try:
            where = placement(env, world, name, target)
        except NoFreeSpot:
            return None
        return PlaceTask(env, name, target, where)

    def _targets(self, env: TaskEnv, world: World, name: str) -> list[str]:
        """Where the task's domain lets the held object go."""
        held = world.objects[name]
        supports = {below for _, below in detect_on(world)}
        clear = [o for o in world.movable() if o.name != name and o.name not in supports]
        if env.task == "hanoi":
            empty_pegs = [p.name for p in world.of_kind("peg") if p.name not in supports]
            larger = [o.name for o in clear if o.half_extents[0] > held.half_extents[0]]
            return empty_pegs + larger
        if env.task == "sort":
            return [b.name for b in world.of_kind("bin")] + [TABLE]
        return [o.name for o in clear] + [TABLE]


class RightSkillEnv(SkillEnv):
    """Put a knocked-over object upright on the table: pick it as it lies and put it down.

    The start state knocks the chosen object over against another standing on the table: leaning on its
    side (``LEAN_SHARE`` of the episodes, the pose a stack knocked by the arm leaves) or dropped tilted across
    its top edge, then lets the scene come to rest. Episodes whose object did not end fallen (or loose), lies
    under another, or left the arm's reach are drawn again. The hand starts unturned; the task turns it
    (``RightTask.before_action``), as in the agent.
    """

    skill = "right"
    task_class = RightTask
    training_scenes = RIGHTING_SCENES

    def _setup(self, env: TaskEnv, world: World, name: str) -> SkillTask | None:
        rng = self._rng
        half = world.objects[name].half_extents[0]
        standing = [o for o in world.movable() if o.name != name and o.bottom < TABLE_TOP_Z + STANDING_TOLERANCE]
        if not standing:
            return None
        onto = standing[int(rng.integers(len(standing)))]
        heading = float(rng.uniform(-np.pi, np.pi))
        if rng.random() < LEAN_SHARE:
            distance = LEAN_DISTANCE * half
            centre = (onto.position[0] + distance * np.cos(heading), onto.position[1] + distance * np.sin(heading),
                      TABLE_TOP_Z + 1.6 * half)
            yaw, tilt = heading, (0.0, float(rng.uniform(*LEAN_TILT)))
        else:
            shift = float(rng.uniform(*ACROSS_SHIFT)) * onto.half_extents[0]
            centre = (onto.position[0] + shift * np.cos(heading), onto.position[1] + shift * np.sin(heading),
                      onto.top + half + ACROSS_DROP)
            axis, angle = float(rng.uniform(-np.pi, np.pi)), float(rng.uniform(*ACROSS_TILT))
            yaw, tilt = float(rng.uniform(-np.pi, np.pi)), (angle * np.cos(axis), angle * np.sin(axis))
        crowded = any(np.hypot(centre[0] - o.position[0], centre[1] - o.position[1]) < LEAN_DISTANCE * half
                      for o in world.objects.values() if o.name not in (name, onto.name) and o.kind != "peg")
        if crowded:
            return None
        env.robot.go_home()
        env.sim.set_pose(name, centre, yaw=yaw, tilt=tilt)
        env.sim.step(KNOCK_SETTLE_STEPS)
        world = env.world()
        obj = world.objects[name]
        if ((name,) not in detect_fallen(world) | detect_loose(world) or lying_on(world, name) is not None
                or np.any(np.asarray(obj.position[:2]) < WORKSPACE_LOW[:2] + REACH_MARGIN)
                or np.any(np.asarray(obj.position[:2]) > WORKSPACE_HIGH[:2] - REACH_MARGIN)):
            return None
        env.robot.set_yaw(0.0)  # the task turns the hand once it is clear (``RightTask.before_action``)
        opening = rng.uniform(0.4, 1.0) * MAX_OPENING
        if rng.random() >= HOME_PROBABILITY:
            env.robot.reset_pose(self._start_point(world, "", 0.0), opening)
        self._settle(env, opening / MAX_OPENING * 2.0 - 1.0)
        try:
            return RightTask(env, name)
        except NoFreeSpot:
            return None


SKILL_ENVS = {"pick": PickSkillEnv, "place": PlaceSkillEnv, "right": RightSkillEnv}
assert tuple(SKILL_ENVS) == SKILL_NAMES, "a skill environment per skill"
#: the registered id of each skill's training environment
SKILL_ENV_IDS = {skill: f"nesy/{skill.capitalize()}Skill-v0" for skill in SKILL_NAMES}

for _skill, _env_id in SKILL_ENV_IDS.items():
    if _env_id not in gym.registry:
        gym.register(id=_env_id, entry_point=f"policies.skill_envs:{SKILL_ENVS[_skill].__name__}")
