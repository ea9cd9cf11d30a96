"""Symbolic state from the geometry and contacts of the current scene.

Detectors read a ``World`` snapshot (poses, sizes and finger contacts, taken once) and never a record of
what the agent did, so the symbolic state is what the scene shows now. Each detector returns the ground
argument tuples for which its predicate holds; ``detect`` turns them into sorted atom strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import permutations

import numpy as np

from envs.simulation import TABLE_CENTRE_XY, TABLE_HALF_XY, TABLE_TOP_Z

#: how far (m) a resting object's bottom may be from its support's top
SUPPORT_TOLERANCE = 0.008
#: a fallen object leans on another whose centre is closer than this many of its half widths horizontally
#: and whose top is clearly above its bottom: a cube leaning 20 to 40 degrees stands 2.5 half widths off the one it
#: leans on (tests/test_fallen.py), while resting neighbours stand 10 or more apart (envs/scenes/blocks.py)
LEAN_REACH = 3.2
#: widths (half, m) closer than this are the same size
SIZE_TOLERANCE = 0.001
#: an object counts as lying flat when one of its axes is this close to vertical (cosine; 14 degrees). Beyond it
#: the object is ``fallen``: resting objects of seeded scenes and of finished episodes tilt under a degree
#: (tests/test_detectors.py measures them), a cube leaning on another tilts 20 degrees or more
FLAT_COSINE = 0.97


@dataclass(frozen=True)
class ObjectState:
    """One object as the detectors see it."""

    name: str
    kind: str
    half_extents: tuple[float, float, float]
    position: tuple[float, float, float]
    movable: bool
    #: half height of the object's axis-aligned bounding box (equals half_extents[2] when flat)
    half_height: float = 0.0
    flat: bool = True
    #: both fingers touch it and nothing else does
    gripped: bool = False
    #: what the camera sees of it: "box" or "dome", "wood" or "metal" (see ``envs.scenes.base.SceneObject``)
    shape: str = "box"
    material: str = "wood"

    @property
    def bottom(self) -> float:
        return self.position[2] - self.half_height

    @property
    def top(self) -> float:
        return self.position[2] + self.half_height

    def xy_distance(self, other: ObjectState) -> float:
        return float(np.hypot(self.position[0] - other.position[0], self.position[1] - other.position[1]))


@dataclass(frozen=True)
class World:
    """A snapshot of the scene: every named object, by name."""

    objects: Mapping[str, ObjectState]

    def of_kind(self, *kinds: str) -> list[ObjectState]:
        return [o for name, o in sorted(self.objects.items()) if o.kind in kinds]

    def movable(self) -> list[ObjectState]:
        return [o for _, o in sorted(self.objects.items()) if o.movable]


def box_half_height(half_extents: Iterable[float], orientation: Iterable[float]) -> tuple[float, bool]:
    """Vertical half extent of a rotated box and whether it lies flat (an axis near vertical)."""
    import pybullet

    rotation = np.asarray(pybullet.getMatrixFromQuaternion(tuple(orientation))).reshape(3, 3)
    vertical = np.abs(rotation[2])
    return float(vertical @ np.asarray(tuple(half_extents))), bool(vertical.max() > FLAT_COSINE)


def _resting(obj: ObjectState) -> bool:
    return obj.movable and obj.flat and not obj.gripped and _on_table_top(obj)


def _on_table_top(obj: ObjectState) -> bool:
    """The object's centre is over the table and it has not sunk below its top (it fell off)."""
    return (abs(obj.position[0] - TABLE_CENTRE_XY[0]) < TABLE_HALF_XY[0]
            and abs(obj.position[1] - TABLE_CENTRE_XY[1]) < TABLE_HALF_XY[1]
            and obj.bottom > TABLE_TOP_Z - SUPPORT_TOLERANCE)


def _inside_bin(obj: ObjectState, bin_: ObjectState) -> bool:
    inner = bin_.half_extents[0]
    dx = abs(obj.position[0] - bin_.position[0])
    dy = abs(obj.position[1] - bin_.position[1])
    return dx < inner and dy < inner and obj.bottom < bin_.position[2] + bin_.half_extents[2]


def detect_on(world: World) -> set[tuple[str, ...]]:
    """``x`` rests on ``y``: on its top face with its centre over it, or (pegs) on the table inside the peg."""
    atoms: set[tuple[str, ...]] = set()
    for x in world.movable():
        if not _resting(x):
            continue
        for y in world.movable():
            if y.name == x.name or not y.flat:
                continue
            support_half = min(y.half_extents[0], y.half_extents[1])
            if abs(x.bottom - y.top) < SUPPORT_TOLERANCE and x.xy_distance(y) < support_half:
                atoms.add((x.name, y.name))
        if abs(x.bottom - TABLE_TOP_Z) < SUPPORT_TOLERANCE:
            for peg in world.of_kind("peg"):
                if x.xy_distance(peg) < peg.half_extents[0]:
                    atoms.add((x.name, peg.name))
    return atoms


def detect_ontable(world: World) -> set[tuple[str, ...]]:
    """``x`` rests directly on the table, outside every bin."""
    bins = world.of_kind("bin")
    return {(x.name,) for x in world.movable()
            if _resting(x) and abs(x.bottom - TABLE_TOP_Z) < SUPPORT_TOLERANCE
            and not any(_inside_bin(x, b) for b in bins)}


def detect_in(world: World) -> set[tuple[str, ...]]:
    """``x`` lies inside bin ``b``: within its walls, below its rim, not in the hand."""
    return {(x.name, b.name) for x in world.movable() for b in world.of_kind("bin")
            if not x.gripped and _inside_bin(x, b)}


