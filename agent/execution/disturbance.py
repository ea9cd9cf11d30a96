"""Disturbances: behind the agent's back, between two operators, an object is pushed, dropped, toppled or displaced.

``nesy run --disturb K`` makes ``K`` of them per episode. Everything is drawn from the episode's seed (its own
stream, so the scene and the goal are those of the undisturbed episode): after which executed operators they
happen, which object, what kind and how hard. The agent is not told: it notices, or not, when it re-detects the
scene after the operator and compares it with the state its domain predicted.

Only objects out of the hand with nothing resting on them are disturbed: a push on a held object would test
the friction grasp, not recovery, and one on an object under a stack would be the stack's collapse, a different
event from the one the record names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from envs.detectors import World, detect_on
from envs.simulation import TABLE_TOP_Z
from envs.task_env import TaskEnv
from policies.placement import TABLE_CLEARANCE

#: what a disturbance does to its object
KINDS = ("push", "drop", "topple", "displace")
#: mixed into the episode seed, so that disturbances draw from a stream of their own
STREAM = 0x0D157
#: a push sets the object moving at this speed (m/s), horizontally (heading: see ``_push``), and tumbling
#: over its bottom edge: enough to knock a cube off the one below it, too little to send it off the table (a
#: cube on the table rolls over a face or two)
PUSH_SPEED = (0.4, 0.9)
#: a drop lets the object fall from this far (m) above the top it lands on, turned by up to ``DROP_TILT``
#: (rad) about a horizontal axis
DROP_HEIGHT = (0.02, 0.06)
DROP_TILT = 0.8
#: a toppled cube is stood on its edge beside another object's bottom, this many of its half widths from the
#: other's centre, turned by ``TOPPLE_TILT`` (rad) towards it: it comes to rest leaning against it, tilted by
#: 20 to 40 degrees (tests/test_fallen.py poses the same)
TOPPLE_DISTANCE = 2.5
TOPPLE_TILT = (0.5, 0.7)
#: tries at a free side of the other object before a topple falls back to a drop
TOPPLE_TRIES = 4
#: physics steps allowed for the scene to come to rest after a disturbance (two simulated seconds)
SETTLE_STEPS = 480
REST_SPEED = 0.005


@dataclass(frozen=True)
class Disturbance:
    """One disturbance as the episode record keeps it."""

    after_operator: int
    kind: str
    object: str
    #: where the object's centre was and where it came to rest (x, y, z, rounded to the millimetre)
    start: tuple[float, ...]
    end: tuple[float, ...]
    #: what the kind drew: a push's speed and heading; the object a drop or topple aimed at (``onto``), its
    #: height, tilt and shift; whether a displacement found a free spot (``moved``)
    detail: dict[str, float | str]

    def to_dict(self) -> dict[str, Any]:
        return {"after_operator": self.after_operator, "kind": self.kind, "object": self.object,
                "start": list(self.start), "end": list(self.end), **self.detail}


class Disturber:
    """Makes the disturbances of one episode: ``count`` of them, after distinct operators among the first
    ``operators`` the agent executes (fewer when the first plan is shorter than ``count``)."""

    def __init__(self, count: int, seed: int, operators: int) -> None:
        self.rng = np.random.default_rng((seed, STREAM))
        picked = self.rng.choice(operators, size=min(count, operators), replace=False) if operators else ()
        self.moments = sorted(int(i) for i in picked)

    def after_operator(self, env: TaskEnv, index: int) -> list[Disturbance]:
        """Disturb the scene if the operator just executed (``index``, from 0) is one of the chosen moments."""
        if index not in self.moments:
            return []
        world = env.world()
        candidates = _disturbable(world)
        if not candidates:
            return []
        name = candidates[int(self.rng.integers(len(candidates)))]
        kind = KINDS[int(self.rng.integers(len(KINDS)))]
        start = env.sim.pose(name).position
        _wake(env)
        detail = _DISTURB[kind](env, world, name, self.rng)
        _settle(env)
        end = env.sim.pose(name).position
        return [Disturbance(index, kind, name, _mm(start), _mm(end), detail)]


def _disturbable(world: World) -> list[str]:
    """Movable objects out of the hand with nothing resting on them, by name."""
    covered = {y for _, y in detect_on(world)}
    return [o.name for o in world.movable() if not o.gripped and o.name not in covered]


def _push(env: TaskEnv, world: World, name: str, rng: np.random.Generator) -> dict[str, float | str]:
    """Strike the object near its top: it slides and tumbles over its bottom edge (off the object below it,
    against a neighbour, or over onto another face), heading within 90 degrees of the middle of the table's
    slots, so that it stays within the arm's reach."""
    speed = float(rng.uniform(*PUSH_SPEED))
    x, y, _ = world.objects[name].position
    heading = _inward(env, x, y) + float(rng.uniform(-np.pi / 2, np.pi / 2))
    direction = np.array([np.cos(heading), np.sin(heading), 0.0])
    spin = np.cross((0.0, 0.0, 1.0), direction) * speed / world.objects[name].half_extents[2]
    env.sim.client.resetBaseVelocity(env.sim.bodies[name], tuple(speed * direction), tuple(spin))
    return {"speed": round(speed, 3), "heading": round(heading, 3)}


