"""Turn a file into the text a model would see, with a map back to the file's lines and columns.

Prompt files are read whole (Jinja comments blanked out). Source files contribute only their string
literals: Python through :mod:`tokenize` (escapes decoded, f-string placeholders kept) plus an
:mod:`ast` pass for tokens glued together at run time (``"<|" + role + "|>"``); JavaScript,
TypeScript and other languages through a string-literal scanner. Literals are joined with newlines
so each starts a line, as it would start a prompt.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

__all__ = ["Document", "extract"]

_SUPPRESS = re.compile(r"portkit:\s*ignore(?P<file>-file)?(?:\[(?P<codes>[^\]]*)\])?")


@dataclass(slots=True)
class Document:
    """The scannable text of one file.

    ``text`` is what the detector reads. For prompt files it is the file itself; for source files it
    is the decoded string literals, one after another, and ``offsets[i]`` is the file offset of
    ``text[i]``. ``starts`` are the offsets in ``text`` where a prompt begins (file start, each
    literal). ``suppress`` maps a file line (1-based) to the codes ignored there (``"ALL"`` for all);
    ``file_suppress`` holds codes ignored in the whole file.
    """

    source: str
    text: str
    offsets: list[int] | None = None
    starts: list[int] = field(default_factory=lambda: [0])
    suppress: dict[int, set[str]] = field(default_factory=dict)
    file_suppress: set[str] = field(default_factory=set)
    escaped_newlines: bool = False
    is_source: bool = False
    runtime_only: list[tuple[int, int]] = field(default_factory=list)
    _line_starts: list[int] | None = None

    def source_offset(self, index: int) -> int:
        if self.offsets is None:
            return index
        if index >= len(self.offsets):
            return self.offsets[-1] + 1 if self.offsets else 0
        return self.offsets[index]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based ``(row, column)`` in the file of a file offset, columns in characters."""
        if self._line_starts is None:
            starts = [0]
            find = self.source.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        row = bisect.bisect_right(self._line_starts, offset) - 1
        return row + 1, offset - self._line_starts[row] + 1

    def span_position(self, start: int, end: int) -> tuple[int, int, int, int]:
        """File ``(row, col, end_row, end_col)`` of ``text[start:end]``; the end is exclusive."""
        s = self.source_offset(start)
        e = self.source_offset(end - 1) + 1 if end > start else s
        return (*self.position(s), *self.position(e))


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


def _decode(body: str, base: int, *, python: bool) -> tuple[str, list[int]]:
    """Decode backslash escapes of a literal's body; return the value and each char's file offset."""
    if "\\" not in body:
        return body, list(range(base, base + len(body)))
    out: list[str] = []
    offs: list[int] = []
    i, n = 0, len(body)
    simple = _SIMPLE if python else _SIMPLE_JS
    while i < n:
        c = body[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            offs.append(base + i)
            i += 1
            continue
        nxt = body[i + 1]
        value: str | None = None
        width = 2
        if nxt == "\n":
            value = ""
        elif nxt in simple:
            value = simple[nxt]
        elif nxt == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", body[i + 2 : i + 4]):
            value, width = chr(int(body[i + 2 : i + 4], 16)), 4
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
            value, width = chr(int(body[i + 2 : i + 6], 16)), 6
        elif nxt == "u" and not python and body[i + 2 : i + 3] == "{":
            end = body.find("}", i + 3)
            if end > 0 and re.fullmatch(r"[0-9a-fA-F]{1,6}", body[i + 3 : end]):
                code = int(body[i + 3 : end], 16)
                value, width = (chr(code) if code <= 0x10FFFF else "\ufffd"), end - i + 1
        elif python and nxt == "U" and re.fullmatch(r"[0-9a-fA-F]{8}", body[i + 2 : i + 10]):
            code = int(body[i + 2 : i + 10], 16)
            value, width = (chr(code) if code <= 0x10FFFF else "\ufffd"), 10
        elif python and nxt == "N" and body[i + 2 : i + 3] == "{":
            end = body.find("}", i + 3)
            if end > 0:
                import unicodedata

                try:
                    value = unicodedata.lookup(body[i + 3 : end])
                except KeyError:
                    value = None
                else:
                    width = end - i + 1
        elif python and nxt in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1 :])
            assert m is not None
            value, width = chr(int(m.group(0), 8)), 1 + len(m.group(0))
        if value is None:
            out.append(c)
            offs.append(base + i)
            i += 1
            continue
        for ch in value:
            out.append(ch)
            offs.append(base + i)
        i += width
    return "".join(out), offs


