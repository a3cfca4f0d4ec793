"""``portkit port``: port a Claude prompt or request and print the ready request and the report."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from portkit.errors import PortkitError, SchemaError

ENGINES = ("vllm", "openai", "sglang", "ollama", "llama-cpp")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "prompt", help="a Claude system prompt file (.txt/.md/…) or an Anthropic request (.json)"
    )
    parser.add_argument(
        "--target", "-t", required=True, help="offline target name, .gguf file, model directory or repo id"
    )
    parser.add_argument(
        "--schema",
        help="the answer's schema: module:Model or path/to/file.py:Model (Pydantic), or a JSON Schema / Claude tools .json",
    )
    parser.add_argument(
        "--user", help="the user message for this call (else the prompt ends after the example turns)"
    )
    parser.add_argument("--chat-template", help="a chat template file overriding the target's")
    parser.add_argument("--budget", type=int, help="token budget for the system prompt and examples")
    parser.add_argument("--max-examples", type=int, default=3)
    parser.add_argument("--thinking", choices=["auto", "on", "off"], default="auto")
    parser.add_argument("--task", choices=["classification", "extraction", "generation", "reasoning"])
    parser.add_argument(
        "--uncertain", action="store_true", help="add the 'uncertain' escape hatch to the schema"
    )
    parser.add_argument("--no-fewshot", action="store_true", help="keep the system prompt verbatim")
    parser.add_argument(
        "--engine", choices=ENGINES, default="vllm", help="which request body to print (default: vllm)"
    )
    parser.add_argument("--output-format", choices=["text", "json"], default="text")


def load_schema(spec: str) -> Any:
    """A Pydantic model from ``module:Model`` / ``file.py:Model``, or a JSON Schema / tools list from a .json file."""
    if spec.endswith(".json") and ":" not in Path(spec).name:
        try:
            return json.loads(Path(spec).read_text("utf-8"))
        except FileNotFoundError as exc:
            raise SchemaError(f"Schema file {spec!r} does not exist.") from exc
        except json.JSONDecodeError as exc:
            raise SchemaError(
                f"Schema file {spec!r} is not valid JSON: {exc.msg} at line {exc.lineno}."
            ) from exc
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise SchemaError(
            f"Cannot read schema {spec!r}.",
            hint="use module:Model, path/to/models.py:Model, or schema.json",
        )
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            if not path.is_file():
                raise SchemaError(f"Schema module file {module_name!r} does not exist.")
            mod_spec = importlib.util.spec_from_file_location(f"_portkit_schema_{path.stem}", path)
            assert mod_spec is not None
            assert mod_spec.loader is not None
            module = importlib.util.module_from_spec(mod_spec)
            sys.modules[mod_spec.name] = module  # pydantic resolves forward references through sys.modules
            mod_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except SchemaError:
        raise
    except Exception as exc:  # the user's module failed to import: say which and why, no traceback
        raise SchemaError(f"Importing {module_name!r} failed: {type(exc).__name__}: {exc}") from exc
    try:
        return getattr(module, attr)
    except AttributeError as exc:
        raise SchemaError(f"{module_name!r} has no attribute {attr!r}.") from exc


def _body(ported: Any, engine: str) -> dict[str, Any]:
    builders = {
        "vllm": ported.to_vllm,
        "openai": ported.to_openai,
        "sglang": ported.to_sglang,
        "ollama": ported.to_ollama,
        "llama-cpp": ported.to_llama_cpp,
    }
    result: dict[str, Any] = builders[engine]()
    return result


def _summarise_ids(body: dict[str, Any]) -> dict[str, Any]:
    out = dict(body)
    for key in ("prompt", "input_ids"):
        value = out.get(key)
        if isinstance(value, list) and len(value) > 12:
            out[key] = f"[{len(value)} token ids: {', '.join(map(str, value[:8]))}, …]"
    return out


def run(args: argparse.Namespace) -> int:
    from portkit.port import port_prompt

    prompt_path = Path(args.prompt)
    if not prompt_path.is_file():
        raise PortkitError(
            f"Prompt file {args.prompt!r} does not exist.", hint="pass a .txt/.md prompt or a .json request"
        )
    schema = load_schema(args.schema) if args.schema else None
    thinking = {"auto": None, "on": True, "off": False}[args.thinking]
    ported = port_prompt(
        prompt_path,
        target=args.target,
        schema=schema,
        user=args.user,
        budget=args.budget,
        max_examples=args.max_examples,
        thinking=thinking,
        task=args.task,
        uncertain=args.uncertain,
        fewshot=not args.no_fewshot,
        chat_template=args.chat_template,
    )
    body = _body(ported, args.engine)
    if args.output_format == "json":
        json.dump(
            {
                "target": ported.target.name,
                "text": ported.text,
                "messages": list(ported.messages),
                "token_ids": list(ported.token_ids) if ported.token_ids is not None else None,
                "stop_token_ids": list(ported.stop_token_ids),
                "max_tokens": ported.max_tokens,
                "engine": args.engine,
                "request": body,
                "report": ported.report.to_dict(),
            },
            sys.stdout,
            indent=2,
            ensure_ascii=False,
        )
        print()
        return 0
    print(f"=== prompt rendered by {ported.target.name}'s official chat template ===")
    print(ported.text)
    print(f"=== {args.engine} request ===")
    print(json.dumps(_summarise_ids(body), indent=2, ensure_ascii=False))
    print("=== report ===")
    print(ported.report.to_text())
    return 0
