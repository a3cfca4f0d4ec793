"""Turn a file into the text a model would see, with a map back to the file's lines and columns.

Prompt files are read whole (Jinja comments blanked out). Source files contribute only their string
literals: Python through a scanner of its string and comment grammar (the STRING and COMMENT tokens
:mod:`tokenize` would yield, at regex speed: prefixes, triple quotes, escapes decoded, f-string
placeholders kept) plus an :mod:`ast` pass for tokens glued together at run time (``"<|" + role + "|>"``); JavaScript,
TypeScript and other languages through a string-literal scanner. Literals are joined with newlines
so each starts a line, as it would start a prompt.

Offsets are kept as runs (``text`` index -> file offset, linear inside a run) rather than one
integer per character, so a large source file costs a few list entries per literal.
"""

# portkit: ignore-file  (control tokens are this module's subject, written on purpose)
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from itertools import accumulate

from portkit.template import _catalogue as cat

__all__ = ["Document", "extract"]

_SUPPRESS = cat.lazy_regex(r"portkit:\s*ignore(?P<file>-file)?(?:\[(?P<codes>[^\]]*)\])?")


@dataclass(slots=True)
class Document:
    """The scannable text of one file.

    ``text`` is what the detector reads. For prompt files it is the file itself; for source files it
    is the decoded string literals, one after another, and ``runs`` maps them back: each run is
    ``(text_start, file_start, linear)``; inside a linear run offsets advance together, inside an
    escape they all point at the escape's first character. ``starts`` are the offsets in ``text`` where a prompt begins (file start, each
    literal). ``suppress`` maps a file line (1-based) to the codes ignored there (``"ALL"`` for all);
    ``file_suppress`` holds codes ignored in the whole file.
    """

    source: str
    text: str
    runs: list[tuple[int, int, bool]] | None = None
    starts: list[int] = field(default_factory=lambda: [0])
    suppress: dict[int, set[str]] = field(default_factory=dict)
    file_suppress: set[str] = field(default_factory=set)
    escaped_newlines: bool = True
    is_source: bool = False
    runtime_only: list[tuple[int, int]] = field(default_factory=list)
    _line_starts: list[int] | None = None

    def source_offset(self, index: int) -> int:
        """The file offset of ``text[index]``."""
        if self.runs is None:
            return index
        if not self.runs:
            return 0
        i = bisect.bisect_right(self.runs, (index, float("inf"), True)) - 1
        start, src, linear = self.runs[max(i, 0)]
        return src + (index - start) if linear else src

    def position(self, offset: int) -> tuple[int, int]:
        """1-based ``(row, column)`` in the file of a file offset, columns in characters."""
        if self._line_starts is None:
            self._line_starts = _line_starts(self.source)
        row = bisect.bisect_right(self._line_starts, offset) - 1
        return row + 1, offset - self._line_starts[row] + 1

    def span_position(self, start: int, end: int) -> tuple[int, int, int, int]:
        """File ``(row, col, end_row, end_col)`` of ``text[start:end]``; the end is exclusive."""
        s = self.source_offset(start)
        e = self.source_offset(end - 1) + 1 if end > start else s
        return (*self.position(s), *self.position(e))


def _line_starts(text: str) -> list[int]:
    """The offset of each line's first character (lines end at ``\n`` only, as columns count them)."""
    # split + accumulate run in C; a find() loop costs a Python step per line.
    lengths = map(len, text.split("\n"))
    return list(accumulate(map((1).__add__, lengths), initial=0))[:-1]


def _add_suppression(doc: Document, line: int, comment: str, standalone: bool) -> None:
    for m in _SUPPRESS.finditer(comment):
        codes = {c.strip().upper() for c in (m.group("codes") or "").split(",") if c.strip()} or {"ALL"}
        if m.group("file"):
            doc.file_suppress |= codes
        else:
            doc.suppress.setdefault(line, set()).update(codes)
            if standalone:
                doc.suppress.setdefault(line + 1, set()).update(codes)


# -- escape decoding ----------------------------------------------------------------------------------

_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f"}
_SIMPLE_JS = {**_SIMPLE, "v": "\v", "0": "\0", "`": "`", "$": "$"}
_ESCAPE_PY = cat.lazy_regex(
    r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]{1,80}\}|[0-7]{1,3}|\n|.)", re.DOTALL
)
_ESCAPE_JS = cat.lazy_regex(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]{1,6}\}|\n|.)", re.DOTALL)

