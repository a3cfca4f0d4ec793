"""Anthropic Messages requests (or OpenAI-style messages) to the OpenAI message shape chat templates read.

This step knows nothing of the target: it only converts, validates and records what it changed.
The template-dependent adaptations (system folding, merged turns, stringified arguments…) happen
in :mod:`portkit.template._render` once the probe says what the template accepts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from portkit.errors import RequestError, UnsupportedContentError

__all__ = ["Adaptation", "Conversation", "Converted", "SourceText", "convert", "convert_request"]


@dataclass(frozen=True, slots=True)
class Adaptation:
    """One thing portkit changed, or one thing the template does silently, reported to the user.

    Attributes:
        kind: a stable kebab-case name (``"system-merged-into-user"``; docs/render.md lists them all).
        what: what happened, with the values involved.
        why: why it was necessary or why it matters.
        message_index: index of the request message concerned (None: the request as a whole,
            its system prompt or its tools).
    """

    kind: str
    what: str
    why: str
    message_index: int | None = None


class SourceText(NamedTuple):
    """A piece of request text that must appear in the rendered output.

    A named tuple rather than a frozen dataclass: one is made for every piece of text of every
    request, and a frozen dataclass pays a guarded attribute write per field (three times the cost
    of the whole tuple). It is immutable all the same.
    """

    message_index: int | None
    field: str
    text: str


@dataclass(frozen=True, slots=True)
class Conversation:
    """A request converted to OpenAI-style messages, before any template-specific adaptation.

    Attributes:
        messages: OpenAI-style messages (``content`` a string, or a list of text parts when a
            message had several text blocks).
        origins: for each message, the index of the request message it came from (None: system).
        tools: tool definitions in OpenAI shape (``{"type": "function", "function": {...}}``).
        tool_choice: ``"auto"``, ``"required"``, ``"none"``, ``{"type": "function", "function": {"name": …}}`` or None.
        stop_sequences: the request's stop sequences.
        thinking: True/False when the request sets ``thinking``, None when it does not.
        thinking_budget: ``budget_tokens`` of an enabled ``thinking``.
        adaptations: what the conversion changed.
        texts: every piece of request text, to check that the template rendered it.
    """

    messages: tuple[dict[str, Any], ...]
    origins: tuple[int | None, ...]
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: str | dict[str, Any] | None = None
    stop_sequences: tuple[str, ...] = ()
    thinking: bool | None = None
    thinking_budget: int | None = None
    adaptations: tuple[Adaptation, ...] = ()
    texts: tuple[SourceText, ...] = field(default=(), repr=False)


_MEDIA_HINT = (
    "portkit renders text only: describe the image or document in a text block, or render it with the "
    "model's own multimodal processor"
)
_SERVER_BLOCKS = (
    "server_tool_use",
    "web_search_tool_result",
    "web_fetch_tool_result",
    "code_execution_tool_result",
    "bash_code_execution_tool_result",
    "text_editor_code_execution_tool_result",
    "mcp_tool_use",
    "mcp_tool_result",
    "container_upload",
    "search_result",
)


class _Builder:
    __slots__ = ("adaptations", "cache_control_seen", "messages", "origins", "texts", "tool_names")

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.origins: list[int | None] = []
        self.adaptations: list[Adaptation] = []
        self.texts: list[SourceText] = []
        self.tool_names: dict[str, str] = {}
        self.cache_control_seen = False

    def add(self, message: dict[str, Any], origin: int | None) -> None:
        self.messages.append(message)
        self.origins.append(origin)

    def adapt(self, kind: str, what: str, why: str, index: int | None = None) -> None:
        self.adaptations.append(Adaptation(kind, what, why, index))

    def text(self, index: int | None, where: str, text: str) -> None:
        if text.strip():
            self.texts.append(SourceText(index, where, text))


def _require_str(value: Any, path: str, what: str) -> str:
    if not isinstance(value, str):
        raise RequestError(f"{what} at {path} must be a string, not {type(value).__name__}.", path=path)
    return value


def _block_type(block: Any, path: str) -> str:
    if type(block) is not dict and not isinstance(block, Mapping):
        raise RequestError(
            f"Content block {path} must be an object with a 'type', not {type(block).__name__}.",
            path=path,
            hint='write text as {"type": "text", "text": "..."}',
        )
    kind = block.get("type")
    if not isinstance(kind, str):
        raise RequestError(
            f"Content block {path} has no 'type'.", path=path, hint='add "type": "text" (or tool_use, …)'
        )
    return kind


def _unsupported(kind: str, path: str) -> UnsupportedContentError:
    if kind in ("image", "document"):
        return UnsupportedContentError(
            f"Content block {path} is of type {kind!r}, which a text chat template cannot carry.",
            block_type=kind,
            path=path,
            hint=_MEDIA_HINT,
        )
    if kind in _SERVER_BLOCKS:
        return UnsupportedContentError(
            f"Content block {path} is an Anthropic server-tool block ({kind!r}); open models have no such tool.",
            block_type=kind,
            path=path,
            hint="replace it with a client tool (tool_use/tool_result) or with the text of its result",
        )
    return UnsupportedContentError(
        f"Unknown content block type {kind!r} at {path}.",
        block_type=kind,
        path=path,
        hint="use text, tool_use, tool_result, thinking or document (text source) blocks",
    )


def _document_text(block: Mapping[str, Any], path: str) -> str | None:
    """The text of a plain-text document block, or None when it carries binary data (PDF, URL)."""
    source = block.get("source")
    if not isinstance(source, Mapping):
        return None
    body: str | None = None
    if source.get("type") == "text" and isinstance(source.get("data"), str):
        body = source["data"]
    elif source.get("type") == "content" and isinstance(source.get("content"), list):
        parts = []
        for i, b in enumerate(source["content"]):
            if _block_type(b, f"{path}.source.content[{i}]") != "text":
                return None
            parts.append(_require_str(b.get("text"), f"{path}.source.content[{i}].text", "Text"))
        body = "\n\n".join(parts)
    elif isinstance(source.get("content"), str):
        body = source["content"]
    if body is None:
        return None
    title = block.get("title")
    context = block.get("context")
    head = [h for h in (title, context) if isinstance(h, str) and h.strip()]
    return "\n\n".join([*head, body])


def _tool_result_content(block: Mapping[str, Any], path: str, b: _Builder, index: int) -> str:
    content = block.get("content", "")
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        parts = []
        for i, sub in enumerate(content):
            sub_path = f"{path}.content[{i}]"
            kind = _block_type(sub, sub_path)
            if kind == "text":
                parts.append(_require_str(sub.get("text"), f"{sub_path}.text", "Text"))
            elif kind == "document" and (doc := _document_text(sub, sub_path)) is not None:
                parts.append(doc)
                b.adapt(
                    "document-as-text",
                    f"the text document at {sub_path} became plain text",
                    "chat templates carry text only",
                    index,
                )
            else:
                raise _unsupported(kind, sub_path)
        text = "\n\n".join(parts)
        if len(parts) > 1:
            b.adapt(
                "tool-result-blocks-joined",
                f"the {len(parts)} text blocks of the tool result at {path} were joined with a blank line",
                "a tool message holds one string",
                index,
            )
    else:
        raise RequestError(
            f"The content of the tool result at {path} must be a string or a list of blocks.", path=path
        )
    b.text(index, f"{path}.content", text)
    if block.get("is_error") is True:
        b.adapt(
            "tool-error-marked",
            f"the tool result at {path} is an error, so its content was prefixed with 'Error: '",
            "OpenAI-style tool messages have no is_error flag; without the prefix the model would read the error as a result",
            index,
        )
        text = "Error: " + text
    return text


def _blocks_or_add_text(
    msg: Mapping[str, Any], role: str, index: int, path: str, b: _Builder
) -> list[Any] | None:
    """A message's content blocks; plain string content is added as a message here (returns None)."""
    content = msg.get("content")
    if isinstance(content, str):
        b.text(index, f"{path}.content", content)
        b.add({"role": role, "content": content}, index)
        return None
    if not isinstance(content, list):
        raise RequestError(
            f"{path}.content must be a string or a list of content blocks.", path=f"{path}.content"
        )
    return content


