"""PDDL text as s-expressions that remember their line.

unified-planning's reader stops at the first semantic error and keeps no position for most names, so
the checker walks this light tree instead to report every problem at its line. PDDL is
case-insensitive: names are lowercased, as the reader does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

# A '?' starts a variable even inside a name, as Fast Downward's reader splits it: "(aircraft?a)" is
# "(aircraft ?a)" (zenotravel writes it so; unified-planning's reader refuses it).
_TOKEN = re.compile(r";[^\n]*|\n|[()]|\??[^\s()?]+|\?")


class SexprError(ValueError):
    """Unbalanced parentheses; ``line`` is where the reader noticed."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Expr:
    """A name (``atom``) or a parenthesised list (``items``), with the line it starts on."""

    line: int
    atom: str | None = None
    items: list[Expr] = field(default_factory=list)

    @property
    def is_list(self) -> bool:
        return self.atom is None

    @property
    def head(self) -> str | None:
        """The first name of a list, as in ``(and ...)`` -> ``"and"``; None for a name or ``()``."""
        return self.items[0].atom if self.items and not self.items[0].is_list else None

    def __str__(self) -> str:
        return self.atom if self.atom is not None else "(" + " ".join(map(str, self.items)) + ")"


def _tokens(text: str) -> Iterator[tuple[int, str]]:
    line = 1
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == "\n":
            line += 1
        elif not token.startswith(";"):
            yield line, token


def read_sexprs(text: str) -> list[Expr]:
    """Every top-level expression of ``text``; ``SexprError`` on an unbalanced parenthesis."""
    top: list[Expr] = []
    stack: list[Expr] = []
    for line, token in _tokens(text):
        if token == "(":
            stack.append(Expr(line))
        elif token == ")":
            if not stack:
                raise SexprError(line, "unexpected ')'")
            done = stack.pop()
            (stack[-1].items if stack else top).append(done)
        else:
            atom = Expr(line, atom=token.lower())
            (stack[-1].items if stack else top).append(atom)
    if stack:
        raise SexprError(stack[-1].line, "'(' is never closed")
    return top
