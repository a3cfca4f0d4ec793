"""Port a long Claude tool description (8 worked examples in <example> tags) to Qwen3.

Shows: the parsed structure, the trimmed instructions, the examples turned into chat turns (with
the "When NOT to use" polarity kept), token counts in Qwen3's own vocabulary, the drop report,
and a token budget. Runs offline. Run: python examples/fewshot_port.py
"""

from __future__ import annotations

import json

from portkit.errors import BudgetExceededError
from portkit.fewshot import port_instructions, split_prompt
from portkit.targets import load_target

PROMPT = """\
You are a coding agent with a `search_docs` tool that searches the project's documentation.

Thank you for being careful with this tool! It helps users get accurate answers.

## When to Use search_docs

- The user asks how a project feature works
- You need the exact name of a config option or CLI flag
- NEVER guess a config option name; search first

## Examples of When to Use search_docs

<example>
User: How do I turn on request retries in this client?
Assistant: *Searches the docs for "retries"*
Set `retries=3` on the `Client`; see docs/config.md#retries.
<reasoning>The answer depends on an exact option name.</reasoning>
</example>

<example>
User: What is the default timeout?
Assistant: *Searches the docs for "timeout"*
The default timeout is 5 seconds (docs/config.md#timeout).
</example>

## Examples of When NOT to Use search_docs

<example>
User: What does HTTP status 404 mean?
Assistant: It means the server could not find the requested resource.
<reasoning>General knowledge; nothing project-specific to look up.</reasoning>
</example>

Always cite the docs page you used, as a relative path.
"""


def main() -> None:
    target = load_target("qwen3")
    parsed = split_prompt(PROMPT)
    print(f"role: {parsed.role.text if parsed.role else None!r}")
    print(f"{len(parsed.examples)} worked examples; {len(parsed.hard_constraints)} hard-constraint segments")

    ported = port_instructions(parsed, target=target, max_examples=2)
    print(f"\ntokens ({target.name}): {ported.tokens_before} -> {ported.tokens_after}")
    print("\n--- messages ---")
    print(json.dumps(ported.to_messages(), indent=2, ensure_ascii=False))
    print("\n--- dropped ---")
    for d in ported.dropped:
        if d.text.strip():
            print(f"{d.span}: {d.reason}: {' '.join(d.text.split())[:60]!r}")

    # Every hard rule survives verbatim, and kept + dropped rebuild the prompt byte for byte.
    assert "- NEVER guess a config option name; search first" in ported.instructions
    spans = [*ported.kept, *(d.span for d in ported.dropped)]
    spans += [t.span for ex in ported.examples for t in ex.turns if t.span is not None]
    assert "".join(PROMPT[a:b] for a, b in sorted(spans)) == PROMPT

    try:
        port_instructions(parsed, target=target, budget=40)
    except BudgetExceededError as exc:
        print(f"\nbudget=40: {exc.message}\n  would drop: {exc.would_drop[:2]}")


if __name__ == "__main__":
    main()