Runs = list[tuple[int, int, bool]]


def _escape_value(esc: str, python: bool) -> str:
    kind = esc[1]
    if kind == "\n":
        return ""
    if kind in ("x", "U") or (kind == "u" and esc[2:3] != "{" and len(esc) == 6):
        code = int(esc[2:], 16)
        return chr(code) if code <= 0x10FFFF else "\ufffd"
    if kind == "u" and esc[2:3] == "{":
        code = int(esc[3:-1], 16)
        return chr(code) if code <= 0x10FFFF else "\ufffd"
    if kind == "N" and python and esc[2:3] == "{":
        import unicodedata

        try:
            return unicodedata.lookup(esc[3:-1])
        except KeyError:
            return esc
    if kind in "01234567" and python:
        return chr(int(esc[1:], 8))
    simple = _SIMPLE if python else _SIMPLE_JS
    return simple.get(kind, esc)


def _decode(body: str, base: int, *, python: bool) -> tuple[str, Runs]:
    """Decode backslash escapes of a literal's body (which starts at file offset ``base``).

    Returns the value and its runs (``value_index, file_offset, linear``).
    """
    if "\\" not in body:
        return body, [(0, base, True)]
    out: list[str] = []
    runs: Runs = []
    pos = 0
    length = 0
    for m in (_ESCAPE_PY if python else _ESCAPE_JS).finditer(body):
        if m.start() > pos:
            runs.append((length, base + pos, True))
            out.append(body[pos : m.start()])
            length += m.start() - pos
        value = _escape_value(m.group(0), python)
        if value:
            runs.append((length, base + m.start(), value == m.group(0)))
            out.append(value)
            length += len(value)
        pos = m.end()
    if pos < len(body):
        runs.append((length, base + pos, True))
        out.append(body[pos:])
    return "".join(out), runs


