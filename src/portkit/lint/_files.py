"""Which files ``portkit lint`` reads: extensions, directory walking, ``.gitignore`` and excludes."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

__all__ = ["DEFAULT_EXCLUDE", "FileSet", "file_kind", "glob_regex", "iter_files", "iter_files_kinds"]

# Prompt files are read whole; source files only through their string literals.
_KINDS: dict[str, str] = {
    **dict.fromkeys(
        (".txt", ".md", ".markdown", ".prompt", ".prompty", ".mdx", ".rst", ".csv", ".tsv"), "text"
    ),
    # Template files of other engines (Go templates for Ollama, Mustache, Handlebars, Liquid).
    **dict.fromkeys((".tmpl", ".tpl", ".gotmpl", ".mustache", ".hbs", ".liquid"), "text"),
    **dict.fromkeys((".jinja", ".jinja2", ".j2"), "jinja"),
    **dict.fromkeys((".yaml", ".yml", ".json", ".jsonl", ".toml", ".ipynb"), "data"),
    **dict.fromkeys((".py", ".pyi"), "python"),
    **dict.fromkeys(
        (
            *(
                ".js",
                ".jsx",
                ".mjs",
                ".cjs",
                ".ts",
                ".tsx",
                ".mts",
                ".cts",
                ".go",
                ".rs",
                ".java",
                ".kt",
                ".kts",
            ),
            *(".swift", ".cs", ".c", ".cc", ".cpp", ".h", ".hpp", ".php", ".dart", ".scala"),
        ),
        "clike",
    ),
    **dict.fromkeys((".rb", ".sh", ".bash", ".zsh", ".r", ".pl"), "hashlike"),
}
_NAMES: dict[str, str] = {"Modelfile": "text"}

# Directories never worth reading; applied on top of the user's excludes.
DEFAULT_EXCLUDE: frozenset[str] = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".direnv",
        ".eggs",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".hypothesis",
        "build",
        "dist",
        "site-packages",
        "_build",
        "buck-out",
        ".ipynb_checkpoints",
    }
)


def file_kind(path: str | os.PathLike[str]) -> str | None:
    """How a file is read: ``text``, ``jinja``, ``data``, ``python``, ``clike``, ``hashlike``, or None (skipped)."""
    name = os.path.basename(os.fspath(path))
    kind = _NAMES.get(name)
    if kind is not None:
        return kind
    # os.path.splitext's rule, inlined (this runs once per file of the tree): the extension starts at
    # the last dot, unless only dots come before it (".bashrc" has none).
    dot = name.rfind(".")
    if dot <= 0 or not name[:dot].strip("."):
        return None
    return _KINDS.get(name[dot:].lower())


@lru_cache(maxsize=1024)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a gitignore-style glob matched against a ``/``-separated relative path.

    ``**`` spans directories, ``*`` and ``?`` stay within one; a pattern without a slash matches a
    name at any depth; a match on a directory covers everything below it.
    """
    pat = pattern.strip()
    anchored = "/" in pat.rstrip("/")
    pat = pat.strip("/")
    out = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pat.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pat.find("]", i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pat[i + 1 : j].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j
        elif c == "\\" and i + 1 < len(pat):
            i += 1
            out.append(re.escape(pat[i]))
        else:
            out.append(re.escape(c))
        i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{''.join(out)}(?:/.*)?$", re.DOTALL)


class _IgnoreRule(NamedTuple):
    base: str  # directory of the .gitignore, relative to the walk's anchor, "" for the anchor itself
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _read_gitignore(path: Path, base: str) -> list[_IgnoreRule]:
    try:
        lines = path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return []
    rules = []
    for line in lines:
        line = line.rstrip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate:
            line = line[1:]
        dir_only = line.endswith("/")
        rules.append(_IgnoreRule(base, glob_regex(line.rstrip("/") if dir_only else line), negate, dir_only))
    return rules


def _ignored(rules: Sequence[_IgnoreRule], rel: str, is_dir: bool) -> bool:
    verdict = False
    for r in rules:
        if r.dir_only and not is_dir:
            continue
        if r.base:
            if not rel.startswith(r.base + "/"):
                continue
            sub = rel[len(r.base) + 1 :]
        else:
            sub = rel
        # The glob's "(?:/.*)?" tail would let a file under an ignored directory match; directories are
        # pruned during the walk, so only the path itself is judged here.
        m = r.regex.match(sub)
        if m is not None and (not r.dir_only or is_dir):
            verdict = not r.negate
    return verdict


def _git_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


class FileSet(NamedTuple):
    """What to skip: the config root, user excludes, and whether ``.gitignore`` counts.

    ``force_exclude`` applies the excludes (and the default excluded folders) to files named on the
    command line too, as pre-commit names every staged file.
    """

    root: Path
    exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    force_exclude: bool = False

    def excluded(self, path: Path) -> bool:
        """True when ``path`` (absolute) matches an exclude glob, relative to the config root."""
        if not self.exclude:
            return False
        try:
            rel = path.relative_to(self.root).as_posix()
        except ValueError:
            rel = path.as_posix().lstrip("/")
        return any(glob_regex(p).match(rel) for p in self.exclude)


def iter_files(paths: Sequence[str | os.PathLike[str]], files: FileSet) -> Iterator[tuple[str, bool]]:
    """Yield ``(path, explicit)`` for every file to lint, in a stable order.

    A file named on the command line is linted (``explicit=True``) unless ``force_exclude`` is set
    and an exclude matches it; files found by walking a directory are linted when their kind is
    known and no exclude, default exclude or ``.gitignore`` rule skips them. A path that does not
    exist is yielded as explicit so the linter reports it.
    """
    for name, explicit, _ in iter_files_kinds(paths, files):
        yield name, explicit


def iter_files_kinds(
    paths: Sequence[str | os.PathLike[str]], files: FileSet
) -> Iterator[tuple[str, bool, str | None]]:
    """:func:`iter_files` with each file's :func:`file_kind` (None for an explicit file of no known kind)."""
    seen: set[str] = set()
    for raw in paths:
        name = os.fspath(raw)
        if not os.path.isdir(name):
            real = os.path.realpath(name)
            if files.force_exclude and _force_excluded(Path(real), files):
                continue
            if real not in seen:
                seen.add(real)
                yield name, True, file_kind(name)
            continue
        yield from _walk(Path(name).resolve(), name, files, seen)


def _force_excluded(path: Path, files: FileSet) -> bool:
    if files.excluded(path):
        return True
    try:
        parts = path.relative_to(files.root).parts[:-1]
    except ValueError:
        parts = path.parts[:-1]
    return any(part in DEFAULT_EXCLUDE for part in parts)


def _walk(top: Path, shown: str, files: FileSet, seen: set[str]) -> Iterator[tuple[str, bool, str | None]]:
    rules: list[_IgnoreRule] = []
    anchor = top
    if files.respect_gitignore:
        root = _git_root(top)
        anchor = root or top
        chain = [top, *top.parents]
        for directory in reversed(chain[: chain.index(anchor) + 1] if root else [top]):
            base = directory.relative_to(anchor).as_posix()
            rules.extend(_read_gitignore(directory / ".gitignore", "" if base == "." else base))
        if root is not None:
            rules.extend(_read_gitignore(root / ".git" / "info" / "exclude", ""))

    # Strings, not Path objects, below this point: a big tree has tens of thousands of entries.
    anchor_s = str(anchor)
    root_s = str(files.root)
    excludes = [glob_regex(p) for p in files.exclude]

    def rel_to(path: str, base: str) -> str | None:
        if path == base:
            return ""
        if path.startswith(base.rstrip(os.sep) + os.sep):
            return path[len(base.rstrip(os.sep)) + 1 :].replace(os.sep, "/")
        return None

    def visit(
        directory: str, display: str, rules: list[_IgnoreRule]
    ) -> Iterator[tuple[str, bool, str | None]]:
        if files.respect_gitignore and directory != str(top):
            rel_dir = rel_to(directory, anchor_s) or ""
            rules = rules + _read_gitignore(Path(directory) / ".gitignore", rel_dir)
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        prefix = "" if display == "." else display.rstrip(os.sep) + os.sep
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = not is_dir and entry.is_file()
            except OSError:
                continue
            if is_dir:
                if name in DEFAULT_EXCLUDE:
                    continue
                kind = None
            else:
                kind = file_kind(name)
                if kind is None:
                    continue
            full = entry.path
            if excludes:
                rel = rel_to(full, root_s)
                if rel is None:
                    rel = full.lstrip(os.sep).replace(os.sep, "/")
                if any(x.match(rel) for x in excludes):
                    continue
            if rules:
                rel_a = rel_to(full, anchor_s)
                if rel_a is not None and _ignored(rules, rel_a, is_dir):
                    continue
            if is_dir:
                yield from visit(full, prefix + name, rules)
            elif is_file and full not in seen:
                seen.add(full)
                yield prefix + name, False, kind

    yield from visit(str(top), shown, rules)
