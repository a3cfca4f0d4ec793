"""Learn what a chat template accepts by rendering small probe conversations through it, once.

Templates differ in ways that matter to a Claude prompt: some reject the system role, some insist
on strict user/assistant alternation, some ignore tools without a word. Rather than keep a table
per model family, portkit asks the template itself. The result is cached per template hash.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from portkit.errors import PortkitError, UnsafeTemplateError

__all__ = ["Capabilities", "prefill_shape", "probe", "template_variables"]

_SYS = "Pkprobe system alpha."
_U1 = "Pkprobe user bravo."
_U2 = "Pkprobe user charlie."
_A1 = "Pkprobe assistant delta."
_P1 = "Pkprobe prefill echo."
_PART1 = "Pkprobe part foxtrot."
_PART2 = "Pkprobe part golf."
_TOOL = "pkprobe_lookup"
_TOOL_DESC = "Pkprobe tool hotel."
_ARG = "pkprobe_arg"
_ARG_VALUE = "Pkprobe value india"
_RESULT = "Pkprobe result juliet."
_ANTHROPIC_ID = "toolu_01Pkprobe9xYzAbCdEfGh"
_SHORT_ID = "a1B2c3D4e"


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a chat template accepts, learned by rendering probe conversations.

    Attributes:
        template_hash: sha256 of the template probed.
        renders_user: a single user message renders at all.
        system_role: ``"supported"``, or ``"unsupported"`` when the template raises on it or drops its text.
        system_anywhere: a system message after the first turn renders.
        system_moved: the template moves the system text after the first user message (Mistral puts it
            in the last user turn).
        system_needs_last_user: the template writes the system prompt only when the conversation ends
            with a user turn (Mistral Nemo): with a prefill or tool results last, it drops it.
        strict_alternation: two user turns in a row raise or lose text.
        content_parts: a content list of text parts renders every part.
        tools: tool definitions passed as ``tools=`` appear in the output.
        tool_calls: an assistant ``tool_calls`` entry appears in the output.
        tool_role: a ``tool`` message appears in the output.
        needs_tools_list: the template fails unless ``tools`` is a list (portkit then passes ``[]``).
        tool_call_content: an assistant message's text is rendered next to its tool calls (Llama 3.x
            writes only the call).
        user_after_tool: a user message may follow a tool result directly (Mistral's templates
            want the assistant's answer first).
        tool_arguments_as: ``"dict"`` or ``"string"`` — the argument shape that renders as JSON; None without tool calls.
        tool_call_id: ``"any"``, or ``"alnum9"`` when the template demands 9-character alphanumeric ids (Mistral).
        prefill: a final assistant message can be continued (``continue_final_message``).
        prefill_head: what the template writes between the last user text and a prefill's text.
            Where it differs from ``generation_prompt`` the template treats a prefill unlike a
            generation (Qwen3 closes an empty ``<think></think>`` block first, gpt-oss writes it
            into the final channel).
        generation_prompt: what follows the last user text when a generation is prompted (the user
            turn's end and the assistant header).
        thinking_switch: the template variable that turns reasoning on and off (``"enable_thinking"``,
            ``"thinking"``, ``"reasoning_effort"``), or None.
        thinking_default: whether reasoning is on when the switch is not passed (None: no switch).
        thinking_forced_open: the generation prompt opens a ``<think>`` block itself (R1 style).
        reasoning_model: the template knows reasoning (``reasoning_content``, ``<think>``) even if it
            has no switch: the model decides itself whether to reason (Kimi K2 Thinking, QwQ).
        default_system_prompt: text the template inserts when no system prompt is given, or None.
        notes: what the probe could not determine, for reports.
    """

    template_hash: str
    renders_user: bool
    system_role: str = "unsupported"
    system_anywhere: bool = False
    system_moved: bool = False
    system_needs_last_user: bool = False
    strict_alternation: bool = True
    content_parts: bool = False
    tools: bool = False
    tool_calls: bool = False
    tool_role: bool = False
    needs_tools_list: bool = False
    tool_call_content: bool = False
    user_after_tool: bool = True
    tool_arguments_as: str | None = None
    tool_call_id: str = "any"
    prefill: bool = False
    prefill_head: str = ""
    generation_prompt: str = ""
    thinking_switch: str | None = None
    thinking_default: bool | None = None
    thinking_forced_open: bool = False
    reasoning_model: bool = False
    default_system_prompt: str | None = None
    notes: tuple[str, ...] = ()


