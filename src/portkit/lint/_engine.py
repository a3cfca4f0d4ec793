"""The lint run: read files, find tokens, turn findings into diagnostics, in parallel for big trees."""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from portkit.lint import _rules
from portkit.lint._files import FileSet, file_kind, iter_files_kinds
from portkit.template import _catalogue as cat

if TYPE_CHECKING:
    from portkit.lint._diagnostic import Diagnostic
    from portkit.targets import Target

__all__ = ["LintContext", "lint_file", "make_context", "might_match", "run"]


class LintContext(NamedTuple):
    """Everything a worker needs to lint one file (picklable, or inherited by fork)."""

    selected: frozenset[str]
    root: Path
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    target: Any = None
    files: FileSet | None = None
    extra_tokens: tuple[str, ...] = ()


# -- the fast path: most files hold no candidate at all ---------------------------------------------------


def _rest_trie(tokens: Iterable[str], first: str) -> str:
    rest = sorted({t[1:] for t in tokens if t.startswith(first) and len(t) > 1})
    return cat.trie_pattern(rest)


@lru_cache(maxsize=8)
def _prefilter(extra: tuple[str, ...]) -> tuple[re.Pattern[bytes], ...]:
    """Byte regexes that together match a superset of what the detector reports.

    Each starts with one literal byte so the regex engine skips ahead at memchr speed; a file none of
    them matches is clean and is never decoded.
    """
    tokens = (*cat.irregular_tokens(), *extra)
    # After "<": a catalogue token, a pipe shape (or its run-time assembly), or a full-width bar.
    lt = _rest_trie(tokens, "<") + "|" + r"\|[A-Za-z_{$%\"'`]" + "|" + "｜"
    patterns = [
        "<(?:" + lt + ")",
        # MiniMax's "]~!b[" and "]<]minimax[>[" are caught at their "[" (looking behind), saving a pass.
        r"\[(?:"
        + _rest_trie(tokens, "[")
        + r"|(?<=\]~!b\[)|(?<=\]<\]minimax\[)|(?<=\]<\]image\[)|(?<=\]<\]video\[))",
        # Textual layouts end in a colon; look behind it for the words.
        r":(?:(?<=Human:)|(?<=USER:)|(?<=Instruction:)|(?<=Response:)|(?<=Input:))",
    ]
    return tuple(re.compile(p.encode("utf-8")) for p in patterns)


# Up to this many occurrences of a rare byte are tried one by one, jumping between them with memchr;
# past that the byte is common in this file and the regex's own scan is cheaper than a Python loop.
_SPARSE = 8


def _search_at(data: bytes, pattern: re.Pattern[bytes], first: bytes) -> bool:
    """True when ``pattern`` (which starts with the byte ``first``) matches somewhere in ``data``."""
    find = data.find
    i = find(first)  # memchr: a file without the byte costs one SIMD pass and no regex at all
    if i < 0:
        return False
    match = pattern.match
    for _ in range(_SPARSE):
        # Look-behinds see bytes before ``i``: match(data, i) judges the occurrence in its context.
        if match(data, i) is not None:
            return True
        i = find(first, i + 1)
        if i < 0:
            return False
    return pattern.search(data, i) is not None


def might_match(data: bytes, *, extra: tuple[str, ...] = (), json_rule: bool = False) -> bool:
    """False only when ``data`` cannot hold a finding (the cheap first pass over every file)."""
    lt, lb, colon = _prefilter(extra)
    # "<" first: it is the commonest byte of prompts (XML tags), so its regex starts at the first one.
    i = data.find(b"<")
    if i >= 0 and lt.search(data, i) is not None:
        return True
    if _search_at(data, lb, b"[") or _search_at(data, colon, b":"):
        return True
    return json_rule and b"JSON" in data


