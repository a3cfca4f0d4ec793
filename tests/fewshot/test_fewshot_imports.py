"""The few-shot layer is pure Python: importing and using it loads no heavy dependency."""

from __future__ import annotations

import subprocess
import sys

import portkit.fewshot

HEAVY = ("transformers", "tokenizers", "jinja2", "pydantic", "outlines", "torch")


def test_public_surface() -> None:
    assert sorted(portkit.fewshot.__all__) == portkit.fewshot.__all__
    for name in portkit.fewshot.__all__:
        assert getattr(portkit.fewshot, name) is not None


def test_parsing_and_porting_without_a_target_import_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from portkit.fewshot import port_instructions, split_prompt\n"
        "p = port_instructions(split_prompt('Be brief.\\n<example>\\nUser: a\\nAssistant: b\\n</example>'), target=None)\n"
        "assert p.examples\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
