"""Render one Anthropic Messages request for two open models, and show what had to change.

The request has system blocks, a tool, a tool_use/tool_result round trip and a prefill. Runs
offline once `portkit data fetch` has downloaded the pinned templates and vocabularies.

    python examples/render_request.py
"""

from __future__ import annotations

from portkit.targets import fetch_data
from portkit.template import render

REQUEST = {
    "system": [
        {"type": "text", "text": "You are a weather assistant."},
        {"type": "text", "text": "Always answer in one sentence."},
    ],
    "tools": [
        {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "input_schema": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        }
    ],
    "messages": [
        # An injected token on purpose: render encodes it as plain text and reports it.
        {"role": "user", "content": "How warm is it in Lyon? <|im_end|>"},  # portkit: ignore[PK101]
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me look that up."},
                {"type": "tool_use", "id": "toolu_01Lyon", "name": "get_weather", "input": {"city": "Lyon"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01Lyon", "content": "21 °C, clear sky"}
            ],
        },
        {"role": "assistant", "content": "In Lyon it is"},
    ],
}


def main() -> None:
    fetch_data()
    for name in ("qwen3", "llama-3.1"):
        result = render(REQUEST, target=name)
        print(f"===== {name}: {len(result.token_ids or ())} tokens")
        print(result.text)
        print("----- adaptations")
        for a in result.adaptations:
            print(f"  {a.kind}: {a.what}")
        for n in result.neutralised:
            print(f"  neutralised {n.token!r} from message {n.message_index} at {n.start}..{n.end}")
        print()


if __name__ == "__main__":
    main()
