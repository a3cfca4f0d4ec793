"""Output formats of ``portkit lint``: concise, full, json, json-lines, github, sarif (ruff's set)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from portkit.lint import _rules

if TYPE_CHECKING:
    from portkit.lint._diagnostic import Diagnostic

__all__ = ["write"]

_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _summary(diags: Sequence[Diagnostic]) -> str:
    if not diags:
        return "All checks passed!"
    n = len(diags)
    return f"Found {n} finding{'s' if n != 1 else ''}."


def _concise(diags: Sequence[Diagnostic], out: TextIO) -> None:
    for d in diags:
        out.write(f"{d.filename}:{d.row}:{d.column}: {d.code} {d.message}\n")
    out.write(_summary(diags) + "\n")


def _source_lines(filename: str, cache: dict[str, list[str]]) -> list[str]:
    if filename not in cache:
        try:
            cache[filename] = Path(filename).read_text("utf-8", errors="replace").splitlines()
        except OSError:
            cache[filename] = []
    return cache[filename]


def _full(diags: Sequence[Diagnostic], out: TextIO) -> None:
    cache: dict[str, list[str]] = {}
    for d in diags:
        out.write(f"{d.filename}:{d.row}:{d.column}: {d.code} {d.message}\n")
        lines = _source_lines(d.filename, cache)
        if 0 < d.row <= len(lines):
            line = lines[d.row - 1].replace("\t", " ")
            width = len(str(d.row))
            end = d.end_column if d.end_row == d.row else len(line) + 1
            carets = "^" * max(1, end - d.column)
            out.write(f"{'':>{width}} |\n")
            out.write(f"{d.row:>{width}} | {line}\n")
            out.write(f"{'':>{width}} | {' ' * (d.column - 1)}{carets} {d.code}\n")
            if d.suggestion:
                out.write(f"{'':>{width}} = help: {d.suggestion}\n")
        elif d.suggestion:
            out.write(f"  = help: {d.suggestion}\n")
        out.write("\n")
    out.write(_summary(diags) + "\n")


def _json(diags: Sequence[Diagnostic], out: TextIO) -> None:
    import json

    json.dump([d.to_dict() for d in diags], out, indent=2, ensure_ascii=False)
    out.write("\n")


def _json_lines(diags: Sequence[Diagnostic], out: TextIO) -> None:
    import json

    for d in diags:
        out.write(json.dumps(d.to_dict(), ensure_ascii=False) + "\n")


def _gh_escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def _github(diags: Sequence[Diagnostic], out: TextIO) -> None:
    for d in diags:
        props = ",".join(
            [
                f"title={_gh_escape(f'portkit ({d.code})', prop=True)}",
                f"file={_gh_escape(d.filename, prop=True)}",
                f"line={d.row}",
                f"col={d.column}",
                f"endLine={d.end_row}",
                f"endColumn={d.end_column}",
            ]
        )
        text = _gh_escape(f"{d.filename}:{d.row}:{d.column}: {d.code} {d.message}")
        out.write(f"::{_GITHUB_LEVEL[d.severity]} {props}::{text}\n")


def sarif_log(diags: Sequence[Diagnostic], *, version: str) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run, every rule described, one result per diagnostic."""
    import urllib.parse

    rules = list(_rules.RULES)
    index = {r.code: i for i, r in enumerate(rules)}
    results = []
    for d in diags:
        result: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _SARIF_LEVEL[d.severity],
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": urllib.parse.quote(Path(d.filename).as_posix())},
                        "region": {
                            "startLine": d.row,
                            "startColumn": d.column,
                            "endLine": d.end_row,
                            "endColumn": d.end_column,
                        },
                    }
                }
            ],
        }
        props = {k: v for k, v in (("family", d.family), ("token", d.token), ("verdict", d.verdict)) if v}
        if props:
            result["properties"] = props
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "portkit",
                        "informationUri": "https://portkit.readthedocs.io/",
                        "version": version,
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.summary},
                                "helpUri": r.url,
                                "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
                            }
                            for r in rules
                        ],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def _sarif(diags: Sequence[Diagnostic], out: TextIO) -> None:
    import json

    from portkit import __version__

    json.dump(sarif_log(diags, version=__version__), out, indent=2, ensure_ascii=False)
    out.write("\n")


_WRITERS = {
    "concise": _concise,
    "full": _full,
    "json": _json,
    "json-lines": _json_lines,
    "github": _github,
    "sarif": _sarif,
}


def write(diags: Sequence[Diagnostic], fmt: str, out: TextIO) -> None:
    """Write ``diags`` to ``out`` in output format ``fmt`` (one of ``OUTPUT_FORMATS``)."""
    _WRITERS[fmt](diags, out)