class _Builder:
    """Accumulates literal values into a Document's text with their file offsets."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.parts: list[str] = []
        self.offsets: list[int] = []
        self.starts: list[int] = []
        self.length = 0

    def add(self, value: str, offsets: list[int]) -> None:
        if not value:
            return
        if self.parts:
            # The separator maps to the previous char so a finding never lands between literals.
            self.parts.append("\n")
            self.offsets.append(self.offsets[-1])
            self.length += 1
        self.starts.append(self.length)
        self.parts.append(value)
        self.offsets.extend(offsets)
        self.length += len(value)

    def finish(self) -> Document:
        self.doc.text = "".join(self.parts)
        self.doc.offsets = self.offsets
        self.doc.starts = self.starts
        self.doc.is_source = True
        return self.doc


# -- Python --------------------------------------------------------------------------------------------

_PY_PREFIX = re.compile(r"(?i)^([rbuf]{0,2})('''|\"\"\"|'|\")")


def _python(source: str) -> Document:
    import io
    import tokenize

    doc = Document(source, "")
    b = _Builder(doc)
    line_starts = [0]
    for i, ch in enumerate(source):
        if ch == "\n":
            line_starts.append(i + 1)

    def off(pos: tuple[int, int]) -> int:
        return line_starts[pos[0] - 1] + pos[1] if pos[0] - 1 < len(line_starts) else len(source)

    literals: list[tuple[int, int]] = []
    try:
        last_code_line = 0
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.STRING:
                m = _PY_PREFIX.match(tok.string)
                if m is None:
                    continue
                prefix, quote = m.group(1).lower(), m.group(2)
                body = tok.string[len(m.group(0)) : len(tok.string) - len(quote)]
                start = off(tok.start) + len(m.group(0))
                if "r" in prefix:
                    value, offs = body, list(range(start, start + len(body)))
                else:
                    value, offs = _decode(body, start, python=True)
                b.add(value, offs)
                literals.append((tok.start[0], tok.end[0]))
                last_code_line = tok.end[0]
            elif tok.type == tokenize.COMMENT:
                if "portkit" in tok.string:
                    _add_suppression(doc, tok.start[0], tok.string, standalone=last_code_line != tok.start[0])
            elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                last_code_line = tok.end[0]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        # Broken Python still has string literals worth reading: fall back to the generic scanner.
        return _clike(source, comment="#")
    # A suppression on the line where a multi-line literal ends covers the whole literal (as noqa does).
    for first, last in literals:
        codes = doc.suppress.get(last)
        if codes and first != last:
            for line in range(first, last):
                doc.suppress.setdefault(line, set()).update(codes)
    _python_concat(source, b, line_starts)
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
        b.add(text, [start] * len(text))
        # Only the run-time tokens of this text are new; its literal parts were read already.
        b.doc.runtime_only.append((at, at + len(text)))


# -- other languages -----------------------------------------------------------------------------------

_CLIKE = re.compile(
    r"""//[^\n]*|/\*.*?(?:\*/|\Z)|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`""",
    re.DOTALL,
)
_HASHLIKE = re.compile(
    r"""\#[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`""",
    re.DOTALL,
)


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
        value, offs = _decode(body, m.start() + 1, python=False)
        b.add(value, offs)
    return b.finish()


class _LineIndex:
    def __init__(self, text: str) -> None:
        self.starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def row(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def start(self, row: int) -> int:
        return self.starts[row - 1]


# -- prompt files ----------------------------------------------------------------------------------------

_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_HASH_COMMENT = re.compile(r"(?m)(?:^|[ \t])#[^\n]*portkit:[^\n]*")


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
