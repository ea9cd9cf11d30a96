"""A bounded memo: the planner's kept groundings, encodings and orders share one least-recently-used rule."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

_K = TypeVar("_K", bound=Hashable)
_T = TypeVar("_T")


def recall(memo: OrderedDict[_K, _T], key: _K, make: Callable[[], _T], size: int) -> _T:
    """``memo[key]``, made first if missing; the ``size`` most recently used entries are kept."""
    if key in memo:
        memo.move_to_end(key)
        return memo[key]
    value = memo[key] = make()
    while len(memo) > size:
        memo.popitem(last=False)
    return value