def _convert_user(msg: Mapping[str, Any], index: int, b: _Builder) -> None:
    path = f"messages[{index}]"
    content = _blocks_or_add_text(msg, "user", index, path, b)
    if content is None:
        return
    texts: list[str] = []
    tool_messages: list[dict[str, Any]] = []
    text_before_result = False
    for i, block in enumerate(content):
        bpath = f"{path}.content[{i}]"
        kind = _block_type(block, bpath)
        b.cache_control_seen |= "cache_control" in block
        if kind == "text":
            texts.append(_require_str(block.get("text"), f"{bpath}.text", "Text"))
            b.text(index, f"{bpath}.text", texts[-1])
        elif kind == "tool_result":
            use_id = _require_str(block.get("tool_use_id"), f"{bpath}.tool_use_id", "tool_use_id")
            name = b.tool_names.get(use_id)
            if name is None:
                raise RequestError(
                    f"The tool result at {bpath} answers tool_use_id {use_id!r}, which no earlier tool_use block has.",
                    path=f"{bpath}.tool_use_id",
                    hint="every tool_result must follow the assistant tool_use block with the same id",
                )
            text_before_result |= bool(texts)
            result = _tool_result_content(block, bpath, b, index)
            tool_messages.append({"role": "tool", "tool_call_id": use_id, "name": name, "content": result})
        elif kind == "document" and (doc := _document_text(block, bpath)) is not None:
            texts.append(doc)
            b.text(index, f"{bpath}", doc)
            b.adapt(
                "document-as-text",
                f"the text document at {bpath} became plain text",
                "chat templates carry text only",
                index,
            )
        elif kind in ("thinking", "redacted_thinking"):
            raise RequestError(
                f"A {kind} block at {bpath} is only allowed in assistant messages.", path=bpath
            )
        else:
            raise _unsupported(kind, bpath)
    if text_before_result:
        b.adapt(
            "tool-results-first",
            f"the tool results of {path} were placed before its text",
            "chat templates expect tool messages right after the call; Anthropic's order of results is kept",
            index,
        )
    for tm in tool_messages:
        b.add(tm, index)
    if texts or not tool_messages:
        b.add({"role": "user", "content": _join_parts(texts)}, index)


