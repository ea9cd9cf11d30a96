"""``nesy plan``: IPC-style problems the project never saw, planned, printed in IPC format and validated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.authoring.ipc_plan import plan_problem
from agent.cli import main
from agent.planning.domain import domain_folder
from envs.errors import DomainError, PlanningError

IPC = Path(__file__).resolve().parent / "data" / "ipc"
SHIPPED = Path(__file__).resolve().parent / "data" / "shipped"
PROBLEMS = ("blocksworld/p01", "blocksworld/p02", "courier/p01", "gripper/p01", "logistics/p01")
_STEP = re.compile(r"\([a-z][a-z0-9_-]*( [a-z][a-z0-9_-]*)*\)")


def _independently_valid(domain: Path, problem: Path, plan_text: str) -> bool:
    """Read the printed plan back with UP's plan reader and validate it: the text itself is a valid IPC plan."""
    from unified_planning.engines import ValidationResultStatus
    from unified_planning.io import PDDLReader
    from unified_planning.shortcuts import PlanValidator

    reader = PDDLReader()
    task = reader.parse_problem(str(domain), str(problem))
    plan = reader.parse_plan_string(task, plan_text)
    with PlanValidator(name="sequential_plan_validator") as validator:
        return validator.validate(task, plan).status == ValidationResultStatus.VALID


@pytest.mark.parametrize("planner", ["fd", "pyperplan"])
@pytest.mark.parametrize("name", PROBLEMS)
def test_ipc_problems_get_valid_plans_in_ipc_format(name: str, planner: str) -> None:
    domain, problem = IPC / name.split("/")[0] / "domain.pddl", IPC / f"{name}.pddl"
    result = plan_problem(domain, problem, planner=planner, validate=True)
    text = result.format()
    *steps, cost = text.splitlines()
    assert steps and all(_STEP.fullmatch(step) for step in steps)
    assert cost == f"; cost = {len(steps)} (unit cost)" and result.validated
    assert _independently_valid(domain, problem, text)


def test_known_plan_lengths() -> None:
    """Fast Downward's lama-first finds the optimum on these small tasks."""
    lengths = {name: len(plan_problem(IPC / name.split("/")[0] / "domain.pddl", IPC / f"{name}.pddl").steps)
               for name in ("blocksworld/p01", "gripper/p01", "logistics/p01", "courier/p01")}
    assert lengths == {"blocksworld/p01": 6, "gripper/p01": 11, "logistics/p01": 9, "courier/p01": 8}


@pytest.mark.parametrize("task, problem, length", [("hanoi", "hanoi-3", 14), ("blocks", "blocks-4", 8),
                                                   ("sort", "sort-3", 6)])
def test_shipped_domains(task: str, problem: str, length: int) -> None:
    domain = domain_folder(task) / "domain.pddl"
    result = plan_problem(domain, SHIPPED / f"{problem}.pddl", validate=True)
    assert len(result.steps) == length
    assert _independently_valid(domain, SHIPPED / f"{problem}.pddl", result.format())


def test_action_costs_give_a_general_cost() -> None:
    result = plan_problem(IPC / "costs" / "domain.pddl", IPC / "costs" / "p01.pddl", validate=True)
    assert result.format() == "(fly home away)\n; cost = 5 (general cost)\n"


@pytest.mark.parametrize("planner, status", [("fd", "UNSOLVABLE_PROVEN"), ("pyperplan", "UNSOLVABLE_INCOMPLETELY")])
def test_an_unsolvable_problem_is_an_error(planner: str, status: str) -> None:
    with pytest.raises(PlanningError, match=f"p03-unsolvable.pddl: no plan reaches the goal .*{status}"):
        plan_problem(IPC / "blocksworld" / "domain.pddl", IPC / "blocksworld" / "p03-unsolvable.pddl", planner)


