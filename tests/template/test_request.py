"""Anthropic → OpenAI conversion: every block type, every error path."""

from __future__ import annotations

import pytest

from portkit.errors import RequestError, UnsupportedContentError
from portkit.template._render import convert_request


def _tool_turns(result_block: dict) -> dict:
    return {
        "tools": [{"name": "get_weather", "description": "Weather.", "input_schema": {"type": "object"}}],
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Checking."},
                    {
                        "type": "tool_use",
                        "id": "toolu_01X",
                        "name": "get_weather",
                        "input": {"city": "Paris"},
                    },
                ],
            },
            {"role": "user", "content": [result_block, {"type": "text", "text": "Thanks."}]},
        ],
    }


def test_system_blocks_are_joined_with_a_blank_line_and_reported() -> None:
    conv = convert_request(
        {
            "system": [
                {"type": "text", "text": "One."},
                {"type": "text", "text": "Two.", "cache_control": {"type": "ephemeral"}},
            ],
            "messages": [{"role": "user", "content": "Hi"}],
        }
    )
    assert conv.messages[0] == {"role": "system", "content": "One.\n\nTwo."}
    assert [a.kind for a in conv.adaptations] == ["system-blocks-joined", "cache-control-ignored"]


def test_tool_use_and_tool_result_become_openai_calls_and_tool_messages_before_text() -> None:
    conv = convert_request(_tool_turns({"type": "tool_result", "tool_use_id": "toolu_01X", "content": "18C"}))
    roles = [m["role"] for m in conv.messages]
    assert roles == ["user", "assistant", "tool", "user"]
    call = conv.messages[1]["tool_calls"][0]
    assert call == {
        "id": "toolu_01X",
        "type": "function",
        "function": {"name": "get_weather", "arguments": {"city": "Paris"}},
    }
    assert conv.messages[2] == {
        "role": "tool",
        "tool_call_id": "toolu_01X",
        "name": "get_weather",
        "content": "18C",
    }
    assert conv.messages[3]["content"] == "Thanks."
    assert conv.origins == (0, 1, 2, 2)
    assert conv.tools[0]["function"]["parameters"] == {"type": "object"}


def test_text_before_a_tool_result_is_moved_after_it_and_reported() -> None:
    req = _tool_turns({"type": "tool_result", "tool_use_id": "toolu_01X", "content": "18C"})
    req["messages"][2]["content"].reverse()
    conv = convert_request(req)
    assert [m["role"] for m in conv.messages][2:] == ["tool", "user"]
    assert "tool-results-first" in [a.kind for a in conv.adaptations]


def test_error_tool_results_are_marked_and_reported() -> None:
    conv = convert_request(
        _tool_turns(
            {
                "type": "tool_result",
                "tool_use_id": "toolu_01X",
                "is_error": True,
                "content": [{"type": "text", "text": "timeout"}],
            }
        )
    )
    assert conv.messages[2]["content"] == "Error: timeout"
    assert "tool-error-marked" in [a.kind for a in conv.adaptations]


def test_thinking_blocks_become_reasoning_and_redacted_ones_are_reported() -> None:
    conv = convert_request(
        {
            "thinking": {"type": "enabled", "budget_tokens": 2048},
            "messages": [
                {"role": "user", "content": "Hi"},
                {
                    "role": "assistant",
                    "content": [
                        {"type": "thinking", "thinking": "Greeting.", "signature": "s"},
                        {"type": "redacted_thinking", "data": "xx"},
                        {"type": "text", "text": "Hello."},
                    ],
                },
                {"role": "user", "content": "Bye"},
            ],
        }
    )
    assert conv.messages[1]["reasoning_content"] == "Greeting."
    assert conv.messages[1]["content"] == "Hello."
    assert conv.thinking is True
    assert conv.thinking_budget == 2048
    assert [a.kind for a in conv.adaptations] == ["redacted-thinking-dropped"]


def test_text_documents_are_converted_and_reported() -> None:
    conv = convert_request(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "document",
                            "title": "Memo",
                            "source": {"type": "text", "media_type": "text/plain", "data": "Body."},
                        }
                    ],
                }
            ]
        }
    )
    assert conv.messages[0]["content"] == "Memo\n\nBody."
    assert "document-as-text" in [a.kind for a in conv.adaptations]


@pytest.mark.parametrize(
    ("block", "kind"),
    [
        ({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}, "image"),
        (
            {
                "type": "document",
                "source": {"type": "base64", "media_type": "application/pdf", "data": "AA=="},
            },
            "document",
        ),
        ({"type": "web_search_tool_result", "content": []}, "web_search_tool_result"),
        ({"type": "hologram"}, "hologram"),
    ],
    ids=["image", "pdf", "server-tool", "unknown"],
)
def test_blocks_portkit_cannot_carry_are_named_errors(block: dict, kind: str) -> None:
    with pytest.raises(UnsupportedContentError) as info:
        convert_request({"messages": [{"role": "user", "content": [block]}]})
    assert info.value.block_type == kind
    assert info.value.path == "messages[0].content[0]"
    assert info.value.hint


