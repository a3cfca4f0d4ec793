"""Request fields for inference servers, built from one :class:`Constraint`.

Each builder returns a dict to merge into the request body (with the OpenAI client: into
``extra_body`` for fields outside OpenAI's API). All of them send the *normalised* schema, so the
server enforces the same caps and closed objects that ``Constraint.max_tokens`` is computed from.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from portkit.errors import SchemaError

if TYPE_CHECKING:
    from portkit.constrain._constraint import Constraint

__all__ = [
    "VLLM_STRUCTURED_OUTPUTS_SINCE",
    "openai_tools",
    "to_llama_cpp",
    "to_ollama",
    "to_openai",
    "to_sglang",
    "to_vllm",
]

# vLLM 0.10.2 introduced `structured_outputs`; 0.12.0 removed `guided_json` (and silently ignores it).
VLLM_STRUCTURED_OUTPUTS_SINCE = (0, 10, 2)
_NAME = re.compile(r"[^a-zA-Z0-9_-]")


def _schema_name(c: Constraint[Any]) -> str:
    # OpenAI: a-z, A-Z, 0-9, underscores and dashes, at most 64 characters
    return (_NAME.sub("_", c.name) or "response")[:64]


def _whitespace_pattern(c: Constraint[Any]) -> str | None:
    k = c.report.caps.max_whitespace
    return f"[ \\n]{{0,{k}}}" if k > 0 else None


def _with_guidance_options(c: Constraint[Any]) -> dict[str, Any]:
    """The schema plus llguidance's own options, read by vLLM's and SGLang's guidance backends."""
    from portkit.constrain._engines import llg_options, needs_unicode_escapes

    options = llg_options(c.report.caps.max_whitespace, unicode_escapes=needs_unicode_escapes(c.json_schema))
    return {**c.json_schema, "x-guidance": options}


def openai_tools(c: Constraint[Any]) -> list[dict[str, Any]]:
    """The Claude tools in OpenAI ``tools`` shape (``{"type": "function", "function": {...}}``)."""
    if c.kind != "tools":
        raise SchemaError(
            f"This constraint was compiled from a {c.kind}, not from tools.",
            hint="use to_openai() for a response_format",
        )
    envelopes = c.json_schema.get("anyOf", [c.json_schema])
    defs = c.json_schema.get("$defs")
    out = []
    for tool in c.tools:
        params = next(
            (
                e["properties"]["arguments"]
                for e in envelopes
                if isinstance(e, dict)
                and e.get("properties", {}).get("name", {}).get("const") == tool["name"]
            ),
            dict(tool["input_schema"]),
        )
        if defs:
            params = {**params, "$defs": defs}
        function: dict[str, Any] = {"name": tool["name"], "parameters": params, "strict": True}
        if tool.get("description"):
            function["description"] = str(tool["description"])
        out.append({"type": "function", "function": function})
    return out


def to_openai(c: Constraint[Any], *, strict: bool = True) -> dict[str, Any]:
    """Chat Completions fields: ``response_format`` (json_schema), or ``tools`` + ``tool_choice``.

    Targets the OpenAI Chat Completions API as the ``openai`` Python client (>= 1.50) types it, which
    vLLM, SGLang, llama.cpp server, LM Studio and TGI accept. Tool choice is ``"required"`` for
    several tools (the model must call one) and the named function for a single tool.
    """
    if c.kind == "tools":
        tools = openai_tools(c)
        if len(tools) == 1:
            choice: Any = {"type": "function", "function": {"name": tools[0]["function"]["name"]}}
        else:
            choice = "required"
        return {"tools": tools, "tool_choice": choice}
    schema = c.json_schema
    return {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": _schema_name(c), "schema": schema, "strict": strict},
        }
    }


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = re.findall(r"\d+", version)[:3]
    if not parts:
        raise SchemaError(f"Cannot read the vLLM version {version!r}.", hint="pass e.g. version='0.12'")
    return tuple(int(p) for p in parts)


def to_vllm(c: Constraint[Any], *, version: str = "0.12") -> dict[str, Any]:
    """vLLM extra fields, version-aware, for ``/v1/completions`` and ``/v1/chat/completions``.

    From vLLM 0.10.2 on: ``{"structured_outputs": {"json": schema}}`` (the only field 0.12+ reads;
    0.12 silently ignores ``guided_json``). Before: ``guided_json`` and
    ``guided_whitespace_pattern``. For Claude tools the schema is the choice over call envelopes
    (``{"name", "arguments"}``), which works on a raw-prompt completion; for vLLM's own tool calling
    on the chat endpoint use :func:`to_openai` instead.
    """
    schema = _with_guidance_options(c)
    ws = _whitespace_pattern(c)
    if _version_tuple(version) >= VLLM_STRUCTURED_OUTPUTS_SINCE:
        params: dict[str, Any] = {"json": schema}
        if ws is not None:
            params["whitespace_pattern"] = ws
        return {"structured_outputs": params}
    out: dict[str, Any] = {"guided_json": schema}
    if ws is not None:
        out["guided_whitespace_pattern"] = ws
    return out


def to_sglang(c: Constraint[Any]) -> dict[str, Any]:
    """SGLang (>= 0.4) native ``/generate`` sampling parameter: ``{"json_schema": "<schema as a string>"}``.

    Merge it into ``sampling_params``. Start SGLang with ``--grammar-backend llguidance`` for the same
    enforcement as portkit (the schema carries ``x-guidance`` options for it). SGLang's
    OpenAI-compatible server takes :func:`to_openai` instead.
    """
    return {"json_schema": json.dumps(_with_guidance_options(c), ensure_ascii=False)}


def to_ollama(c: Constraint[Any]) -> dict[str, Any]:
    """Ollama (>= 0.5) ``/api/chat`` and ``/api/generate`` field ``format``: the JSON Schema itself.

    Ollama turns the schema into a llama.cpp grammar; tools are sent as a ``format`` over the call
    envelopes (``{"name", "arguments"}``), since Ollama cannot force a tool call.
    """
    return {"format": c.json_schema}


def to_llama_cpp(c: Constraint[Any]) -> dict[str, Any]:
    """llama.cpp server (b4000 and later) field ``json_schema``, for ``/completion`` and ``/v1/chat/completions``.

    The server converts the schema to a GBNF grammar itself. Tools are sent as a schema over the
    call envelopes (``{"name", "arguments"}``).
    """
    return {"json_schema": c.json_schema}