class _Builder:
    """Accumulates literal values into a Document's text with their file offsets."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.parts: list[str] = []
        self.runs: Runs = []
        self.starts: list[int] = []
        self.length = 0
        self.last_offset = 0

    def add(self, value: str, runs: Runs) -> None:
        if not value:
            return
        if self.parts:
            # The separator maps to the previous literal's end so a finding never lands between literals.
            self.runs.append((self.length, self.last_offset, False))
            self.parts.append("\n")
            self.length += 1
        self.starts.append(self.length)
        self.parts.append(value)
        self.runs.extend((self.length + i, src, linear) for i, src, linear in runs)
        i, src, linear = runs[-1]
        self.last_offset = src + (len(value) - 1 - i if linear else 0)
        self.length += len(value)

    def finish(self) -> Document:
        self.doc.text = "".join(self.parts)
        self.doc.runs = self.runs
        self.doc.starts = self.starts
        self.doc.is_source = True
        return self.doc


# -- Python --------------------------------------------------------------------------------------------

# Comments, then string literals; triple quotes are tried before single ones. The prefix (r, b, f,
# rb…) is read back from the source: a pattern that starts at the quote lets the regex engine skip
# ahead instead of trying every r/b/u/f letter of the code.
# Each body is written "unrolled" (a run of plain characters, then one escape or lone quote and the
# next run): the regex engine's tight loop eats the runs, where one alternation per character (the
# textbook ``(?:\\.|[^\\])*?``) costs several times more on big files. Same matches.
_PY_TOKENS = cat.lazy_regex(
    r"#[^\n]*"
    r"|(?P<body>'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)"
    r"|\"\"\"[^\"\\]*(?:(?:\\.|\"(?!\"\"))[^\"\\]*)*(?:\"\"\"|\Z)"
    r"|'[^'\\\n]*(?:\\.[^'\\\n]*)*(?:'|$)|\"[^\"\\\n]*(?:\\.[^\"\\\n]*)*(?:\"|$))",
    re.DOTALL | re.MULTILINE,
)


_PREFIX_CHARS = frozenset("rRbBuUfF")


def _may_hold_finding(body: str) -> bool:
    """False for a literal no rule can fire on: without <, [, ], :, a backslash escape or "JSON".

    Most literals of a source file are names, keys and messages; skipping them keeps big files cheap.
    """
    return (
        "<" in body
        or "[" in body
        or "]" in body
        or ":" in body
        or "\\" in body
        or "JSON" in body
        or "json" in body
        or "Json" in body
    )


def _py_prefix(source: str, quote_at: int) -> str:
    """The string prefix (``rb``, ``f``…) written right before a quote, or ``""``."""
    i = quote_at
    while i > 0 and quote_at - i < 2 and source[i - 1] in _PREFIX_CHARS:
        i -= 1
    if i < quote_at and i > 0 and (source[i - 1].isalnum() or source[i - 1] == "_"):
        return ""  # the letters end an identifier (``bar"x"`` is not valid Python anyway)
    return source[i:quote_at]


def _python(source: str) -> Document:
    doc = Document(source, "")
    b = _Builder(doc)
    lines = _LineIndex(source)
    literals: list[tuple[int, int]] = []
    last_code_row = 0
    for m in _PY_TOKENS.finditer(source):
        tok = m.group(0)
        row = lines.row(m.start())
        if tok[0] == "#":
            if "portkit" in tok:
                standalone = not source[lines.start(row) : m.start()].strip() and last_code_row != row
                _add_suppression(doc, row, tok, standalone=standalone)
            continue
        body = m.group("body")
        quote = body[:3] if body[:3] in ("'''", '"""') else body[0]
        closed = len(body) >= 2 * len(quote) and body.endswith(quote)
        inner = body[len(quote) : len(body) - len(quote)] if closed else body[len(quote) :]
        start = m.start("body") + len(quote)
        if _may_hold_finding(inner):
            prefix = _py_prefix(source, m.start()).lower()
            if "r" in prefix:
                value, runs = inner, [(0, start, True)]
            else:
                value, runs = _decode(inner, start, python=True)
            b.add(value, runs)
        end_row = lines.row(max(m.end() - 1, m.start()))
        literals.append((row, end_row))
        last_code_row = end_row
    # A suppression on the line where a multi-line literal ends covers the whole literal (as noqa does).
    for first, last in literals:
        codes = doc.suppress.get(last)
        if codes and first != last:
            for line in range(first, last):
                doc.suppress.setdefault(line, set()).update(codes)
    _python_concat(source, b, lines.starts)
    return b.finish()


def _python_concat(source: str, b: _Builder, line_starts: list[int]) -> None:
    """Add the text of ``"<|" + role + "|>"``-style concatenations, with ``{name}`` for the run-time parts."""
    if not any(s in source for s in ('<|"', "<|'", '"|>', "'|>", "<｜", "｜>")):
        return
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return
    inner: set[int] = set()
    lines = source.split("\n")
    for node in ast.walk(tree):
        if not isinstance(node, ast.BinOp) or not isinstance(node.op, ast.Add) or id(node) in inner:
            continue
        leaves: list[ast.expr] = []
        stack: list[ast.expr] = [node]
        while stack:
            cur = stack.pop()
            if isinstance(cur, ast.BinOp) and isinstance(cur.op, ast.Add):
                inner.add(id(cur))
                stack.append(cur.right)
                stack.append(cur.left)
            else:
                leaves.append(cur)
        consts = [isinstance(x, ast.Constant) and isinstance(x.value, str) for x in leaves]
        if not any(consts) or all(consts):
            continue
        pieces = []
        for leaf, is_const in zip(leaves, consts, strict=True):
            if is_const:
                assert isinstance(leaf, ast.Constant)
                pieces.append(str(leaf.value))
            else:
                name = ast.unparse(leaf) if len(ast.unparse(leaf)) < 30 else "expr"
                pieces.append("{" + re.sub(r"[{}<>|\n]", "", name) + "}")
        text = "".join(pieces)
        if not re.search(r"<\|\{|\}\|>|<｜\{|\}｜>", text):
            continue
        row, col_bytes = node.lineno, node.col_offset
        line = lines[row - 1] if row - 1 < len(lines) else ""
        col = len(line.encode("utf-8")[:col_bytes].decode("utf-8", errors="replace"))
        start = line_starts[row - 1] + col if row - 1 < len(line_starts) else 0
        at = b.length + (1 if b.parts else 0)
        b.add(text, [(0, start, False)])
        # Only the run-time tokens of this text are new; its literal parts were read already.
        b.doc.runtime_only.append((at, at + len(text)))


