"""A problem found in a file, as ``FILE:LINE: message``: what ``nesy domain check`` reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one line of one file; findings sort by file, then line, then message."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"