_LOCK = threading.Lock()
_CACHE: dict[tuple[str, str | None, str | None], Capabilities] = {}
# Hashing a 16 kB template costs more than rendering a short chat: each target also keeps its
# capabilities in its own memo (looked up before anything else, on every render).
_MEMO_KEY = "capabilities"


class _Prober:
    def __init__(self, target: Any) -> None:
        self.target = target
        self.notes: list[str] = []
        self.empty_tools: list[Any] | None = None
        self.last_error = ""

    def render(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        gp: bool = False,
        cont: bool = False,
        **kw: Any,
    ) -> str | None:
        from portkit.targets import render_template

        try:
            return render_template(
                self.target,
                messages,
                tools=tools if tools is not None else self.empty_tools,
                add_generation_prompt=gp,
                continue_final_message=cont,
                **kw,
            )
        except PortkitError as exc:
            self.last_error = exc.message
            # Includes the immutable sandbox refusing ``list.append`` in one feature's branch (Kimi K2's
            # tool calls): that feature is then unavailable. A template that is unsafe on the basic
            # path is caught by the first render, which lets UnsafeTemplateError through.
            return None


def _tool_def() -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": _TOOL,
            "description": _TOOL_DESC,
            "parameters": {
                "type": "object",
                "properties": {_ARG: {"type": "string", "description": "Pkprobe parameter."}},
                "required": [_ARG],
            },
        },
    }


def _tool_conversation(call_id: str, arguments: Any) -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": _U1},
        {
            "role": "assistant",
            "content": _A1,
            "tool_calls": [
                {"id": call_id, "type": "function", "function": {"name": _TOOL, "arguments": arguments}}
            ],
        },
        {"role": "tool", "tool_call_id": call_id, "name": _TOOL, "content": _RESULT},
    ]


def _args_rendered(text: str) -> bool:
    # JSON, not a Python repr ({'pkprobe_arg': ...}) and not a double-encoded string.
    return _ARG_VALUE in text and _ARG in text and f"'{_ARG}'" not in text and f'\\"{_ARG}' not in text


def _default_system_prompt(plain: str, with_system: str) -> str | None:
    """Text in the user-only render, before the user text, that a given system prompt replaces."""
    head = plain[: plain.find(_U1)]
    at = with_system.find(_U1)
    other = with_system[: at if at >= 0 else len(with_system)].replace(_SYS, "")
    sm = difflib.SequenceMatcher(a=other, b=head, autojunk=False)
    inserted = [head[j1:j2] for tag, _i1, _i2, j1, j2 in sm.get_opcodes() if tag in ("insert", "replace")]
    text = " ".join(s.strip() for s in inserted if len(re.findall(r"[A-Za-z]{2,}", s)) >= 3).strip()
    return text or None


