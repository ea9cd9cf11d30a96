"""``nesy domain check``: every problem of a domain folder or PDDL file, sorted, as ``FILE:LINE: message``.

Order of work: unified-planning's reader (a syntax error stops the PDDL checks there, as it stops any
parser), the semantic checks of ``pddl_check`` (all of them, each at its line), the binding's checks
when a ``binding.yaml`` is there, and, when all of that is clean, a plan on the binding's seeded scene.
Input that cannot be read at all (no such path, not a folder or ``.pddl`` file, not text) raises
``DomainError``: the CLI exits 2 for it, and 1 for a domain with problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from agent.authoring.binding_check import check_binding
from agent.authoring.findings import Finding
from agent.authoring.pddl_check import Signature, check_domain_sexprs
from agent.authoring.scene_check import check_scene
from agent.authoring.sexpr import SexprError, read_sexprs
from agent.authoring.up_reading import PddlReadError, read_pddl, read_text
from agent.planning.domain import BINDING_FILE, PDDL_FILE, load_domain, shown
from envs.errors import DomainError


@dataclass
class CheckReport:
    """What ``check_domain`` found; clean when ``findings`` is empty."""

    pddl: Path
    binding: Path | None
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.findings

    def format(self) -> str:
        """The findings, one per line, then a one-line verdict."""
        what = shown(self.pddl) + (f" + {shown(self.binding)}" if self.binding else "")
        lines = [str(f) for f in self.findings] + [f"note: {note}" for note in self.notes]
        count = len(self.findings)
        lines.append(f"{what}: {count} problem{'s' if count != 1 else ''}" if count else f"{what}: clean")
        return "\n".join(lines)


def resolve_paths(path: Path) -> tuple[Path, Path | None]:
    """The PDDL file and the binding (None when there is none) of a domain folder or ``.pddl`` file."""
    if path.is_dir():
        pddl = path / PDDL_FILE
    elif path.suffix == ".pddl":
        pddl = path
    elif not path.exists():
        raise DomainError(f"{shown(path)}: no such file or folder")
    else:
        raise DomainError(f"{shown(path)}: expected a domain folder or a .pddl file")
    if not pddl.is_file():
        raise DomainError(f"{shown(pddl)}: no such file")
    binding = pddl.parent / BINDING_FILE
    return pddl, binding if binding.is_file() else None


def check_domain(path: str | Path, size: int | None = None, seed: int = 0, solve: bool = True) -> CheckReport:
    """Check a domain; ``solve`` (with a binding and no other problem) plans on the seeded scene of the
    binding's task, of ``size`` objects (default: ``scene_check.default_size``)."""
    pddl, binding_path = resolve_paths(Path(path))
    report = CheckReport(pddl, binding_path)
    text = read_text(pddl)
    pddl_file = shown(pddl)
    reader_error: PddlReadError | None = None
    try:
        read_pddl(pddl)
    except PddlReadError as exc:
        reader_error = exc
    signature: Signature | None = None
    if reader_error is not None and reader_error.syntax:
        report.findings.append(reader_error.finding)
    else:
        try:
            findings, signature = check_domain_sexprs(read_sexprs(text), pddl_file)
        except SexprError as exc:
            findings = [Finding(pddl_file, exc.line, f"syntax error: {exc}")]
        report.findings.extend(findings)
        # The reader may know of a problem these checks do not look for: keep its word when they found
        # nothing, or when it names a line none of their findings is on.
        if reader_error is not None and (not findings or (
                reader_error.located and reader_error.finding.line not in {f.line for f in findings})):
            report.findings.append(reader_error.finding)
    if binding_path is not None:
        report.findings.extend(check_binding(binding_path, signature, pddl_file))
    if binding_path is not None and solve and not report.findings:
        try:
            domain = load_domain(pddl)
        except DomainError as exc:  # what the agent itself refuses (e.g. numeric functions)
            message = str(exc).removeprefix(f"{pddl_file}: ")
            report.findings.append(Finding(pddl_file, signature.line if signature else 1, message))
        else:
            scene = check_scene(domain, signature.line if signature else 1, size=size, seed=seed)
            report.findings.extend(scene.findings)
            report.notes.extend(scene.notes)
    report.findings = sorted(set(report.findings))
    return report
