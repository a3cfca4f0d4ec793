"""``portkit render``: an Anthropic/OpenAI request through the target's official chat template."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "request",
        help="the request as JSON: an Anthropic Messages request or a list of messages ('-' reads stdin)",
    )
    parser.add_argument(
        "--target",
        "-t",
        required=True,
        help="offline model name, template:<stem>, .gguf file, model directory or repo id",
    )
    parser.add_argument(
        "--chat-template",
        metavar="FILE",
        help="the model's official chat template, overriding or supplying the target's",
    )
    parser.add_argument("--output-format", choices=["text", "json"], default="text")
    parser.add_argument(
        "--thinking",
        choices=["on", "off", "low", "medium", "high"],
        help="reasoning on/off (or an effort); default: the request's 'thinking' field, else the template's default",
    )
    parser.add_argument("--no-tokenize", action="store_true", help="render text only (no token ids)")
    parser.add_argument(
        "--unsafe-no-neutralise",
        action="store_true",
        help="encode control tokens written in request text as control tokens (reported; never do this for untrusted text)",
    )


def _read_request(source: str) -> Any:
    from portkit.errors import RequestError

    try:
        if source == "-":
            raw = sys.stdin.read()
        else:
            with open(source, encoding="utf-8") as fh:
                raw = fh.read()
    except OSError as exc:
        raise RequestError(
            f"Cannot read the request file {source!r}: {exc.strerror}.",
            hint="pass a JSON file or '-' for stdin",
        ) from exc
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RequestError(
            f"{source!r} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
            hint="the request must be an Anthropic Messages object or a list of messages, as JSON",
        ) from exc


def _thinking(value: str | None) -> bool | str | None:
    return {"on": True, "off": False, None: None}.get(value, value)


def run(args: argparse.Namespace) -> int:
    from portkit.targets import load_target
    from portkit.template._render import render

    request = _read_request(args.request)
    target = load_target(args.target, chat_template=args.chat_template)
    result = render(
        request,
        target=target,
        thinking=_thinking(args.thinking),
        tokenize=not args.no_tokenize,
        inject_safe=not args.unsafe_no_neutralise,
    )
    if args.output_format == "json":
        payload = {
            "target": result.target,
            "text": result.text,
            "token_ids": list(result.token_ids) if result.token_ids is not None else None,
            "stop_sequences": list(result.stop_sequences),
            "stop_token_ids": list(result.stop_token_ids),
            "messages": _plain(result.messages),
            "tools": _plain(result.tools),
            "tool_choice": _plain(result.tool_choice),
            "template_kwargs": _plain(result.template_kwargs),
            "add_generation_prompt": result.add_generation_prompt,
            "continue_final_message": result.continue_final_message,
            "thinking": {
                "requested": result.thinking.requested,
                "state": result.thinking.state,
                "switch": result.thinking.switch,
                "value": result.thinking.value,
                "default_on": result.thinking.default_on,
            },
            "adaptations": [
                {"kind": a.kind, "what": a.what, "why": a.why, "message_index": a.message_index}
                for a in result.adaptations
            ],
            "neutralised": [
                {
                    "token": n.token,
                    "message_index": n.message_index,
                    "field": n.field,
                    "start": n.start,
                    "end": n.end,
                }
                for n in result.neutralised
            ],
        }
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    out = sys.stdout
    out.write(result.text)
    if not result.text.endswith("\n"):
        out.write("\n")
    err = sys.stderr
    print(f"--- {result.target}: {len(result.text)} characters", end="", file=err)
    print(
        f", {len(result.token_ids)} tokens"
        if result.token_ids is not None
        else " (no vocabulary: no token ids)",
        file=err,
    )
    print(
        f"--- thinking: {result.thinking.state}"
        + (f" via {result.thinking.switch}" if result.thinking.switch else ""),
        file=err,
    )
    for a in result.adaptations:
        where = "" if a.message_index is None else f" [message {a.message_index}]"
        print(f"--- {a.kind}{where}: {a.what} ({a.why})", file=err)
    return 0


def _plain(value: Any) -> Any:
    from collections.abc import Mapping

    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