def _read(path: str) -> bytes:
    """The bytes of ``path`` in one ``read`` sized by ``fstat``.

    ``open(path, "rb").read()`` builds a buffered file object per file; on a tree of small files
    that costs more than the read itself.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)  # one byte over: a file that grew, or a /proc file of size 0
        if len(data) != size:
            chunks = [data]
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            data = b"".join(chunks)
        return data
    finally:
        os.close(fd)


def _unreadable(
    filename: str, message: str, ctx: LintContext, row: int = 1, column: int = 1
) -> list[Diagnostic]:
    if "PK901" not in ctx.selected:
        return []
    from portkit.lint._diagnostic import Diagnostic

    r = _rules.rule("PK901")
    return [Diagnostic("PK901", r.name, r.severity, message, filename, row, column, row, column)]


def lint_file(
    path: str | os.PathLike[str], explicit: bool, ctx: LintContext, kind: str | None = None
) -> list[Diagnostic]:
    """Lint one file; a file that cannot be read becomes a PK901 diagnostic, never an exception.

    ``kind`` is the file's :func:`~portkit.lint._files.file_kind` when the caller knows it already.
    """
    filename = os.fspath(path)
    try:
        data = _read(filename)
    except FileNotFoundError:
        return _unreadable(filename, "The file does not exist.", ctx)
    except IsADirectoryError:
        return _unreadable(filename, "This is a directory, not a file.", ctx)
    except OSError as exc:
        return _unreadable(filename, f"The file cannot be read: {exc.strerror or exc}.", ctx)
    if data.find(b"\0", 0, 8192) >= 0:
        return (
            _unreadable(filename, "This looks like a binary file; it was not linted.", ctx)
            if explicit
            else []
        )
    out: list[Diagnostic] = []
    text: str | None = None
    # ASCII is valid UTF-8; only other files pay for a full decode, so a bad file is always reported.
    if not data.isascii():
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            head = data[: exc.start].decode("utf-8", errors="replace")
            row = head.count("\n") + 1
            col = len(head) - (head.rfind("\n") + 1) + 1
            out.extend(
                _unreadable(
                    filename,
                    f"The file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); it was linted with the bad bytes replaced.",
                    ctx,
                    row,
                    col,
                )
            )
            text = data.decode("utf-8", errors="replace")
    if kind is None:
        kind = file_kind(filename) or "text"
    if not might_match(data, extra=ctx.extra_tokens, json_rule="PK301" in ctx.selected) and not (
        # Held in the Anthropic SDK's constants, or spelled with JSON's \u003c escape.
        (kind in ("python", "clike", "hashlike") and b"_PROMPT" in data and b"nthropic" in data)
        or (kind == "data" and (b"\\u003c" in data or b"\\u003C" in data))
    ):
        return out
    if text is None:
        text = data.decode("ascii")
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # keep columns; a BOM is not part of the prompt
    from portkit.lint._check import lint_text

    try:
        out.extend(lint_text(text, filename=filename, ctx=ctx, kind=kind))
    except RecursionError:
        out.extend(_unreadable(filename, "The file is nested too deeply to parse.", ctx))
    return out


# -- the run ---------------------------------------------------------------------------------------------------


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run(
    paths: Sequence[str | os.PathLike[str]],
    ctx: LintContext,
    *,
    jobs: int | None = None,
) -> tuple[list[Diagnostic], int]:
    """Lint every file under ``paths``; return the sorted diagnostics and the number of files read.

    Big trees are split over ``jobs`` processes (default: the usable cores); small runs stay in
    this process, where starting workers would cost more than it saves.
    """
    files = ctx.files or FileSet(root=ctx.root)
    todo = list(iter_files_kinds(paths, files))
    n_jobs = min(jobs if jobs is not None else _default_jobs(), max(1, len(todo) // 32))
    if n_jobs > 1 and _fork_available():
        diags = _run_forked(todo, ctx, n_jobs)
    else:
        diags = _lint_all(todo, ctx)
    diags.sort(key=lambda d: (d.filename, d.row, d.column, d.code))
    return diags, len(todo)


_Todo = list[tuple[str, bool, "str | None"]]


def _lint_all(todo: _Todo, ctx: LintContext) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for name, explicit, kind in todo:
        found = lint_file(name, explicit, ctx, kind)
        if found:
            out.extend(found)
    return out


# The fields of a Diagnostic, in order: children send them back as plain tuples through marshal,
# which is built in (pickle would be one more import on the parent's critical path).
_FIELDS = (
    "code",
    "name",
    "severity",
    "message",
    "filename",
    "row",
    "column",
    "end_row",
    "end_column",
    "family",
    "token",
    "verdict",
    "suggestion",
)


def _run_forked(todo: _Todo, ctx: LintContext, n_jobs: int) -> list[Diagnostic]:
    """Split ``todo`` over ``n_jobs`` processes: this one and ``n_jobs - 1`` forked children.

    A bare fork() with a pipe per child costs about a millisecond, where a process pool costs tens;
    the children inherit the compiled regexes and the target. Interleaved shares keep the load even.
    """
    import marshal

    # Done once here, not once per process: the children inherit the compiled prefilter and the
    # detector's modules. A tree big enough to fork nearly always has a file that needs the detector.
    _prefilter(ctx.extra_tokens)
    import portkit.lint._check  # noqa: F401
    from portkit.template._detect import warm_up

    warm_up()

    if ctx.target is not None:
        # A Rust tokenizer shared across fork() warns and may deadlock if its thread pool ran.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    shares = [todo[i::n_jobs] for i in range(n_jobs)]
    children: list[tuple[int, int, _Todo]] = []
    for share in shares[1:]:
        read_fd, write_fd = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12+ warns about fork() in a process with threads (a tokenizer's pool, say);
            # the child only runs this module's pure-Python scan and leaves with os._exit().
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            status = 0
            try:
                os.close(read_fd)
                payload = marshal.dumps(
                    [tuple(getattr(d, f) for f in _FIELDS) for d in _lint_all(share, ctx)]
                )
                with os.fdopen(write_fd, "wb") as out:
                    out.write(payload)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        os.close(write_fd)
        children.append((pid, read_fd, share))
    diags = _lint_all(shares[0], ctx)
    for pid, read_fd, share in children:
        with os.fdopen(read_fd, "rb") as inp:
            payload = inp.read()
        _, status = os.waitpid(pid, 0)
        part: list[Diagnostic] | None = None
        if status == 0:
            try:
                rows = marshal.loads(payload)
            except (EOFError, ValueError, TypeError):
                rows = None
            if rows:
                from portkit.lint._diagnostic import Diagnostic

                part = [Diagnostic(*row) for row in rows]
            elif rows is not None:
                part = []
        if part is None:
            # A child that died is redone here rather than losing its files.
            part = _lint_all(share, ctx)
        diags.extend(part)
    return diags


def _fork_available() -> bool:
    # Not multiprocessing.get_all_start_methods(): importing multiprocessing costs milliseconds.
    return hasattr(os, "fork") and sys.platform not in ("win32", "emscripten", "wasi", "ios", "android")


def make_context(
    *,
    selected: frozenset[str],
    root: Path,
    per_file_ignores: Iterable[tuple[str, Iterable[str]]] = (),
    target: Target | None = None,
    files: FileSet | None = None,
) -> LintContext:
    """A :class:`LintContext`, with per-file-ignore codes expanded and the target's extra tokens listed."""
    pfi = tuple((glob, frozenset(_rules._expand(codes))) for glob, codes in per_file_ignores)
    extra: tuple[str, ...] = ()
    if target is not None:
        from portkit.template._detect import _looks_like_control

        known = set(cat.all_tokens())
        extra = tuple(sorted(t for t in target.added_tokens if _looks_like_control(t) and t not in known))
    return LintContext(
        selected=selected, root=root, per_file_ignores=pfi, target=target, files=files, extra_tokens=extra
    )
