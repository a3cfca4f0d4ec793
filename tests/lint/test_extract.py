"""The string-literal extraction of source files, checked against Python's own tokenizer."""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import portkit
from portkit.lint._extract import _CLIKE, _HASHLIKE, _PY_TOKENS, _line_starts, _py_prefix, extract

_STDLIB = Path(json.__file__).parent.parent
# The linter's own modules (full of tricky literals) and a few large stdlib modules.
SOURCES = (
    sorted((Path(portkit.__file__).parent / "lint").glob("*.py"))
    + [Path(portkit.__file__).parent / "template" / name for name in ("_catalogue.py", "_detect.py")]
    + [
        _STDLIB / name
        for name in ("tokenize.py", "argparse.py", "textwrap.py", "string.py", "dataclasses.py", "inspect.py")
    ]
)


def _scanner_strings(source: str) -> list[str]:
    return [
        _py_prefix(source, m.start()) + m.group(0)
        for m in _PY_TOKENS.finditer(source)
        if m.group(0)[0] != "#"
    ]


def _tokenize_strings(source: str) -> list[str]:
    return [
        t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.STRING
    ]


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_python_scanner_yields_what_tokenize_yields(path):
    source = path.read_text("utf-8")
    assert _scanner_strings(source) == _tokenize_strings(source)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=5), st.sampled_from(["", "r", "b", "f", "rb"]))
def test_python_scanner_matches_tokenize_on_repr_literals(values, prefix):
    lines = [f"x{i} = {prefix}{json.dumps(v)}  # c" for i, v in enumerate(values)]
    source = "\n".join(lines) + "\n"
    try:
        expected = _tokenize_strings(source)
    except (tokenize.TokenError, SyntaxError):
        return
    assert _scanner_strings(source) == expected


def test_escapes_map_back_to_the_source_column():
    source = 'p = "a\\n\\u00e9<|im_start|>\\tb"\n'
    doc = extract(source, "python", ".py")
    at = doc.text.index("<|im_start|>")
    row, col, _end_row, end_col = doc.span_position(at, at + len("<|im_start|>"))
    assert source.split("\n")[row - 1][col - 1 : end_col - 1] == "<|im_start|>"


def test_js_template_literal_and_comments():
    source = "// it's a comment with <|eot_id|>\nconst a = `x ${y} <|im_start|>`; /* [INST] */\n"
    doc = extract(source, "clike", ".ts")
    assert "<|im_start|>" in doc.text and "<|eot_id|>" not in doc.text and "[INST]" not in doc.text


# The scanners' patterns are written unrolled for speed; these are the same languages written the
# textbook way (one alternation per character), the reference they must match token for token,
# unclosed quotes, dangling backslashes and all.
_TEXTBOOK = {
    "python": re.compile(
        r"#[^\n]*"
        r"|(?P<body>'''(?:\\.|[^\\])*?(?:'''|\Z)|\"\"\"(?:\\.|[^\\])*?(?:\"\"\"|\Z)"
        r"|'(?:\\.|[^'\\\n])*(?:'|$)|\"(?:\\.|[^\"\\\n])*(?:\"|$))",
        re.DOTALL | re.MULTILINE,
    ),
    "clike": re.compile(
        r"""//[^\n]*|/\*.*?(?:\*/|\Z)|"(?:\\.|[^"\\\n])*(?:"|$)|'(?:\\.|[^'\\\n])*(?:'|$)|`(?:\\.|[^`\\])*(?:`|\Z)""",
        re.DOTALL | re.MULTILINE,
    ),
    "hashlike": re.compile(
        r"""\#[^\n]*|"(?:\\.|[^"\\\n])*(?:"|$)|'(?:\\.|[^'\\\n])*(?:'|$)|`(?:\\.|[^`\\])*(?:`|\Z)""",
        re.DOTALL | re.MULTILINE,
    ),
}
_UNROLLED = {"python": _PY_TOKENS, "clike": _CLIKE, "hashlike": _HASHLIKE}
_SHARDS = ["'", '"', "\\", "\n", "a", "`", "/", "*", "#", "'''", '"""', "/*", "*/", "//", " ", "<|x|>"]


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(sorted(_UNROLLED)), st.lists(st.sampled_from(_SHARDS), max_size=30))
def test_unrolled_scanners_match_the_textbook_patterns(kind, shards):
    text = "".join(shards)
    got = [(m.span(), m.groupdict()) for m in _UNROLLED[kind].finditer(text)]
    assert got == [(m.span(), m.groupdict()) for m in _TEXTBOOK[kind].finditer(text)]


@given(st.text(alphabet="ab\n\r \u2028", max_size=30))
def test_line_starts_count_only_newlines(text):
    assert _line_starts(text) == [0] + [m.end() for m in re.finditer("\n", text)]
