"""Snapshot of each output format, and the SARIF log against the 2.1.0 structure.

Regenerate the snapshots after a deliberate change with ``PORTKIT_UPDATE_SNAPSHOTS=1 pytest tests/lint``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from portkit.lint._config import OUTPUT_FORMATS
from portkit.lint._rules import RULES

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    (tmp_path / "prompt.txt").write_text("Hi.\n<|im_start|>user\n{q}<|im_end|>\n", "utf-8")
    (tmp_path / "app.py").write_text(
        'SYSTEM = "<|begin_of_text|>Respond only with JSON."\nLEGACY = f"\\n\\nHuman: {q}\\n\\nAssistant:"\n',
        "utf-8",
    )
    (tmp_path / "ui.ts").write_text("const p = `<|${role}|>\\n${text}`;\n", "utf-8")
    return tmp_path


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_output_format_snapshot(sample, portkit_cli, fmt):
    r = portkit_cli("lint", ".", "--isolated", "--output-format", fmt, cwd=sample)
    assert r.code == 1 and r.err == ""
    from portkit import __version__

    out = r.out.replace(f'"version": "{__version__}"', '"version": "<version>"')
    snap = SNAPSHOTS / f"{fmt}.txt"
    if os.environ.get("PORTKIT_UPDATE_SNAPSHOTS"):
        snap.parent.mkdir(exist_ok=True)
        snap.write_text(out, "utf-8")
    assert snap.is_file(), f"no snapshot for {fmt}; run with PORTKIT_UPDATE_SNAPSHOTS=1"
    assert out == snap.read_text("utf-8")


def test_json_record_fields(sample, portkit_cli):
    records = json.loads(portkit_cli("lint", ".", "--isolated", "--output-format", "json", cwd=sample).out)
    first = records[0]
    assert set(first) >= {
        "code",
        "name",
        "message",
        "filename",
        "location",
        "end_location",
        "severity",
        "family",
        "token",
    }
    assert first["location"] == {"row": 1, "column": 11} and first["end_location"] == {"row": 1, "column": 28}
    assert first["token"] == "<|begin_of_text|>" and first["family"] == "llama3"
    assert [r["code"] for r in records] == [
        "PK101",
        "PK202",
        "PK301",
        "PK201",
        "PK201",
        "PK101",
        "PK101",
        "PK104",
    ]


# -- SARIF 2.1.0 structure (the parts of the OASIS schema a log with results must satisfy) ----------------------

_LEVELS = {"none", "note", "warning", "error"}


def _check_message(msg):
    assert isinstance(msg, dict) and isinstance(msg.get("text"), str) and msg["text"]


def _check_region(region):
    assert isinstance(region["startLine"], int) and region["startLine"] >= 1
    assert region["startColumn"] >= 1
    assert region["endLine"] >= region["startLine"]
    if region["endLine"] == region["startLine"]:
        assert region["endColumn"] >= region["startColumn"]


def test_sarif_is_valid_2_1_0(sample, portkit_cli):
    log = json.loads(portkit_cli("lint", ".", "--isolated", "--output-format", "sarif", cwd=sample).out)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    assert set(log) <= {"$schema", "version", "runs", "inlineExternalProperties", "properties"}
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "portkit" and isinstance(driver["version"], str)
    ids = [r["id"] for r in driver["rules"]]
    assert ids == [r.code for r in RULES] and len(set(ids)) == len(ids)
    for rule in driver["rules"]:
        _check_message(rule["shortDescription"])
        assert rule["defaultConfiguration"]["level"] in _LEVELS
        assert rule["helpUri"].startswith("https://")
    assert run["columnKind"] in {"utf16CodeUnits", "unicodeCodePoints"}
    assert run["results"]
    for result in run["results"]:
        assert result["ruleId"] in ids
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in _LEVELS
        _check_message(result["message"])
        (loc,) = result["locations"]
        phys = loc["physicalLocation"]
        assert isinstance(phys["artifactLocation"]["uri"], str) and not phys["artifactLocation"][
            "uri"
        ].startswith("/")
        _check_region(phys["region"])
        assert set(result) <= {"ruleId", "ruleIndex", "level", "message", "locations", "properties"}


def test_github_annotations_escape_properties(tmp_path, portkit_cli):
    (tmp_path / "a,b.txt").write_text("<|eot_id|>\n", "utf-8")
    out = portkit_cli("lint", ".", "--isolated", "--output-format", "github", cwd=tmp_path).out
    assert out.startswith(
        "::warning title=portkit (PK101),file=a%2Cb.txt,line=1,col=1,endLine=1,endColumn=11::"
    )
