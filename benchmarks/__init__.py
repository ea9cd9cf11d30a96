"""Speed benchmarks, run together by ``nesy bench`` (one table, optionally JSON) or one by one as scripts.

Every module of this package that defines ``run`` is a benchmark. Its interface is one function::

    def run(quick: bool) -> list[Row]: ...

``quick`` asks for a smoke-test-sized run (seconds: fewer sizes, fewer repeats); the full run should stay
within a minute or two on two cores. Each ``Row`` is one figure: a ratio measured in one run against a
baseline on the same input (so it transfers across machines), or a median with its spread. ``nesy bench``
imports the modules in name order, calls ``run`` and prints every row under the module's name; heavy
imports belong inside ``run`` so that discovering the modules stays cheap.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    """One measured figure: ``value`` in ``unit``, ``spread`` how much it varied, ``note`` what was measured."""

    name: str
    value: float
    unit: str
    spread: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def median_row(name: str, values: Sequence[float], unit: str, note: str = "", digits: int = 1) -> Row:
    """The median of ``values`` with their range as the spread (``min-max, n=...``)."""
    spread = f"{min(values):.{digits}f}-{max(values):.{digits}f}, n={len(values)}" if len(values) > 1 else "n=1"
    return Row(name, statistics.median(values), unit, spread, note)


def format_rows(rows: Sequence[Row], sections: Sequence[str] | None = None) -> str:
    """Rows as an aligned text table; ``sections`` names the benchmark of each row (a first column)."""
    header = ["benchmark"] * bool(sections) + ["figure", "value", "unit", "spread", "note"]
    table = [header] + [
        ([sections[i]] if sections else []) + [row.name, _number(row.value), row.unit, row.spread, row.note]
        for i, row in enumerate(rows)
    ]
    widths = [max(len(line[c]) for line in table) for c in range(len(header))]
    value_column = header.index("value")
    return "\n".join(
        "  ".join(cell.rjust(w) if c == value_column else cell.ljust(w)
                  for c, (cell, w) in enumerate(zip(line, widths))).rstrip()
        for line in table
    )


def _number(value: float) -> str:
    """Three significant digits, without exponents for the large speed-ups cache hits give."""
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def run_as_script(doc: str, run: Callable[[bool], list[Row]], quick_help: str) -> None:
    """What ``python -m benchmarks.NAME [--quick]`` does for a benchmark with no settings of its own: run it
    and print its table, described by the first line of its module's ``doc``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    print(format_rows(run(parser.parse_args().quick)))


def discover() -> dict[str, Callable[[bool], list[Row]]]:
    """Every benchmark module's ``run``, by module name, in name order."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "run", None)):
            found[info.name] = module.run
    return found
