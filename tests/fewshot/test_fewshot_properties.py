"""Hypothesis: split_prompt never crashes, and kept + dropped rebuild every input byte-exactly."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portkit.fewshot import port_instructions, split_prompt

from ._helpers import rebuild

# Pieces that exercise every branch of the parser, glued in random order.
FRAGMENTS = [
    "<example>",
    "</example>",
    "<examples>",
    "</examples>",
    "<input>",
    "</input>",
    "<output>",
    "</output>",
    "<reasoning>",
    "</reasoning>",
    "<document>",
    "</document>",
    "<bad_example>",
    "</bad_example>",
    "<a:b x='1'>",
    "</a:b>",
    "`<example>`",
    "`</example>`",
    "`<user>`",
    "`</user>`  ",
    "`<response>`",
    "`</response>`",
    "`<example_user_memories>`",
    "`</example_user_memories>`",
    "If the person asks, ",
    "This includes: ",
    "the following:",
    "Claude avoids lists. ",
    "User: ",
    "Assistant: ",
    "Human: ",
    "H: ",
    "A: ",
    "Q: ",
    "Input: ",
    "Output: ",
    "Text: ",
    "Category: ",
    "Bad: ",
    "Good: ",
    "Context: ",
    "## Examples\n",
    "# When NOT to use\n",
    "- rule\n",
    "1. step\n",
    "```\n",
    "~~~\n",
    "---\n",
    "{text}",
    "{{var}}",
    "${VAR}",
    "[Name]",
    "...",
    "// more\n",
    "<transcript>",
    "</transcript>",
    "<json>",
    "</json>",
    " in <json> tags. ",
    "1. A title:\n",
    "<functions>",
    "</functions>",
    "<function>",
    "</function>",
    '{"name": "get_time", "parameters": {"type": "object"}}',
    '{"functions": [{"name": "a", "input_schema": {}}]}',
    '{"type": "object", "properties": {}}',
    "```json\n",
    "## get_time\n",
    "<function_calls>",
    '<invoke name="$FUNCTION_NAME">',
    "</function_calls>",
    "You are a bot. ",
    "Thank you. ",
    "This helps a lot. ",
    "You MUST answer. ",
    "Never lie. ",
    "EXAMPLES (input → label)\n",
    "BAD EXAMPLES\n",
    '"quoted input"\n',
    "→ output\n",
    "-> ok\n",
    "  (why it is ok)\n",
    "You: ",
    "User:\n  ",
    "You:\n  ",
    "\n  indented line\n",
    "## Example session\n",
    "For example:\n",
    "Here are some examples:\n",
    "e.g. ",
    "\n",
    "\n\n",
    "\n\n\n",
    "  ",
    "\t",
    "\r\n",
    "é",
    "🙂",
    "<",
    ">",
    ":",
]

prompt_like = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=40).map("".join)
any_text = st.one_of(st.text(max_size=300), prompt_like)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(any_text)
def test_split_prompt_never_crashes_and_tiles_the_text(text: str) -> None:
    p = split_prompt(text)
    assert "".join(s.text for s in p.segments) == text
    pos = 0
    for s in p.segments:
        assert s.start == pos
        assert s.end > s.start
        assert text[s.start : s.end] == s.text
        pos = s.end
    for ex in p.examples:
        assert ex.turns[0].role == "user"
        assert ex.turns[-1].role == "assistant"
        for turn in ex.turns:
            assert turn.text
            assert text[turn.span[0] : turn.span[1]] == turn.text


@SETTINGS
@given(any_text, st.sampled_from([None, 0, 1, 3]), st.sampled_from([None, True]))
def test_kept_plus_dropped_rebuilds_the_original(
    text: str, max_examples: int | None, aggressive: bool | None
) -> None:
    ported = port_instructions(
        split_prompt(text), target=None, max_examples=max_examples, aggressive=aggressive
    )
    assert rebuild(text, ported) == text
    assert ported.instructions == "".join(text[a:b] for a, b in ported.kept)
    for d in ported.dropped:
        assert d.reason
        assert text[d.span[0] : d.span[1]] == d.text


@settings(max_examples=100, deadline=None)
@given(prompt_like)
def test_hard_constraints_are_never_dropped(text: str) -> None:
    p = split_prompt(text)
    ported = port_instructions(p, target=None)
    for seg in p.hard_constraints:
        if seg.filler is None:
            assert seg.text in ported.instructions


@settings(max_examples=100, deadline=None)
@given(prompt_like)
def test_deterministic(text: str) -> None:
    assert port_instructions(text, target=None) == port_instructions(text, target=None)
