"""What ``nesy domain check``, ``nesy domain new`` and ``nesy plan`` do with their parsed flags.

Exit status of ``domain check``: 0 without errors, 1 with errors (or, ``--strict``, warnings), each printed as
``FILE:LINE: SEVERITY: message``; 2 input that cannot be read at all (the CLI's status for every ``NesyError``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_PROBLEMS = 1


def domain_check(args: argparse.Namespace) -> int:
    from agent.authoring.check import check_domain

    report = check_domain(args.path, size=args.size, seed=args.seed, solve=not args.no_solve)
    print(report.format())
    return 0 if report.passed(strict=args.strict) else EXIT_PROBLEMS


def domain_new(args: argparse.Namespace) -> int:
    from agent.authoring.scaffold import scaffold_domain
    from agent.planning.domain import shown

    folder = scaffold_domain(args.name, Path(args.out) if args.out else None, task=args.task)
    print(f"wrote {shown(folder)}/ (domain.pddl, binding.yaml, a test); "
          f"check it with: nesy domain check {shown(folder)}")
    return 0


def plan(args: argparse.Namespace) -> int:
    from agent.authoring.ipc_plan import plan_problem
    from agent.planning.domain import shown
    from policies.artifacts import write_atomic

    result = plan_problem(Path(args.domain_file), Path(args.problem_file), planner=args.planner,
                          validate=args.validate, timeout_s=args.timeout, optimal=args.optimal)
    for note in result.notes:
        print(f"nesy plan: note: {note}", file=sys.stderr)
    text = result.format()
    if args.out:
        write_atomic(Path(args.out), text)
    else:
        sys.stdout.write(text)
    verdict = f"valid for {result.checked_by}" if result.validated else "not validated"
    where = f", written to {shown(Path(args.out))}" if args.out else ""
    count = len(result.steps)
    print(f"{result.engine}: {count} step{'' if count == 1 else 's'} in {result.plan_time_s:.3f} s, {verdict}{where}",
          file=sys.stderr)
    return 0
