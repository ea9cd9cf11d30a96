"""``nesy domain check``: every finding of a domain folder or PDDL file, sorted, as ``FILE:LINE: SEVERITY: message``.

Order of work: unified-planning's reader, Fast Downward's translator when that reader refuses the file, the
semantic checks of ``pddl_check`` (all of them, each at its line), the binding's checks when a ``binding.yaml``
is there, and, when none of that is an error, a plan on the binding's seeded scene. The reader's refusal is
never dropped: it is an error, or a warning when the translator reads the file and no binding asks the agent
(which needs unified-planning) to run it; a syntax error both refuse stops the PDDL checks, as it stops any
parser. Input that cannot be read at all (no such path, not a folder or ``.pddl`` file, not text) raises
``DomainError``: the CLI exits 2 for it, 1 for errors (and, with ``--strict``, warnings), else 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from agent.authoring.binding_check import check_binding
from agent.authoring.findings import ERROR, WARNING, Finding
from agent.authoring.pddl_check import Signature, check_domain_sexprs
from agent.authoring.pddl_features import FD_TRANSLATOR, explain_refusal, find_constructs
from agent.authoring.scene_check import check_scene
from agent.authoring.sexpr import SexprError, read_sexprs
from agent.authoring.translator_plan import TranslatorError, read_with_translator
from agent.authoring.up_reading import PddlReadError, read_pddl, read_text
from agent.planning.domain import BINDING_FILE, PDDL_FILE, load_domain, shown
from envs.errors import DomainError


@dataclass
class CheckReport:
    """What ``check_domain`` found; ``clean`` when there is no error and no warning."""

    pddl: Path
    binding: Path | None
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    @property
    def clean(self) -> bool:
        return not self.count(ERROR) and not self.count(WARNING)

    def passed(self, strict: bool = False) -> bool:
        """No error (and, ``strict``, no warning either)."""
        return not self.count(ERROR) and not (strict and self.count(WARNING))

    def format(self) -> str:
        """The findings, one per line, then a one-line verdict."""
        what = shown(self.pddl) + (f" + {shown(self.binding)}" if self.binding else "")
        lines = [str(f) for f in self.findings] + [f"note: {note}" for note in self.notes]
        counts = [f"{n} {severity}{'s' if n != 1 else ''}" for severity in (ERROR, WARNING)
                  if (n := self.count(severity))]
        lines.append(f"{what}: {', '.join(counts)}" if counts else f"{what}: clean")
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
    """Check a domain; ``solve`` (with a binding and no error) plans on the seeded scene of the binding's task,
    of ``size`` objects (default: ``scene_check.default_size``)."""
    pddl, binding_path = resolve_paths(Path(path))
    report = CheckReport(pddl, binding_path)
    text = read_text(pddl)
    pddl_file = shown(pddl)
    reader_error: PddlReadError | None = None
    try:
        read_pddl(pddl)
    except PddlReadError as exc:
        reader_error = exc
    translator_error: str | None = None
    if reader_error is not None:
        try:
            read_with_translator(pddl)
        except TranslatorError as exc:
            translator_error = str(exc)
    signature: Signature | None = None
    if reader_error is not None and reader_error.syntax and translator_error is not None:
        report.findings.append(reader_error.finding)
    else:
        try:
            findings, signature = check_domain_sexprs(read_sexprs(text), pddl_file)
        except SexprError as exc:
            findings = [Finding(pddl_file, exc.line, f"syntax error: {exc}")]
        report.findings.extend(findings)
        if reader_error is not None:
            broken = any(f.severity == ERROR for f in findings)
            refusal = _refusal(reader_error, translator_error, binding_path is not None or broken, pddl_file, text)
            # the same complaint at the same line as one of the checks here is said once, in their words
            if not (refusal.severity == ERROR and any(
                    f.line == refusal.line and f.severity == ERROR for f in findings)):
                report.findings.append(refusal)
    report.findings.extend(Finding(pddl_file, c.line, f"{c.sentence()}: nesy plan cannot plan with this domain",
                                   WARNING) for c in find_constructs(text) if c.unsupported_by == FD_TRANSLATOR)
    if binding_path is not None:
        report.findings.extend(check_binding(binding_path, signature, pddl_file))
    if binding_path is not None and solve and report.passed():
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


def _refusal(error: PddlReadError, translator_error: str | None, needed: bool, pddl_file: str, text: str) -> Finding:
    """unified-planning's refusal as a finding: an error when the translator refuses the file too, or when
    ``needed`` (a binding means the agent, which reads domains with unified-planning, is to run it; or the
    checks here found errors, which the translator's reading of the domain alone may not notice), else a
    warning."""
    message = error.finding.message.removeprefix("unified-planning cannot read it: ")
    file, line, message = explain_refusal(message, error.finding.file, error.finding.line, error.located,
                                          {pddl_file: text})
    message = f"unified-planning cannot read it: {message}"
    if translator_error is not None:
        return Finding(file, line, f"{message} (Fast Downward's translator refuses it too: {translator_error})")
    if needed:
        return Finding(file, line, message)
    return Finding(file, line, f"{message}; Fast Downward's translator reads it, so nesy plan plans with it "
                               "(nesy run cannot use this domain)", WARNING)
