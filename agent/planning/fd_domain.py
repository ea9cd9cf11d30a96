"""A domain's signature and STRIPS model read with Fast Downward's parser, without unified-planning.

UP's reader checks a domain thoroughly, but importing UP costs about a second of CPU (its engines
import ConfigSpace, which imports scipy.stats): as long as a run's whole start-up otherwise. A run that
plans in process needs only the domain's names and types and its STRIPS model, and the translator that
plans has a parser of its own. So ``load_domain`` reads with this module first and leaves UP's reading
for when UP is used (``Domain.new_problem``).

This reading is used only where it says what UP's would: text in lower case (the translator lower-cases
every name, UP keeps them), a domain the translator parses, every type and predicate the predicates and
actions name declared, none of them of type ``object`` (untyped), no functions. Anything else gets
``None``, and UP's reader then reads the domain and reports what is wrong with it, as before.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.planning.strips import StripsModel

_COMMENT = re.compile(r";[^\n]*")


@dataclass(frozen=True)
class Signature:
    """What a run needs of a domain: its name, types (type -> parent, None under ``object``), predicates
    (predicate -> parameter types), actions (action -> ((?param, type), ...)) and STRIPS model."""

    name: str
    types: dict[str, str | None]
    predicates: dict[str, tuple[str, ...]]
    actions: dict[str, tuple[tuple[str, str], ...]]
    strips: StripsModel | None


def read(pddl_path: Path) -> Signature | None:
    """The signature of the domain in ``pddl_path``, or None where UP's reader must read it."""
    from fast_downward.translate.pddl_parser import lisp_parser
    from fast_downward.translate.pddl_parser import parsing_functions as parsing

    try:
        text = pddl_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # UP's reader names the file and what is wrong with it
        return None
    if _COMMENT.sub("", text) != _COMMENT.sub("", text).lower():
        return None
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the parser prints its warnings
            nested = lisp_parser.parse_nested_list(io.StringIO(text))
            name, _, types, _, constants, predicates, _, functions, actions, axioms = \
                parsing.parse_domain_pddl(parsing.Context(), nested)
    except (SystemExit, Exception):  # any refusal: UP's reader then says what is wrong
        return None
    declared = {kind.name for kind in types}
    predicates = [p for p in predicates if p.name != "="]
    signature = {p.name: tuple(a.type_name for a in p.arguments) for p in predicates}
    used_types = [t for kinds in signature.values() for t in kinds]
    used_types += [p.type_name for action in actions for p in action.parameters]
    used_types += [c.type_name for c in constants]
    if functions or axioms or not set(used_types) <= declared or not _atoms_declared(actions, signature):
        return None
    if "object" in used_types:  # UP then makes ``object`` a type of its own, the parent of the top types
        return None
    return Signature(
        name=name,
        types={kind.name: None if kind.basetype_name in (None, "object") else kind.basetype_name
               for kind in types if kind.name != "object"},
        predicates=signature,
        actions={action.name: tuple((p.name, p.type_name) for p in action.parameters) for action in actions},
        strips=StripsModel.of_translator(actions),
    )


def _atoms_declared(actions: list[Any], predicates: dict[str, tuple[str, ...]]) -> bool:
    """Whether every atom in the actions' preconditions and effects is of a declared predicate, with its
    number of arguments (or an equality)."""
    from fast_downward.translate import pddl

    def atoms(condition: Any) -> list[Any]:
        if isinstance(condition, pddl.Literal):
            return [condition]
        return [atom for part in getattr(condition, "parts", ()) for atom in atoms(part)]

    for action in actions:
        found = atoms(action.precondition)
        for effect in action.effects:
            found += [effect.literal, *atoms(effect.condition)]
        for atom in found:
            if atom.predicate != "=" and (atom.predicate not in predicates
                                          or len(predicates[atom.predicate]) != len(atom.args)):
                return False
    return True
