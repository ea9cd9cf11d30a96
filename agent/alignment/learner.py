"""Learn repairs of a domain's actions from classified transitions, over the domain's own predicates.

Literals are lifted to the action's parameters, as SAM learning does: a transition of ``(stack a b)``
sees ``(smaller b a)`` as ``(smaller ?y ?x)``.

- Preconditions: the candidates are the literals (positive or negated) that held before every success
  of the action, so no candidate contradicts a logged success. Each failure the domain did not predict
  gives a clause, the candidates false before it. A greedy set cover keeps the fewest literals that explain
  the failures, each explaining at least ``min_support`` of them: a skill that fails once by accident
  explains nothing alone and creates no rule. Among literals explaining the same failures, the one that
  forbids least (true for the most parameter bindings in the logged states) wins.
- A precondition of the domain that was false before at least ``min_support`` successes is dropped.
- Effects: a lifted atom that every success (at least ``min_support`` of them) added or deleted, and the
  domain does not, becomes an effect; a predicted effect that no success showed is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from agent.alignment.mismatch import MISSING_PRECONDITION, Classified
from agent.planning.domain import Domain
from agent.planning.planner import format_atom, parse_atom

MIN_SUPPORT = 2

PRECONDITION = "precondition"
DROP_PRECONDITION = "drop precondition"
ADD_EFFECT = "add effect"
DELETE_EFFECT = "delete effect"
DROP_ADD_EFFECT = "drop add effect"
DROP_DELETE_EFFECT = "drop delete effect"


@dataclass(frozen=True, order=True)
class Literal:
    """A lifted atom over an action's parameters, or its negation."""

    predicate: str
    params: tuple[str, ...]
    positive: bool = True

    @property
    def atom(self) -> str:
        return format_atom(self.predicate, self.params)

    def __str__(self) -> str:
        return self.atom if self.positive else f"(not {self.atom})"

    def ground(self, binding: dict[str, str]) -> str:
        return format_atom(self.predicate, (binding[p] for p in self.params))

    def holds(self, state: frozenset[str], binding: dict[str, str]) -> bool:
        return (self.ground(binding) in state) == self.positive

    @classmethod
    def parse(cls, text: str) -> Literal:
        """Read ``"(smaller ?y ?x)"`` or ``"(not (smaller ?y ?x))"``."""
        text = text.strip()
        positive = not text.startswith("(not ")
        if not positive:
            text = text[len("(not "):-1].strip()
        predicate, params = parse_atom(text)
        return cls(predicate, params, positive)


@dataclass(frozen=True)
class Rule:
    """One repair of one action, with the evidence for it."""

    action: str
    kind: str
    literal: Literal
    #: transitions (by index in the log) the repair explains
    explains: tuple[int, ...]
    #: successes of the action it is consistent with
    successes: int
    examples: tuple[str, ...] = field(default=())
    #: the action's parameters, to show the rule with them
    params: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """The rule, e.g. ``(stack ?x ?y) only when (not (smaller ?y ?x))``."""
        lit = str(self.literal)
        action = format_atom(self.action, self.params)
        text = {
            PRECONDITION: f"{action} only when {lit}",
            DROP_PRECONDITION: f"{action} does not need {lit}",
            ADD_EFFECT: f"{action} makes {lit} true",
            DELETE_EFFECT: f"{action} makes {lit} false",
            DROP_ADD_EFFECT: f"{action} does not make {lit} true",
            DROP_DELETE_EFFECT: f"{action} does not make {lit} false",
        }[self.kind]
        return text

    def evidence(self) -> str:
        return f"explains {len(self.explains)} misprediction(s), consistent with {self.successes} success(es)"

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "params": list(self.params), "kind": self.kind, "literal": str(self.literal),
                "rule": self.describe(), "evidence": self.evidence(), "explains": list(self.explains),
                "successes": self.successes, "examples": list(self.examples)}

    @property
    def key(self) -> tuple[str, str, Literal]:
        """What the rule changes, whatever its evidence."""
        return (self.action, self.kind, self.literal)


@dataclass(frozen=True)
class ActionModel:
    """An action's lifted preconditions and effects as the domain states them."""

    params: tuple[str, ...]
    preconditions: frozenset[Literal]
    adds: frozenset[Literal]
    deletes: frozenset[Literal]


@dataclass
class Learned:
    rules: list[Rule]
    #: mispredicted transitions no rule explains (noise, or causes outside the domain's predicates)
    unexplained: list[int]


def action_models(domain: Domain) -> dict[str, ActionModel]:
    """The STRIPS model of every action of ``domain``, read from its UP problem."""
    problem = domain.new_problem("model")
    models = {}
    for action in problem.actions:
        params = tuple(f"?{p.name}" for p in action.parameters)
        pres: set[Literal] = set()
        for condition in action.preconditions:
            pres |= _literals(condition)
        adds, deletes = set(), set()
        for effect in action.effects:
            literal = _literals(effect.fluent).pop()
            (adds if effect.value.is_true() else deletes).add(literal)
        models[action.name] = ActionModel(params, frozenset(pres), frozenset(adds), frozenset(deletes))
    return models


def _literals(node: Any) -> set[Literal]:
    if node.is_and():
        return set().union(*(_literals(arg) for arg in node.args))
    if node.is_not():
        (inner,) = _literals(node.arg(0))
        return {Literal(inner.predicate, inner.params, False)}
    if node.is_fluent_exp():
        return {Literal(node.fluent().name, tuple(f"?{a.parameter().name}" for a in node.args))}
    raise ValueError(f"unsupported condition {node}: only STRIPS literals over parameters")


