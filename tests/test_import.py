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


def test_every_layer_exports_what_it_lists():
    import importlib

    for name in (
        "portkit.targets",
        "portkit.template",
        "portkit.constrain",
        "portkit.fewshot",
        "portkit.port",
        "portkit.lint",
    ):
        module = importlib.import_module(name)
        for attr in module.__all__:
            assert getattr(module, attr) is not None, f"{name}.{attr}"


def test_top_level_names_are_the_layers_own():
    from portkit import constrain, fewshot, port, targets, template

    assert portkit.port_prompt is port.port_prompt
    assert portkit.render is template.render
    assert portkit.compile_schema is constrain.compile_schema
    assert portkit.split_prompt is fewshot.split_prompt
    assert portkit.load_target is targets.load_target
