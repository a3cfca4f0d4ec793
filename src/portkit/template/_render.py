"""``render``: an Anthropic request through the target's official chat template, every change reported."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from portkit.errors import (
    ChatTemplateError,
    RequestError,
    TemplateRenderError,
    UnsupportedRoleError,
)
from portkit.targets import Target, load_target, render_template
from portkit.template._encode import (
    MarkedRequest,
    Neutralised,
    Segment,
    TokenMatcher,
    control_tokens,
    encode_segments,
    has_markers,
    mark,
    needs_marking,
    unmark,
)
from portkit.template._probe import Capabilities, prefill_shape, probe, template_variables
from portkit.template._request import Adaptation, Conversation, Converted, convert, convert_request

if TYPE_CHECKING:
    import os

__all__ = [
    "Adaptation",
    "Capabilities",
    "Conversation",
    "Neutralised",
    "RenderResult",
    "ThinkingDecision",
    "convert_request",
    "probe",
    "render",
]

_EFFORTS = ("low", "medium", "high")


@dataclass(frozen=True, slots=True)
class ThinkingDecision:
    """How reasoning was set for the target.

    Attributes:
        requested: what the request's ``thinking`` field or the ``thinking=`` option asked
            (True, False, an effort such as ``"high"``, or None for nothing).
        state: ``"on"``, ``"off"``, ``"template-default"`` (nothing asked; ``default_on`` says
            which), or ``"not-applicable"`` (the template has no reasoning mode).
        switch: how it was set: a template variable (``"enable_thinking"``, ``"thinking"``,
            ``"reasoning_effort"``), ``"empty-think-block"`` (R1-style templates that always open a
            think block), or None.
        value: the value given to the switch.
        default_on: whether the template reasons when nothing is passed (None: unknown or no mode).
    """

    requested: bool | str | None
    state: str
    switch: str | None = None
    value: Any = None
    default_on: bool | None = None


@dataclass(frozen=True, slots=True)
class RenderResult:
    """A request rendered with the target's official chat template.

    Attributes:
        text: the prompt as the template wrote it (request text verbatim, control tokens included).
        token_ids: the prompt's token ids (request text's control tokens encoded as plain text when
            ``inject_safe``), or None without a vocabulary or with ``tokenize=False``.
        stop_token_ids: ids that end the assistant turn (empty without a vocabulary).
        stop_sequences: the request's ``stop_sequences`` followed by the target's stop tokens.
        messages: the OpenAI-style messages actually given to the template, after adaptation.
        tools: the tools given to the template (OpenAI shape).
        tool_choice: the request's tool choice in OpenAI shape (templates rarely render it;
            enforce it with constrained decoding).
        template_kwargs: extra variables given to the template (``enable_thinking``, …).
        add_generation_prompt / continue_final_message: how the template was called.
        adaptations: every change portkit made and every silent template behaviour it found.
        neutralised: control tokens in request text that were encoded as plain text. With
            ``tokenize=False`` they are located but ``text`` still carries them: send ``token_ids``.
        thinking: the reasoning decision.
        capabilities: what the probe learned about the template.
        target: the target's name.
    """

    text: str
    token_ids: tuple[int, ...] | None
    stop_token_ids: tuple[int, ...]
    stop_sequences: tuple[str, ...]
    messages: tuple[Mapping[str, Any], ...]
    tools: tuple[Mapping[str, Any], ...]
    tool_choice: str | Mapping[str, Any] | None
    template_kwargs: Mapping[str, Any]
    add_generation_prompt: bool
    continue_final_message: bool
    adaptations: tuple[Adaptation, ...]
    neutralised: tuple[Neutralised, ...]
    thinking: ThinkingDecision
    capabilities: Capabilities = field(repr=False)
    target: str = ""

    def kinds(self) -> tuple[str, ...]:
        """The ``kind`` of every adaptation, in order."""
        return tuple(a.kind for a in self.adaptations)


# -- template-dependent adaptation ------------------------------------------------------------------


class _Plan:
    """Messages being adapted to one template, with their origins and the adaptations made."""

    __slots__ = (
        "adaptations",
        "caps",
        "dropped",
        "has_calls",
        "has_parts",
        "has_reasoning",
        "has_results",
        "kwargs",
        "late_system",
        "messages",
        "origins",
        "system_count",
        "target",
        "tools",
    )

    def __init__(
        self, conv: Conversation | Converted, caps: Capabilities, target: Any, *, owned: bool = False
    ) -> None:
        self.caps = caps
        self.target = target
        # Adaptation edits messages in place (content, tool calls, content lists). ``owned``: the
        # conversation was converted for this render alone (convert_request builds every level
        # fresh and never shares the caller's objects), so it is edited directly; otherwise every
        # level adaptation edits is copied first.
        self.messages: list[dict[str, Any]] = (
            list(conv.messages) if owned else [_copy_message(m) for m in conv.messages]
        )
        self.origins: list[int | None] = list(conv.origins)
        self.adaptations: list[Adaptation] = list(conv.adaptations)
        self.tools = [dict(t) for t in conv.tools]
        self.kwargs: dict[str, Any] = {}
        self.dropped: set[str] = set()
        self.survey()

    def survey(self) -> None:
        """One pass over the messages, so each adaptation below can tell at once that it has
        nothing to do. Adaptations never create what was absent here: no tool call, tool result or
        reasoning appears, a content list only comes from joining a list, merging deletes only
        user, assistant and tool messages and never moves one before the first message."""
        self.has_calls = self.has_results = self.has_reasoning = self.has_parts = False
        self.system_count = 0
        self.late_system = False  # a system message after the first message
        for i, m in enumerate(self.messages):
            role = m["role"]
            if role == "system":
                self.system_count += 1
                if i:
                    self.late_system = True
            elif role == "tool":
                self.has_results = True
            if m.get("tool_calls"):
                self.has_calls = True
            if type(m.get("content")) is list:
                self.has_parts = True
            if "reasoning_content" in m:
                self.has_reasoning = True

    def adapt(self, kind: str, what: str, why: str, index: int | None = None) -> None:
        self.adaptations.append(Adaptation(kind, what, why, index))

    # system -------------------------------------------------------------------------------------
    def fold_system(self, *, force: bool = False) -> None:
        """Merge system messages the template cannot take into a user message.

        ``force``: the template dropped the system prompt from this conversation although the probe
        saw it render (Mistral writes it only when the conversation ends with a user turn); merge
        it into the last user message, where that family puts it.
        """
        caps = self.caps
        if not self.system_count or (
            not force and caps.system_role == "supported" and (caps.system_anywhere or not self.late_system)
        ):
            i = len(self.messages)  # every system message stays where it is: nothing to fold
        else:
            i = 0
        while i < len(self.messages):
            msg = self.messages[i]
            if msg["role"] != "system":
                i += 1
                continue
            if not force and caps.system_role == "supported" and (i == 0 or caps.system_anywhere):
                i += 1
                continue
            users = [j for j in range(i + 1, len(self.messages)) if self.messages[j]["role"] == "user"]
            nxt = (users[-1] if force else users[0]) if users else None
            if nxt is None:
                raise UnsupportedRoleError(
                    f"The chat template of {self.target.name!r} has no system role here, and no user message "
                    "follows the system prompt to carry it.",
                    role="system",
                    model=self.target.name,
                    hint="add a user message after the system prompt",
                )
            text = _as_text(msg["content"])
            self.messages[nxt]["content"] = _prepend(text, self.messages[nxt]["content"])
            why = (
                "the template drops the system prompt when the conversation does not end with a user turn"
                if force
                else "the template rejects or drops the system role"
                if caps.system_role != "supported"
                else "the template accepts a system message only at the start"
            )
            self.adapt(
                "system-merged-into-user",
                f"the system prompt was put at the start of user message {self.origins[nxt]}, followed by a blank line",
                why,
                self.origins[nxt],
            )
            del self.messages[i]
            del self.origins[i]
        has_system = any(m["role"] == "system" for m in self.messages) if self.system_count else False
        if has_system and caps.system_moved:
            self.adapt(
                "template-moves-system",
                "the template writes the system prompt inside the last user turn, not at the start",
                "that is how this model was trained (Mistral); it is reported because the prompt's layout differs from Claude's",
            )
        if caps.default_system_prompt and not has_system:
            self.adapt(
                "default-system-prompt",
                f"the template inserted its own system prompt: {_short(caps.default_system_prompt)!r}",
                "the request has no system prompt, so the template's default applies; pass a system prompt to replace it",
            )

    # content ------------------------------------------------------------------------------------
    def flatten_parts(self) -> None:
        if self.caps.content_parts or not self.has_parts:
            return
        for i, msg in enumerate(self.messages):
            if isinstance(msg.get("content"), list):
                count = len(msg["content"])
                msg["content"] = _as_text(msg["content"])
                self.adapt(
                    "content-parts-joined",
                    f"the {count} text blocks of message {self.origins[i]} were joined with a blank line",
                    "the template renders only string content",
                    self.origins[i],
                )

    def merge_turns(self) -> None:
        if not self.caps.strict_alternation:
            return
        i = 1
        while i < len(self.messages):
            prev, cur = self.messages[i - 1], self.messages[i]
            if (
                cur["role"] == prev["role"]
                and cur["role"] in ("user", "assistant")
                and not (prev.get("tool_calls") and cur["role"] == "assistant")
            ):
                prev["content"] = _join(prev.get("content"), cur.get("content"))
                if cur.get("tool_calls"):
                    prev["tool_calls"] = cur["tool_calls"]
                self.adapt(
                    "turns-merged",
                    f"two consecutive {cur['role']} turns (messages {self.origins[i - 1]} and {self.origins[i]}) became one, joined with a blank line",
                    "the template requires strict user/assistant alternation",
                    self.origins[i],
                )
                del self.messages[i]
                del self.origins[i]
                continue
            i += 1

    def merge_user_after_tool(self) -> None:
        if self.caps.user_after_tool:
            return
        i = 1
        while i < len(self.messages):
            prev, cur = self.messages[i - 1], self.messages[i]
            if prev["role"] == "tool" and cur["role"] == "user":
                prev["content"] = f"{_as_text(prev.get('content'))}\n\n{_as_text(cur.get('content'))}"
                self.adapt(
                    "user-text-merged-into-tool-result",
                    f"the user text of message {self.origins[i]} was appended to the tool result before it, after a blank line",
                    "the template lets only an assistant turn follow a tool result",
                    self.origins[i],
                )
                del self.messages[i]
                del self.origins[i]
                continue
            i += 1

    # tools --------------------------------------------------------------------------------------
    def check_tools(self, tool_choice: Any) -> None:
        caps, name = self.caps, self.target.name
        # The loops below run only for conversations with tool turns (see survey()).
        has_calls, has_results = self.has_calls, self.has_results
        if self.tools and not caps.tools:
            raise ChatTemplateError(
                f"The chat template of {name!r} does not render tool definitions; the request's "
                f"{len(self.tools)} tool(s) would be dropped silently.",
                model=name,
                feature="tools",
                hint="choose a target whose template renders tools, or describe the tools in the system prompt yourself",
            )
        if has_calls and not caps.tool_calls:
            why = next((n.split(": ", 1)[1] for n in caps.notes if n.startswith("tool calls: ")), "")
            raise ChatTemplateError(
                f"The chat template of {name!r} does not render assistant tool calls"
                + (f" (probing them failed: {why})." if why else "."),
                model=name,
                feature="tool_calls",
                hint="choose a target whose template renders tool calls, or write the calls as assistant text",
            )
        if has_results and not caps.tool_role:
            raise UnsupportedRoleError(
                f"The chat template of {name!r} does not render tool results (the 'tool' role).",
                role="tool",
                model=name,
                hint="choose a target whose template renders tool results, or give the results as user text",
            )
        if has_calls and caps.tool_calls and not caps.tool_call_content:
            for i, msg in enumerate(self.messages):
                content = msg.get("content")
                text = _as_text(content)
                if msg.get("tool_calls") and text.strip():
                    msg["content"] = ""
                    # The presence check must not look for what was left out on purpose.
                    parts = [p.get("text", "") for p in content] if isinstance(content, list) else [text]
                    self.dropped.update(parts)
                    self.adapt(
                        "assistant-text-dropped-with-tool-call",
                        f"the text {_short(text, 60)!r} next to the tool call of message {self.origins[i]} was left out",
                        "the template writes a tool-call turn as the call alone, as the model was trained; the call carries the turn",
                        self.origins[i],
                    )
        if has_calls and caps.tool_arguments_as == "string":
            changed = False
            for msg in self.messages:
                for call in msg.get("tool_calls") or ():
                    fn = call["function"]
                    if not isinstance(fn["arguments"], str):
                        call["function"] = {
                            **fn,
                            "arguments": json.dumps(fn["arguments"], ensure_ascii=False),
                        }
                        changed = True
            if changed:
                self.adapt(
                    "tool-arguments-as-string",
                    "tool-call arguments were given to the template as JSON strings",
                    "this template writes the arguments field verbatim; a dict would come out as a Python repr",
                )
        if (has_calls or has_results) and caps.tool_call_id == "alnum9":
            mapping: dict[str, str] = {}
            for msg in self.messages:
                for call in msg.get("tool_calls") or ():
                    call["id"] = mapping.setdefault(call["id"], _short_id(call["id"]))
                if msg["role"] == "tool" and "tool_call_id" in msg:
                    msg["tool_call_id"] = mapping.setdefault(
                        msg["tool_call_id"], _short_id(msg["tool_call_id"])
                    )
            if mapping:
                pairs = ", ".join(f"{k!r} -> {v!r}" for k, v in mapping.items())
                self.adapt(
                    "tool-call-ids-mapped",
                    f"tool-call ids were mapped to 9-character ids: {pairs}",
                    "this family's template accepts only 9-character alphanumeric tool-call ids",
                )
        if tool_choice not in (None, "auto"):
            if "tool_choice" in template_variables(self.target.chat_template or ""):
                self.kwargs["tool_choice"] = tool_choice
            else:
                self.adapt(
                    "tool-choice-not-rendered",
                    f"tool_choice {json.dumps(tool_choice)} is kept in the result but not written into the prompt",
                    "the template has no way to express it; enforce it with constrained decoding (portkit.constrain)",
                )
        if not has_calls:
            return
        for msg in self.messages:
            # Templates test `message.content is string` or concatenate it: never None.
            if msg["role"] == "assistant" and not msg.get("content") and msg.get("tool_calls"):
                msg["content"] = ""


def _copy_message(message: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(message)
    if isinstance(out.get("content"), list):
        out["content"] = [dict(p) for p in out["content"]]
    if out.get("tool_calls"):
        out["tool_calls"] = [{**c, "function": dict(c["function"])} for c in out["tool_calls"]]
    return out


def _as_text(content: Any) -> str:
    if isinstance(content, list):
        return "\n\n".join(p.get("text", "") for p in content if isinstance(p, Mapping))
    return "" if content is None else str(content)


def _prepend(text: str, content: Any) -> Any:
    if isinstance(content, list):
        return [{"type": "text", "text": text}, *content]
    return f"{text}\n\n{content}" if content else text


def _join(a: Any, b: Any) -> Any:
    if isinstance(a, list) or isinstance(b, list):
        la = a if isinstance(a, list) else ([{"type": "text", "text": a}] if a else [])
        lb = b if isinstance(b, list) else ([{"type": "text", "text": b}] if b else [])
        return la + lb
    if not a:
        return b
    if not b:
        return a
    return f"{a}\n\n{b}"


def _short(text: str, n: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _short_id(call_id: str) -> str:
    if len(call_id) == 9 and call_id.isalnum():
        return call_id
    n = int.from_bytes(hashlib.sha256(call_id.encode("utf-8")).digest()[:8], "big")
    out = []
    for _ in range(9):
        n, r = divmod(n, len(_ALNUM))
        out.append(_ALNUM[r])
    return "".join(out)


# -- thinking ------------------------------------------------------------------------------------


def _effort(requested: bool | str | None, budget: int | None) -> str:
    if isinstance(requested, str):
        return requested
    if budget is None:
        return "medium"
    return "low" if budget < 4096 else "medium" if budget < 16384 else "high"


def _decide_thinking(
    plan: _Plan, requested: bool | str | None, budget: int | None, gp: bool
) -> tuple[ThinkingDecision, str]:
    """The decision, and text to append after the generation prompt (R1-style off switch)."""
    caps = plan.caps
    switch = caps.thinking_switch
    if requested is None:
        if switch is not None or caps.thinking_forced_open or caps.reasoning_model:
            default = True if caps.thinking_forced_open and switch is None else caps.thinking_default
            plan.adapt(
                "thinking-template-default",
                f"the request does not set thinking, so the template's default applies (reasoning {'on' if default else 'off' if default is False else 'as the template decides'})",
                "Claude does not reason unless asked; pass thinking=False (or a request 'thinking' field) to match it",
            )
            return ThinkingDecision(None, "template-default", switch, None, default), ""
        return _NOT_APPLICABLE, ""
    on = requested is not False
    if switch in ("enable_thinking", "thinking"):
        plan.kwargs[switch] = on
        why = f"{switch}={on} is this family's reasoning switch"
        if budget is not None:
            why += (
                f"; the budget of {budget} tokens cannot be expressed in the prompt (cap max_tokens instead)"
            )
        plan.adapt("thinking-mapped", f"thinking {'on' if on else 'off'} became {switch}={on}", why)
        return ThinkingDecision(requested, "on" if on else "off", switch, on, caps.thinking_default), ""
    if switch == "reasoning_effort":
        if isinstance(requested, str) and requested not in _EFFORTS:
            raise RequestError(
                f"Unknown reasoning effort {requested!r}.", hint=f"use one of {_EFFORTS} or True/False"
            )
        value = _effort(requested, budget) if on else "low"
        plan.kwargs[switch] = value
        if on:
            plan.adapt(
                "thinking-mapped",
                f"thinking on became reasoning_effort={value!r}",
                "the family's reasoning switch is an effort level",
            )
        else:
            plan.adapt(
                "thinking-cannot-be-disabled",
                "thinking off became reasoning_effort='low'",
                "this family always reasons; the lowest effort is the closest to Claude without thinking",
            )
        return ThinkingDecision(requested, "on" if on else "off", switch, value, True), ""
    if caps.thinking_forced_open:
        if on or not gp:
            return ThinkingDecision(requested, "on" if on else "off", None, None, True), ""
        gen = caps.generation_prompt
        closing = "\n</think>\n\n" if gen.endswith("<think>\n") else "</think>\n\n"
        plan.adapt(
            "thinking-disabled-by-empty-block",
            f"thinking off: {closing!r} was appended after the template's opening <think>",
            "the template always opens a reasoning block; closing it empty is how this family answers without reasoning",
        )
        return ThinkingDecision(requested, "off", "empty-think-block", closing, True), closing
    if caps.reasoning_model:
        if on:
            plan.adapt(
                "thinking-model-decides",
                "thinking on: the template has no switch; this model reasons on its own when it does",
                "the model writes its reasoning in a <think> block unprompted; nothing to set",
            )
            return ThinkingDecision(requested, "on", None, None, True), ""
        plan.adapt(
            "thinking-cannot-be-disabled",
            "thinking off cannot be expressed: the template has no switch",
            "this model may still reason (in a <think> block); ask for a direct answer in the prompt, or cap max_tokens",
        )
        return ThinkingDecision(requested, "template-default", None, None, True), ""
    if on:
        plan.adapt(
            "thinking-not-supported",
            "the request asks for thinking, but the template has no reasoning mode",
            "the model answers directly; ask for step-by-step reasoning in the prompt if you need it",
        )
    return ThinkingDecision(requested, "not-applicable"), ""


_NOT_APPLICABLE = ThinkingDecision(None, "not-applicable")
_CLOSE_THINK = re.compile(r"</think>|</mm:think>|END_THINKING|<\|close\|>think|</think:")


def _prefill_adaptations(plan: _Plan, index: int | None, thinking_on: bool | None) -> None:
    gen, head = prefill_shape(plan.target, plan.kwargs)
    plan.adapt(
        "prefill",
        "the final assistant message is a prefill: rendered with continue_final_message, the model continues it",
        "this is how an Anthropic prefill is expressed with a chat template",
        index,
    )
    if head.strip() == gen.strip():
        return
    closes = bool(_CLOSE_THINK.search(head)) or ("think" in gen.lower() and "think" not in head.lower())
    if closes:
        plan.adapt(
            "prefill-closes-thinking",
            f"the template writes {head!r} before the prefill, where a generation starts with {gen!r}",
            "the prefill comes after a closed or absent reasoning block, which silently turns thinking off"
            + (" although thinking was asked for" if thinking_on else ""),
            index,
        )
    else:
        plan.adapt(
            "prefill-turn-differs",
            f"the template writes {head!r} before the prefill, where a generation starts with {gen!r}",
            "the prefill lands in another channel or section than a fresh answer would (gpt-oss: the final channel, skipping analysis)",
            index,
        )


# -- checks ------------------------------------------------------------------------------------------


class _Presence:
    """Checks that request text is in the rendered prompt, scanning forward from the last find.

    Templates keep the request's order almost always, so each search covers a short stretch; a
    miss falls back to the whole text. Accepted forms: verbatim, trimmed (``| trim``), JSON-escaped
    (``| tojson``), or line by line (templates that re-indent).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.cursor = 0

    def __call__(self, piece: str) -> bool:
        text = self.text
        stripped = piece.strip()
        at = _find(text, stripped, self.cursor)
        if at < 0 and self.cursor:
            at = _find(text, stripped, 0)
        if at >= 0:
            self.cursor = at + len(stripped)
            return True
        if json.dumps(stripped, ensure_ascii=False)[1:-1] in text or json.dumps(stripped)[1:-1] in text:
            return True
        lines = [ln.strip() for ln in stripped.splitlines() if ln.strip()]
        return len(lines) > 1 and all(ln in text for ln in lines)


