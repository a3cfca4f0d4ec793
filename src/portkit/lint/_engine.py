"""The lint run: read files, find tokens, turn findings into diagnostics, in parallel for big trees."""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Iterable, Iterator, Sequence
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


def _rest_trie(extra: tuple[str, ...], first: str) -> str:
    """The trie of what follows ``first`` in the catalogue's irregular tokens and ``extra``."""
    if not extra:
        return cat.irregular_rest_trie(first)  # the detector builds the same trie: share it
    rest = sorted({t[1:] for t in (*cat.irregular_tokens(), *extra) if t.startswith(first) and len(t) > 1})
    return cat.trie_pattern(rest)


@lru_cache(maxsize=8)
def _prefilter(extra: tuple[str, ...]) -> tuple[re.Pattern[bytes], ...]:
    """Byte regexes that together match a superset of what the detector reports.

    Each starts with one literal byte: the search starts at that byte's first occurrence (found with
    memchr) and the regex engine's tight loop skips between the rest. A file none of them matches is
    clean and is never decoded.
    """
    # After "<": a catalogue token, a pipe shape (or its run-time assembly), or a full-width bar.
    lt = _rest_trie(extra, "<") + "|" + r"\|[A-Za-z_{$%\"'`]" + "|" + "｜"
    patterns = [
        "<(?:" + lt + ")",
        # MiniMax's "]~!b[" and "]<]minimax[>[" are caught at their "[" (looking behind), saving a pass.
        r"\[(?:"
        + _rest_trie(extra, "[")
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
    # O_BINARY: on Windows, os.open defaults to text mode and would turn CRLF into LF.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
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


def _needs_detector(data: bytes, kind: str, ctx: LintContext) -> bool:
    """True when ``data`` (a file of ``kind``) may hold something a selected rule reports."""
    return might_match(data, extra=ctx.extra_tokens, json_rule="PK301" in ctx.selected) or (
        # Held in the Anthropic SDK's constants, or spelled with JSON's \u003c escape.
        (kind in ("python", "clike", "hashlike") and b"_PROMPT" in data and b"nthropic" in data)
        # "\u003" first: its rare last byte lets the substring search skip ahead. "\u003c" ends in
        # a common letter, so the search barely skips; the two exact tests alone cost nearly three
        # times as much on a file without them.
        or (kind == "data" and b"\\u003" in data and (b"\\u003c" in data or b"\\u003C" in data))
    )


def _is_clean(filename: str, explicit: bool, ctx: LintContext, kind: str | None) -> bool:
    """True when :func:`lint_file` would return nothing without running the detector.

    The workers' triage: everything else (a candidate, a file that cannot be read, bad UTF-8) goes
    through :func:`lint_file`.
    """
    try:
        data = _read(filename)
    except OSError:
        return False
    if data.find(b"\0", 0, 8192) >= 0:
        return not explicit
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return not _needs_detector(data, kind or file_kind(filename) or "text", ctx)


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
    if not _needs_detector(data, kind, ctx):
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
    diags = _run_forked(todo, ctx, n_jobs) if n_jobs > 1 and _fork_available() else _lint_all(todo, ctx)
    diags.sort(key=lambda d: (d.filename, d.row, d.column, d.code))
    return diags, len(todo)


_Todo = list[tuple[str, bool, str | None]]


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


# A worker hands back files that need the detector instead of importing it (dataclasses, the
# detector's regexes: about as much as linting some thirty such files): always the first _DEFER,
# then while they stay under _HAND_BACK_SHARE of the files it scanned, split between the workers.
# Detection costs some 16 times the prefilter per byte, so at 6 % the main process spends about as
# long on handed-back files as the scanning it leaves to the workers; past that, they lint themselves.
_DEFER = 32
_HAND_BACK_SHARE = 0.06
_END = 0xFFFFFFFF  # after the handed-back file numbers: the child's results follow


def _chunking(n_files: int) -> tuple[int, int]:
    """``(files per chunk, number of chunks)`` for handing ``n_files`` out: at least 8 files a chunk
    (a pipe read per file would cost more than a clean file's scan), at most 2048 chunks."""
    size = max(8, -(-n_files // 2048))
    return size, -(-n_files // size)


class _Child:
    """This process's end of one forked worker.

    The child writes the number of each file it hands back (4 bytes) as soon as it finds it, then
    ``_END`` and its results (marshal). This process lints the handed-back files between its own
    chunks, so neither waits for the other at the end.
    """

    __slots__ = ("_buf", "diags", "ended", "fd", "pid")

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.fd = fd
        self._buf = bytearray()
        self.ended = False
        self.diags: list[Diagnostic] = []  # of the handed-back files; dropped if the child fails
        os.set_blocking(fd, False)

    def take(self, todo: _Todo, ctx: LintContext, *, wait: bool = False) -> None:
        """Lint the files handed back so far; with ``wait``, read on until the child closes its pipe."""
        if wait:
            os.set_blocking(self.fd, True)
        while True:
            try:
                got = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return
            if not got:
                return
            self._buf += got
            while not self.ended and len(self._buf) >= 4:
                i = int.from_bytes(self._buf[:4], "little")
                del self._buf[:4]
                if i == _END:
                    self.ended = True
                else:
                    name, explicit, kind = todo[i]
                    self.diags.extend(lint_file(name, explicit, ctx, kind))

    def finish(self) -> tuple[list[int], list[tuple[Any, ...]]] | None:
        """``(chunks done, diagnostic rows)`` once the child has exited, or None if it failed."""
        os.close(self.fd)
        _, status = os.waitpid(self.pid, 0)
        if status != 0 or not self.ended:
            return None
        import marshal

        try:
            done, rows = marshal.loads(bytes(self._buf))
        except (EOFError, ValueError, TypeError):
            return None
        return list(done), list(rows)


def _child_main(
    todo: _Todo, ctx: LintContext, size: int, chunks: Iterator[int], fd: int, n_children: int
) -> None:  # pragma: no cover - runs in the child
    import marshal

    def send(data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    done: list[int] = []
    found: list[Diagnostic] = []
    deferred = scanned = 0
    for c in chunks:
        done.append(c)
        for i in range(c * size, min((c + 1) * size, len(todo))):
            scanned += 1
            name, explicit, kind = todo[i]
            if _is_clean(name, explicit, ctx, kind):
                continue
            if deferred < max(_DEFER, scanned * _HAND_BACK_SHARE / n_children):
                deferred += 1
                send(i.to_bytes(4, "little"))
            else:
                found.extend(lint_file(name, explicit, ctx, kind))
    rows = [tuple(getattr(d, f) for f in _FIELDS) for d in found]
    send(_END.to_bytes(4, "little") + marshal.dumps((done, rows)))


def _run_forked(todo: _Todo, ctx: LintContext, n_jobs: int) -> list[Diagnostic]:
    """Lint ``todo`` in this process and ``n_jobs - 1`` forked children.

    A bare fork() with a pipe per child costs about a millisecond, where a process pool costs tens;
    the children inherit the compiled prefilter and the target. Files are handed out in chunks
    through a shared pipe, so a process slowed down by other work on its core takes fewer. Most
    files are clean; a child hands the few that need the detector back for this process to lint
    (see ``_HAND_BACK_SHARE``), so the detector is imported once, here, while the children are
    already scanning.
    """
    _prefilter(ctx.extra_tokens)
    if ctx.target is not None:
        # A Rust tokenizer shared across fork() warns and may deadlock if its thread pool ran.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Chunk numbers, 4 bytes each, written before any reader starts: at most 2048 of them (8 KiB),
    # well inside a pipe's buffer. Reads of 4 bytes from a pipe are atomic, so no two processes
    # get the same chunk; an empty read means the work is all handed out.
    size, n_chunks = _chunking(len(todo))
    queue_r, queue_w = os.pipe()
    os.write(queue_w, b"".join(i.to_bytes(4, "little") for i in range(n_chunks)))
    os.close(queue_w)

    def chunks() -> Iterator[int]:
        while len(got := os.read(queue_r, 4)) == 4:
            yield int.from_bytes(got, "little")

    children: list[_Child] = []
    for _ in range(n_jobs - 1):
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
                for child in children:
                    os.close(child.fd)
                _child_main(todo, ctx, size, chunks(), write_fd, n_jobs - 1)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        os.close(write_fd)
        children.append(_Child(pid, read_fd))
    diags: list[Diagnostic] = []
    handled: set[int] = set()
    for c in chunks():
        handled.add(c)
        diags.extend(_lint_all(todo[c * size : (c + 1) * size], ctx))
        for child in children:
            child.take(todo, ctx)
    os.close(queue_r)
    for child in children:
        child.take(todo, ctx, wait=True)
        result = child.finish()
        if result is None:
            continue  # its chunks are redone below, the files it handed back with them
        done, rows = result
        handled.update(done)
        diags.extend(child.diags)
        if rows:
            from portkit.lint._diagnostic import Diagnostic

            diags.extend(Diagnostic(*row) for row in rows)
    # A chunk whose child died is redone here rather than losing its files.
    for c in range(n_chunks):
        if c not in handled:
            diags.extend(_lint_all(todo[c * size : (c + 1) * size], ctx))
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
