"""``Diagnostic``: one finding of ``portkit lint``, located in a file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portkit.lint import _rules

__all__ = ["Diagnostic"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding of ``portkit lint``, located in a file.

    Rows and columns are 1-based; columns count characters; the end is exclusive (ruff's convention).
    ``token`` is the exact text matched, as written, for findings about a token.
    """

    code: str
    name: str
    severity: str
    message: str
    filename: str
    row: int
    column: int
    end_row: int
    end_column: int
    family: str | None = None
    token: str | None = None
    verdict: str | None = None
    suggestion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON record (``--output-format json``)."""
        return {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "severity": self.severity,
            "filename": self.filename,
            "location": {"row": self.row, "column": self.column},
            "end_location": {"row": self.end_row, "column": self.end_column},
            "family": self.family,
            "token": self.token,
            "verdict": self.verdict,
            "fix": self.suggestion,
            "url": _rules.rule(self.code).url,
        }
