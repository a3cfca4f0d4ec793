"""`import portkit` stays light, and the public surface resolves."""

from __future__ import annotations

import subprocess
import sys

import portkit

HEAVY = (
    "transformers",
    "tokenizers",
    "jinja2",
    "pydantic",
    "outlines",
    "outlines_core",
    "torch",
    "llguidance",
)


def test_import_portkit_loads_no_heavy_dependency():
    code = f"import sys, portkit, portkit.cli; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def test_all_is_sorted_and_resolves():
    assert portkit.__all__ == sorted(portkit.__all__)
    for name in portkit.__all__:
        assert getattr(portkit, name) is not None, name


def test_dir_lists_public_names():
    assert set(portkit.__all__) <= set(dir(portkit))
