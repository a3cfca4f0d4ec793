"""Assertions for your own tests: prompts and rendered conversations free of stray control tokens.

Framework-agnostic (they raise :class:`~portkit.errors.ForeignTokenError`, an ``AssertionError``), so
they work under pytest, unittest or a plain script. The pytest plugin (:mod:`portkit.pytest_plugin`)
adds a ``portkit`` fixture that binds a default target.

Example::

    from portkit.testing import assert_no_foreign_tokens

    def test_prompt_is_portable():
        assert_no_foreign_tokens(build_messages("hi"), target="llama-3.1")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from portkit.errors import ForeignTokenError

if TYPE_CHECKING:
    from portkit.targets import Target
    from portkit.template._detect import Finding

__all__ = ["assert_no_foreign_tokens", "assert_renders_cleanly"]

Prompt = str | Sequence[Mapping[str, Any]]


def _resolve(target: Target | str | None) -> Target | None:
    if isinstance(target, str):
        from portkit.targets import load_target

        return load_target(target)
    return target


def _texts(prompt: Prompt | Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(where, text)`` pairs: the prompt itself, or every text part of a request or its messages."""
    if isinstance(prompt, str):
        return [("prompt", prompt)]
    out: list[tuple[str, str]] = []
    if isinstance(prompt, Mapping):
        if "messages" not in prompt:
            raise TypeError("pass a prompt string, a list of messages, or a request with 'messages'")
        out.extend(_content_texts("system", prompt.get("system")))
        messages: Sequence[Mapping[str, Any]] = prompt["messages"]
    else:
        messages = prompt
    for i, message in enumerate(messages):
        out.extend(_content_texts(f"messages[{i}].content", message.get("content")))
    return out


def _content_texts(where: str, content: Any) -> list[tuple[str, str]]:
    """Text of a string content, or of text / tool_result blocks (Anthropic and OpenAI shapes)."""
    if isinstance(content, str):
        return [(where, content)]
    out: list[tuple[str, str]] = []
    if isinstance(content, Sequence):
        for j, block in enumerate(content):
            if isinstance(block, str):
                out.append((f"{where}[{j}]", block))
            elif isinstance(block, Mapping):
                if isinstance(block.get("text"), str):
                    out.append((f"{where}[{j}].text", block["text"]))
                elif block.get("type") == "tool_result":
                    out.extend(_content_texts(f"{where}[{j}].content", block.get("content")))
    return out


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _report(what: str, target: Target | None, found: list[tuple[str, str, Finding]]) -> str:
    n = len(found)
    head = f"{n} control token{'s' if n != 1 else ''} found in the {what}"
    head += f" (target {target.name})" if target is not None else " (no target: every control token counts)"
    lines = [head + ":"]
    for where, text, f in found:
        line, col = _line_col(text, f.start)
        lines.append(
            f"  {where} {line}:{col}  {f.text!r} [{f.family or 'unknown family'}, {f.verdict}] {f.message}"
        )
        lines.append(f"      fix: {f.suggestion}")
    return "\n".join(lines)


def assert_no_foreign_tokens(
    prompt_or_messages: Prompt | Mapping[str, Any],
    target: Target | str | None = None,
    *,
    allow: Iterable[str] = (),
) -> None:
    """Fail when a prompt (or any message's text) carries control tokens written by hand.

    Every finding of :func:`portkit.template.find_special_tokens` fails the assertion: foreign markers
    the target would read as text, tokens the target would parse as structure, and the target's own
    markers written by hand. ``allow`` lists verdicts (``"structural"``, ``"foreign"``,
    ``"hand-assembled"``) to let through.

    Args:
        prompt_or_messages: a prompt string, OpenAI/Anthropic-style messages (string content or
            content blocks with ``text``, tool results included), or an Anthropic request
            (``{"system": …, "messages": […]}``).
        target: a :class:`~portkit.targets.Target` or target name; None checks against the catalogue.
        allow: verdicts that do not fail.

    Raises:
        ForeignTokenError: with every finding, its position and a fix; ``.findings`` holds them.
    """
    from portkit.template._detect import scan

    resolved = _resolve(target)
    allowed = {str(a) for a in allow}
    found = [
        (where, text, f)
        for where, text in _texts(prompt_or_messages)
        for f in scan(text, resolved)
        if str(f.verdict) not in allowed
    ]
    if found:
        what = "prompt" if isinstance(prompt_or_messages, str) else "messages"
        raise ForeignTokenError(_report(what, resolved, found), findings=tuple(f for _, _, f in found))


def assert_renders_cleanly(
    messages_or_rendered: Prompt,
    target: Target | str,
    **render_kwargs: Any,
) -> str:
    """Fail when a rendered prompt carries anything but the target's own structure.

    Given messages, it first checks their text with :func:`assert_no_foreign_tokens`, then renders
    them with the target's chat template (``add_generation_prompt=True`` unless overridden). On the
    rendered prompt, the target's own control tokens are expected; what fails is a foreign marker,
    a token the target's vocabulary does not parse, or a BOS token written twice at the start.

    Args:
        messages_or_rendered: messages to render, or a prompt already rendered.
        target: the target the prompt is for.
        **render_kwargs: passed to :meth:`Target.render` (``tools=``, ``add_generation_prompt=``, …).

    Returns:
        The rendered prompt.

    Raises:
        ForeignTokenError: with every finding, its position and a fix.
    """
    from portkit.template._detect import scan

    resolved = _resolve(target)
    assert resolved is not None
    if isinstance(messages_or_rendered, str):
        rendered = messages_or_rendered
    else:
        assert_no_foreign_tokens(messages_or_rendered, resolved)
        render_kwargs.setdefault("add_generation_prompt", True)
        rendered = resolved.render(list(messages_or_rendered), **render_kwargs)
    # A template-only target cannot say what its vocabulary parses: its own family's markers pass.
    allowed = {"structural"} if resolved.has_tokenizer else {"structural", "hand-assembled"}
    found = [
        ("rendered prompt", rendered, f) for f in scan(rendered, resolved) if str(f.verdict) not in allowed
    ]
    bos = resolved.bos_token
    if bos and rendered.startswith(bos + bos):
        from portkit.template._detect import Finding, Verdict

        found.insert(
            0,
            (
                "rendered prompt",
                rendered,
                Finding(
                    (len(bos), 2 * len(bos)),
                    bos,
                    None,
                    Verdict.STRUCTURAL,
                    f"The prompt starts with the BOS token {bos!r} twice.",
                    "Write BOS once: either the template adds it or the tokenizer does (add_special_tokens=False).",
                ),
            ),
        )
    if found:
        raise ForeignTokenError(
            _report("rendered prompt", resolved, found), findings=tuple(f for _, _, f in found)
        )
    return rendered
