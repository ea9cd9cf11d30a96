"""47 IPC problems of 42 domains (opt and sat tracks; STRIPS, negative preconditions, conditional effects, action
costs, derived predicates) from aibasel/downward-benchmarks, listed in ``tests/data/ipc/sample.yaml`` with what
plain Fast Downward (its driver, lama-first, 30 s) did on each. ``nesy plan --validate`` must solve every problem
plain Fast Downward solves, with a plan of the same cost (the same search on the same task), and check it:
with UP's validator, or by a replay on the translated task where unified-planning cannot read the files.
``nesy domain check`` must pass every domain of the sample (about 3 min for all on 2 busy cores)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.cli import main

IPC = Path(__file__).resolve().parent / "data" / "ipc"
SAMPLE: dict[str, Any] = yaml.safe_load((IPC / "sample.yaml").read_text())
PROBLEMS = sorted(SAMPLE["problems"])
DOMAINS = sorted({name.split("/")[0] for name in PROBLEMS})


def test_the_sample_covers_what_the_issue_asks() -> None:
    assert len(PROBLEMS) >= 40 and len(DOMAINS) >= 25
    texts = [(IPC / d / "domain.pddl").read_text().lower() for d in DOMAINS]
    for feature in (":derived", ":negative-preconditions", "(when", "total-cost"):
        assert sum(feature in text for text in texts) >= 2, feature
    assert {"opt", "sat"} <= {part for d in DOMAINS for part in ("opt", "sat") if f"-{part}" in d}


@pytest.mark.slow
@pytest.mark.parametrize("name", PROBLEMS)
def test_nesy_plan_solves_what_plain_fast_downward_solves(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    expected = SAMPLE["problems"][name]["plain_fd"]
    domain, problem = IPC / name.split("/")[0] / "domain.pddl", IPC / f"{name}.pddl"
    status = main(["plan", "--validate", "--timeout", str(SAMPLE["time_limit_s"]), str(domain), str(problem)])
    captured = capsys.readouterr()
    if not expected["solved"]:
        return  # nothing to match: plain Fast Downward did not solve it within the limit
    assert status == 0, captured.err
    assert captured.out.splitlines()[-1].startswith(f"; cost = {expected['cost']} ("), captured.out[-200:]
    verdict = captured.err.strip().splitlines()[-1]
    assert ", valid for UP's sequential plan validator" in verdict or \
        ", valid for a replay on Fast Downward's translated task" in verdict, verdict
    assert "Traceback" not in captured.err and "site-packages" not in captured.err


@pytest.mark.slow
@pytest.mark.parametrize("domain", DOMAINS)
def test_domain_check_passes_every_sample_domain(domain: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["domain", "check", str(IPC / domain / "domain.pddl")]) == 0, capsys.readouterr().out