# -- other languages -----------------------------------------------------------------------------------

# Every form also ends at the end of its line (or of the file): an unclosed quote never makes the
# scanner backtrack over the rest of the file.
# Unrolled like _PY_TOKENS (runs of plain characters between escapes): same matches, fewer steps.
_QUOTED = (
    r"""|"[^"\\\n]*(?:\\.[^"\\\n]*)*(?:"|$)|'[^'\\\n]*(?:\\.[^'\\\n]*)*(?:'|$)"""
    r"""|`[^`\\]*(?:\\.[^`\\]*)*(?:`|\Z)"""
)
_CLIKE = cat.lazy_regex(r"//[^\n]*|/\*[^*]*(?:\*(?!/)[^*]*)*(?:\*/|\Z)" + _QUOTED, re.DOTALL | re.MULTILINE)
_HASHLIKE = cat.lazy_regex(r"\#[^\n]*" + _QUOTED, re.DOTALL | re.MULTILINE)


def _clike(source: str, *, comment: str = "//") -> Document:
    doc = Document(source, "")
    b = _Builder(doc)
    pattern = _HASHLIKE if comment == "#" else _CLIKE
    line_of = _LineIndex(source)
    for m in pattern.finditer(source):
        lit = m.group(0)
        first = lit[0]
        if first in "/#":
            if "portkit" in lit:
                row = line_of.row(m.start())
                standalone = not source[line_of.start(row) : m.start()].strip()
                _add_suppression(doc, row, lit, standalone)
            continue
        body = lit[1:-1] if len(lit) >= 2 and lit[-1] == first else lit[1:]
        if _may_hold_finding(body):
            value, runs = _decode(body, m.start() + 1, python=False)
            b.add(value, runs)
    return b.finish()


class _LineIndex:
    def __init__(self, text: str) -> None:
        self.starts = _line_starts(text)

    def row(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def start(self, row: int) -> int:
        return self.starts[row - 1]


# -- prompt files ----------------------------------------------------------------------------------------

_JINJA_COMMENT = cat.lazy_regex(r"\{#.*?#\}", re.DOTALL)
_HASH_COMMENT = cat.lazy_regex(r"(?m)(?:^|[ \t])#[^\n]*portkit:[^\n]*")


def _jinja(source: str) -> Document:
    doc = Document(source, source)
    if "{#" not in source:
        return doc
    line_of = _LineIndex(source)

    def blank(m: re.Match[str]) -> str:
        if "portkit" in m.group(0):
            row = line_of.row(m.start())
            standalone = not source[line_of.start(row) : m.start()].strip()
            _add_suppression(doc, row, m.group(0), standalone)
        # Jinja drops comments from the rendered prompt; keep the offsets, lose the text.
        return re.sub(r"[^\n]", " ", m.group(0))

    doc.text = _JINJA_COMMENT.sub(blank, source)
    return doc


def _data(source: str, suffix: str) -> Document:
    if suffix in (".json", ".jsonl", ".ipynb"):
        # JSON strings are what reaches a model: decode their escapes (\n, \u003c) through the literal
        # scanner. JSON has no comments, so nothing else is read.
        return _clike(source)
    doc = Document(source, source, escaped_newlines=True)
    if suffix in (".yaml", ".yml", ".toml") and "portkit:" in source:
        line_of = _LineIndex(source)
        for m in _HASH_COMMENT.finditer(source):
            row = line_of.row(m.start() + (1 if source[m.start()] in " \t" else 0))
            standalone = not source[line_of.start(row) : m.start()].strip()
            _add_suppression(doc, row, m.group(0), standalone)
    return doc


def extract(source: str, kind: str, suffix: str) -> Document:
    """The :class:`Document` of a file of ``kind`` (from :func:`portkit.lint._files.file_kind`)."""
    if kind == "python":
        return _python(source)
    if kind == "clike":
        return _clike(source)
    if kind == "hashlike":
        return _clike(source, comment="#")
    if kind == "jinja":
        return _jinja(source)
    if kind == "data":
        return _data(source, suffix)
    return Document(source, source)
