"""``nesy domain new NAME``: a domain folder that passes ``nesy domain check`` as generated.

The scaffold starts from a shipped task's domain (PDDL and binding, renamed) because a binding can
only name detectors, skills and scenes that exist; the generated test runs the same check, so an edit
that breaks the domain fails the test.
"""

from __future__ import annotations

import re
from pathlib import Path

from agent.planning.domain import BINDING_FILE, PDDL_FILE, domain_folder, shown
from envs.errors import ConfigError, quoted
from policies.artifacts import atomic_path

NAME = re.compile(r"[a-z][a-z0-9_-]*")
_DOMAIN_HEADER = re.compile(r"\(\s*domain\s+[^\s()]+\s*\)", re.IGNORECASE)

_TEST = '''"""The {name} domain passes `nesy domain check` (written by `nesy domain new`; run: pytest {folder})."""

from pathlib import Path

from agent.authoring.check import check_domain


def test_{ident}_domain_is_clean() -> None:
    report = check_domain(Path(__file__).resolve().parent)
    assert report.clean, report.format()
'''


def generated_test_name(name: str) -> str:
    """The generated test's file name: unique per domain, so pytest can collect several at once."""
    return f"test_{name.replace('-', '_')}_domain.py"


def scaffold_domain(name: str, out: Path | None = None, task: str = "blocks") -> Path:
    """Write ``domain.pddl``, ``binding.yaml`` and a test for domain ``name`` into ``out`` (default
    ``domains/NAME``), from the shipped domain of ``task``; an existing folder is never overwritten."""
    if not NAME.fullmatch(name):
        raise ConfigError(f"NAME: {quoted(name)} is not a PDDL name (lowercase letter, then letters, digits, '-' "
                          "or '_')")
    source = domain_folder(task)
    folder = out if out is not None else source.parent / name
    if folder.exists():
        raise ConfigError(f"{shown(folder)}: already exists; choose another NAME or --out")
    pddl = source.joinpath(PDDL_FILE).read_text(encoding="utf-8")
    pddl, renamed = _DOMAIN_HEADER.subn(f"(domain {name})", pddl, count=1)
    assert renamed == 1, f"{source / PDDL_FILE} has no (domain NAME) header"
    header = (f"; The {name} domain, scaffolded by `nesy domain new` from the shipped {task} domain.\n"
              f"; Edit it and binding.yaml together; `nesy domain check {shown(folder)}` says what is wrong.\n")
    ident = name.replace("-", "_")
    files = {PDDL_FILE: header + pddl, BINDING_FILE: source.joinpath(BINDING_FILE).read_text(encoding="utf-8"),
             generated_test_name(name): _TEST.format(name=name, folder=shown(folder), ident=ident)}
    with atomic_path(folder, directory=True) as tmp:  # the whole folder or nothing
        for file_name, text in files.items():
            (tmp / file_name).write_text(text, encoding="utf-8")
    return folder
