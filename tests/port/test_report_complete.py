"""Property: every difference between the input and ``PortedPrompt.messages`` is explained by the report."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portkit import port_prompt

WORDS = st.sampled_from(
    [
        "the",
        "review",
        "customer",
        "answer",
        "label",
        "JSON",
        "refund",
        "order",
        "please",
        "thanks",
        "42",
        "data",
    ]
)
SENTENCE = st.lists(WORDS, min_size=3, max_size=10).map(lambda ws: " ".join(ws).capitalize() + ".")
RULE = SENTENCE.map(lambda s: f"- You MUST {s[0].lower()}{s[1:]}")
POLITE = st.sampled_from(
    [
        "Thank you so much for your help!",
        "We really appreciate your careful work.",
        "I hope this makes sense.",
    ]
)
EXAMPLE = st.tuples(SENTENCE, SENTENCE).map(
    lambda io: f"<example>\nInput: {io[0]}\nOutput: {io[1]}\n</example>"
)
BLOCK = st.one_of(
    SENTENCE,
    RULE,
    POLITE,
    EXAMPLE,
    st.just("## Rules"),
    st.just("<instructions>\nBe exact.\n</instructions>"),
    # a tool written into the prompt, as Claude's consumer prompts do: moved to the request's tools
    WORDS.map(
        lambda w: (
            "<functions>\n<function>"
            + json.dumps({"name": f"find_{w}", "parameters": {"type": "object"}})
            + "</function>\n</functions>"
        )
    ),
)
PROMPT = st.lists(BLOCK, min_size=1, max_size=12).map("\n\n".join)


def _covered(length: int, spans: list[tuple[int, int]]) -> set[int]:
    covered: set[int] = set()
    for start, end in spans:
        assert 0 <= start <= end <= length
        covered.update(range(start, end))
    return covered


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prompt=PROMPT, user=SENTENCE)
def test_every_change_to_the_system_prompt_is_reported(qwen3, prompt, user):
    ported = port_prompt(prompt, target=qwen3, user=user)
    report = ported.report
    ins = report.instructions
    assert ins is not None
    spans = (
        [tuple(s) for s in ins.kept]
        + [d.span for d in report.dropped]
        + [e.source_span for e in report.examples]
    )
    # Every character of the original is kept, dropped with a reason, or moved into an example turn.
    assert _covered(len(prompt), spans) >= set(range(len(prompt))) - {
        i for i, c in enumerate(prompt) if c.isspace()
    }
    assert all(d.reason for d in report.dropped)
    system = ported.messages[0]["content"] if ported.messages[0]["role"] == "system" else ""
    for start, end in ins.kept:
        assert prompt[start:end].strip() in system
    contents = "\n".join(str(m["content"]) for m in ported.messages)
    for example in report.examples:
        assert example.user in contents
        assert example.assistant in contents
    # Tools moved out of the prompt are sent as tools and rendered by the template.
    for tool in ins.tools:
        assert tool in ported.tools
        assert f'"name": "{tool["function"]["name"]}"' in ported.text
    # The user's message is sent verbatim as the last turn.
    assert ported.messages[-1] == {"role": "user", "content": user}


ROLE_TEXT = st.tuples(st.sampled_from(["user", "assistant"]), SENTENCE)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    system=SENTENCE,
    turns=st.lists(ROLE_TEXT, min_size=1, max_size=6),
    name=st.sampled_from(["llama-3.1", "gemma-2", "qwen3"]),
)
def test_every_message_arrives_verbatim_or_with_an_adaptation(load, system, turns, name):
    target = load(name)
    # The Messages API requires the first and (without prefill) the last turn to be the user's.
    turns = [("user", "Hello there."), *turns]
    if turns[-1][0] == "assistant":
        turns = [*turns, ("user", "And now?")]
    request = {"system": system, "messages": [{"role": r, "content": t} for r, t in turns]}
    ported = port_prompt(request, target=target, fewshot=False)
    sent = [str(m["content"]) for m in ported.messages]
    adapted = {a.message_index for a in ported.report.adaptations}
    for index, (_role, text) in enumerate(turns):
        verbatim = text in sent
        # A message merged with a neighbour is reported on the message merged into it.
        merged = any(text in m for m in sent) and bool(adapted - {None})
        assert verbatim or merged or index in adapted, (index, text, sent, ported.report.adaptations)
        assert text in ported.text  # nothing is silently dropped
    assert system in ported.text
    if system not in sent:
        assert ported.report.adaptations  # a folded system prompt is reported
