"""Semantic checks of a PDDL domain, each problem at its line.

unified-planning's reader stops at the first undeclared name and says nothing about predicates no
operator uses or preconditions that can never hold, so this module walks the domain's s-expressions
(``sexpr``) and reports all of them. It decides only what follows from the domain alone, for every
problem: an operator's precondition "can never hold" when its top-level conjunction needs an atom and
its negation, ``(not (= t t))``, ``(= a b)`` of two different constants, or ``(= ?x ?y)`` of two types
no object can share. A precondition on a static predicate (one no effect changes) is not flagged: a
problem's initial state may make it true.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from agent.authoring.findings import ERROR, WARNING, Finding
from agent.authoring.sexpr import Expr

ROOT_TYPE = "object"
_NUMERIC_HEADS = frozenset({"increase", "decrease", "assign", "scale-up", "scale-down", "<", ">", "<=", ">="})


@dataclass
class Signature:
    """What a domain declares, as the binding checks need it, and where (line) each name is declared."""

    name: str = ""
    line: int = 1
    types: dict[str, str] = field(default_factory=dict)  # type -> parent type (ROOT_TYPE at the top)
    constants: dict[str, str | None] = field(default_factory=dict)  # constant -> type (None: unknown)
    predicates: dict[str, tuple[str | None, ...]] = field(default_factory=dict)  # predicate -> parameter types
    actions: dict[str, tuple[tuple[str, str | None], ...]] = field(default_factory=dict)  # -> (("?x", type), ...)
    functions: set[str] = field(default_factory=set)
    lines: dict[str, int] = field(default_factory=dict)  # "predicate on", "action pick", "type disc" -> line

    def is_subtype(self, pddl_type: str | None, ancestor: str | None) -> bool:
        """Whether an object of ``pddl_type`` may stand where ``ancestor`` is expected (unknown types may)."""
        if pddl_type is None or ancestor is None or ancestor == ROOT_TYPE:
            return True
        seen = set()
        current: str | None = pddl_type
        while current is not None and current not in seen:
            if current == ancestor:
                return True
            seen.add(current)
            current = self.types.get(current)
        return False

    def may_share_objects(self, first: str | None, second: str | None) -> bool:
        """An object has one type, so two types share objects only when one is under the other."""
        return self.is_subtype(first, second) or self.is_subtype(second, first)


class _Checker:
    """Collects the declarations of one domain, then checks every use against them."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.signature = Signature()
        self.findings: list[Finding] = []
        self.type_uses: list[tuple[str, int]] = []
        self.used_predicates: set[str] = set()

    def add(self, line: int, message: str, severity: str = ERROR) -> None:
        self.findings.append(Finding(self.file, line, message, severity))

    def declare(self, kind: str, name: str, line: int) -> bool:
        """Remember where ``name`` is declared; False (and a finding) when it already was. A type declared
        twice is legal (storage gives ``area`` two parents) but readers differ on which parent holds."""
        key = f"{kind} {name}"
        if key in self.signature.lines:
            self.add(line, f"{kind} {name!r} is declared twice (first at line {self.signature.lines[key]})",
                     WARNING if kind == "type" else ERROR)
            return False
        self.signature.lines[key] = line
        return True

    # -- declarations -------------------------------------------------------------------------------------------

    def typed_list(self, items: list[Expr]) -> list[tuple[Expr, str | None]]:
        """``a b - t c`` -> ``[(a, t), (b, t), (c, object)]``; the types' uses are recorded for checking."""
        result: list[tuple[Expr, str | None]] = []
        pending: list[Expr] = []
        index = 0
        while index < len(items):
            item = items[index]
            if item.atom == "-":
                if index + 1 >= len(items):
                    self.add(item.line, "'-' is not followed by a type")
                    break
                type_expr = items[index + 1]
                pddl_type = self.type_name(type_expr)
                result.extend((name, pddl_type) for name in pending)
                pending = []
                index += 2
                continue
            if item.is_list:
                self.add(item.line, f"expected a name, got {item}")
            else:
                pending.append(item)
            index += 1
        result.extend((name, ROOT_TYPE) for name in pending)
        return result

    def type_name(self, expr: Expr) -> str | None:
        """The type an expression names; ``(either ...)`` is checked but not modelled (None)."""
        if expr.is_list:
            if expr.head != "either":
                self.add(expr.line, f"expected a type, got {expr}")
                return None
            for member in expr.items[1:]:
                if member.atom is not None:
                    self.type_uses.append((member.atom, member.line))
            return None
        self.type_uses.append((expr.atom or "", expr.line))
        return expr.atom

    def section_types(self, section: Expr) -> None:
        for name, parent in self.typed_list(section.items[1:]):
            assert name.atom is not None
            if name.atom == ROOT_TYPE or not self.declare("type", name.atom, name.line):
                continue
            self.signature.types[name.atom] = parent or ROOT_TYPE
        # A parent named only after '-' is declared by that use, as PDDL readers (and UP's) accept.
        for parent in set(self.signature.types.values()) - set(self.signature.types) - {ROOT_TYPE}:
            self.signature.types[parent] = ROOT_TYPE
        self.type_uses = [(t, line) for t, line in self.type_uses if t not in self.signature.types]
        for name in sorted(self.signature.types):
            chain = [name]
            while chain[-1] in self.signature.types and chain[-1] != ROOT_TYPE:
                chain.append(self.signature.types[chain[-1]])
                if chain[-1] == name:
                    self.add(self.signature.lines[f"type {name}"],
                             f"type {name!r} is its own ancestor ({' - '.join(chain)})")
                    break
                if chain[-1] in chain[:-1]:
                    break

    def section_constants(self, section: Expr) -> None:
        for name, pddl_type in self.typed_list(section.items[1:]):
            assert name.atom is not None
            if self.declare("constant", name.atom, name.line):
                self.signature.constants[name.atom] = pddl_type

    def section_predicates(self, section: Expr) -> None:
        for item in section.items[1:]:
            if not item.is_list or item.head is None:
                self.add(item.line, f"expected a predicate declaration '(name ?arg - type ...)', got {item}")
                continue
            if self.declare("predicate", item.head, item.line):
                params = self.typed_list(item.items[1:])
                names = [var.atom for var, _ in params]
                for twice in sorted({n for n in names if names.count(n) > 1}):
                    self.add(item.line, f"predicate {item.head!r}: parameter {twice} is declared twice (Fast "
                                        "Downward reads two parameters, unified-planning one)", WARNING)
                self.signature.predicates[item.head] = tuple(t for _, t in params)

    def section_functions(self, section: Expr) -> None:
        for item in section.items[1:]:
            if item.is_list and item.head is not None:
                self.signature.functions.add(item.head)

    def section_action(self, section: Expr) -> tuple[str, Expr | None, Expr | None, dict[str, str | None]] | None:
        """Declare an action; returns its name, precondition, effect and parameters for the use checks."""
        if len(section.items) < 2 or section.items[1].atom is None:
            self.add(section.line, "an :action needs a name")
            return None
        name = section.items[1].atom
        parts: dict[str, Expr] = {}
        items = section.items[2:]
        for key, value in zip(items[::2], items[1::2]):
            if key.atom is not None:
                parts[key.atom] = value
        params: dict[str, str | None] = {}
        if ":parameters" in parts:
            for var, pddl_type in self.typed_list(parts[":parameters"].items):
                assert var.atom is not None
                if var.atom in params:
                    self.add(var.line, f"action {name!r}: parameter {var.atom} is declared twice")
                params[var.atom] = pddl_type
        if not self.declare("action", name, section.line):
            return None
        self.signature.actions[name] = tuple(params.items())
        return name, parts.get(":precondition"), parts.get(":effect"), params

    # -- uses ------------------------------------------------------------------------------------------------------

    def term(self, expr: Expr, scope: dict[str, str | None], where: str) -> tuple[bool, str | None]:
        """Whether a term is declared, and its type."""
        if expr.is_list:
            self.add(expr.line, f"{where}: expected a variable or constant, got {expr}")
            return False, None
        name = expr.atom or ""
        if name.startswith("?"):
            if name not in scope:
                self.add(expr.line, f"{where}: undeclared variable {name}")
                return False, None
            return True, scope[name]
        if name not in self.signature.constants:
            self.add(expr.line, f"{where}: undeclared constant {name!r} (a domain may name only its :constants)")
            return False, None
        return True, self.signature.constants[name]

    def formula(self, expr: Expr, scope: dict[str, str | None], where: str) -> None:
        """Check every atom of a precondition or effect, recording which predicates are used."""
        if not expr.is_list:
            self.add(expr.line, f"{where}: expected a formula in parentheses, got {expr.atom!r}")
            return
        head = expr.head
        if not expr.items:
            return
        if head in ("and", "or", "not", "imply"):
            for part in expr.items[1:]:
                self.formula(part, scope, where)
        elif head in ("exists", "forall"):
            if len(expr.items) != 3 or not expr.items[1].is_list:
                self.add(expr.line, f"{where}: expected ({head} (?var - type ...) formula)")
                return
            inner = dict(scope)
            inner.update((var.atom or "", t) for var, t in self.typed_list(expr.items[1].items))
            self.formula(expr.items[2], inner, where)
        elif head == "when":
            for part in expr.items[1:]:
                self.formula(part, scope, where)
        elif head == "=":
            if len(expr.items) != 3:
                self.add(expr.line, f"{where}: '=' takes 2 arguments, got {len(expr.items) - 1}")
            for arg in expr.items[1:]:
                self.term(arg, scope, where)
        elif head in _NUMERIC_HEADS or head in self.signature.functions:
            return
        elif head is None:
            self.add(expr.line, f"{where}: expected a predicate name first in {expr}")
        else:
            self.atom(expr, head, scope, where)

    def atom(self, expr: Expr, predicate: str, scope: dict[str, str | None], where: str) -> None:
        if predicate not in self.signature.predicates:
            self.add(expr.line, f"{where}: undeclared predicate {predicate!r} in {expr}")
            for arg in expr.items[1:]:
                if arg.atom is not None and arg.atom.startswith("?"):
                    self.term(arg, scope, where)
            return
        self.used_predicates.add(predicate)
        expected = self.signature.predicates[predicate]
        args = expr.items[1:]
        if len(args) != len(expected):
            self.add(expr.line, f"{where}: {predicate!r} takes {len(expected)} argument(s), got {len(args)} in {expr}")
        for position, (arg, wanted) in enumerate(zip(args, expected), start=1):
            known, actual = self.term(arg, scope, where)
            if known and not self.signature.is_subtype(actual, wanted):
                self.add(arg.line, f"{where}: argument {position} of {expr} must be of type {wanted!r}, "
                                   f"but {arg.atom} is of type {actual!r}")
        for arg in args[len(expected):]:
            self.term(arg, scope, where)

    def never_holds(self, name: str, precondition: Expr, scope: dict[str, str | None]) -> None:
        """Flag a precondition whose top-level conjunction no state can satisfy (see the module docstring)."""
        positive: dict[str, Expr] = {}
        negative: dict[str, Expr] = {}
        for literal in _conjuncts(precondition):
            negated = literal.head == "not" and len(literal.items) == 2 and literal.items[1].is_list
            atom = literal.items[1] if negated else literal
            (negative if negated else positive).setdefault(str(atom), atom)
            if atom.head == "=" and len(atom.items) == 3:
                reason = self._equality_never(atom, negated, scope)
                if reason:
                    self.add(literal.line, f"action {name!r}: precondition {literal} can never hold: {reason}",
                             WARNING)
        for text in sorted(set(positive) & set(negative)):
            self.add(negative[text].line,
                     f"action {name!r}: precondition needs both {text} and (not {text}): it can never hold",
                     WARNING)

    def _equality_never(self, atom: Expr, negated: bool, scope: dict[str, str | None]) -> str:
        first, second = atom.items[1], atom.items[2]
        if first.is_list or second.is_list:
            return ""
        if negated:
            return "a term always equals itself" if first.atom == second.atom else ""
        a, b = first.atom or "", second.atom or ""
        constants = self.signature.constants
        if a != b and a in constants and b in constants:
            return "two different constants are never equal"
        types = [scope.get(t) if t.startswith("?") else constants.get(t) for t in (a, b)]
        if not self.signature.may_share_objects(*types):
            return f"no object is both a {types[0]} and a {types[1]}"
        return ""


