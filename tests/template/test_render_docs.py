"""docs/render.md lists every adaptation kind and every probe field the code has."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from portkit.template._probe import Capabilities

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "render.md").read_text("utf-8")
SOURCES = [ROOT / "src" / "portkit" / "template" / name for name in ("_render.py", "_request.py")]
# A kind is the first argument of adapt(...) / Adaptation(...): a kebab-case string on its own line.
KINDS = sorted(
    {
        m
        for src in SOURCES
        for m in re.findall(
            r'(?:adapt\(|Adaptation\()\s*\n?\s*"([a-z]+(?:-[a-z]+)*)"', src.read_text("utf-8")
        )
    }
)


def test_kinds_were_found() -> None:
    assert len(KINDS) >= 30


@pytest.mark.parametrize("kind", KINDS)
def test_every_adaptation_kind_is_documented(kind: str) -> None:
    assert f"| `{kind}` |" in DOC


@pytest.mark.parametrize(
    "field", [f.name for f in dataclasses.fields(Capabilities) if f.name not in ("template_hash", "notes")]
)
def test_every_probe_field_is_documented(field: str) -> None:
    assert f"`{field}`" in DOC
