"""``nesy bench``: run the benchmarks in ``benchmarks/`` and print their rows as one table.

The benchmarks themselves and their common interface (``run(quick) -> list[Row]``) live in the
``benchmarks`` package; this module only selects, runs, prints and saves them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from envs.errors import ConfigError
from policies.artifacts import write_atomic


def run_benchmarks(quick: bool, only: Sequence[str] = (), progress: bool = True) -> dict[str, Any]:
    """Run every benchmark (or those named in ``only``); returns ``{"quick", "machine", "benchmarks"}``."""
    from benchmarks import discover

    found = discover()
    unknown = sorted(set(only) - set(found))
    if unknown:
        raise ConfigError(f"--only: unknown benchmark {', '.join(map(repr, unknown))} (benchmarks: {', '.join(found)})")
    results = {}
    for name, run in found.items():
        if only and name not in only:
            continue
        if progress:
            print(f"running {name} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        rows = run(quick)
        results[name] = {"seconds": round(time.perf_counter() - start, 2), "rows": [row.to_dict() for row in rows]}
    return {"quick": quick, "machine": f"{platform.machine()}, Python {platform.python_version()}, "
                                      f"{_cpu_count()} CPUs", "benchmarks": results}


def format_results(results: dict[str, Any]) -> str:
    """One table of every row, the benchmark's name in the first column."""
    from benchmarks import Row, format_rows

    rows, sections = [], []
    for name, result in results["benchmarks"].items():
        rows += [Row(**row) for row in result["rows"]]
        sections += [name] * len(result["rows"])
    return format_rows(rows, sections)


def bench_command(args: argparse.Namespace) -> int:
    """``nesy bench [--quick] [--only NAME] [--json PATH]``: print the table, write the JSON when asked."""
    results = run_benchmarks(args.quick, args.only or (), progress=not args.quiet)
    print(format_results(results))
    if args.json:
        write_atomic(Path(args.json), json.dumps(results, indent=2) + "\n")
    return 0


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