def _names(expr: Expr) -> set[str]:
    """Every name in an expression."""
    if not expr.is_list:
        return {expr.atom or ""}
    return set().union(*(_names(item) for item in expr.items))


def _conjuncts(expr: Expr) -> Iterator[Expr]:
    """The literals of a formula's top-level conjunction (nested ``and`` flattened)."""
    if expr.head == "and":
        for part in expr.items[1:]:
            yield from _conjuncts(part)
    elif expr.is_list and expr.items:
        yield expr


def check_domain_sexprs(top: list[Expr], file: str) -> tuple[list[Finding], Signature]:
    """Every problem of a domain read by ``sexpr.read_sexprs``, and what it declares."""
    checker = _Checker(file)
    signature = checker.signature
    define = top[0] if len(top) == 1 else None
    if define is None or define.head != "define" or len(define.items) < 2 or define.items[1].head != "domain":
        line = top[1].line if len(top) > 1 else (top[0].line if top else 1)
        checker.add(line, "expected one '(define (domain NAME) ...)'")
        return checker.findings, signature
    signature.line = define.line
    header = define.items[1]
    signature.name = header.items[1].atom or "" if len(header.items) > 1 else ""
    sections = [s for s in define.items[2:] if s.is_list]
    handlers = {":types": checker.section_types, ":constants": checker.section_constants,
                ":predicates": checker.section_predicates, ":functions": checker.section_functions}
    for head in (":types", ":constants", ":predicates", ":functions"):  # declarations before uses
        for section in sections:
            if section.head == head:
                handlers[head](section)
    for pddl_type, line in checker.type_uses:
        if pddl_type != ROOT_TYPE and pddl_type not in signature.types:
            checker.add(line, f"undeclared type {pddl_type!r}")
    checker.type_uses = []
    for section in sections:
        if section.head not in (":action", *handlers):
            # Durative actions, derived predicates, processes: not checked here (unified-planning's reader
            # still is), but a predicate they mention is not unused.
            checker.used_predicates.update(_names(section) & set(signature.predicates))
        if section.head != ":action":
            continue
        declared = checker.section_action(section)
        if declared is None:
            continue
        name, precondition, effect, params = declared
        for pddl_type, line in checker.type_uses:
            if pddl_type != ROOT_TYPE and pddl_type not in signature.types:
                checker.add(line, f"action {name!r}: undeclared type {pddl_type!r}")
        checker.type_uses = []
        if precondition is not None:
            checker.formula(precondition, params, f"action {name!r} precondition")
            checker.never_holds(name, precondition, params)
        if effect is not None:
            checker.formula(effect, params, f"action {name!r} effect")
        for pddl_type, line in checker.type_uses:  # quantified variables
            if pddl_type != ROOT_TYPE and pddl_type not in signature.types:
                checker.add(line, f"action {name!r}: undeclared type {pddl_type!r}")
        checker.type_uses = []
    for predicate in sorted(set(signature.predicates) - checker.used_predicates):
        checker.add(signature.lines[f"predicate {predicate}"], f"predicate {predicate!r} is used by no operator",
                    WARNING)
    return checker.findings, signature
