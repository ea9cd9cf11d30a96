"""PDDL constructs that one of our readers or planners does not support, found at their line.

unified-planning's reader does not know derived predicates (it reports "Expected ')'" at a line that is not
theirs); Fast Downward's translator refuses durative actions, numbers other than action costs,
processes, events, constraints and preferences. When a tool refuses a file, naming the construct at its line
says what to change, where the tool's own message often does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.authoring.sexpr import Expr, SexprError, read_sexprs

UP_READER = "unified-planning's PDDL reader"
FD_TRANSLATOR = "Fast Downward's translator"

#: section heads of a domain -> (what they are, the tool that does not support them)
_SECTIONS = {":derived": ("derived predicates", UP_READER), ":durative-action": ("durative actions", FD_TRANSLATOR),
             ":process": ("processes", FD_TRANSLATOR), ":event": ("events", FD_TRANSLATOR),
             ":constraints": ("constraints", FD_TRANSLATOR)}
_COST = "total-cost"
# Fast Downward reads numbers only as action costs: (increase (total-cost) ...), with static functions inside
_CHANGES = frozenset({"increase", "decrease", "assign", "scale-up", "scale-down"})
_COMPARISONS = frozenset({"<", ">", "<=", ">="})


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
            for expr in _walk(section):
                if expr.head == "preference":
                    note(expr.line, "preferences", FD_TRANSLATOR)
                elif expr.head in _CHANGES and len(expr.items) > 1 and expr.items[1].head != _COST:
                    note(expr.line, "numeric fluents (other than total-cost)", FD_TRANSLATOR)
                elif expr.head in _COMPARISONS:
                    note(expr.line, "numeric conditions", FD_TRANSLATOR)
                elif expr.head == "either":
                    note(expr.line, "'either' types", UP_READER)
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


_NAME_TWICE = re.compile(r"Name (\S+) already defined")


def explain_refusal(message: str, file: str, line: int, located: bool, texts: dict[str, str]) -> tuple[str, int, str]:
    """Where and why unified-planning's reader refused a file, as ``(file, line, message)``: for derived
    predicates (which it reports as "Expected ')'" at another line) the construct at its line; for a name given
    twice (which it reports without a line) every declaration of it. ``texts``: the files read, by shown name."""
    for name, text in texts.items():
        construct = next((c for c in find_constructs(text) if c.unsupported_by == UP_READER), None)
        if construct is not None:
            return name, construct.line, construct.sentence()
    clash = _NAME_TWICE.search(message)
    if clash and not located:
        places = [(name, kind, at) for name, text in texts.items() for kind, at in declarations(text, clash.group(1))]
        if len(places) > 1:
            where = " and ".join(f"the {kind} at {name}:{at}" for name, kind, at in places)
            last_file, _, last_line = places[-1]
            return last_file, last_line, f"{clash.group(1)!r} names both {where}, which {UP_READER} refuses"
    return file, line, message