def _probe_uncached(target: Any) -> Capabilities:
    p = _Prober(target)
    from portkit.targets import render_template

    user = [{"role": "user", "content": _U1}]
    plain = p.render(user)
    with_gp = p.render(user, gp=True)
    needs_tools = False
    if plain is None or with_gp is None:
        # Some tool-use templates (Command R+) iterate over ``tools`` unconditionally.
        plain, with_gp = p.render(user, tools=[]), p.render(user, tools=[], gp=True)
        needs_tools = plain is not None and with_gp is not None
        if needs_tools:
            p.empty_tools = []
    if plain is None or with_gp is None:
        reason = ""
        try:
            render_template(target, user, add_generation_prompt=True)
        except UnsafeTemplateError:
            raise
        except PortkitError as exc:
            reason = exc.message
        return Capabilities(
            template_hash=target.template_hash,
            renders_user=False,
            notes=(f"the template does not render a single user message: {reason}",),
        )
    gen_prompt = _after(with_gp, _U1)

    # system role
    sys_conv = [{"role": "system", "content": _SYS}, *user]
    with_sys = p.render(sys_conv, gp=True)
    system_ok = with_sys is not None and _SYS in with_sys
    two_turns = [*user, {"role": "assistant", "content": _A1}, {"role": "user", "content": _U2}]
    moved_out = p.render([{"role": "system", "content": _SYS}, *two_turns], gp=True) if system_ok else None
    system_moved = moved_out is not None and _SYS in moved_out and moved_out.find(_SYS) > moved_out.find(_U1)
    mid = p.render(
        [
            *user,
            {"role": "assistant", "content": _A1},
            {"role": "system", "content": _SYS},
            {"role": "user", "content": _U2},
        ],
        gp=True,
    )
    system_anywhere = mid is not None and _SYS in mid
    ends_assistant = (
        p.render([{"role": "system", "content": _SYS}, *user, {"role": "assistant", "content": _A1}])
        if system_ok
        else None
    )
    system_needs_last_user = (
        ends_assistant is not None and _SYS not in ends_assistant and _A1 in ends_assistant
    )

    # alternation
    two = p.render([*user, {"role": "user", "content": _U2}], gp=True)
    strict = two is None or _U1 not in two or _U2 not in two

    # content parts
    parts = p.render(
        [{"role": "user", "content": [{"type": "text", "text": _PART1}, {"type": "text", "text": _PART2}]}],
        gp=True,
    )
    # Both parts, and not a repr of the list ({'type': 'text', ...}) that a string-only template prints.
    content_parts = (
        parts is not None
        and _PART1 in parts
        and _PART2 in parts
        and "'text'" not in parts
        and '"type"' not in parts
    )

    # tools
    tooled = p.render(user, tools=[_tool_def()], gp=True)
    tools_ok = tooled is not None and (_TOOL_DESC in tooled or _TOOL in tooled)

    tool_calls = tool_role = tool_call_content = False
    args_as: str | None = None
    id_shape = "any"
    for call_id, shape in ((_ANTHROPIC_ID, "any"), (_SHORT_ID, "alnum9")):
        for arguments, as_ in (({_ARG: _ARG_VALUE}, "dict"), (json.dumps({_ARG: _ARG_VALUE}), "string")):
            out = p.render(_tool_conversation(call_id, arguments), tools=[_tool_def()], gp=True)
            if out is None:
                continue
            tool_role = tool_role or _RESULT in out
            # Look only after the user text: tool definitions (before it) may be printed as a repr.
            turn = out[out.find(_U1) :]
            if _TOOL in turn and _args_rendered(turn):
                tool_calls, args_as, id_shape = True, as_, shape
                tool_call_content = _A1 in turn
                break
        if tool_calls:
            break
    if not tool_calls and p.last_error:
        p.notes.append(f"tool calls: {p.last_error}")
    user_after_tool = True
    if tool_role:
        conv = _tool_conversation(_SHORT_ID if id_shape == "alnum9" else _ANTHROPIC_ID, {_ARG: _ARG_VALUE})
        after = p.render([*conv, {"role": "user", "content": _U2}], tools=[_tool_def()], gp=True)
        user_after_tool = after is not None and _U2 in after and _RESULT in after
    if (
        not tool_calls
        and p.render(_tool_conversation(_ANTHROPIC_ID, {_ARG: _ARG_VALUE}), tools=[_tool_def()]) is None
    ) and p.render(_tool_conversation(_SHORT_ID, {_ARG: _ARG_VALUE}), tools=[_tool_def()]) is not None:
        id_shape = "alnum9"
    if tool_role is False and id_shape == "alnum9":
        out = p.render(_tool_conversation(_SHORT_ID, {_ARG: _ARG_VALUE}), tools=[_tool_def()], gp=True)
        tool_role = out is not None and _RESULT in out

    # prefill
    prefill_out = p.render([*user, {"role": "assistant", "content": _P1}], cont=True)
    prefill = prefill_out is not None and prefill_out.rstrip().endswith(_P1)
    head = ""
    if prefill and prefill_out is not None:
        head = _after(prefill_out[: prefill_out.rfind(_P1)], _U1)
    elif prefill_out is not None:
        p.notes.append(
            "the template renders a final assistant message but not at its end (it cannot be continued)"
        )

    # thinking
    variables = template_variables(target.chat_template or "")
    switch: str | None = None
    default: bool | None = None
    candidates: tuple[tuple[str, Any, Any], ...] = (
        ("enable_thinking", True, False),
        ("thinking", True, False),
        ("reasoning_effort", "high", "low"),
    )
    for var, on, off in candidates:
        if var not in variables:
            continue
        on_kw: dict[str, Any] = {var: on}
        off_kw: dict[str, Any] = {var: off}
        r_on = p.render(user, gp=True, **on_kw)
        r_off = p.render(user, gp=True, **off_kw)
        if r_on is not None and r_off is not None and r_on != r_off:
            switch = var
            default = True if with_gp == r_on else False if with_gp == r_off else None
            if var == "reasoning_effort":
                default = True
            break
    forced_open = gen_prompt.rstrip().endswith("<think>")
    source = target.chat_template or ""
    reasoning_model = any(
        m in source for m in ("reasoning_content", "<think>", "</think>", "message.thinking")
    )

    default_sys = _default_system_prompt(with_gp, with_sys) if system_ok and with_sys is not None else None

    return Capabilities(
        template_hash=target.template_hash,
        renders_user=True,
        system_role="supported" if system_ok else "unsupported",
        system_anywhere=system_anywhere,
        system_moved=system_moved,
        system_needs_last_user=system_needs_last_user,
        strict_alternation=strict,
        content_parts=content_parts,
        tools=tools_ok,
        tool_calls=tool_calls,
        tool_role=tool_role,
        needs_tools_list=needs_tools,
        tool_call_content=tool_call_content,
        user_after_tool=user_after_tool,
        tool_arguments_as=args_as,
        tool_call_id=id_shape,
        prefill=prefill,
        prefill_head=head,
        generation_prompt=gen_prompt,
        thinking_switch=switch,
        thinking_default=default,
        thinking_forced_open=forced_open,
        reasoning_model=reasoning_model,
        default_system_prompt=default_sys,
        notes=tuple(p.notes),
    )