def _join_parts(texts: list[str]) -> str | list[dict[str, Any]]:
    if len(texts) == 1:
        return texts[0]
    if not texts:
        return ""
    return [{"type": "text", "text": t} for t in texts]


def _convert_assistant(msg: Mapping[str, Any], index: int, b: _Builder) -> None:
    path = f"messages[{index}]"
    content = _blocks_or_add_text(msg, "assistant", index, path, b)
    if content is None:
        return
    texts: list[str] = []
    reasoning: list[str] = []
    calls: list[dict[str, Any]] = []
    for i, block in enumerate(content):
        bpath = f"{path}.content[{i}]"
        kind = _block_type(block, bpath)
        b.cache_control_seen |= "cache_control" in block
        if kind == "text":
            texts.append(_require_str(block.get("text"), f"{bpath}.text", "Text"))
            b.text(index, f"{bpath}.text", texts[-1])
        elif kind == "tool_use":
            call_id = _require_str(block.get("id"), f"{bpath}.id", "A tool_use id")
            name = _require_str(block.get("name"), f"{bpath}.name", "A tool name")
            args = block.get("input", {})
            if not isinstance(args, Mapping):
                raise RequestError(
                    f"The input of the tool_use block at {bpath} must be an object.", path=f"{bpath}.input"
                )
            b.tool_names[call_id] = name
            b.text(index, f"{bpath}.name", name)
            calls.append(
                {"id": call_id, "type": "function", "function": {"name": name, "arguments": dict(args)}}
            )
        elif kind == "thinking":
            reasoning.append(_require_str(block.get("thinking"), f"{bpath}.thinking", "Thinking"))
        elif kind == "redacted_thinking":
            b.adapt(
                "redacted-thinking-dropped",
                f"the redacted_thinking block at {bpath} was left out",
                "it is encrypted for Claude; no other model can read it",
                index,
            )
        else:
            raise _unsupported(kind, bpath)
    message: dict[str, Any] = {"role": "assistant", "content": _join_parts(texts)}
    if reasoning:
        message["reasoning_content"] = "\n\n".join(reasoning)
    if calls:
        message["tool_calls"] = calls
    b.add(message, index)


def _convert_tools(tools: Any) -> tuple[dict[str, Any], ...]:
    if tools is None:
        return ()
    if not isinstance(tools, list):
        raise RequestError("'tools' must be a list of tool definitions.", path="tools")
    out = []
    for i, tool in enumerate(tools):
        path = f"tools[{i}]"
        if not isinstance(tool, Mapping):
            raise RequestError(f"{path} must be an object.", path=path)
        kind = tool.get("type")
        if kind == "function" and isinstance(tool.get("function"), Mapping):  # already OpenAI-shaped
            fn = tool["function"]
            _require_str(fn.get("name"), f"{path}.function.name", "A tool name")
            out.append({"type": "function", "function": dict(fn)})
            continue
        if kind not in (None, "custom"):
            raise UnsupportedContentError(
                f"{path} is an Anthropic server tool ({kind!r}); open models have no such tool.",
                block_type=str(kind),
                path=path,
                hint="define it as a client tool with a name, description and input_schema",
            )
        name = _require_str(tool.get("name"), f"{path}.name", "A tool name")
        schema = tool.get("input_schema", {"type": "object", "properties": {}})
        if not isinstance(schema, Mapping):
            raise RequestError(
                f"{path}.input_schema must be a JSON schema object.", path=f"{path}.input_schema"
            )
        fn_def: dict[str, Any] = {"name": name}
        if isinstance(tool.get("description"), str):
            fn_def["description"] = tool["description"]
        fn_def["parameters"] = dict(schema)
        out.append({"type": "function", "function": fn_def})
    return tuple(out)


