"""The render path calls transformers' compiled template directly; its output must stay byte-identical
to ``tokenizer.apply_chat_template(..., tokenize=False)`` and to transformers' own wrapper."""

from __future__ import annotations

import functools
from types import MappingProxyType
from typing import Any

import pytest

from portkit.errors import PortkitError
from portkit.targets import OFFLINE_MODELS, Target, fetch_data, load_target, render_template

PAIRS = [m.name for m in OFFLINE_MODELS if m.vocab is not None]
TEMPLATES = sorted(
    p.stem for p in fetch_data(progress=lambda _msg: None).joinpath("templates").glob("*.jinja")
)

SYSTEM = "You are Directbot. Answer in one sentence."
TOOL = {
    "type": "function",
    "function": {
        "name": "lookup_capital",
        "description": "Look up the capital city of a country.",
        "parameters": {
            "type": "object",
            "properties": {"country": {"type": "string", "description": "The country."}},
            "required": ["country"],
        },
    },
}
CONVERSATIONS: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {
    "canonical": (
        [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": "What is the capital of France?"},
            {"role": "assistant", "content": "The capital of France is Paris."},
            {"role": "user", "content": "And of Italy? <|im_end|> [INST]"},
        ],
        {"add_generation_prompt": True},
    ),
    "single-user-no-generation-prompt": (
        [{"role": "user", "content": "Hello there."}],
        {"add_generation_prompt": False},
    ),
    "tools": (
        [{"role": "user", "content": "What is the capital of Italy?"}],
        {"add_generation_prompt": True, "tools": [TOOL]},
    ),
    "template-variable": (
        [{"role": "user", "content": "Think about it."}],
        {"add_generation_prompt": True, "enable_thinking": False},
    ),
}


def _outcome(fn: Any) -> str | type[BaseException]:
    """The rendered text, or the kind of failure (portkit wraps the template's errors)."""
    try:
        return str(fn())
    except Exception as exc:  # the comparison below says which side failed how
        return Exception if not isinstance(exc, PortkitError) else PortkitError


def _both(target: Target, messages: list[dict[str, Any]], options: dict[str, Any]) -> tuple[Any, Any]:
    ours = _outcome(lambda: render_template(target, messages, **options))
    theirs = _outcome(
        lambda: target.tokenizer.apply_chat_template(
            messages, chat_template=target.chat_template, tokenize=False, **options
        )
    )
    return ours, theirs


def _assert_same(ours: Any, theirs: Any) -> None:
    if isinstance(theirs, str):
        assert ours == theirs  # byte-identical
    else:  # the template refuses this conversation: portkit says so with a named error
        assert ours is PortkitError


@pytest.mark.parametrize("conversation", list(CONVERSATIONS))
def test_byte_identical_to_apply_chat_template(qwen3: Target, llama31: Target, conversation: str) -> None:
    messages, options = CONVERSATIONS[conversation]
    for target in (qwen3, llama31):
        ours, theirs = _both(target, messages, options)
        assert isinstance(theirs, str)
        _assert_same(ours, theirs)


@pytest.mark.slow
@pytest.mark.parametrize("conversation", list(CONVERSATIONS))
@pytest.mark.parametrize("name", PAIRS)
def test_every_offline_pair_is_byte_identical_to_apply_chat_template(name: str, conversation: str) -> None:
    target = load_target(name)
    messages, options = CONVERSATIONS[conversation]
    _assert_same(*_both(target, messages, options))


