"""Reading a domain with Fast Downward's parser gives what UP's reader gives, and leaves UP unimported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent.planning import fd_domain
from agent.planning.domain import _read_pddl, _signature

ROOT = Path(__file__).resolve().parents[1]
DOMAINS = sorted([*(ROOT / "domains").glob("**/domain.pddl"), *(ROOT / "tests/data/ipc").glob("*/domain.pddl")])


@pytest.mark.parametrize("path", DOMAINS, ids=[str(p.relative_to(ROOT).parent) for p in DOMAINS])
def test_signature_and_strips_model_as_ups(path: Path) -> None:
    ours = fd_domain.read(path)
    if path.is_relative_to(ROOT / "domains"):
        assert ours is not None  # the shipped domains never need UP to start a run
    if ours is None:
        return
    theirs = _signature(_read_pddl(path))
    assert (ours.name, ours.types, ours.predicates, ours.actions) == \
        (theirs.name, theirs.types, theirs.predicates, theirs.actions)
    assert (ours.strips is None) == (theirs.strips is None)
    if ours.strips is not None and theirs.strips is not None:
        for name, action in theirs.strips.actions.items():
            mine = ours.strips.actions[name]
            assert mine.arity == action.arity
            for part in ("positive", "negative", "add", "delete"):
                assert set(getattr(mine, part)) == set(getattr(action, part)), (name, part)


def test_what_the_translator_would_read_differently_goes_to_up(tmp_path: Path) -> None:
    upper = tmp_path / "upper.pddl"
    upper.write_text("(define (domain Lights) (:predicates (On)) (:action flip :parameters () :effect (On)))")
    assert fd_domain.read(upper) is None  # the translator lower-cases names; UP keeps them
    undeclared = tmp_path / "undeclared.pddl"
    undeclared.write_text("(define (domain d) (:requirements :typing) (:types a) (:predicates (p ?x - b)))")
    assert fd_domain.read(undeclared) is None
    unknown = tmp_path / "unknown.pddl"
    unknown.write_text("(define (domain d) (:predicates (p)) (:action go :parameters () :effect (q)))")
    assert fd_domain.read(unknown) is None


def test_loading_a_shipped_domain_does_not_import_unified_planning() -> None:
    code = ("import sys; from agent.planning.domain import domain_folder, load_domain; "
            "from agent.planning.planner import Planner; d = load_domain(domain_folder('hanoi')); "
            "Planner(d).plan({'d1': 'disc', 'left': 'peg', 'right': 'peg'}, "
            "{'(on d1 left)', '(clear d1)', '(clear right)', '(handempty)', '(smaller d1 left)', "
            "'(smaller d1 right)'}, {'(on d1 right)'}); sys.exit('unified_planning' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_checking_a_goal_does_not_import_unified_planning() -> None:
    """The refusal checks read static facts off the domain's own STRIPS model, not a UP parse of it."""
    code = """
import sys
from agent.goals.refusal import SceneFacts, check_goal
from agent.planning.domain import domain_folder, load_domain
from envs.errors import Refusal
state = {'(on d2 left)', '(on d1 d2)', '(clear d1)', '(clear right)', '(handempty)', '(smaller d1 d2)',
         '(smaller d1 left)', '(smaller d2 left)', '(smaller d1 right)', '(smaller d2 right)'}
scene = SceneFacts('hanoi', {'d1': 'disc', 'd2': 'disc', 'left': 'peg', 'right': 'peg'}, {}, frozenset(state))
try:
    check_goal({'(on d2 d1)'}, scene, load_domain(domain_folder('hanoi')))
except Refusal as refusal:
    assert refusal.reason == 'impossible' and 'needs (smaller d2 d1)' in str(refusal), refusal
else:
    sys.exit('a disc on a smaller one was not refused')
sys.exit('unified_planning' in sys.modules)
"""
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