_HEAD = 48  # characters of a long piece located first; the rest is compared in place
_HEAD_TRIES = 8


def _find(text: str, piece: str, start: int) -> int:
    """``text.find(piece, start)``, faster for long pieces.

    ``str.find`` with a long needle preprocesses the whole needle before it scans (microseconds
    for a system prompt); finding its first characters and comparing the rest in place with
    ``startswith`` gives the same first occurrence. Repetitive text, where the head occurs at many
    places, goes back to ``str.find`` after a few tries.
    """
    if len(piece) <= 2 * _HEAD:
        return text.find(piece, start)
    head = piece[:_HEAD]
    at = text.find(head, start)
    for _ in range(_HEAD_TRIES):
        if at < 0 or text.startswith(piece, at):
            return at
        at = text.find(head, at + 1)
    return text.find(piece, at) if at >= 0 else -1


_ID_LOCK = threading.Lock()
_CONTROL_IDS: dict[int, tuple[Any, frozenset[int]]] = {}


def _control_ids(target: Any, tokens: frozenset[str]) -> frozenset[int]:
    with _ID_LOCK:
        hit = _CONTROL_IDS.get(id(target))
    if hit is not None:
        return hit[1]
    added = target.tokenizer.get_added_vocab()
    ids = frozenset(added[t] for t in tokens if t in added)
    with _ID_LOCK:
        _CONTROL_IDS[id(target)] = (target, ids)
    return ids


