"""Object names that keep their order, so scenes of the same shape share one grounding and encoding.

An agent meets new object names in every episode (blocks named by colours drawn per scene), and the
translator's work per objects (grounding, fact groups, operators, simplification, variable order) would
be redone for each set of names although the tasks differ only in them. The translator reads names in
two ways only: it compares them (atoms sort as ``(predicate, args)`` tuples, operators by their names
``(action a b)``, in which a space ends an argument and ``)`` the last, both below every character a
name may hold), and it writes them into the task's text (value and operator names). So renaming the
objects to ``o000``, ``o001``, ... in the order of their names gives the same task but for the names in
its text, and writing the real names back gives the translator's text for the real objects.

Two names are compared only where they fill the same argument of one predicate or action. Where every
argument's type is a leaf of the type tree (``leaf_typed``: no type below it), only objects of one type
meet there, so the order within each type is all that has to be kept: each type's objects are numbered
in their order, types one after another, and scenes with other names but the same number of objects
of each type share one renaming. Elsewhere the objects are numbered in the order of all their names.
``tests/test_grounder.py`` checks the text against the translator's for sets of names that are
prefixes of one another, and of types whose names interleave.

A renaming is made only where that argument holds: names of letters, digits, ``-`` and ``_`` (what
``agent.planning`` admits, lower case), no name that looks like a canonical one or like the optimal
engine's ``goalN`` and ``reach_goalN`` (which are chosen to differ from the object names), and a domain
without constants (whose names the renamed objects would have to sort among) and with no word that looks
like a canonical name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

_Atom = tuple[str, tuple[str, ...]]
_NAME = re.compile(r"[a-z0-9_-]+")
_CANONICAL = re.compile(r"o[0-9]+")
_GOAL_NAMES = re.compile(r"(reach_)?goal[0-9]+")
#: a canonical name in the task's text: not inside a longer word
_IN_TEXT = re.compile(r"(?<![\w-])o[0-9]+(?![\w-])")


class Renaming(NamedTuple):
    """Object names (lower case) to canonical ones, and back."""

    forward: dict[str, str]
    back: dict[str, str]

    def objects(self, objects: Mapping[str, str]) -> dict[str, str]:
        """The objects (name -> type) under their canonical names."""
        return {self.forward[name.lower()]: kind for name, kind in objects.items()}

    def atoms(self, atoms: Iterable[_Atom]) -> list[_Atom]:
        """Atoms with their objects renamed (goal variables, ``?x``, stay)."""
        return [(predicate, tuple(self.forward.get(arg.lower(), arg) for arg in args)) for predicate, args in atoms]

    def restore(self, text: str) -> str:
        """A task's text with the real names written back."""
        return _IN_TEXT.sub(lambda match: self.back[match.group()], text)


def renaming(objects: Mapping[str, str], domain_words: frozenset[str], constants: bool,
             leaf_typed: bool) -> Renaming | None:
    """The order-keeping renaming of ``objects`` (name -> type), or None where the module's argument does
    not hold (``domain_words``: every word of the domain; ``constants``: whether it declares any;
    ``leaf_typed``: whether every argument of its predicates and actions, and of the goal, has a leaf type)."""
    names = sorted({name.lower() for name in objects})
    if constants or any(_IN_TEXT.search(word) for word in domain_words):
        return None
    if not all(_NAME.fullmatch(name) and not _CANONICAL.fullmatch(name) and not _GOAL_NAMES.fullmatch(name)
               for name in names):
        return None
    width = max(3, len(str(len(names))))
    if leaf_typed:
        kinds = {name.lower(): kind.lower() for name, kind in objects.items()}
        names = sorted(names, key=lambda name: (kinds[name], name))
    forward = {name: f"o{rank:0{width}d}" for rank, name in enumerate(names)}
    return Renaming(forward, {canonical: name for name, canonical in forward.items()})


def leaf_typed(types: Iterable[tuple[str, str | None]], argument_types: Iterable[str]) -> bool:
    """Whether every one of ``argument_types`` is a leaf of the tree of ``types`` (name, parent)."""
    parents = {parent for _, parent in types if parent is not None}
    return not parents.intersection(argument_types)