def test_errors_blame_the_right_file_and_line(tmp_path: Path) -> None:
    problem = tmp_path / "p.pddl"
    problem.write_text((IPC / "blocksworld" / "p01.pddl").read_text().replace("(on a b) (on b c)", "(on a b) (on b z)"))
    with pytest.raises(DomainError, match=r"p.pddl:6: unified-planning cannot read it: .*z"):
        plan_problem(IPC / "blocksworld" / "domain.pddl", problem)
    domain = tmp_path / "domain.pddl"
    text = (IPC / "blocksworld" / "domain.pddl").read_text()
    assert "(holding ?x))\n\n" in text
    domain.write_text(text.replace("(holding ?x))\n\n", "(holding ?x)\n\n"))  # :predicates never closed
    with pytest.raises(DomainError, match=r"domain.pddl:\d+: syntax error"):
        plan_problem(domain, IPC / "blocksworld" / "p01.pddl")
    with pytest.raises(DomainError, match=r"missing\.pddl: no such file"):
        plan_problem(IPC / "blocksworld" / "domain.pddl", tmp_path / "missing.pddl")


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    domain, problem = str(IPC / "blocksworld" / "domain.pddl"), str(IPC / "blocksworld" / "p01.pddl")
    assert main(["plan", domain, problem, "--planner", "pyperplan", "--validate"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "(unstack c b)" and captured.out.endswith("; cost = 6 (unit cost)\n")
    assert captured.err.startswith("pyperplan: 6 steps in ")
    assert "valid for UP's sequential plan validator" in captured.err
    out = tmp_path / "plans" / "p01.plan"
    assert main(["plan", domain, problem, "--out", str(out)]) == 0
    assert capsys.readouterr().out == "" and out.read_text().endswith("; cost = 6 (unit cost)\n")
    assert main(["plan", domain, str(IPC / "blocksworld" / "p03-unsolvable.pddl")]) == 2
    assert "nesy plan: error: " in capsys.readouterr().err


def test_optimal_finds_the_cheaper_plan() -> None:
    """lama-first flies straight (cost 5); two legs via the hub cost 4."""
    domain, problem = IPC / "costs" / "domain.pddl", IPC / "costs" / "p01.pddl"
    result = plan_problem(domain, problem, validate=True, optimal=True)
    assert result.engine == "fast-downward-opt" and result.cost == 4 and len(result.steps) == 2
    assert _independently_valid(domain, problem, result.format())
    with pytest.raises(PlanningError, match="--optimal: only Fast Downward"):
        plan_problem(domain, problem, planner="pyperplan", optimal=True)


def test_files_unified_planning_cannot_read_are_planned_through_the_translator() -> None:
    """zenotravel writes ``(aircraft?a)``: Fast Downward's translator reads it, the plan is replayed on the
    translated task, and a note says why unified-planning was not used, at the line."""
    result = plan_problem(IPC / "zenotravel" / "domain.pddl", IPC / "zenotravel" / "p01.pddl", validate=True)
    assert result.engine == "fast-downward (translator)" and result.validated
    assert result.checked_by.startswith("a replay")
    (note,) = result.notes
    assert "zenotravel/domain.pddl:35: Found invalid expression: aircraft?a" in note
    assert "planned with Fast Downward's translator" in note


def test_the_replay_rejects_a_wrong_plan() -> None:
    from agent.authoring.sas_plan_check import check_sas_plan
    from agent.authoring.translator_plan import translate

    domain, problem = IPC / "psr-middle" / "domain.pddl", IPC / "psr-middle" / "p01.pddl"
    task = translate(domain, problem).sas
    steps = plan_problem(domain, problem).steps  # derived predicates: the replay evaluates the axioms
    assert check_sas_plan(task, steps).error is None and check_sas_plan(task, steps).cost == len(steps)
    assert "does not hold after the last step" in (check_sas_plan(task, steps[:-1]).error or "")
    assert "no such ground action" in (check_sas_plan(task, ["(fly nowhere)"]).error or "")
    blocks = translate(IPC / "blocksworld" / "domain.pddl", IPC / "blocksworld" / "p01.pddl").sas
    good = plan_problem(IPC / "blocksworld" / "domain.pddl", IPC / "blocksworld" / "p01.pddl").steps
    assert check_sas_plan(blocks, good).error is None
    assert "precondition" in (check_sas_plan(blocks, good[1:]).error or "")


def test_what_neither_reader_supports_is_named_at_its_line(tmp_path: Path) -> None:
    domain = tmp_path / "domain.pddl"
    domain.write_text("(define (domain d)\n  (:requirements :strips :typing :durative-actions)\n  (:types a)\n"
                      "  (:predicates (p ?x - a) (q ?x - a))\n"
                      "  (:durative-action go :parameters (?x - a) :duration (= ?duration 1)\n"
                      "    :condition (at start (p ?x)) :effect (at end (q ?x))))\n")
    problem = tmp_path / "p.pddl"
    problem.write_text("(define (problem p) (:domain d) (:objects x - a) (:init (p x)) (:goal (q x)))\n")
    with pytest.raises(DomainError, match=r"domain.pddl:5: durative actions are not supported by Fast Downward's "
                                          r"translator"):
        plan_problem(domain, problem)


def test_cli_notes_grammar_and_folders(capsys: pytest.CaptureFixture[str]) -> None:
    """UP's UserWarnings (with site-packages paths) become one-line notes; "1 step"; a folder is a folder."""
    folder = IPC / "elevators-opt08-strips"
    assert main(["plan", str(folder / "domain.pddl"), str(folder / "p01.pddl")]) == 0
    err = capsys.readouterr().err
    assert "site-packages" not in err and "Warning" not in err
    assert "nesy plan: note: unified-planning cannot tell whether its Fast Downward engine supports" in err
    costs = IPC / "costs"
    assert main(["plan", str(costs / "domain.pddl"), str(costs / "p01.pddl")]) == 0
    assert "fast-downward: 1 step in " in capsys.readouterr().err
    assert main(["plan", str(costs), str(costs / "p01.pddl")]) == 2
    assert capsys.readouterr().err.strip().endswith("costs: is a folder, not a PDDL file")