_BOS_IDS: dict[int, tuple[Any, int | None]] = {}


def _bos_id(target: Any) -> int | None:
    hit = _BOS_IDS.get(id(target))
    if hit is not None and hit[0] is target:
        return hit[1]
    bos: int | None = target.bos_token_id
    with _ID_LOCK:
        _BOS_IDS[id(target)] = (target, bos)
    return bos


def _freeze(value: Any) -> Any:
    # Top level only: the nested values are portkit's own copies, and a deep freeze would cost
    # as much as the render on long conversations.
    return MappingProxyType(value) if isinstance(value, dict) else value


# -- render --------------------------------------------------------------------------------------------


def render(
    request: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    target: Target | str | os.PathLike[str],
    thinking: bool | str | None = None,
    tokenize: bool = True,
    inject_safe: bool = True,
    add_generation_prompt: bool = True,
    template_kwargs: Mapping[str, Any] | None = None,
    prefill: bool | None = None,
) -> RenderResult:
    """Render an Anthropic Messages request with the target's official chat template.

    The request is converted to OpenAI-style messages, adapted to what the template accepts (as
    learned by :func:`probe`, once per template), rendered in jinja2's immutable sandbox and, when
    the target has a vocabulary, encoded with the prompt's single BOS and with every control token
    written inside request text encoded as plain text. Every change is listed in
    ``result.adaptations``; nothing is dropped silently.

    Args:
        request: an Anthropic Messages request (``system``, ``messages``, ``tools``,
            ``tool_choice``, ``stop_sequences``, ``thinking``), an OpenAI chat request, or a list of
            OpenAI-style messages. A final assistant message is a prefill.
        target: a :class:`~portkit.targets.Target` or anything :func:`~portkit.targets.load_target` takes.
        thinking: reasoning on (True), off (False), an effort (``"low"``, ``"medium"``, ``"high"``),
            or None to follow the request's ``thinking`` field (and else the template's default).
        tokenize: compute ``token_ids`` (needs a vocabulary; without one ``token_ids`` is None).
            ``False`` is the cheap text-only path.
        inject_safe: encode control tokens found in request text as plain text (default). Turning it
            off is reported as an adaptation.
        add_generation_prompt: end with the assistant header when the last message is not a prefill.
        template_kwargs: extra variables for the template; they override portkit's own.
        prefill: None (default) treats a final assistant message as a prefill to continue; False
            renders it as a finished turn (a conversation that ends on a worked example).

    Returns:
        The :class:`RenderResult`.

    Raises:
        RequestError: the request is malformed (``.path`` points at the offending part).
        UnsupportedContentError: images, PDFs, server tools.
        UnsupportedRoleError: the template cannot express a role and portkit cannot fold it away.
        ChatTemplateError: the template cannot express a feature (tools, prefill) or dropped text.
        TemplateRenderError: the template raised.
        UnsafeTemplateError: the template tried to escape the sandbox; nothing ran.

    Examples:
        >>> from portkit.template import render
        >>> result = render(
        ...     {"system": "Be brief.", "messages": [{"role": "user", "content": "Hi <|im_end|>"}]},
        ...     target="qwen3",
        ...     thinking=False,
        ... )  # doctest: +SKIP
        >>> print(result.text)  # doctest: +SKIP
        <|im_start|>system
        Be brief.<|im_end|>
        <|im_start|>user
        Hi <|im_end|><|im_end|>
        <|im_start|>assistant
        <think>
        <BLANKLINE>
        </think>
        <BLANKLINE>
        <BLANKLINE>
        >>> [n.token for n in result.neutralised]  # doctest: +SKIP
        ['<|im_end|>']
    """
    if not isinstance(target, Target):
        target = load_target(target)
    conv = convert(request)
    caps = probe(target)
    if not caps.renders_user:
        raise ChatTemplateError(
            f"The chat template of {target.name!r} cannot render even a single user message "
            f"({'; '.join(caps.notes)}).",
            model=target.name,
            feature="user-message",
            hint="pass the variables this template needs with template_kwargs, or use another template",
        )
    try:
        plan, text, segments, neutralised, decision, prefill, gp, tokens = _attempt(
            conv,
            caps,
            target,
            thinking,
            inject_safe,
            add_generation_prompt,
            template_kwargs,
            tokenize,
            False,
            prefill,
            owned=True,
        )
    except _SystemDropped:
        # The first attempt edited its conversation in place: convert the request afresh.
        conv = convert(request)
        plan, text, segments, neutralised, decision, prefill, gp, tokens = _attempt(
            conv,
            caps,
            target,
            thinking,
            inject_safe,
            add_generation_prompt,
            template_kwargs,
            tokenize,
            True,
            prefill,
            owned=True,
        )

    token_ids: tuple[int, ...] | None = None
    if tokenize and target.has_tokenizer:
        whole = segments if segments is not None else (Segment(text, False),)
        ids = encode_segments(target, whole, _control_ids(target, tokens))
        bos = _bos_id(target)
        if bos is not None and ids.count(bos) > 1:
            raise ChatTemplateError(
                f"The prompt for {target.name!r} encodes to {ids.count(bos)} BOS tokens.",
                model=target.name,
                feature="bos",
                hint="the template writes BOS more than once; report it, or strip the extra BOS from the template",
            )
        if bos is not None and target.add_bos_token and (not ids or ids[0] != bos) and bos not in ids:
            # The vocabulary declares that a prompt starts with BOS (llama.cpp adds it when it
            # tokenizes), but this template does not write it: add it once, to the ids only.
            ids.insert(0, bos)
            plan.adapt(
                "bos-added",
                f"{target.bos_token!r} was put before the token ids (not into result.text)",
                "the vocabulary sets add_bos_token and the template does not write BOS; the model expects exactly one",
            )
        token_ids = tuple(ids)

    # The target's stop tokens are distinct already.
    stops = (
        tuple(dict.fromkeys([*conv.stop_sequences, *target.stop_tokens]))
        if conv.stop_sequences
        else target.stop_tokens
    )
    # Positional, in field order (one argument per line, named in the comment): matching fifteen
    # keywords costs a microsecond per render. test_render_result_fields_in_construction_order pins it.
    return RenderResult(
        text,  # text
        token_ids,  # token_ids
        target.stop_token_ids,  # stop_token_ids
        stops,  # stop_sequences
        tuple(map(MappingProxyType, plan.messages)),  # messages (always portkit's own dicts)
        tuple(map(MappingProxyType, plan.tools)),  # tools
        _freeze(conv.tool_choice),  # tool_choice
        MappingProxyType(dict(plan.kwargs)),  # template_kwargs
        gp,  # add_generation_prompt
        prefill,  # continue_final_message
        tuple(plan.adaptations),  # adaptations
        neutralised,  # neutralised
        decision,  # thinking
        caps,  # capabilities
        target.name,  # target
    )