def _drop(env: TaskEnv, world: World, name: str, rng: np.random.Generator) -> dict[str, float | str]:
    """Let the object fall, turned, onto the edge of another clear object's top (itself where there is no
    other): it may stay on top, slide down and lean against that stack, or fall flat beside it. The edge
    faces the middle of the table's slots, so that it lands where the arm reaches."""
    height = float(rng.uniform(*DROP_HEIGHT))
    tilt_axis = float(rng.uniform(-np.pi, np.pi))
    tilt = float(rng.uniform(0.0, DROP_TILT))
    others = [n for n in _disturbable(world) if n != name]
    onto = world.objects[others[int(rng.integers(len(others)))] if others else name]
    x, y, _ = onto.position
    inward = _inward(env, x, y) + float(rng.uniform(-np.pi / 2, np.pi / 2))
    shift = float(rng.uniform(0.5, 1.5)) * onto.half_extents[0]
    half = world.objects[name].half_extents[2]
    top = onto.top if onto.name != name else onto.bottom
    env.sim.set_pose(name, (x + shift * np.cos(inward), y + shift * np.sin(inward), top + half + height),
                     yaw=float(rng.uniform(-np.pi, np.pi)), tilt=(tilt * np.cos(tilt_axis), tilt * np.sin(tilt_axis)))
    return {"onto": onto.name, "height": round(height, 3), "tilt": round(tilt, 3), "shift": round(shift, 3)}


def _topple(env: TaskEnv, world: World, name: str, rng: np.random.Generator) -> dict[str, float | str]:
    """Knock the object over against another one standing on the table: it ends leaning on that one's side,
    the pose a stack knocked by the arm leaves (a drop where no other object has a free side)."""
    half = world.objects[name].half_extents[0]
    standing = [o for o in world.movable() if o.name != name and not o.gripped and o.bottom < TABLE_TOP_Z + half]
    for _ in range(TOPPLE_TRIES if standing else 0):
        onto = standing[int(rng.integers(len(standing)))]
        heading = _inward(env, *onto.position[:2]) + float(rng.uniform(-np.pi / 2, np.pi / 2))
        tilt = float(rng.uniform(*TOPPLE_TILT))
        xy = (onto.position[0] + TOPPLE_DISTANCE * half * np.cos(heading),
              onto.position[1] + TOPPLE_DISTANCE * half * np.sin(heading))
        if all(np.hypot(xy[0] - o.position[0], xy[1] - o.position[1]) > TOPPLE_DISTANCE * half
               for o in world.movable() if o.name not in (name, onto.name)):
            env.sim.set_pose(name, (xy[0], xy[1], TABLE_TOP_Z + 1.6 * half), yaw=heading, tilt=(0.0, tilt))
            return {"onto": onto.name, "tilt": round(tilt, 3), "heading": round(heading, 3)}
    return _drop(env, world, name, rng)


def _inward(env: TaskEnv, x: float, y: float) -> float:
    """The heading (rad) from ``(x, y)`` to the middle of the table's slots."""
    slots = np.asarray(env.scene.table_slots())
    return float(np.arctan2(slots[:, 1].mean() - y, slots[:, 0].mean() - x))


def _displace(env: TaskEnv, world: World, name: str, rng: np.random.Generator) -> dict[str, float | str]:
    """Carry the object, upright, to a free table spot (free as a put-down needs it) away from where it was;
    with no such spot left it stays where it is."""
    here = world.objects[name].position
    others = [o for o in world.movable() if o.name != name]
    spots = [s for s in env.scene.table_slots()
             if np.hypot(s[0] - here[0], s[1] - here[1]) > TABLE_CLEARANCE[0]
             and all(abs(s[0] - o.position[0]) >= TABLE_CLEARANCE[0] or abs(s[1] - o.position[1]) >= TABLE_CLEARANCE[1]
                     for o in others)]
    if not spots:
        return {"moved": 0.0}
    x, y = spots[int(rng.integers(len(spots)))]
    half_height = world.objects[name].half_extents[2]
    env.sim.set_pose(name, (x, y, TABLE_TOP_Z + half_height), yaw=float(rng.uniform(-0.1, 0.1)))
    return {"moved": 1.0}


_DISTURB = {"push": _push, "drop": _drop, "topple": _topple, "displace": _displace}


def _wake(env: TaskEnv) -> None:
    """Wake every movable body: PyBullet lets bodies at rest sleep, and a sleeping one ignores a velocity it
    is given (the step lets the wake-up take effect)."""
    c = env.sim.client
    for obj in env.scene.objects:
        if obj.movable:
            c.changeDynamics(env.sim.bodies[obj.name], -1, activationState=c.ACTIVATION_STATE_WAKE_UP)
    env.sim.step(1)


def _settle(env: TaskEnv) -> None:
    """Step the physics (the arm holding its commanded pose) until the movable objects are at rest."""
    movable = [o.name for o in env.scene.objects if o.movable]
    for _ in range(SETTLE_STEPS // 8):
        env.sim.step(8)
        if max(np.abs(env.sim.velocity(n)[:3]).max() for n in movable) < REST_SPEED:
            return


def _mm(position: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(round(float(v), 3) for v in position)