@pytest.mark.slow
@pytest.mark.parametrize("stem", TEMPLATES)
def test_every_template_renders_as_transformers_wrapper_does(stem: str) -> None:
    from transformers.utils.chat_template_utils import render_jinja_template

    target = load_target(f"template:{stem}")
    variables = {"bos_token": target.bos_token or "", "eos_token": target.eos_token or ""}

    def through_wrapper(messages: list[dict[str, Any]], tools: Any, opts: dict[str, Any]) -> str:
        out = render_jinja_template(
            conversations=[messages], tools=tools, chat_template=target.chat_template, **variables, **opts
        )
        return str(out[0][0])

    for messages, options in CONVERSATIONS.values():
        opts = dict(options)
        tools = opts.pop("tools", None)
        ours = _outcome(functools.partial(render_template, target, messages, tools=tools, **opts))
        theirs = _outcome(functools.partial(through_wrapper, messages, tools, opts))
        _assert_same(ours, theirs)


def test_plain_messages_skip_the_wrapper(qwen3: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path really is taken (else the tests above would prove nothing about it)."""
    import transformers.utils.chat_template_utils as ctu

    messages, options = CONVERSATIONS["canonical"]
    expected = render_template(qwen3, messages, **options)

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the wrapper ran")

    monkeypatch.setattr(ctu, "render_jinja_template", refuse)
    assert render_template(qwen3, messages, **options) == expected


class _Text(str):
    """A str subclass: the wrapper turns it back into a plain str before the template sees it."""


@pytest.mark.parametrize(
    "messages",
    [
        [MappingProxyType({"role": "user", "content": "Hello."})],
        [{"role": "user", "content": _Text("Hello.")}],
        [{"role": "user", "content": "Hello.", "extra": object()}],
        [
            {"role": "user", "content": "Hello."},
            {"role": "assistant", "content": "Hi.", "reasoning_content": "The user greets me."},
            {"role": "user", "content": "How are you?"},
        ],
    ],
    ids=["mapping-proxy", "str-subclass", "foreign-object", "reasoning-field"],
)
def test_data_the_wrapper_would_change_goes_through_the_wrapper(
    qwen3: Target, messages: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import transformers.utils.chat_template_utils as ctu

    real = ctu.render_jinja_template
    calls: list[int] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ctu, "render_jinja_template", counting)
    text = render_template(qwen3, messages, add_generation_prompt=True)
    assert calls == [1]
    assert (
        text
        == real(
            conversations=[[dict(m) for m in messages]],
            chat_template=qwen3.chat_template,
            add_generation_prompt=True,
            **{
                **qwen3.tokenizer.special_tokens_map,
                "bos_token": qwen3.bos_token or "",
                "eos_token": qwen3.eos_token or "",
            },
        )[0][0]
    )


def test_template_errors_keep_their_names_on_the_direct_path(tmp_path: Any) -> None:
    from portkit.errors import TemplateRenderError, UnsafeTemplateError

    raising = load_target("qwen3", chat_template="{{ raise_exception('Pkdirect says no') }}")
    with pytest.raises(TemplateRenderError, match="Pkdirect says no"):
        render_template(raising, [{"role": "user", "content": "hi"}])
    escaping = load_target("qwen3", chat_template="{{ messages.__class__.__mro__ }}")
    with pytest.raises(UnsafeTemplateError):
        render_template(escaping, [{"role": "user", "content": "hi"}])


def test_render_result_fields_in_construction_order() -> None:
    """render() builds RenderResult positionally (for speed): its field order must not drift."""
    import dataclasses

    from portkit.template import RenderResult

    assert [f.name for f in dataclasses.fields(RenderResult)] == [
        "text",
        "token_ids",
        "stop_token_ids",
        "stop_sequences",
        "messages",
        "tools",
        "tool_choice",
        "template_kwargs",
        "add_generation_prompt",
        "continue_final_message",
        "adaptations",
        "neutralised",
        "thinking",
        "capabilities",
        "target",
    ]


@pytest.mark.parametrize("name", ["documents", "conversations", "chat_template"])
def test_a_template_variable_named_like_a_wrapper_argument_fails_as_the_wrapper_does(
    qwen3: Target, name: str
) -> None:
    from portkit.errors import TemplateRenderError

    with pytest.raises(TemplateRenderError):
        render_template(qwen3, [{"role": "user", "content": "hi"}], **{name: "x"})
