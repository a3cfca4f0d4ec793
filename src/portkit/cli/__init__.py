"""The ``portkit`` command line.

Each subcommand lives in its own module (``portkit.cli._<name>``) with ``add_arguments(parser)``
and ``run(args) -> int``; only the chosen one is imported, so ``portkit lint`` starts fast.
Exit codes follow ruff: 0 success/clean, 1 findings, 2 usage or internal error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# name -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "port": ("portkit.cli._port", "port a Claude prompt or request to a ready request for an open model"),
    "render": (
        "portkit.cli._render",
        "render an Anthropic/OpenAI request with the target's official chat template",
    ),
    "lint": ("portkit.cli._lint", "find hand-written and foreign control tokens in prompt files and source"),
    "fewshot": (
        "portkit.cli._fewshot",
        "turn a long Claude system prompt into trimmed instructions + example turns",
    ),
    "data": (
        "portkit.cli._data",
        "fetch the offline models (pinned templates and vocabularies) and list targets",
    ),
}


def _build_parser(chosen: str | None) -> argparse.ArgumentParser:
    from portkit import __version__

    parser = argparse.ArgumentParser(
        prog="portkit",
        description="Port prompts written for Claude to open-weight models.",
    )
    parser.add_argument("--version", action="version", version=f"portkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        # With a known subcommand only its parser is built: `portkit lint` starts measurably faster.
        if chosen is not None and name != chosen:
            continue
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            importlib.import_module(module).add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``portkit`` script; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in args_list if not a.startswith("-")), None)
    chosen = chosen if chosen in SUBCOMMANDS else None
    parser = _build_parser(chosen)
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    from portkit.errors import PortkitError

    module = importlib.import_module(SUBCOMMANDS[args.command][0])
    try:
        return int(module.run(args))
    except PortkitError as exc:
        print(f"portkit {args.command}: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("portkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
