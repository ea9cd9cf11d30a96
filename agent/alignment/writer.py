"""Write a domain with learned repairs applied: valid PDDL from UP's writer, read back by UP to check it,
with the base domain's binding beside it and the rules with their evidence in plain text."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

from agent.alignment.learner import (
    ADD_EFFECT,
    DELETE_EFFECT,
    DROP_ADD_EFFECT,
    DROP_DELETE_EFFECT,
    DROP_PRECONDITION,
    PRECONDITION,
    Literal,
    Rule,
    action_models,
)
from agent.planning.domain import BINDING_FILE, PDDL_FILE, Domain, load_domain
from policies.artifacts import write_atomic

RULES_JSON = "rules.json"
RULES_TEXT = "rules.txt"


def write_aligned_domain(base: Domain, rules: Sequence[Rule], folder: Path) -> Domain:
    """Write ``base`` with ``rules`` applied into ``folder`` (domain.pddl, binding.yaml, rules.json,
    rules.txt) and return it as loaded back."""
    from unified_planning.io import PDDLWriter
    from unified_planning.shortcuts import Not

    problem = base.new_problem(base.name)
    models = action_models(base)
    for action in problem.actions:
        mine = [r for r in rules if r.action == action.name]
        if not mine:
            continue
        model = models[action.name]
        pres = (set(model.preconditions) | {r.literal for r in mine if r.kind == PRECONDITION}) - {
            r.literal for r in mine if r.kind == DROP_PRECONDITION}
        adds = (set(model.adds) | {r.literal for r in mine if r.kind == ADD_EFFECT}) - {
            r.literal for r in mine if r.kind == DROP_ADD_EFFECT}
        deletes = (set(model.deletes) | {r.literal for r in mine if r.kind == DELETE_EFFECT}) - {
            r.literal for r in mine if r.kind == DROP_DELETE_EFFECT}

        def expression(literal: Literal):
            atom = problem.fluent(literal.predicate)(*(action.parameter(p[1:]) for p in literal.params))  # noqa: B023
            return atom if literal.positive else Not(atom)

        action.clear_preconditions()
        for literal in sorted(pres):
            action.add_precondition(expression(literal))
        action.clear_effects()
        for literal in sorted(adds - deletes):
            action.add_effect(expression(literal), True)
        for literal in sorted(deletes):
            action.add_effect(expression(literal), False)
    folder.mkdir(parents=True, exist_ok=True)
    header = "".join(f"; {rule.describe()}: {rule.evidence()}\n" for rule in rules)
    text = PDDLWriter(problem).get_domain()
    write_atomic(folder / PDDL_FILE, f"; {base.name} aligned with {len(rules)} learned rule(s)\n{header}{text}")
    shutil.copyfile(base.binding.path, folder / BINDING_FILE)
    write_atomic(folder / RULES_JSON, json.dumps([r.to_dict() for r in rules], indent=2) + "\n")
    write_atomic(folder / RULES_TEXT, format_rules(rules))
    return load_domain(folder, task=base.binding.task)


def format_rules(rules: Sequence[Rule]) -> str:
    """The learned rules, one per line, with an example of the evidence under each."""
    if not rules:
        return "no rules learned: the domain predicted every transition\n"
    lines = []
    for rule in rules:
        lines.append(f"{rule.describe()}: {rule.evidence()}")
        lines.extend(f"    e.g. {example}" for example in rule.examples)
    return "\n".join(lines) + "\n"
