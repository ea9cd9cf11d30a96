"""Execution monitoring: does the detected state match the state the symbolic model predicted?"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Mismatch:
    """Atoms the model predicted that the scene does not show, and atoms it shows that were not predicted."""

    missing: tuple[str, ...]
    unexpected: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected)

    def describe(self) -> str:
        parts = []
        if self.missing:
            parts.append("missing " + " ".join(self.missing))
        if self.unexpected:
            parts.append("unexpected " + " ".join(self.unexpected))
        return "; ".join(parts)


def compare(predicted: Iterable[str], detected: Iterable[str]) -> Mismatch:
    predicted, detected = set(predicted), set(detected)
    return Mismatch(tuple(sorted(predicted - detected)), tuple(sorted(detected - predicted)))