def _after(text: str, marker: str) -> str:
    at = text.rfind(marker)
    return text[at + len(marker) :] if at >= 0 else ""


@functools.lru_cache(maxsize=256)
def template_variables(template: str) -> frozenset[str]:
    """Variables a template reads but does not set (``enable_thinking``, ``tool_choice``, …)."""
    import jinja2
    from jinja2 import meta

    try:
        ast = jinja2.Environment(extensions=["jinja2.ext.loopcontrols"]).parse(template)
    except jinja2.TemplateSyntaxError:
        return frozenset()
    return frozenset(meta.find_undeclared_variables(ast))


_SHAPES: dict[tuple[str, str | None, str | None, tuple[tuple[str, Any], ...]], tuple[str, str]] = {}


def prefill_shape(target: Any, kwargs: dict[str, Any]) -> tuple[str, str]:
    """``(generation_prompt, prefill_head)`` under template variables ``kwargs`` (cached).

    The probe learns both with the template's defaults; a reasoning switch changes them (DeepSeek
    V3.1 opens ``<think>`` for a generation when thinking is on, but writes ``</think>`` before a
    prefill), so a render that sets one asks again.
    """
    caps = probe(target)
    if not kwargs:
        return caps.generation_prompt, caps.prefill_head
    try:
        items = tuple(sorted(kwargs.items()))
        hash(items)
    except TypeError:
        return caps.generation_prompt, caps.prefill_head
    key = (target.template_hash, target.bos_token, target.eos_token, items)
    with _LOCK:
        hit = _SHAPES.get(key)
    if hit is not None:
        return hit
    p = _Prober(target)
    p.empty_tools = [] if caps.needs_tools_list else None
    user = [{"role": "user", "content": _U1}]
    with_gp = p.render(user, gp=True, **kwargs)
    prefilled = p.render([*user, {"role": "assistant", "content": _P1}], cont=True, **kwargs)
    shape = (
        _after(with_gp, _U1) if with_gp is not None else caps.generation_prompt,
        _after(prefilled[: prefilled.rfind(_P1)], _U1) if prefilled is not None else caps.prefill_head,
    )
    with _LOCK:
        _SHAPES[key] = shape
    return shape


def probe(target: Any) -> Capabilities:
    """What ``target``'s chat template accepts (rendered once per template, then cached).

    Args:
        target: a :class:`~portkit.targets.Target` (or anything :func:`~portkit.targets.load_target` takes).

    Returns:
        The template's :class:`Capabilities`.

    Raises:
        ChatTemplateError: the target has no chat template.
        UnsafeTemplateError: the template tried to escape the sandbox.

    Examples:
        >>> caps = probe(load_target("gemma-2"))  # doctest: +SKIP
        >>> caps.system_role
        'unsupported'
    """
    memo = getattr(target, "_memo", None)
    if memo is not None:
        known = memo.get(_MEMO_KEY)
        if known is not None:
            return known  # type: ignore[no-any-return]
    from portkit.errors import ChatTemplateError
    from portkit.targets import Target, load_target

    if not isinstance(target, Target):
        target = load_target(target)
        known = target._memo.get(_MEMO_KEY)
        if known is not None:
            return known  # type: ignore[no-any-return]
    if not target.chat_template:
        raise ChatTemplateError(
            f"Target {target.name!r} has no chat template.",
            model=target.name,
            hint="pass --chat-template FILE (the model's official template)",
        )
    key = (target.template_hash, target.bos_token, target.eos_token)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is None:
        hit = _probe_uncached(target)
        with _LOCK:
            hit = _CACHE.setdefault(key, hit)
    target._memo[_MEMO_KEY] = hit
    return hit
