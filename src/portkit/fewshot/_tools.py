"""Tool definitions pasted into a Claude prompt, recognised so that they travel as ``tools``.

Claude's consumer prompts carry their tools inline: ``<functions><function>{json}</function>…``,
a ``{"functions": [...]}`` body, or one JSON object per code block. An open model's chat template
renders tools in the format the model was trained on, so a port moves them out of the system
prompt into the request's ``tools`` instead of leaving JSON prose for the model to read.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["TOOL_CONTAINERS", "as_tool", "load_json", "parse_tools"]

# element names (the part after any namespace) that hold tool definitions
TOOL_CONTAINERS = frozenset(["functions", "function", "tools", "tool"])
_NAME = re.compile(r"[A-Za-z_][\w.\-]{0,127}")


def as_tool(obj: object) -> dict[str, Any] | None:
    """The OpenAI-shaped definition of one tool written in Claude, OpenAI or function-calling JSON.

    A tool needs a name and a JSON schema for its input (``input_schema`` or ``parameters``);
    anything else is not a tool definition and gives None.

    Examples:
        >>> as_tool({"name": "get_weather", "input_schema": {"type": "object"}})
        {'type': 'function', 'function': {'name': 'get_weather', 'parameters': {'type': 'object'}}}
        >>> as_tool({"name": "get_weather"}) is None
        True
    """
    if not isinstance(obj, dict):
        return None
    spec: dict[str, Any] = obj
    if spec.get("type") == "function" and isinstance(spec.get("function"), dict):
        spec = spec["function"]
    name = spec.get("name")
    schema = spec.get("input_schema", spec.get("parameters"))
    if not isinstance(name, str) or not _NAME.fullmatch(name) or not isinstance(schema, dict):
        return None
    fn: dict[str, Any] = {"name": name}
    if isinstance(spec.get("description"), str):
        fn["description"] = spec["description"]
    fn["parameters"] = schema
    return {"type": "function", "function": fn}


def load_json(text: str) -> Any:
    """The JSON object or array ``text`` holds, or None.

    Raw newlines inside strings are accepted: prompts copied from a rendered page often carry them.
    """
    body = text.strip()
    if not body.startswith(("{", "[")):
        return None
    try:
        return json.loads(body, strict=False)
    except ValueError:
        return None


def parse_tools(text: str) -> list[dict[str, Any]] | None:
    """The tools in a JSON text holding one tool, a list of tools or ``{"functions"|"tools": [...]}``.

    None unless the whole text is JSON and every item in it is a tool: a JSON example that
    happens to have a ``name`` stays where it is.

    Examples:
        >>> [t["function"]["name"] for t in parse_tools('{"functions": [{"name": "a", "parameters": {}}]}')]
        ['a']
        >>> parse_tools('{"name": "Ada", "age": 36}') is None
        True
    """
    data = load_json(text)
    if isinstance(data, dict) and len(data) == 1:
        ((key, value),) = data.items()
        if key in ("functions", "tools") and isinstance(value, list):
            data = value
    items = data if isinstance(data, list) else [data]
    tools = [as_tool(item) for item in items]
    if not tools or any(t is None for t in tools):
        return None
    return [t for t in tools if t is not None]
