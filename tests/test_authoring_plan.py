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
