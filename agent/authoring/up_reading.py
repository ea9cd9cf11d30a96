"""Reading PDDL with unified-planning's reader, its errors turned into ``FILE:LINE`` findings.

The reader raises pyparsing errors (with line and column) for syntax, and ``SyntaxError`` or
``UPException`` with the position inside the message for the first semantic error it meets.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from agent.authoring.findings import Finding
from agent.planning.domain import shown
from envs.errors import DomainError

if TYPE_CHECKING:
    from unified_planning.model import Problem

_POSITION = re.compile(r"line:? (\d+), col:? (\d+)")


class PddlReadError(DomainError):
    """The reader rejected a file: ``finding`` says where (``located``: the reader gave the line, else
    line 1 stands in), ``syntax`` whether it could not parse it at all."""

    def __init__(self, finding: Finding, syntax: bool, located: bool = True) -> None:
        super().__init__(f"{finding.file}:{finding.line}: {finding.message}")
        self.finding = finding
        self.syntax = syntax
        self.located = located


def read_text(path: Path) -> str:
    """A PDDL file's text; unreadable input is a ``DomainError`` (the CLI's exit 2)."""
    if path.is_dir():
        raise DomainError(f"{shown(path)}: is a folder, not a PDDL file")
    if not path.is_file():
        raise DomainError(f"{shown(path)}: no such file")
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DomainError(f"{shown(path)}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise DomainError(f"{shown(path)}: not a text file ({exc.reason} at byte {exc.start})") from exc


def read_pddl(domain: Path, problem: Path | None = None) -> Problem:
    """The UP problem of ``domain`` (and ``problem``); a ``PddlReadError`` blames the file being added, so
    read the domain alone first to tell the domain's errors from the problem's."""
    from pyparsing import ParseBaseException
    from unified_planning.exceptions import UPException
    from unified_planning.io import PDDLReader
    from unified_planning.shortcuts import get_environment

    env = get_environment()
    env.credits_stream = None
    blamed = shown(problem if problem is not None else domain)
    for path in (domain, problem):
        if path is not None:
            read_text(path)
    try:
        return PDDLReader(env).parse_problem(str(domain), None if problem is None else str(problem))
    except ParseBaseException as exc:
        raise PddlReadError(Finding(blamed, exc.lineno, f"syntax error at column {exc.col}: {exc.msg}"),
                            syntax=True) from exc
    except (SyntaxError, UPException, KeyError, ValueError, TypeError) as exc:
        text = exc.msg if isinstance(exc, SyntaxError) and exc.msg else str(exc)
        message = " ".join(text.split())
        found = _POSITION.search(message)
        line = int(found.group(1)) if found else 1
        raise PddlReadError(Finding(blamed, line, f"unified-planning cannot read it: {message}"),
                            syntax=False, located=found is not None) from exc
    except RecursionError as exc:  # the reader recurses through :types without checking for cycles
        raise PddlReadError(Finding(blamed, 1, "unified-planning cannot read it: it recursed without end "
                                               "(a cycle in :types?)"), syntax=False, located=False) from exc
