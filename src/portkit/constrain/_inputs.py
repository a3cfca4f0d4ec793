"""Turn what the user passes (a Pydantic type, a JSON Schema, Claude tools) into one JSON Schema."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from portkit.errors import SchemaError

__all__ = ["SourceSchema", "to_json_schema", "tool_envelope"]


@dataclass(frozen=True, slots=True)
class SourceSchema:
    schema: dict[str, Any]  # what gets normalised (tools wrapped in envelopes)
    user_schema: dict[str, Any]  # what parse() validates against
    kind: Literal["model", "schema", "tools"]
    name: str
    python_type: Any = None
    tools: tuple[Mapping[str, Any], ...] = ()


def tool_envelope(tool: Mapping[str, Any]) -> dict[str, Any]:
    """``{"name": <const>, "arguments": <input_schema>}``, the call shape open models are trained on."""
    envelope: dict[str, Any] = {
        "type": "object",
        "properties": {"name": {"const": tool["name"]}, "arguments": dict(tool["input_schema"])},
        "required": ["name", "arguments"],
        "additionalProperties": False,
    }
    if tool.get("description"):
        envelope["description"] = str(tool["description"])
    return envelope


def _check_tools(tools: Sequence[Any]) -> tuple[Mapping[str, Any], ...]:
    if not tools:
        raise SchemaError("The list of tools is empty.", hint="pass at least one tool definition")
    seen: set[str] = set()
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping) or not isinstance(tool.get("name"), str):
            raise SchemaError(
                f"Tool {i} is not an Anthropic tool definition: {tool!r}.",
                schema_path=f"/{i}",
                hint='each tool needs {"name": ..., "description": ..., "input_schema": {...}}',
            )
        if not isinstance(tool.get("input_schema"), Mapping):
            hint = (
                "this looks like an OpenAI tool; pass its function's parameters as input_schema"
                if ("function" in tool or "parameters" in tool)
                else 'add "input_schema": {"type": "object", ...}'
            )
            raise SchemaError(f"Tool {tool['name']!r} has no input_schema.", schema_path=f"/{i}", hint=hint)
        if tool["name"] in seen:
            raise SchemaError(f"Two tools are named {tool['name']!r}.", schema_path=f"/{i}/name")
        seen.add(tool["name"])
    return tuple(tools)


def _hoist_defs(envelopes: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Move each tool's own $defs to the root; refs keep working because they are root-relative."""
    defs: dict[str, Any] = {}
    out = []
    for env in envelopes:
        args = dict(env["properties"]["arguments"])
        for key in ("$defs", "definitions"):
            for name, body in (args.pop(key, None) or {}).items():
                if name in defs and defs[name] != body:
                    raise SchemaError(
                        f"Two tools define {name!r} differently under {key}.",
                        hint="rename one of the definitions",
                    )
                defs[name] = body
        out.append({**env, "properties": {**env["properties"], "arguments": args}})
    return out, defs


def to_json_schema(schema: Any) -> SourceSchema:
    """Resolve ``schema`` (see :func:`~portkit.constrain.compile_schema`) to a JSON Schema."""
    if isinstance(schema, Mapping):
        if "input_schema" in schema and "name" in schema:
            return to_json_schema([schema])
        user = dict(schema)
        return SourceSchema(user, user, "schema", str(user.get("title") or "response"))
    if isinstance(schema, Sequence) and not isinstance(schema, (str, bytes)):
        tools = _check_tools(schema)
        envelopes, defs = _hoist_defs([tool_envelope(t) for t in tools])
        root: dict[str, Any] = envelopes[0] if len(envelopes) == 1 else {"anyOf": envelopes}
        if defs:
            root = {**root, "$defs": defs}
        return SourceSchema(root, root, "tools", "tool_call", tools=tools)
    if isinstance(schema, type) or hasattr(schema, "__origin__") or hasattr(schema, "__metadata__"):
        from pydantic import TypeAdapter
        from pydantic.errors import PydanticUserError

        try:
            adapter: Any = TypeAdapter(schema)
            js = adapter.json_schema()
        except (PydanticUserError, TypeError, ValueError) as exc:
            raise SchemaError(
                f"Pydantic cannot build a JSON Schema for {schema!r}: {exc}",
                hint="pass a Pydantic model, a type Pydantic understands, or a JSON Schema dict",
            ) from exc
        name = getattr(schema, "__name__", None) or str(js.get("title") or "response")
        return SourceSchema(js, js, "model", name, python_type=adapter)
    raise SchemaError(
        f"Cannot compile {schema!r}: expected a Pydantic model, a JSON Schema dict, or a list of tools.",
        hint="pass a Pydantic model class, a dict, or Anthropic tool definitions",
    )
