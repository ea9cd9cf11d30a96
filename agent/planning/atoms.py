"""Atoms as text, and goals that may leave a choice to the planner.

An atom is written ``(on d1 d2)``. A goal is a conjunction of atoms whose arguments are objects or
variables (``?b1``). It holds in a state when some assignment of objects to its variables makes every
atom true: the reading PDDL gives a goal's existentially quantified variables. Variables let an
instruction say what must hold without saying with which objects ("stack all the blocks into one
tower", in any order), and that choice is where a domain that is wrong about the world sends the robot
astray: its planner picks an order the world does not allow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Atom = tuple[str, tuple[str, ...]]  # ("on", ("d1", "d2"))

_ATOM_TEXT = re.compile(r"\(\s*([^\s()]+)((?:\s+[^\s()]+)*)\s*\)")
_VARIABLE = re.compile(r"\?[A-Za-z][A-Za-z0-9_-]*")


def parse_atom(text: str) -> Atom:
    """Split ``"(on d1 d2)"`` into ``("on", ("d1", "d2"))``; ``ValueError`` when it has another shape."""
    match = _ATOM_TEXT.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not of the form '(name arg ...)'")
    return match.group(1), tuple(match.group(2).split())


def format_atom(name: str, args: Iterable[str]) -> str:
    """The canonical text of an atom or ground operator: ``"(on d1 d2)"``, ``"(handempty)"``."""
    return "(" + " ".join((name, *args)) + ")"


def is_variable(arg: str) -> bool:
    """Whether an atom's argument is a variable (``?b1``) rather than an object."""
    return arg.startswith("?")


def valid_variable(arg: str) -> bool:
    """Whether a variable is well formed: ``?`` then a letter, then letters, digits, ``_`` or ``-``."""
    return _VARIABLE.fullmatch(arg) is not None


def has_variables(goal: Iterable[str]) -> bool:
    """Whether any atom of ``goal`` leaves an argument open."""
    return any(is_variable(arg) for text in goal for arg in parse_atom(text)[1])


def holds(goal: Iterable[str], state: Iterable[str]) -> bool:
    """Whether some assignment of objects to the goal's variables makes every goal atom true in ``state``.

    A ground goal is a subset test. Otherwise a backtracking search binds variables atom by atom, the
    atoms with the fewest unbound variables first, over the state's atoms of the same predicate."""
    goal, state = set(goal), set(state)
    if not has_variables(goal):
        return goal <= state
    facts: dict[str, list[tuple[str, ...]]] = {}
    for predicate, args in map(parse_atom, sorted(state)):
        facts.setdefault(predicate, []).append(args)
    return _assign(sorted(map(parse_atom, goal)), facts, {})


def _assign(pending: list[Atom], facts: dict[str, list[tuple[str, ...]]], bound: dict[str, str]) -> bool:
    if not pending:
        return True
    atom = min(pending, key=lambda a: sum(is_variable(x) and x not in bound for x in a[1]))
    rest = [a for a in pending if a is not atom]
    predicate, args = atom
    for fact in facts.get(predicate, ()):
        extended = dict(bound)
        if all(_unify(arg, value, extended) for arg, value in zip(args, fact)) and _assign(rest, facts, extended):
            return True
    return False


def _unify(arg: str, value: str, bound: dict[str, str]) -> bool:
    """Match one argument against one object, binding a free variable."""
    if not is_variable(arg):
        return arg == value
    if arg in bound:
        return bound[arg] == value
    bound[arg] = value
    return True