def _convert_tool_choice(choice: Any, tools: tuple[dict[str, Any], ...]) -> str | dict[str, Any] | None:
    if choice is None:
        return None
    if isinstance(choice, str) and choice in ("auto", "required", "none"):
        return choice
    if not isinstance(choice, Mapping):
        raise RequestError('\'tool_choice\' must be an object such as {"type": "auto"}.', path="tool_choice")
    kind = choice.get("type")
    if kind == "auto":
        return "auto"
    if kind == "any":
        return "required"
    if kind == "none":
        return "none"
    if kind in ("tool", "function"):
        name = choice.get("name") or (choice.get("function") or {}).get("name")
        names = {t["function"]["name"] for t in tools}
        if not isinstance(name, str) or name not in names:
            raise RequestError(
                f"tool_choice forces the tool {name!r}, which is not among the request's tools {sorted(names)!r}.",
                path="tool_choice.name",
            )
        return {"type": "function", "function": {"name": name}}
    raise RequestError(
        f"Unknown tool_choice type {kind!r}.", path="tool_choice.type", hint="use auto, any, tool or none"
    )


def _convert_thinking(value: Any) -> tuple[bool | None, int | None]:
    if value is None:
        return None, None
    if isinstance(value, bool):
        return value, None
    if not isinstance(value, Mapping):
        raise RequestError(
            '\'thinking\' must be an object such as {"type": "enabled", "budget_tokens": 2048}.',
            path="thinking",
        )
    kind = value.get("type")
    if kind == "disabled":
        return False, None
    if kind in ("enabled", "adaptive"):
        budget = value.get("budget_tokens")
        return True, budget if isinstance(budget, int) else None
    raise RequestError(
        f"Unknown thinking type {kind!r}.", path="thinking.type", hint="use enabled or disabled"
    )


def _system_text(system: Any, b: _Builder, *, path: str = "system", index: int | None = None) -> str | None:
    if system is None:
        return None
    if isinstance(system, str):
        b.text(index, path, system)
        return system
    if not isinstance(system, list):
        raise RequestError(f"{path!r} must be a string or a list of text blocks.", path=path)
    parts = []
    for i, block in enumerate(system):
        bpath = f"{path}[{i}]"
        kind = _block_type(block, bpath)
        if kind != "text":
            raise _unsupported(kind, bpath)
        b.cache_control_seen |= "cache_control" in block
        parts.append(_require_str(block.get("text"), f"{bpath}.text", "Text"))
        b.text(index, f"{bpath}.text", parts[-1])
    if len(parts) > 1:
        b.adapt(
            "system-blocks-joined",
            f"the {len(parts)} system blocks of {path} were joined with a blank line",
            "chat templates take one system string",
            index,
        )
    return "\n\n".join(parts)


def _is_openai(request: Mapping[str, Any]) -> bool:
    msgs = request.get("messages")
    if isinstance(msgs, list):
        for m in msgs:
            if (type(m) is dict or isinstance(m, Mapping)) and (
                m.get("role") in ("developer", "tool") or "tool_calls" in m
            ):
                return True
    tools = request.get("tools")
    return isinstance(tools, list) and any(
        isinstance(t, Mapping) and t.get("type") == "function" for t in tools
    )


