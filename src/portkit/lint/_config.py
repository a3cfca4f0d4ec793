"""Configuration of ``portkit lint``: ``[tool.portkit]`` in pyproject.toml, or a ``portkit.toml``.

The nearest file wins (searched from the linted path upwards); command-line flags override it.
Keys follow ruff's names::

    [tool.portkit]
    target = "llama-3.1"            # judge tokens against this target's vocabulary
    select = ["PK1", "PK201"]       # codes, names, prefixes or "ALL"
    ignore = ["PK301"]
    extend-select = []
    exclude = ["tests/fixtures/**"] # replaces the default excludes' user part
    extend-exclude = []
    respect-gitignore = true
    output-format = "concise"

    [tool.portkit.per-file-ignores]
    "docs/tokens.md" = ["PK101"]

Lint-only keys may also sit in a ``[tool.portkit.lint]`` table, which wins over the top level.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from portkit.errors import LintConfigError

__all__ = ["OUTPUT_FORMATS", "LintConfig", "find_config", "load_config"]

OUTPUT_FORMATS = ("concise", "full", "json", "json-lines", "github", "sarif")

_LIST_KEYS = ("select", "ignore", "extend-select", "exclude", "extend-exclude")
_KNOWN = {*_LIST_KEYS, "target", "respect-gitignore", "output-format", "per-file-ignores"}


class LintConfig(NamedTuple):
    """Settings of one lint run (from a config file, then overridden by flags).

    Attributes:
        root: the directory of the config file (relative globs are matched from it), or the cwd.
        source: the config file, or None when none was found.
    """

    root: Path
    source: Path | None = None
    target: str | None = None
    select: list[str] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    respect_gitignore: bool = True
    output_format: str = "concise"


def find_config(start: Path) -> Path | None:
    """The nearest ``portkit.toml`` or ``pyproject.toml`` with a ``[tool.portkit]`` table, from ``start`` up."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / "portkit.toml"
        if candidate.is_file():
            return candidate
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                raw = candidate.read_bytes()
            except OSError:
                continue
            # Most pyproject files have no portkit table; skip parsing them.
            if b"portkit" not in raw:
                continue
            import tomllib

            try:
                data = tomllib.loads(raw.decode("utf-8", errors="replace"))
            except tomllib.TOMLDecodeError:
                continue
            if isinstance(data.get("tool"), dict) and "portkit" in data["tool"]:
                return candidate
    return None


def _table(path: Path) -> Mapping[str, Any]:
    import tomllib

    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise LintConfigError(f"Cannot read {str(path)!r}: {exc.strerror}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise LintConfigError(
            f"{str(path)!r} is not valid TOML: {exc}.", hint="fix the file's syntax"
        ) from exc
    if path.name == "portkit.toml":
        # portkit.toml holds the table at the top level; [tool.portkit] is accepted too.
        tool = data.get("tool")
        return tool["portkit"] if isinstance(tool, dict) and "portkit" in tool else data
    section = data.get("tool", {}).get("portkit", {})
    if not isinstance(section, dict):
        raise LintConfigError(f"[tool.portkit] in {str(path)!r} must be a table.")
    return section


def _str_list(value: Any, key: str, path: Path) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LintConfigError(
            f"{key!r} in {str(path)!r} must be a list of strings, not {value!r}.",
            hint=f'write {key} = ["PK101"]',
        )
    return list(value)


def load_config(path: Path | None, *, cwd: Path | None = None) -> LintConfig:
    """Read the lint settings of ``path`` (None: defaults rooted at ``cwd``).

    Raises:
        LintConfigError: the file is unreadable, not TOML, or has a key of the wrong type or an
            unknown key in ``[tool.portkit.lint]``.
    """
    if path is None:
        return LintConfig(root=(cwd or Path(os.getcwd())).resolve())
    section = dict(_table(path))
    lint_table = section.pop("lint", {})
    if not isinstance(lint_table, dict):
        raise LintConfigError(f"[tool.portkit.lint] in {str(path)!r} must be a table.")
    unknown = sorted(set(lint_table) - _KNOWN)
    if unknown:
        raise LintConfigError(
            f"Unknown key {unknown[0]!r} in the lint settings of {str(path)!r}.",
            hint="known keys: " + ", ".join(sorted(_KNOWN)),
        )
    # Other layers keep their own keys at the top of [tool.portkit]; only the lint keys are read here.
    merged = {k: v for k, v in section.items() if k in _KNOWN}
    merged.update(lint_table)
    kwargs: dict[str, Any] = {"root": path.parent.resolve(), "source": path}
    for key in _LIST_KEYS:
        if key in merged:
            values = _str_list(merged[key], key, path)
            kwargs[key.replace("-", "_")] = values if key == "select" else tuple(values)
    if "target" in merged:
        if not isinstance(merged["target"], str):
            raise LintConfigError(f"'target' in {str(path)!r} must be a string, not {merged['target']!r}.")
        kwargs["target"] = merged["target"]
    if "respect-gitignore" in merged:
        if not isinstance(merged["respect-gitignore"], bool):
            raise LintConfigError(f"'respect-gitignore' in {str(path)!r} must be true or false.")
        kwargs["respect_gitignore"] = merged["respect-gitignore"]
    if "output-format" in merged:
        fmt = merged["output-format"]
        if fmt not in OUTPUT_FORMATS:
            raise LintConfigError(
                f"'output-format' in {str(path)!r} is {fmt!r}.", hint="one of " + ", ".join(OUTPUT_FORMATS)
            )
        kwargs["output_format"] = fmt
    if "per-file-ignores" in merged:
        table = merged["per-file-ignores"]
        if not isinstance(table, dict):
            raise LintConfigError(f"'per-file-ignores' in {str(path)!r} must be a table of glob = [codes].")
        kwargs["per_file_ignores"] = tuple(
            (str(g), tuple(_str_list(v, f"per-file-ignores.{g}", path))) for g, v in table.items()
        )
    return LintConfig(**kwargs)
