"""YAML configuration files for commands: read, check against a command's flags, and write back resolved.

A config file is a flat YAML mapping from a command's flag names (``samples``, ``skill``; ``goal_checkpoint``
for ``--goal-checkpoint``) to values. It sets the command's defaults, so a flag given on the command line
wins over the file, and the file wins over the built-in default. Every value is checked exactly as its flag
would be (the same type and choices), and every error names the file, the line and the key at fault. A
command writes the settings it ran with (``resolved``) as ``config.yaml`` into its run directory, and that
file is itself a config: ``--config runs/X/config.yaml`` runs the same thing again.

Any command whose settings are argparse flags can use it: ``apply`` and ``resolved`` need only its parser.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

import yaml

from envs.errors import ConfigError

#: flags that say where and how to run, not what: never read from a config file, never written to one
NOT_SETTINGS = frozenset({"help", "config", "resume", "out", "json", "quiet"})


def read_mapping(path: Path, flag: str = "--config") -> tuple[dict[str, Any], dict[str, int]]:
    """The YAML mapping in ``path`` (given as ``flag``) and the line (1-based) of each key."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{flag}: no such file {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{flag}: cannot read {path}: {exc}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        values = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where}: not valid YAML: {problem}") from None
    if values is None:
        return {}, {}
    if not isinstance(values, dict) or not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{path}: expected a mapping of settings (key: value), got {type(values).__name__}")
    lines = {str(key.value): key.start_mark.line + 1 for key, _ in node.value}
    return {str(k): v for k, v in values.items()}, lines


def settings(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """The parser's options that a config file may set, by destination name."""
    return {a.dest: a for a in parser._actions if a.option_strings and a.dest not in NOT_SETTINGS}


#: turns a file's mapping into flag settings before they are checked (``nesy run`` reads its own record)
Translate = Callable[[dict[str, Any]], dict[str, Any]]


def load(path: Path, parser: argparse.ArgumentParser, translate: Translate | None = None) -> dict[str, Any]:
    """The settings of the config file ``path`` for ``parser``'s command, each checked as its flag would be."""
    values, lines = read_mapping(path)
    if translate is not None:
        values = translate(values)
    known = settings(parser)
    checked = {}
    for key, value in values.items():
        where = f"{path}:{lines.get(key, 1)}"
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(known))})")
        checked[key] = _check(known[key], value, f"{where}: {key}")
    return checked


def apply(parser: argparse.ArgumentParser, path: Path, translate: Translate | None = None) -> None:
    """Make the settings of ``path`` the defaults of ``parser``: parsing again, flags win over the file."""
    parser.set_defaults(**load(path, parser, translate))


def resolved(args: argparse.Namespace, parser: argparse.ArgumentParser,
             exclude: Collection[str] = ()) -> dict[str, Any]:
    """The settings ``args`` holds for ``parser``'s command, as a config file would give them."""
    return {dest: getattr(args, dest) for dest in sorted(settings(parser)) if dest not in exclude}


def dump(values: Mapping[str, Any]) -> str:
    """``values`` as the YAML text of a config file."""
    return yaml.safe_dump(dict(values), sort_keys=True)


def _check(action: argparse.Action, value: Any, where: str) -> Any:
    """``value`` converted and checked by ``action``'s type and choices, as argparse would check the flag."""
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if value is None:
        if action.default is None and not action.required:
            return None
        raise ConfigError(f"{where}: a value is required")
    if isinstance(value, (dict, list, bool)):
        raise ConfigError(f"{where}: expected a single value, got {value!r}")
    converted = value if action.type is not None or isinstance(value, str) else str(value)
    if callable(action.type):
        try:
            converted = action.type(str(value))
        except (argparse.ArgumentTypeError, TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if action.choices is not None and converted not in action.choices:
        raise ConfigError(f"{where}: {converted!r} is not one of {', '.join(map(str, action.choices))}")
    return converted