def detect_holding(world: World) -> set[tuple[str, ...]]:
    return {(x.name,) for x in world.movable() if x.gripped}


def detect_handempty(world: World) -> set[tuple[str, ...]]:
    return set() if detect_holding(world) else {()}


def detect_clear(world: World) -> set[tuple[str, ...]]:
    """Nothing rests or leans on ``x``, ``x`` is not in the hand and has not fallen (movable objects and
    pegs). A fallen object is no surface to build on until it is righted; nor is one a fallen object leans
    on: a tower built there would be knocked down when the leaning one is righted."""
    blocked = {y for _, y in detect_on(world)} | {y for _, y in detect_leaning(world)}
    blocked |= {x for (x,) in detect_fallen(world)}
    candidates = world.movable() + world.of_kind("peg")
    return {(x.name,) for x in candidates if x.name not in blocked and not x.gripped}


def detect_leaning(world: World) -> set[tuple[str, ...]]:
    """Fallen ``x`` leans on ``y``: the nearest object whose centre is within ``LEAN_REACH`` of ``x``'s half
    widths and whose top is clearly above ``x``'s bottom. One ``y`` at most, so that righting ``x`` frees
    every object it blocked (``right-from``)."""
    atoms: set[tuple[str, ...]] = set()
    for (name,) in sorted(detect_fallen(world)):
        x = world.objects[name]
        near = [(x.xy_distance(y), y.name) for y in world.movable() if y.name != x.name and not y.gripped
                and x.xy_distance(y) < LEAN_REACH * x.half_extents[0] and x.bottom < y.top - SUPPORT_TOLERANCE]
        if near:
            atoms.add((name, min(near)[1]))
    return atoms


def detect_fallen(world: World) -> set[tuple[str, ...]]:
    """``x`` is out of the hand and not resting as the domain expects: tilted (no axis within
    ``FLAT_COSINE`` of vertical: leaning on another object, lying across an edge), off the table, or lying
    flat on no support (on a fallen object). Exactly the movable objects out of the hand that are neither
    ``on`` anything, ``ontable`` nor ``in`` a bin."""
    supported = {x for x, _ in detect_on(world)} | {x for (x,) in detect_ontable(world)}
    supported |= {x for x, _ in detect_in(world)}
    return {(x.name,) for x in world.movable() if not x.gripped and x.name not in supported}


def detect_loose(world: World) -> set[tuple[str, ...]]:
    """``x`` is out of the hand and nowhere its task's domain can name: a disc ``on`` neither a peg nor another
    disc (knocked onto the table beside the pegs, tilted, off the table), a cube neither ``ontable`` nor ``in`` a
    bin (tilted, lying on another cube, off the table). Hanoi's and sort's counterpart of blocks' ``fallen``
    (whose ``on`` and ``ontable`` both describe a resting block): no other kind of object is ever loose."""
    stacked = {x for x, _ in detect_on(world)}
    put_away = {x for (x,) in detect_ontable(world)} | {x for x, _ in detect_in(world)}
    discs = {(x.name,) for x in world.of_kind("disc") if not x.gripped and x.name not in stacked}
    return discs | {(x.name,) for x in world.of_kind("cube") if not x.gripped and x.name not in put_away}


def detect_smaller(world: World) -> set[tuple[str, ...]]:
    """Disc (block) ``x`` is narrower than disc (block) ``y``; every disc is smaller than every peg. Static,
    from sizes; widths closer than ``SIZE_TOLERANCE`` count as equal."""
    atoms: set[tuple[str, ...]] = set()
    for kind in ("disc", "block"):
        atoms |= {(a.name, b.name) for a, b in permutations(world.of_kind(kind), 2)
                  if a.half_extents[0] < b.half_extents[0] - SIZE_TOLERANCE}
    atoms |= {(d.name, p.name) for d in world.of_kind("disc") for p in world.of_kind("peg")}
    return atoms


def detect_round(world: World) -> set[tuple[str, ...]]:
    """``x`` has a round top (a dome). Static, from its shape."""
    return {(x.name,) for x in world.movable() if x.shape == "dome"}


def detect_heavy(world: World) -> set[tuple[str, ...]]:
    """``x`` is made of metal. Static, from its material."""
    return {(x.name,) for x in world.movable() if x.material == "metal"}


DETECTORS: dict[str, Callable[[World], set[tuple[str, ...]]]] = {
    "on": detect_on,
    "ontable": detect_ontable,
    "in": detect_in,
    "holding": detect_holding,
    "handempty": detect_handempty,
    "clear": detect_clear,
    "fallen": detect_fallen,
    "leaning": detect_leaning,
    "loose": detect_loose,
    "smaller": detect_smaller,
    "round": detect_round,
    "heavy": detect_heavy,
}


def format_atom(predicate: str, args: Iterable[str]) -> str:
    return "(" + " ".join((predicate, *args)) + ")"


def detect(world: World, predicates: Mapping[str, str]) -> list[str]:
    """Sorted atoms for each ``predicate -> detector`` pair of a domain's vocabulary."""
    atoms: list[str] = []
    for predicate, detector in predicates.items():
        if detector not in DETECTORS:
            raise KeyError(f"unknown detector {detector!r} for predicate {predicate!r}; known: {sorted(DETECTORS)}")
        atoms.extend(format_atom(predicate, args) for args in DETECTORS[detector](world))
    return sorted(atoms)
