"""Fast Downward's invariant synthesis, done once per domain instead of once per problem.

The translator looks for mutex invariants (``invariant_finder.find_invariants``) on every task: about a
sixth of a small problem's translation. What it finds depends only on the lifted task (predicates,
actions, axioms: the domain, and the goal action the optimal engine adds) and, through its balance
checker, on one bit per pair of an action's parameters: whether any reachable ground instance of the
action gives both the same object. Its candidate order and its random choices are fixed (the checker
seeds its own ``random.Random``), so the same lifted task and the same bits give the same invariants.
``memoized`` keys the search on exactly those, so a cached answer is the answer the translator would
compute; only which of the invariants' groups are useful (``useful_groups``, which reads the initial
state) is still computed per task. The key leaves out what the search never reads: the constants, and
the precondition of the optimal engine's goal action (``fast_downward._invariants_key`` says why), so
episodes with new goals over one domain share one search.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: lifted tasks whose invariants are kept (the optimal engine's goal action makes one per goal)
MEMO_SIZE = 64

_found: OrderedDict[tuple, list] = OrderedDict()


def _inequalities(task: Any, reachable_action_params: Any) -> tuple | None:
    """Per action, the parameter pairs that no reachable instance fills with one object (what the balance
    checker turns into inequality preconditions)."""
    if reachable_action_params is None:
        return None
    signature = []
    for action in task.actions:
        params = reachable_action_params[action] if len(action.parameters) >= 2 else []
        pairs = tuple((i, j) for i in range(len(action.parameters)) for j in range(i + 1, len(action.parameters))
                      if all(p[i] != p[j] for p in params))
        signature.append((action.name, pairs))
    return tuple(signature)


@contextmanager
def memoized(lifted_key: str) -> Iterator[None]:
    """While active, ``find_invariants`` answers from the memo for tasks whose lifted form ``lifted_key``
    names (the translator's domain as text, when the goal is a conjunction of atoms)."""
    from fast_downward.translate import invariant_finder

    find: Callable[..., Any] = invariant_finder.find_invariants

    def find_invariants(task: Any, reachable_action_params: Any) -> Iterator[Any]:
        key = (lifted_key, _inequalities(task, reachable_action_params))
        if key in _found:
            _found.move_to_end(key)
        else:
            _found[key] = list(find(task, reachable_action_params))
            while len(_found) > MEMO_SIZE:
                _found.popitem(last=False)
        return iter(_found[key])

    invariant_finder.find_invariants = find_invariants
    try:
        yield
    finally:
        invariant_finder.find_invariants = find
