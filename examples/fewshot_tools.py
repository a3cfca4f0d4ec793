"""Port a Claude prompt that carries its tools inline (a <functions> block) to Qwen3 and Phi-3.5.

Shows: the tool definitions found in the prompt, the instructions without them, the tools in
OpenAI shape with their token count, the drop report, and port_prompt rendering them through
Qwen3's template (its own <tools> block) while keeping them inline for Phi-3.5, whose template
renders no tools. Runs offline. Run: python examples/fewshot_tools.py
"""

from __future__ import annotations

import json

from portkit import port_prompt
from portkit.fewshot import port_instructions, split_prompt
from portkit.targets import load_target

LOOKUP = {
    "name": "lookup_order",
    "description": "Fetch one order by its number.",
    "input_schema": {
        "type": "object",
        "properties": {"order": {"type": "string", "description": "Order number, such as A-1042."}},
        "required": ["order"],
    },
}
REFUND = {
    "name": "issue_refund",
    "description": "Refund an order in full.",
    "input_schema": {"type": "object", "properties": {"order": {"type": "string"}}, "required": ["order"]},
}

PROMPT = f"""\
You are Parcel, the support assistant of an online tea shop.

In this environment you have access to a set of tools you can use to answer the user's question.
You can invoke functions by writing a "<function_calls>" block like the following as part of your reply:
<function_calls>
<invoke name="$FUNCTION_NAME">
<parameter name="$PARAMETER_NAME">$PARAMETER_VALUE</parameter>
</invoke>
</function_calls>

Here are the functions available in JSONSchema format:
<functions>
<function>{json.dumps(LOOKUP)}</function>
<function>{json.dumps(REFUND)}</function>
</functions>

Never issue a refund over 50 EUR without a human's approval. Always quote the order number.
We really appreciate your help with our customers!
"""


def main() -> None:
    qwen3 = load_target("qwen3")
    parsed = split_prompt(PROMPT)
    print("tools in the prompt:", [(t.name, t.span) for t in parsed.tools])

    ported = port_instructions(parsed, target=qwen3)
    print(f"\ninstructions ({ported.tokens_before} -> {ported.tokens_after} tokens):\n{ported.instructions}")
    print(f"\ntools, sent as the request's tools ({ported.tokens_tools} tokens as JSON):")
    print(json.dumps(list(ported.tools), indent=2)[:400], "...")
    print("\ndropped:")
    for d in ported.dropped:
        if d.text.strip():
            print(f"  {d.span}: {d.reason.split(' (')[0]}")

    request = {"system": PROMPT, "messages": [{"role": "user", "content": "Where is order A-1042?"}]}
    on_qwen = port_prompt(request, target=qwen3)
    assert "<tools>" in on_qwen.text and "<functions>" not in on_qwen.text
    print(f"\nqwen3: {len(on_qwen.tools)} tools rendered by the template's own <tools> block")

    on_phi = port_prompt(request, target="phi-3.5")
    assert on_phi.tools == () and '"name": "lookup_order"' in on_phi.text
    print("phi-3.5: its template renders no tools, so they stay verbatim in the system prompt")


if __name__ == "__main__":
    main()
