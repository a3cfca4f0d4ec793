"""``portkit fewshot``: a long Claude system prompt into trimmed instructions plus example turns."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from portkit.errors import PromptError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "prompt_file", metavar="PROMPT_FILE", help="the Claude system prompt (UTF-8 text; - for stdin)"
    )
    parser.add_argument(
        "--target", required=True, help="target whose tokenizer counts tokens (see `portkit data`)"
    )
    parser.add_argument(
        "--budget", type=int, default=None, help="most tokens for instructions plus example turns"
    )
    parser.add_argument(
        "--max-examples", type=int, default=3, help="worked examples to keep as turns (default 3)"
    )
    parser.add_argument(
        "--aggressive",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=(
            "also drop descriptive sentences that carry no constraint word, number, quote or code "
            "(default: on for prompts over 1,500 words; --no-aggressive turns it off)"
        ),
    )
    parser.add_argument(
        "--move-tools",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=(
            "move tool definitions written into the prompt (<functions>, JSON tool definitions) out "
            "of the instructions into `tools` (default; --no-move-tools keeps them in place)"
        ),
    )
    parser.add_argument("--output-format", choices=["text", "json"], default="text")


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PromptError(f"The prompt file {path!r} does not exist.", hint="check the path") from exc
    except IsADirectoryError as exc:
        raise PromptError(f"{path!r} is a directory, not a prompt file.", hint="pass one text file") from exc
    except UnicodeDecodeError as exc:
        raise PromptError(f"The prompt file {path!r} is not UTF-8 text.", hint="save it as UTF-8") from exc
    except OSError as exc:
        raise PromptError(f"The prompt file {path!r} cannot be read: {exc.strerror}.") from exc


def run(args: argparse.Namespace) -> int:
    from portkit.fewshot import port_instructions, split_prompt

    text = _read(args.prompt_file)
    ported = port_instructions(
        split_prompt(text),
        target=args.target,
        budget=args.budget,
        max_examples=args.max_examples,
        aggressive=args.aggressive,
        move_tools=args.move_tools,
    )
    if args.output_format == "json":
        doc = {
            "instructions": ported.instructions,
            "examples": [
                {
                    "user": ex.user,
                    "assistant": ex.assistant,
                    "source_span": list(ex.source_span) if ex.source_span else None,
                    "turns": [
                        {"role": t.role, "content": t.text, "span": list(t.span) if t.span else None}
                        for t in ex.turns
                    ],
                    "label": ex.label,
                    "note": ex.note,
                }
                for ex in ported.examples
            ],
            "dropped": [{"text": d.text, "span": list(d.span), "reason": d.reason} for d in ported.dropped],
            "tokens_before": ported.tokens_before,
            "tokens_after": ported.tokens_after,
            "tools": list(ported.tools),
            "tokens_tools": ported.tokens_tools,
            "target": ported.target,
            "warnings": list(ported.warnings),
        }
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    out = sys.stdout
    print(
        f"# instructions ({ported.target}: {ported.tokens_before} -> {ported.tokens_after} tokens)", file=out
    )
    print(ported.instructions, file=out)
    for n, ex in enumerate(ported.examples, 1):
        span = f" from {ex.source_span[0]}-{ex.source_span[1]}" if ex.source_span else ""
        note = f" [{ex.note}]" if ex.note else ""
        print(f"\n# example {n}{span}{note}", file=out)
        for t in ex.turns:
            print(f"## {t.role}\n{t.text}", file=out)
    if ported.tools:
        names = ", ".join(t["function"]["name"] for t in ported.tools)
        print(
            f"\n# tools ({len(ported.tools)}, {ported.tokens_tools} tokens as JSON; send them as the "
            f"request's tools): {names}",
            file=out,
        )
    substantive = [d for d in ported.dropped if d.text.strip()]
    print(f"\n# dropped ({len(substantive)} spans, whitespace not shown)", file=out)
    for d in substantive:
        snippet = " ".join(d.text.split())
        if len(snippet) > 70:
            snippet = snippet[:67] + "..."
        print(f"  {d.span[0]}-{d.span[1]}  {d.reason}: {snippet!r}", file=out)
    for w in ported.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0
