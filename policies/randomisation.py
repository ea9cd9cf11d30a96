"""Domain randomisation of a skill episode: what the real arm would meet that the nominal scene never shows.

A policy trained only on the nominal physics learns its exact friction, masses, sizes and timing; these
perturbations keep it from leaning on them. Each is drawn from the episode's seed (a generator of its own,
so a randomised episode has the same scene, object and start as the nominal episode of that seed):

- the handled object's size, scaled by a factor in [0.8, 1.2] (all three axes; a box only, and only as far
  as its neighbours leave room), and its start pose moved a few millimetres and turned a little;
- every movable object's friction and mass, each scaled by a factor in [0.8, 1.2];
- Gaussian noise on every observation;
- one control step of latency: each action takes effect one step after the policy chose it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from envs.scenes.base import COLORS
from envs.task_env import TaskEnv


@dataclass(frozen=True)
class Randomisation:
    """How far each quantity is perturbed (relative spans, metres, radians, observation units)."""

    size: float = 0.2
    friction: float = 0.2
    mass: float = 0.2
    #: the handled object's start moves up to this far (m) in the plane and turns up to ``start_yaw`` (rad)
    start_shift: float = 0.003
    start_yaw: float = 0.1
    #: standard deviation of the observation noise (observations are in decimetres: 0.01 is 1 mm)
    observation_noise: float = 0.01
    #: whether each action takes effect one control step after it was chosen
    latency: bool = True


DEFAULT = Randomisation()
#: a grown object keeps at least this gap (m) to every neighbour it shares a height with
NEIGHBOUR_GAP = 0.004


def episode_rng(episode_seed: int) -> np.random.Generator:
    """The randomisation's own generator for an episode, apart from the one that builds its scene."""
    return np.random.default_rng([episode_seed, 0x5EED])


def perturb_scene(env: TaskEnv, name: str, rng: np.random.Generator, spec: Randomisation = DEFAULT) -> None:
    """Perturb the freshly built scene of ``env`` in place: ``name`` (the handled object) is resized and
    moved, every movable object's friction and mass rescaled. The caller lets the scene settle."""
    sim = env.sim
    c = sim.client
    _resize_and_shift(env, name, rng, spec)
    for obj in env.scene.objects:
        if not obj.movable:
            continue
        body = sim.bodies[obj.name]
        mass, friction = c.getDynamicsInfo(body, -1)[:2]
        c.changeDynamics(body, -1, mass=mass * rng.uniform(1 - spec.mass, 1 + spec.mass),
                         lateralFriction=friction * rng.uniform(1 - spec.friction, 1 + spec.friction))


def _resize_and_shift(env: TaskEnv, name: str, rng: np.random.Generator, spec: Randomisation) -> None:
    """Rebuild the box ``name`` scaled by a drawn factor and moved by a drawn offset, bottom where it was.
    (Skill scenes have no off-centre masses, the one thing a rebuilt box would lose.)"""
    sim = env.sim
    c = sim.client
    index = next(i for i, o in enumerate(env.scene.objects) if o.name == name)
    obj = env.scene.objects[index]
    factor = float(rng.uniform(1 - spec.size, 1 + spec.size))
    shift = rng.uniform(-spec.start_shift, spec.start_shift, size=2)
    turn = float(rng.uniform(-spec.start_yaw, spec.start_yaw))
    if obj.shape != "box":
        return
    pose = sim.pose(name)
    position = np.asarray(pose.position)
    factor = min(factor, _room(env, name, position))
    body = sim.bodies[name]
    mass, friction = c.getDynamicsInfo(body, -1)[:2]
    yaw = float(c.getEulerFromQuaternion(pose.orientation)[2]) + turn
    x, y, z = obj.half_extents
    half = (x * factor, y * factor, z * factor)
    bottom = position[2] - obj.half_extents[2]
    c.removeBody(sim.bodies.pop(name))
    sim.add_box(name, half, (position[0] + shift[0], position[1] + shift[1], bottom + half[2]), COLORS[obj.color],
                mass=mass, friction=friction, yaw=yaw)
    env.scene.objects[index] = dataclasses.replace(obj, half_extents=half)


def _room(env: TaskEnv, name: str, position: np.ndarray) -> float:
    """The largest scale factor at which ``name`` (a box at ``position``) keeps ``NEIGHBOUR_GAP`` to every
    object beside it (one whose height range meets its own); shrinking always fits."""
    obj = next(o for o in env.scene.objects if o.name == name)
    radius = float(np.hypot(obj.half_extents[0], obj.half_extents[1]))
    low, high = position[2] - obj.half_extents[2], position[2] + obj.half_extents[2]
    limit = np.inf
    for other in env.scene.objects:
        if other.name == name or other.kind == "peg":
            continue
        if other.kind == "bin":
            continue  # static and open: an object beside a bin stands on the table, well clear of its walls
        where = np.asarray(env.sim.pose(other.name).position)
        if where[2] + other.half_extents[2] <= low + 1e-3 or where[2] - other.half_extents[2] >= high - 1e-3:
            continue  # below it (its support) or above it
        gap = float(np.hypot(*(where[:2] - position[:2]))) - float(np.hypot(*other.half_extents[:2]))
        limit = min(limit, (gap - NEIGHBOUR_GAP) / radius)
    return max(float(limit), 1.0)