def _convert_openai_messages(messages: Sequence[Any], b: _Builder) -> None:
    for index, msg in enumerate(messages):
        path = f"messages[{index}]"
        if type(msg) is not dict and not isinstance(msg, Mapping):
            raise RequestError(f"{path} must be an object with 'role' and 'content'.", path=path)
        role = msg.get("role")
        if role not in ("system", "developer", "user", "assistant", "tool"):
            raise RequestError(
                f"{path} has role {role!r}.", path=f"{path}.role", hint="use system, user, assistant or tool"
            )
        out: dict[str, Any] = {"role": "system" if role == "developer" else role}
        if role == "developer":
            b.adapt(
                "developer-as-system",
                f"the developer message {path} became a system message",
                "chat templates know the system role",
                index,
            )
        content = msg.get("content")
        if content is None:
            content = ""
        if isinstance(content, list):
            texts = []
            for i, part in enumerate(content):
                ppath = f"{path}.content[{i}]"
                kind = _block_type(part, ppath)
                if kind != "text":
                    raise _unsupported("image" if kind in ("image_url", "input_audio") else kind, ppath)
                texts.append(_require_str(part.get("text"), f"{ppath}.text", "Text"))
                b.text(index, f"{ppath}.text", texts[-1])
            content = _join_parts(texts)
        elif isinstance(content, str):
            b.text(index, f"{path}.content", content)
        else:
            raise RequestError(f"{path}.content must be a string or a list of parts.", path=f"{path}.content")
        out["content"] = content
        if role == "tool":
            out["tool_call_id"] = _require_str(
                msg.get("tool_call_id"), f"{path}.tool_call_id", "tool_call_id"
            )
            name = msg.get("name") or b.tool_names.get(out["tool_call_id"])
            if name:
                out["name"] = name
        if role == "assistant":
            for key in ("reasoning_content", "reasoning", "thinking"):
                if isinstance(msg.get(key), str):
                    out["reasoning_content"] = msg[key]
                    break
            calls = msg.get("tool_calls")
            if calls:
                if not isinstance(calls, list):
                    raise RequestError(f"{path}.tool_calls must be a list.", path=f"{path}.tool_calls")
                out["tool_calls"] = [
                    _openai_call(c, f"{path}.tool_calls[{i}]", b) for i, c in enumerate(calls)
                ]
        b.add(out, index)


def _openai_call(call: Any, path: str, b: _Builder) -> dict[str, Any]:
    if not isinstance(call, Mapping) or not isinstance(call.get("function"), Mapping):
        raise RequestError(
            f"{path} must be {{'id', 'type': 'function', 'function': {{'name', 'arguments'}}}}.", path=path
        )
    fn = call["function"]
    name = _require_str(fn.get("name"), f"{path}.function.name", "A tool name")
    args = fn.get("arguments", {})
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError as exc:
            raise RequestError(
                f"The arguments at {path} are not valid JSON: {exc}.", path=f"{path}.function.arguments"
            ) from exc
    if not isinstance(args, Mapping):
        raise RequestError(
            f"The arguments at {path} must be a JSON object.", path=f"{path}.function.arguments"
        )
    call_id = call.get("id")
    call_id = call_id if isinstance(call_id, str) else f"call_{len(b.tool_names)}"
    b.tool_names[call_id] = name
    b.text(None, f"{path}.function.name", name)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": dict(args)}}


def _convert_plain_turns(messages: list[Any], b: _Builder) -> bool:
    """Convert a conversation of plain turns (``{"role": "user"|"assistant", "content": str}``,
    nothing else), which an Anthropic and an OpenAI request write alike. False, with nothing
    added, when some message has another shape: the caller converts it the general way."""
    count, texts = len(b.messages), len(b.texts)
    for index, msg in enumerate(messages):
        if type(msg) is not dict or len(msg) != 2:
            break
        role = msg.get("role")
        content = msg.get("content")
        if type(content) is not str or (role != "user" and role != "assistant"):
            break
        if content.strip():
            b.texts.append(SourceText(index, f"messages[{index}].content", content))
        b.messages.append({"role": role, "content": content})
        b.origins.append(index)
    else:
        return True
    # Undo: the general converters start from the first message (the system prompt stays).
    del b.messages[count:]
    del b.origins[count:]
    del b.texts[texts:]
    return False


class Converted(NamedTuple):
    """What :func:`convert_request` returns, as a named tuple: render() converts every request it
    is given, and building the frozen :class:`Conversation` costs more than a short conversion."""

    messages: tuple[dict[str, Any], ...]
    origins: tuple[int | None, ...]
    tools: tuple[dict[str, Any], ...]
    tool_choice: str | dict[str, Any] | None
    stop_sequences: tuple[str, ...]
    thinking: bool | None
    thinking_budget: int | None
    adaptations: tuple[Adaptation, ...]
    texts: tuple[SourceText, ...]