_NO_MARKS = MarkedRequest(origins=[])


def _marking(target: Target) -> tuple[frozenset[str], TokenMatcher]:
    """The target's control tokens and their matcher, kept in the target's memo."""
    hit: tuple[frozenset[str], TokenMatcher] | None = target._memo.get("marking")
    if hit is None:
        tokens = control_tokens(target)
        hit = (tokens, mark(tokens)[1])
        target._memo["marking"] = hit
    return hit


class _SystemDropped(Exception):
    """The template dropped the system prompt from this conversation; retry with it merged."""


def _attempt(
    conv: Conversation | Converted,
    caps: Capabilities,
    target: Any,
    thinking: bool | str | None,
    inject_safe: bool,
    add_generation_prompt: bool,
    template_kwargs: Mapping[str, Any] | None,
    tokenize: bool,
    force_system: bool,
    allow_prefill: bool | None = None,
    *,
    owned: bool = False,
) -> tuple[
    _Plan,
    str,
    tuple[Segment, ...] | None,
    tuple[Neutralised, ...],
    ThinkingDecision,
    bool,
    bool,
    frozenset[str],
]:
    plan = _Plan(conv, caps, target, owned=owned)
    plan.check_tools(conv.tool_choice)
    plan.merge_turns()
    plan.merge_user_after_tool()
    ends_with_user = plan.messages[-1]["role"] == "user"
    plan.fold_system(force=force_system or (caps.system_needs_last_user and not ends_with_user))
    plan.flatten_parts()  # last: merging above can turn string content into parts

    last = plan.messages[-1]
    prefill = last["role"] == "assistant" and allow_prefill is not False
    if prefill:
        if not _as_text(last.get("content")).strip():
            raise RequestError(
                "The request ends with an assistant message that has no text to continue.",
                path=f"messages[{plan.origins[-1]}]",
                hint="end with a user message, or give the final assistant message text to prefill",
            )
        if not caps.prefill:
            raise ChatTemplateError(
                f"The chat template of {target.name!r} cannot continue a final assistant message (prefill).",
                model=target.name,
                feature="prefill",
                hint="remove the prefill and ask for the format in the user message, or constrain the output",
            )
    gp = add_generation_prompt and not prefill
    requested = thinking if thinking is not None else conv.thinking
    decision, closing = _decide_thinking(plan, requested, conv.thinking_budget, gp)
    if template_kwargs:
        plan.kwargs.update(template_kwargs)
    if prefill:
        _prefill_adaptations(plan, plan.origins[-1], decision.state == "on")

    # Neutralise control tokens in request text (after every adaptation, so merged and
    # stringified text is covered too).
    tokens, pattern = _marking(target)
    marks = _NO_MARKS  # read only by unmark(); a marking pass gets its own
    if inject_safe and not (
        needs_marking(plan.messages, pattern) or (plan.tools and needs_marking(plan.tools, pattern))
    ):
        marked_msgs, marked_tools = plan.messages, plan.tools
    elif inject_safe:
        marks = MarkedRequest(origins=[])
        marked_msgs = [
            marks.mark_value(m, pattern, o, "") for m, o in zip(plan.messages, plan.origins, strict=True)
        ]
        marked_tools = [marks.mark_value(t, pattern, None, f"tools[{i}]") for i, t in enumerate(plan.tools)]
        if marks.stripped_markers:
            plan.adapt(
                "marker-characters-removed",
                f"{marks.stripped_markers} Unicode noncharacter(s) U+FDD0/U+FDD1 were removed from request text",
                "portkit uses them to mark request text; they carry no meaning",
            )
    else:
        marked_msgs, marked_tools = plan.messages, plan.tools
        plan.adapt(
            "injection-safety-off",
            "inject_safe=False: control tokens in request text are encoded as control tokens",
            "explicit opt-out; request text can now end turns, open tool calls or forge roles",
        )

    rendered = _render_template(
        target, marked_msgs, marked_tools, gp, prefill, plan.kwargs, needs_tools_list=caps.needs_tools_list
    )
    rendered += closing
    segments: tuple[Segment, ...] | None
    neutralised: tuple[Neutralised, ...]
    if marks is _NO_MARKS and not has_markers(rendered):
        # Nothing marked and no marker to strip: the text is one template segment, made only
        # if token ids are asked for.
        text, segments, neutralised = rendered, None, ()
    else:
        text, segments, neutralised = unmark(rendered, marks)

    present = _Presence(text)
    dropped = plan.dropped
    cursor = 0
    for piece in conv.texts:
        # The usual case inline: the piece verbatim, after the previous one (templates keep the
        # request's order); anything else goes to _Presence's full search.
        stripped = piece.text.strip()
        at = text.find(stripped, cursor) if len(stripped) <= 2 * _HEAD else _find(text, stripped, cursor)
        if at >= 0:
            cursor = at + len(stripped)
            continue
        present.cursor = cursor
        if not (dropped and piece.text in dropped) and not present(piece.text):
            system_origins = {
                o for m, o in zip(conv.messages, conv.origins, strict=True) if m["role"] == "system"
            }
            from_system = piece.message_index in system_origins or (
                piece.message_index is None and piece.field.startswith("system")
            )
            if from_system and not force_system:
                raise _SystemDropped
            where = "the system prompt" if piece.message_index is None else f"message {piece.message_index}"
            raise ChatTemplateError(
                f"The chat template of {target.name!r} dropped text of {where} ({piece.field}): {_short(piece.text, 60)!r}.",
                model=target.name,
                feature="dropped-text",
                hint="this template cannot carry that part of the request; move the text into a user message",
            )
        cursor = present.cursor
    present.cursor = cursor
    for msg, origin in zip(plan.messages, plan.origins, strict=True) if plan.has_reasoning else ():
        reasoning = msg.get("reasoning_content")
        if reasoning and isinstance(reasoning, str) and reasoning.strip() and not present(reasoning):
            plan.adapt(
                "reasoning-dropped-by-template",
                f"the template left out the reasoning of message {origin}",
                "this family drops the reasoning of earlier turns, as it was trained to",
                origin,
            )
    if neutralised:
        plan.adapt(
            "control-tokens-neutralised",
            f"{len(neutralised)} control token(s) in request text were encoded as plain text: "
            + ", ".join(sorted({n.token for n in neutralised})),
            "request text must never end a turn or open a role; result.neutralised locates each one"
            + (
                ""
                if tokenize and target.has_tokenizer
                else " (send token_ids, not text, to keep them neutral)"
            ),
        )

    return plan, text, segments, neutralised, decision, prefill, gp, tokens


_HINTS = (
    (
        "attribute 'description'",
        "the template needs a description on every tool and every parameter; add them to the input_schema",
    ),
    (
        "alternate",
        "the template needs strict user/assistant alternation; merge consecutive turns of one role",
    ),
    ("system", "the template restricts the system role; put the system text in the first user message"),
    (
        "tool",
        "the template restricts tool calls or results; check the ids and that each result follows its call",
    ),
)


def _render_template(
    target: Any,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]],
    gp: bool,
    prefill: bool,
    kwargs: Mapping[str, Any],
    needs_tools_list: bool = False,
) -> str:
    try:
        return render_template(
            target,
            messages,
            tools=tools or ([] if needs_tools_list else None),
            add_generation_prompt=gp,
            continue_final_message=prefill,
            **kwargs,
        )
    except TemplateRenderError as exc:
        if exc.hint:
            raise
        low = exc.message.lower()
        hint = next(
            (h for key, h in _HINTS if key in low),
            "run `portkit render --output-format json` to see the messages portkit sent",
        )
        raise TemplateRenderError(exc.message, model=target.name, feature=exc.feature, hint=hint) from exc