@pytest.mark.parametrize(
    ("request_", "path"),
    [
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "system", "content": "x"}, {"role": "user", "content": "y"}]}, None),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        ({"messages": [{"role": "user", "content": 3}]}, "messages[0].content"),
        ({"messages": [{"role": "user", "content": [{"text": "no type"}]}]}, "messages[0].content[0]"),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": "x"}],
                    }
                ]
            },
            "messages[0].content[0].tool_use_id",
        ),
        (
            {"messages": [{"role": "user", "content": "x"}], "tool_choice": {"type": "tool", "name": "nope"}},
            "tool_choice.name",
        ),
        (
            {"messages": [{"role": "user", "content": "x"}], "thinking": {"type": "sometimes"}},
            "thinking.type",
        ),
        ({"messages": [{"role": "user", "content": "x"}], "stop_sequences": [1]}, "stop_sequences"),
    ],
    ids=[
        "no-messages",
        "openai-system-accepted",
        "bad-role",
        "bad-content",
        "untyped-block",
        "orphan-result",
        "unknown-forced-tool",
        "bad-thinking",
        "bad-stops",
    ],
)
def test_malformed_requests_are_request_errors_with_a_path(request_: dict, path: str | None) -> None:
    if path is None:  # an OpenAI-style request with a system message is valid input
        assert convert_request(request_).messages[0]["role"] == "system"
        return
    with pytest.raises(RequestError) as info:
        convert_request(request_)
    assert info.value.path == path


def test_not_a_request_at_all() -> None:
    with pytest.raises(RequestError):
        convert_request("hello")  # type: ignore[arg-type]


def test_openai_messages_are_accepted_and_string_arguments_parsed() -> None:
    conv = convert_request(
        [
            {"role": "developer", "content": "Rules."},
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "ok"},
        ]
    )
    assert conv.messages[0] == {"role": "system", "content": "Rules."}
    assert conv.messages[1]["content"] == [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
    assert conv.messages[2]["tool_calls"][0]["function"]["arguments"] == {"x": 1}
    assert conv.messages[3]["name"] == "f"
    assert "developer-as-system" in [a.kind for a in conv.adaptations]


def test_tool_choice_mapping() -> None:
    base = {
        "messages": [{"role": "user", "content": "x"}],
        "tools": [{"name": "f", "input_schema": {"type": "object"}}],
    }
    assert convert_request({**base, "tool_choice": {"type": "any"}}).tool_choice == "required"
    assert convert_request({**base, "tool_choice": {"type": "tool", "name": "f"}}).tool_choice == {
        "type": "function",
        "function": {"name": "f"},
    }
    assert convert_request({**base, "tool_choice": {"type": "auto"}}).tool_choice == "auto"


def test_server_tools_are_refused() -> None:
    with pytest.raises(UnsupportedContentError) as info:
        convert_request(
            {
                "messages": [{"role": "user", "content": "x"}],
                "tools": [{"type": "web_search_20250305", "name": "web_search"}],
            }
        )
    assert info.value.path == "tools[0]"


# -- the plain-turn fast path converts exactly as the general converters do ---------------------------

_PLAIN_TURN = {"role": "user", "content": "Plain question?"}
_SHAPES = [
    _PLAIN_TURN,
    {"role": "assistant", "content": "Plain answer."},
    {"role": "user", "content": "   "},
    {"role": "user", "content": [{"type": "text", "text": "Block one."}, {"type": "text", "text": "Two."}]},
    {"role": "assistant", "content": "With reasoning.", "reasoning_content": "Thought."},
    {"role": "user", "content": "With a name.", "name": "alice"},
    {"role": "system", "content": "Inner system."},
    {"role": "developer", "content": "Developer note."},
]


def _general(request, monkeypatch: pytest.MonkeyPatch):
    from portkit.template import _request

    with monkeypatch.context() as m:
        m.setattr(_request, "_convert_plain_turns", lambda _messages, _b: False)
        try:
            return convert_request(request)
        except RequestError as exc:
            return type(exc), exc.path


def _fast(request):
    try:
        return convert_request(request)
    except RequestError as exc:
        return type(exc), exc.path


@pytest.mark.parametrize(
    "system", [None, "Be brief.", [{"type": "text", "text": "A"}, {"type": "text", "text": "B"}]]
)
@pytest.mark.parametrize(
    "picks",
    [(0,), (0, 1, 0), (0, 1, 2), (0, 3, 0), (0, 1, 4, 0), (5, 1, 0), (6, 0), (0, 1, 7, 0), (3,)],
)
@pytest.mark.parametrize("as_list", [False, True])
def test_plain_turns_convert_as_the_general_path_does(
    system, picks: tuple[int, ...], as_list: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = [dict(_SHAPES[i]) for i in picks]
    if as_list:
        request = messages if system is None else [{"role": "system", "content": system}, *messages]
    else:
        request = {"messages": messages} if system is None else {"system": system, "messages": messages}
    assert _fast(request) == _general(request, monkeypatch)
