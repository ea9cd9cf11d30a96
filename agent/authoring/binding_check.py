"""Checks of a ``binding.yaml`` against its PDDL and the registries, each problem at its YAML line.

The checks themselves are ``agent.planning.domain``'s (``read_binding``, ``binding_problems``,
``Binding.name_problems``), which the agent runs when it loads a domain; this module only collects all
of them instead of the first and finds the line of the YAML key each one names.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from agent.authoring.findings import Finding
from agent.authoring.pddl_check import Signature
from agent.planning.domain import binding_problems, read_binding, shown
from envs.errors import DomainError

_LINE_COLUMN = re.compile(r"(\d+):(\d+): ")
_QUOTED = re.compile(r"'([^']+)'")


def key_lines(path: Path) -> dict[str, int]:
    """The line of every mapping key of a YAML file by its dotted path (``operators.pick.skill``).
    Empty when the file is not YAML: ``read_binding`` reports that."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                dotted = f"{prefix}{key.value}"
                lines.setdefault(dotted, key.start_mark.line + 1)
                walk(value, dotted + ".")

    if root is not None:
        walk(root, "")
    return lines


class BindingLocator:
    """Turns ``agent.planning.domain``'s binding messages (``key: message``) into findings at the key's line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = shown(path)
        self.lines = key_lines(path)

    def line_of(self, key: str) -> int:
        """The line of ``key``, else of its closest enclosing key that is there, else 1."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key.rpartition(".")[0]
        return 1

    def at(self, key: str, message: str) -> Finding:
        return Finding(self.file, self.line_of(key), f"{key}: {message}")

    def from_error(self, error: DomainError) -> Finding:
        """A finding for one of ``read_binding``'s messages, which start with the file's name."""
        text = str(error).removeprefix(self.file).removeprefix(":").strip()
        position = _LINE_COLUMN.match(text)
        if position:
            return Finding(self.file, int(position.group(1)), text[position.end():])
        key = text.split(":", 1)[0] if ":" in text else ""
        if key in self.lines or key.partition(".")[0] in self.lines:
            return Finding(self.file, self.line_of(key), text)
        named = [k for k in _QUOTED.findall(text) if k in self.lines]
        return Finding(self.file, self.lines[named[0]] if named else 1, text)


def check_binding(path: Path, signature: Signature | None, pddl: str) -> list[Finding]:
    """Every problem of the binding at ``path``: its shape, its detector and skill names, and (when the
    PDDL could be read, ``signature``) every name it shares with the PDDL file ``pddl``."""
    from envs.detectors import DETECTORS
    from envs.scenes.registry import SCENES
    from policies import BINDABLE_SKILLS

    locator = BindingLocator(path)
    try:
        binding = read_binding(path)
    except DomainError as exc:
        return [locator.from_error(exc)]
    findings = [locator.at(key, message) for key, message in binding.name_problems(DETECTORS, BINDABLE_SKILLS)]
    if binding.task not in SCENES:
        findings.append(locator.at("task", f"no scene for task {binding.task!r} (scenes: {', '.join(sorted(SCENES))})"))
    if signature is not None:
        problems = binding_problems(binding, set(signature.types), signature.predicates, signature.actions, pddl)
        findings.extend(locator.at(key, message) for key, message in problems)
    return findings
