"""Fixtures for the linter's CLI tests: a small project tree and an in-process `portkit` runner."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from portkit.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def portkit_cli(capsys, monkeypatch) -> Callable[..., Result]:
    """Run ``portkit ARGS…`` in process from a directory; return exit code, stdout, stderr."""

    def run(*args: str, cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tiny repository: prompts, code, a .gitignore, a pyproject with [tool.portkit]."""
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    (root / "prompts").mkdir()
    (root / "src").mkdir()
    (root / "build").mkdir()
    (root / "generated").mkdir()
    (root / "prompts" / "chat.txt").write_text("<|im_start|>system\nBe brief.<|im_end|>\n", "utf-8")
    (root / "prompts" / "clean.md").write_text("<instructions>Be brief.</instructions>\n", "utf-8")
    (root / "src" / "app.py").write_text(
        'PROMPT = "\\n\\nHuman: hi\\n\\nAssistant:"\nBOS = "<|begin_of_text|>hello"\n', "utf-8"
    )
    (root / "src" / "ui.ts").write_text("const p = `[INST] ${q} [/INST]`;\n", "utf-8")
    (root / "build" / "out.txt").write_text("<|im_start|>\n", "utf-8")
    (root / "generated" / "gen.txt").write_text("<|eot_id|>\n", "utf-8")
    (root / ".gitignore").write_text("generated/\n*.log\n", "utf-8")
    (root / "debug.log").write_text("<|eot_id|>\n", "utf-8")
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.portkit]\nexclude = []\n', "utf-8")
    os.utime(root / "pyproject.toml")
    return root
