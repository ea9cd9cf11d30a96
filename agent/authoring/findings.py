"""What ``nesy domain check`` reports: ``FILE:LINE: SEVERITY: message``.

Severities, as compilers use them: an ``error`` is something a reader or the agent refuses (exit status 1); a
``warning`` is legal PDDL that is probably not what the author meant (a predicate no operator uses, a
precondition that can never hold) or that only one of our readers accepts (exit 0, or 1 with ``--strict``); a
``note`` says something worth knowing and is never a problem.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR, WARNING, NOTE = "error", "warning", "note"
SEVERITIES = (ERROR, WARNING, NOTE)


@dataclass(frozen=True, order=True)
class Finding:
    """One finding at one line of one file; findings sort by file, then line, then message."""

    file: str
    line: int
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.message}"
