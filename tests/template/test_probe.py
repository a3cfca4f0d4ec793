"""The capability probe, on templates whose behaviour is known."""

from __future__ import annotations

import pytest

from portkit.targets import load_target
from portkit.template._probe import probe


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("template:google-gemma-2-2b-it", {"system_role": "unsupported", "tools": False}),
        (
            "template:Qwen-Qwen3-0.6B",
            {
                "system_role": "supported",
                "thinking_switch": "enable_thinking",
                "thinking_default": True,
                "tool_arguments_as": "dict",
                "tools": True,
            },
        ),
        (
            "template:mistralai-Mistral-Nemo-Instruct-2407",
            {"strict_alternation": True, "tool_call_id": "alnum9", "user_after_tool": False},
        ),
        (
            "template:meta-llama-Llama-3.1-8B-Instruct",
            {"tool_calls": True, "tool_call_content": False, "strict_alternation": False},
        ),
        (
            "template:openai-gpt-oss-120b",
            {
                "thinking_switch": "reasoning_effort",
                "prefill_head": "<|end|><|start|>assistant<|channel|>final<|message|>",
            },
        ),
        ("template:llama-cpp-deepseek-r1", {"thinking_forced_open": True, "tools": False}),
        ("template:meetkai-functionary-medium-v3.2", {"tool_arguments_as": "string"}),
        (
            "template:CohereForAI-c4ai-command-r-plus-tool_use",
            {"renders_user": True, "needs_tools_list": True},
        ),
    ],
    ids=[
        "gemma-2",
        "qwen3",
        "mistral-nemo",
        "llama-3.1",
        "gpt-oss",
        "deepseek-r1",
        "functionary-v3.2",
        "command-r-plus",
    ],
)
def test_probe_learns_known_behaviour(offline_data, name: str, expected: dict) -> None:
    caps = probe(load_target(name))
    for field, value in expected.items():
        assert getattr(caps, field) == value, field


def test_default_system_prompt_is_found(offline_data) -> None:
    caps = probe(load_target("template:Qwen-Qwen2.5-7B-Instruct"))
    assert (
        caps.default_system_prompt == "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
    )
    assert probe(load_target("template:Qwen-Qwen3-0.6B")).default_system_prompt is None


def test_probe_is_cached_per_template(offline_data) -> None:
    a = load_target("template:Qwen-Qwen3-0.6B")
    assert probe(a) is probe(a)
