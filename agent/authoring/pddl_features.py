"""PDDL constructs that one of our readers or planners does not support, found at their line.

unified-planning's reader does not know derived predicates (it reports "Expected ')'" at a line that is not
theirs); Fast Downward's translator refuses durative actions, numeric fluents other than ``total-cost``,
processes, events, constraints and preferences. When a tool refuses a file, naming the construct at its line
says what to change, where the tool's own message often does not.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.authoring.sexpr import Expr, SexprError, read_sexprs

UP_READER = "unified-planning's PDDL reader"
FD_TRANSLATOR = "Fast Downward's translator"

#: section heads of a domain -> (what they are, the tool that does not support them)
_SECTIONS = {":derived": ("derived predicates", UP_READER), ":durative-action": ("durative actions", FD_TRANSLATOR),
             ":process": ("processes", FD_TRANSLATOR), ":event": ("events", FD_TRANSLATOR),
             ":constraints": ("constraints", FD_TRANSLATOR)}
_COST = "total-cost"


@dataclass(frozen=True, order=True)
class Construct:
    """One use of a construct a tool does not support."""

    line: int
    what: str  # "derived predicates"
    unsupported_by: str  # UP_READER or FD_TRANSLATOR

    def sentence(self) -> str:
        return f"{self.what} are not supported by {self.unsupported_by}"


def find_constructs(text: str) -> list[Construct]:
    """The first use of each construct of ``text`` (a domain or a problem) that a tool does not support."""
    try:
        top = read_sexprs(text)
    except SexprError:
        return []
    found: dict[str, Construct] = {}

    def note(line: int, what: str, tool: str) -> None:
        if what not in found:
            found[what] = Construct(line, what, tool)

    for define in top:
        for section in define.items[2:] if define.head == "define" else []:
            if section.head in _SECTIONS:
                note(section.line, *_SECTIONS[section.head])
            elif section.head == ":functions":
                for item in section.items[1:]:
                    if item.is_list and item.head not in (None, _COST):
                        note(item.line, "numeric fluents", FD_TRANSLATOR)
            for expr in _walk(section):
                if expr.head == "preference":
                    note(expr.line, "preferences", FD_TRANSLATOR)
    return sorted(found.values())


def _walk(expr: Expr):
    yield expr
    for item in expr.items:
        if item.is_list:
            yield from _walk(item)


def declarations(text: str, name: str) -> list[tuple[str, int]]:
    """Where ``name`` is declared in a domain or problem: ``[("predicate", 12), ("action", 40)]``. A name given
    twice (UP's "Name up already defined", which carries no line) is then found at its lines."""
    try:
        top = read_sexprs(text)
    except SexprError:
        return []
    name = name.lower()
    found: list[tuple[str, int]] = []
    for define in top:
        for section in define.items[2:] if define.head == "define" else []:
            if section.head == ":predicates":
                found += [("predicate", item.line) for item in section.items[1:] if item.head == name]
            elif section.head in (":action", ":durative-action") and len(section.items) > 1:
                if section.items[1].atom == name:
                    found.append(("action", section.line))
            elif section.head in (":types", ":objects", ":constants"):
                kind = {":types": "type", ":objects": "object", ":constants": "constant"}[section.head]
                items = section.items[1:]
                found += [(kind, item.line) for index, item in enumerate(items)
                          if item.atom == name and (index == 0 or items[index - 1].atom != "-")]
    return found
