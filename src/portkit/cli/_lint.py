"""``portkit lint``: find hand-written and foreign control tokens, with ruff's conventions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _codes(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from portkit.lint._config import OUTPUT_FORMATS

    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or directories to lint (default: .); - reads stdin"
    )
    parser.add_argument(
        "--output-format",
        choices=OUTPUT_FORMATS,
        default=None,
        help="how to print findings (default: concise)",
    )
    parser.add_argument(
        "--target", help="judge tokens against this target's vocabulary (e.g. llama-3.1, a .gguf file)"
    )
    parser.add_argument("--select", type=_codes, help="comma-separated rule codes, names, prefixes or ALL")
    parser.add_argument("--extend-select", type=_codes, help="rules to add to the selection")
    parser.add_argument("--ignore", type=_codes, help="comma-separated rules to skip")
    parser.add_argument("--exclude", type=_codes, help="globs to skip (replaces the config's exclude)")
    parser.add_argument("--extend-exclude", type=_codes, help="globs to skip as well")
    parser.add_argument("--config", help="read settings from this portkit.toml / pyproject.toml")
    parser.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    parser.add_argument(
        "--no-respect-gitignore", action="store_true", help="lint files .gitignore excludes too"
    )
    parser.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply excludes to files named on the command line too (pre-commit)",
    )
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument(
        "--stdin-filename", help="the name of the file read from stdin (its extension picks the reader)"
    )
    parser.add_argument(
        "-j", "--jobs", type=int, default=None, help="worker processes for big trees (default: all cores)"
    )
    parser.add_argument(
        "--statistics", action="store_true", help="print the number of findings per rule instead"
    )
    parser.add_argument("--list-rules", action="store_true", help="print every rule and exit")


def run(args: argparse.Namespace) -> int:
    from portkit.lint import _output
    from portkit.lint._config import find_config, load_config
    from portkit.lint._engine import make_context
    from portkit.lint._engine import run as run_lint
    from portkit.lint._files import FileSet
    from portkit.lint._rules import RULES, resolve_selection

    if args.list_rules:
        for r in RULES:
            print(f"{r.code}  {r.name:<28} {r.severity:<8} {r.summary}")
        return 0
    paths: list[str] = args.paths or ["."]
    if args.isolated:
        cfg = load_config(None)
    elif args.config:
        cfg = load_config(Path(args.config))
    else:
        first = Path(paths[0]) if paths[0] != "-" else Path.cwd()
        cfg = load_config(find_config(first if first.exists() else Path.cwd()))
    selected = resolve_selection(
        select=args.select if args.select is not None else cfg.select,
        ignore=[*cfg.ignore, *(args.ignore or [])],
        extend_select=[*cfg.extend_select, *(args.extend_select or [])],
    )
    exclude = args.exclude if args.exclude is not None else cfg.exclude
    files = FileSet(
        root=cfg.root,
        exclude=(*exclude, *cfg.extend_exclude, *(args.extend_exclude or [])),
        respect_gitignore=cfg.respect_gitignore and not args.no_respect_gitignore,
        force_exclude=args.force_exclude,
    )
    target = None
    target_name = args.target or cfg.target
    if target_name:
        from portkit.targets import load_target

        target = load_target(target_name)
    ctx = make_context(
        selected=selected, root=cfg.root, per_file_ignores=cfg.per_file_ignores, target=target, files=files
    )
    if paths == ["-"]:
        from portkit.lint._check import lint_text

        diags = lint_text(sys.stdin.read(), filename=args.stdin_filename or "-", ctx=ctx)
    else:
        diags, _ = run_lint(paths, ctx, jobs=args.jobs)
    if args.statistics:
        counts: dict[str, int] = {}
        for d in diags:
            counts[d.code] = counts.get(d.code, 0) + 1
        names = {r.code: r.name for r in RULES}
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"{n:>6}  {code}  {names[code]}")
    else:
        _output.write(diags, args.output_format or cfg.output_format, sys.stdout)
    sys.stdout.flush()
    if args.exit_zero:
        return 0
    return 1 if any(d.severity != "info" for d in diags) else 0