def convert_request(request: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Conversation:
    """Convert an Anthropic Messages request (or OpenAI-style messages) to OpenAI-style messages.

    This is the template-independent half of :func:`portkit.template.render`; it records every
    change it makes as an :class:`Adaptation`.

    Args:
        request: an Anthropic Messages request (``system``, ``messages``, ``tools``,
            ``tool_choice``, ``stop_sequences``, ``thinking``), an OpenAI chat request (a dict with
            OpenAI ``messages``), or a plain list of OpenAI-style messages.

    Returns:
        The converted :class:`Conversation`.

    Raises:
        RequestError: the request is malformed (``.path`` locates the offending part).
        UnsupportedContentError: a block portkit cannot carry as text (image, PDF, server tools).
    """
    return Conversation(*convert(request))


def convert(request: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Converted:
    """:func:`convert_request` as a :class:`Converted` tuple (same fields, same errors)."""
    b = _Builder()
    # Exact types first: an ABC isinstance check costs more than converting a short message.
    if type(request) is not dict and isinstance(request, Sequence) and not isinstance(request, str | bytes):
        messages: Any = list(request)
        req: Mapping[str, Any] = {}
        openai = True
    elif type(request) is dict or isinstance(request, Mapping):
        req = request
        messages = req.get("messages")
        openai = None  # Anthropic or OpenAI: asked only when a message is not in the common shape
    else:
        raise RequestError(
            f"A request must be an Anthropic Messages object or a list of messages, not {type(request).__name__}.",
            hint='pass {"system": ..., "messages": [...]} or [{"role": "user", "content": "..."}]',
        )
    if not isinstance(messages, list) or not messages:
        raise RequestError(
            "The request has no messages.", path="messages", hint="add at least one user message"
        )
    tools_in = req.get("tools")
    tools = _convert_tools(tools_in) if tools_in is not None else ()
    # Both shapes put the system prompt first; an absent one is None either way.
    system = _system_text(req.get("system"), b)
    if system is not None:
        b.add({"role": "system", "content": system}, None)
    if _convert_plain_turns(messages, b):
        pass  # {"role": user|assistant, "content": str} only: both shapes convert it alike
    elif openai or (openai is None and _is_openai(req)):
        _convert_openai_messages(messages, b)
    else:
        for index, msg in enumerate(messages):
            if type(msg) is not dict and not isinstance(msg, Mapping):
                path = f"messages[{index}]"
                raise RequestError(f"{path} must be an object with 'role' and 'content'.", path=path)
            role = msg.get("role")
            content = msg.get("content")
            if type(content) is str and (role == "user" or role == "assistant"):
                # The common shape, converted here as _convert_user/_convert_assistant would.
                if content.strip():
                    b.texts.append(SourceText(index, f"messages[{index}].content", content))
                b.messages.append({"role": role, "content": content})
                b.origins.append(index)
            elif role == "user":
                _convert_user(msg, index, b)
            elif role == "assistant":
                _convert_assistant(msg, index, b)
            elif role == "system":
                # Not Anthropic, but common in ported code: kept in place, folded per the template.
                text = _system_text(msg.get("content"), b, path=f"messages[{index}].content", index=index)
                b.add({"role": "system", "content": text or ""}, index)
            else:
                raise RequestError(
                    f"messages[{index}] has role {role!r}; an Anthropic request has only user and assistant messages.",
                    path=f"messages[{index}].role",
                    hint="put system text in the top-level 'system' field",
                )
    for i, tool in enumerate(tools):
        fn = tool["function"]
        b.text(None, f"tools[{i}].name", fn["name"])
    if b.cache_control_seen:
        b.adapt(
            "cache-control-ignored",
            "cache_control markers were ignored",
            "prompt caching is a property of the serving engine (vLLM prefix caching, llama.cpp slots), not of the prompt",
        )
    stops = req.get("stop_sequences", req.get("stop")) or ()
    if stops:
        if isinstance(stops, str):
            stops = (stops,)
        if not isinstance(stops, list | tuple) or not all(isinstance(s, str) for s in stops):
            raise RequestError("'stop_sequences' must be a list of strings.", path="stop_sequences")
    thinking_in = req.get("thinking")
    thinking, budget = _convert_thinking(thinking_in) if thinking_in is not None else (None, None)
    choice = req.get("tool_choice")
    return Converted(
        tuple(b.messages),
        tuple(b.origins),
        tools,
        _convert_tool_choice(choice, tools) if choice is not None else None,
        tuple(stops),
        thinking,
        budget,
        tuple(b.adaptations),
        tuple(b.texts),
    )
