"""The transition log: what the agent saw, did and saw next, one JSON line per executed operator."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envs.errors import ConfigError

_KEYS = ("objects", "before", "operator", "after", "skill_success")


@dataclass(frozen=True)
class Transition:
    """One executed operator: the detected state before and after it and whether its skill reported
    success; ``objects`` (name -> PDDL type) lets the domain's prediction be rebuilt later."""

    objects: tuple[tuple[str, str], ...]
    before: frozenset[str]
    operator: str
    after: frozenset[str]
    skill_success: bool
    #: where it happened, e.g. "iteration 1 seed 4"
    source: str = ""

    @property
    def object_types(self) -> dict[str, str]:
        return dict(self.objects)

    def to_dict(self) -> dict[str, Any]:
        return {"objects": dict(self.objects), "before": sorted(self.before), "operator": self.operator,
                "after": sorted(self.after), "skill_success": self.skill_success, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "transition") -> Transition:
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected an object with keys {', '.join(_KEYS)}")
        for key in _KEYS:
            if key not in data:
                raise ConfigError(f"{where}: missing key {key!r}")
        if not isinstance(data["skill_success"], bool):
            raise ConfigError(f"{where}: skill_success: expected true or false, got {data['skill_success']!r}")
        return cls(tuple(sorted(data["objects"].items())), frozenset(data["before"]), data["operator"],
                   frozenset(data["after"]), data["skill_success"], data.get("source", ""))


def append_log(path: Path, transitions: Iterable[Transition]) -> None:
    """Append transitions to a JSONL log, one complete line each."""
    with open(path, "a", encoding="utf-8") as handle:
        for transition in transitions:
            handle.write(json.dumps(transition.to_dict(), sort_keys=True) + "\n")


def read_log(path: Path) -> list[Transition]:
    """Read a JSONL transition log; a bad line is an error naming the file and line."""
    transitions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{number}: not JSON: {exc.msg}") from exc
        transitions.append(Transition.from_dict(data, f"{path}:{number}"))
    return transitions
