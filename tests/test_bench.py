"""``nesy bench``: discovery, the one table, the JSON, and the planning benchmark's problems."""

import json
from pathlib import Path

import pytest

import benchmarks
from agent.cli import main
from benchmarks import Row, discover, format_rows, median_row
from benchmarks.planning import blocks_problem, hanoi_problem


def test_every_benchmark_module_has_the_common_entry_point() -> None:
    assert {"acting", "episode", "perception", "planning", "simulation", "startup"} <= set(discover())


def test_median_row_and_table() -> None:
    row = median_row("latency", [3.0, 1.0, 2.0], "ms", "note")
    assert (row.value, row.spread) == (2.0, "1.0-3.0, n=3")
    table = format_rows([row, Row("speed-up", 12345.6, "x")], ["bench", "bench"]).splitlines()
    assert table[0].split() == ["benchmark", "figure", "value", "unit", "spread", "note"]
    assert "12346" in table[2] and "e+" not in table[2]


def test_bench_prints_one_table_and_writes_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    calls = []

    def fake(quick: bool) -> list[Row]:
        calls.append(quick)
        return [Row("answer", 42.0, "ms", "40-44, n=3", "a note")]

    monkeypatch.setattr(benchmarks, "discover", lambda: {"alpha": fake, "beta": fake})
    out = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--only", "beta", "--json", str(out), "--quiet"]) == 0
    assert calls == [True]
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].split()[:3] == ["beta", "answer", "42"]
    saved = json.loads(out.read_text())
    assert saved["quick"] is True and list(saved["benchmarks"]) == ["beta"]
    assert saved["benchmarks"]["beta"]["rows"] == [
        {"name": "answer", "value": 42.0, "unit": "ms", "spread": "40-44, n=3", "note": "a note"}]


def test_bench_unknown_name_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--only", "nope", "--quiet"]) == 2
    assert "--only: unknown benchmark 'nope'" in capsys.readouterr().err


def test_simulation_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--quick", "--only", "simulation", "--quiet"]) == 0
    assert "agent control vs raw stepSimulation" in capsys.readouterr().out


def test_planning_benchmark_problems_are_solvable_and_seeded() -> None:
    from agent.planning.domain import domain_folder, load_domain
    from agent.planning.planner import Planner

    assert blocks_problem(6, seed=1) == blocks_problem(6, seed=1) != blocks_problem(6, seed=2)
    for problem, steps in ((hanoi_problem(2), 6), (blocks_problem(5), None)):
        plan = Planner(load_domain(domain_folder(problem.task))).plan(problem.objects, problem.state, problem.goal)
        assert problem.goal <= plan.predicted[-1]
        assert steps is None or len(plan.operators) == steps


@pytest.mark.slow
def test_bench_quick_runs_every_benchmark(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--json", str(out), "--quiet"]) == 0
    saved = json.loads(out.read_text())
    assert {"acting", "episode", "perception", "planning", "simulation", "startup"} <= set(saved["benchmarks"])
    planning = {row["name"]: row for row in saved["benchmarks"]["planning"]["rows"]}
    assert planning["agent plans valid (UP validator)"]["value"] == 1.0
    # the rows issue 26 compares across commits, by these exact names
    names = {row["name"] for result in saved["benchmarks"].values() for row in result["rows"]}
    assert {"episode vs raw physics (learned)", "episode vs raw physics (scripted)",
            "fresh problems: speed-up (median)", "episode calls: speed-up (median)",
            "goal reading beyond rendering (ms)", "startup to first episode (s)"} <= names
