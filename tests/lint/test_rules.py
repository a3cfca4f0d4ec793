"""Rule registry, its documentation, and the file-selection helpers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portkit.errors import LintConfigError
from portkit.lint import RULES, lint_text
from portkit.lint._files import FileSet, file_kind, glob_regex, iter_files
from portkit.lint._rules import resolve_selection, rule

DOCS = Path(__file__).parents[2] / "docs"


def test_codes_and_names_are_unique_and_well_formed():
    assert len({r.code for r in RULES}) == len({r.name for r in RULES}) == len(RULES)
    for r in RULES:
        assert re.fullmatch(r"PK\d{3}", r.code) and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", r.name)
        assert r.severity in {"error", "warning", "info"}
        assert rule(r.name) is rule(r.code.lower()) is r


@pytest.mark.parametrize("r", RULES, ids=[r.code for r in RULES])
def test_every_rule_has_a_docs_entry_with_the_four_parts(r):
    text = (DOCS / "rules.md").read_text("utf-8")
    heading = f"## {r.code} {r.name}"
    assert heading in text
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    for part in ("**What it detects.**", "**Why it hurts.**", "**Example.**", "**Instead.**"):
        assert part in section, f"{r.code}: missing {part}"
    assert r.url.endswith("#" + f"{r.code} {r.name}".lower().replace(" ", "-"))


def test_selection():
    assert resolve_selection(select=None, ignore=["PK3"]) == {r.code for r in RULES} - {"PK301"}
    assert resolve_selection(select=["PK1"], ignore=["runtime-control-token"]) == {"PK101", "PK102", "PK103"}
    with pytest.raises(LintConfigError, match="Unknown rule 'nope'"):
        resolve_selection(select=["nope"], ignore=None)
    with pytest.raises(LintConfigError, match="No rule code starts with 'PK5'"):
        resolve_selection(select=["PK5"], ignore=None)


def test_ignore_file_comment():
    assert lint_text("# portkit: ignore-file[PK101]\nx = '<|im_start|>'\n", filename="a.py") == []
    assert [
        d.code for d in lint_text("# portkit: ignore-file[PK201]\nx = '<|im_start|>'\n", filename="a.py")
    ] == ["PK101"]


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("*.log", "a/b/debug.log", True),
        ("generated/", "generated", True),
        ("/build", "build", True),
        ("/build", "src/build", False),
        ("docs/*.md", "docs/a.md", True),
        ("docs/*.md", "docs/x/a.md", False),
        ("**/fixtures/**", "tests/lint/fixtures/a.txt", True),
        ("tests/**", "tests/a/b.py", True),
        ("a?c", "abc", True),
        ("[ab].txt", "b.txt", True),
    ],
)
def test_glob_regex(pattern, path, hit):
    assert bool(glob_regex(pattern.rstrip("/")).match(path)) is hit


def test_gitignore_negation_and_nested_files(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("*.txt\n!keep.txt\n", "utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("local.md\n", "utf-8")
    for name in ["a.txt", "keep.txt", "b.md", "sub/local.md", "sub/c.md", "sub/d.txt", "x.bin"]:
        (tmp_path / name).write_text("x", "utf-8")
    found = sorted(Path(p).as_posix() for p, _ in iter_files([tmp_path], FileSet(root=tmp_path)))
    rel = [Path(p).relative_to(tmp_path).as_posix() for p in found]
    assert rel == ["b.md", "keep.txt", "sub/c.md"]


def test_file_kinds():
    assert [file_kind(n) for n in ["a.py", "b.TS", "c.j2", "d.yml", "Modelfile", "e.bin"]] == [
        "python",
        "clike",
        "jinja",
        "data",
        "text",
        None,
    ]
