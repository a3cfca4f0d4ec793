"""``portkit lint``: find hand-written and foreign control tokens in prompt files and source code.

The same engine serves the command line and Python::

    from portkit.lint import lint_paths, lint_text

    for d in lint_paths(["prompts/"], target="llama-3.1"):
        print(d.filename, d.row, d.code, d.token)

Nothing here imports transformers, jinja2 or pydantic unless a target is given.
"""

# portkit: ignore-file  (control tokens are this module's subject, written on purpose)
from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from portkit.lint._config import LintConfig
    from portkit.lint._diagnostic import Diagnostic
    from portkit.lint._rules import Rule
    from portkit.targets import Target

__all__ = ["OUTPUT_FORMATS", "RULES", "Diagnostic", "LintConfig", "Rule", "lint_paths", "lint_text"]

# Imported on first access: `portkit lint` on a clean file never loads the detector.
_LAZY: dict[str, str] = {
    "OUTPUT_FORMATS": "portkit.lint._config",
    "LintConfig": "portkit.lint._config",
    "Diagnostic": "portkit.lint._diagnostic",
    "RULES": "portkit.lint._rules",
    "Rule": "portkit.lint._rules",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'portkit.lint' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def _target(target: Target | str | None) -> Target | None:
    if target is None or not isinstance(target, str):
        return target
    from portkit.targets import load_target

    return load_target(target)


def lint_paths(
    paths: Sequence[str | os.PathLike[str]],
    *,
    target: Target | str | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    config: str | os.PathLike[str] | bool = True,
    jobs: int | None = None,
) -> list[Diagnostic]:
    """Lint files and directories as ``portkit lint PATH…`` does; return the diagnostics, sorted.

    Args:
        paths: files and directories (directories are walked honouring ``.gitignore`` and excludes).
        target: judge tokens against this target's vocabulary (a name or a Target); None uses the
            config's ``target``, or the offline catalogue alone.
        select / ignore: rule codes, names or prefixes; they replace / extend the config's.
        config: True finds the nearest ``portkit.toml`` / ``[tool.portkit]``; a path names one; False
            ignores config files.
        jobs: worker processes for big trees (default: the usable cores).

    Raises:
        LintConfigError: bad configuration or an unknown rule code.
        TargetError: ``target`` cannot be loaded.
    """
    from portkit.lint._engine import make_context, run
    from portkit.lint._files import FileSet
    from portkit.lint._rules import resolve_selection

    cfg = _config_for(paths, config)
    sel = resolve_selection(
        select=list(select) if select is not None else cfg.select,
        ignore=[*cfg.ignore, *(ignore or ())],
        extend_select=cfg.extend_select,
    )
    files = FileSet(
        root=cfg.root, exclude=(*cfg.exclude, *cfg.extend_exclude), respect_gitignore=cfg.respect_gitignore
    )
    ctx = make_context(
        selected=sel,
        root=cfg.root,
        per_file_ignores=cfg.per_file_ignores,
        target=_target(target if target is not None else cfg.target),
        files=files,
    )
    diags, _ = run(paths, ctx, jobs=jobs)
    return diags


def _config_for(paths: Sequence[str | os.PathLike[str]], config: str | os.PathLike[str] | bool) -> LintConfig:
    from portkit.lint._config import find_config, load_config

    if config is False:
        return load_config(None)
    if config is True:
        start = Path(paths[0]) if paths else Path.cwd()
        return load_config(find_config(start if start.exists() else Path.cwd()))
    return load_config(Path(config))


def lint_text(
    text: str,
    *,
    filename: str = "prompt.txt",
    target: Target | str | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
) -> list[Diagnostic]:
    """Lint ``text`` as the content of ``filename`` (its extension decides how it is read).

    Examples:
        >>> [d.code for d in lint_text("<|im_start|>user\\nhi<|im_end|>")]
        ['PK101', 'PK101']
    """
    from portkit.lint._check import lint_text as _lint_text
    from portkit.lint._engine import make_context
    from portkit.lint._rules import resolve_selection

    sel = resolve_selection(select=list(select) if select is not None else None, ignore=list(ignore or ()))
    ctx = make_context(selected=sel, root=Path.cwd(), target=_target(target))
    return _lint_text(text, filename=filename, ctx=ctx)