def lifted_atoms(domain: Domain, action: str) -> list[Literal]:
    """Every positive lifted atom over ``action``'s parameters that the predicates' types allow."""
    params = domain.actions[action]
    atoms = []
    for predicate in sorted(domain.predicates):
        types = domain.predicates[predicate]
        choices = [[p for p, t in params if domain.is_subtype(t, wanted)] for wanted in types]
        atoms.extend(Literal(predicate, combo) for combo in product(*choices))
    return atoms


def learn(domain: Domain, classified: Sequence[Classified], min_support: int = MIN_SUPPORT) -> Learned:
    """The repairs of ``domain`` that the classified transitions support."""
    models = action_models(domain)
    rules: list[Rule] = []
    unexplained: list[int] = []
    for action in sorted(domain.actions):
        model = models[action]
        mine = [(i, c) for i, c in enumerate(classified) if c.operator.name == action]
        atoms = lifted_atoms(domain, action)
        successes = [(i, c, _binding(model, c)) for i, c in mine if c.transition.skill_success]
        failures = [(i, c, _binding(model, c)) for i, c in mine if c.kind == MISSING_PRECONDITION]
        found, left = _preconditions(action, model, atoms, successes, failures, classified, min_support)
        rules += found
        unexplained += left
        rules += _dropped_preconditions(action, model, successes, min_support)
        rules += _effects(action, model, atoms, [(i, c, b) for i, c, b in successes if c.predicted is not None],
                          min_support)
    return Learned(rules, sorted(unexplained))


def _binding(model: ActionModel, c: Classified) -> dict[str, str]:
    return dict(zip(model.params, c.operator.args))


def _preconditions(action: str, model: ActionModel, atoms: list[Literal], successes: list, failures: list,
                   classified: Sequence[Classified], min_support: int) -> tuple[list[Rule], list[int]]:
    if not failures:
        return [], []
    if not successes:  # nothing narrows the candidates yet: any literal would do, so commit none
        return [], [i for i, _, _ in failures]
    literals = [Literal(a.predicate, a.params, sign) for a in atoms for sign in (True, False)]
    candidates = [lit for lit in literals if lit not in model.preconditions
                  and all(lit.holds(c.transition.before, b) for _, c, b in successes)]
    clauses = {i: {lit for lit in candidates if not lit.holds(c.transition.before, b)} for i, c, b in failures}
    uncovered = {i for i, clause in clauses.items() if clause}
    permissive = _permissiveness(model, candidates, classified)
    rules = []
    while uncovered:
        def score(lit: Literal) -> tuple[int, int, str]:  # used at once, within this iteration
            return (sum(lit in clauses[i] for i in uncovered), permissive[lit], str(lit))  # noqa: B023

        best = max(candidates, key=score)
        covered = {i for i in uncovered if best in clauses[i]}
        if len(covered) < min_support:
            break
        explains = tuple(sorted(i for i in clauses if best in clauses[i]))
        examples = tuple(dict.fromkeys(f"{classified[i].transition.operator} failed ({classified[i].transition.source})"
                                       for i in explains))[:3]
        rules.append(Rule(action, PRECONDITION, best, explains, len(successes), examples, model.params))
        uncovered -= covered
    explained = {i for rule in rules for i in rule.explains}
    return rules, sorted(i for i in clauses if i not in explained)


def _permissiveness(model: ActionModel, candidates: list[Literal], classified: Sequence[Classified]) -> dict:
    """For each literal: in how many (logged state, parameter binding) pairs it holds."""
    states = sorted({c.transition.before for c in classified}, key=sorted)
    counts = dict.fromkeys(candidates, 0)
    for state in states:
        objects = sorted({arg for atom in state for arg in parse_atom(atom)[1]})
        for combo in product(objects, repeat=len(model.params)):
            binding = dict(zip(model.params, combo))
            for lit in candidates:
                counts[lit] += lit.holds(state, binding)
    return counts


def _dropped_preconditions(action: str, model: ActionModel, successes: list, min_support: int) -> list[Rule]:
    rules = []
    for lit in sorted(model.preconditions):
        against = tuple(i for i, c, b in successes if not lit.holds(c.transition.before, b))
        if len(against) >= min_support:
            rules.append(Rule(action, DROP_PRECONDITION, lit, against, len(successes), params=model.params))
    return rules


def _effects(action: str, model: ActionModel, atoms: list[Literal], successes: list,
             min_support: int) -> list[Rule]:
    if len(successes) < min_support:
        return []
    ids = tuple(i for i, _, _ in successes)
    rules = []
    for atom in atoms:
        after = [atom.ground(b) in c.transition.after for _, c, b in successes]
        before = [atom.ground(b) in c.transition.before for _, c, b in successes]
        if atom not in model.adds and all(a and not p for a, p in zip(after, before)):
            rules.append(Rule(action, ADD_EFFECT, atom, ids, len(successes), params=model.params))
        if atom not in model.deletes and all(p and not a for a, p in zip(after, before)):
            rules.append(Rule(action, DELETE_EFFECT, atom, ids, len(successes), params=model.params))
        if atom in model.adds and not any(after):
            rules.append(Rule(action, DROP_ADD_EFFECT, atom, ids, len(successes), params=model.params))
        if atom in model.deletes and all(after):
            rules.append(Rule(action, DROP_DELETE_EFFECT, atom, ids, len(successes), params=model.params))
    return rules
