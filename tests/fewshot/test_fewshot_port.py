"""port_instructions: trimming, example choice, token counts with real vocabularies, budgets."""

from __future__ import annotations

import textwrap

import pytest

from portkit.errors import BudgetExceededError, PromptError
from portkit.fewshot import Example, port_instructions, split_prompt

from ._helpers import rebuild

CLASSIFIER = textwrap.dedent(
    """\
    You are a sentiment classifier for product reviews.

    Thank you so much for helping us with this task. This helps our team a lot.

    Classify each review as POSITIVE, NEGATIVE or MIXED. Return only the label.

    Here are some examples:
    <examples>
    Text: Love it, works great.
    Category: POSITIVE

    Text: Broke after a day.
    Category: NEGATIVE

    Text: Great screen, awful battery.
    Category: MIXED

    Text: Best purchase this year.
    Category: POSITIVE

    Text: Arrived late and scratched.
    Category: NEGATIVE
    </examples>

    Classify each review as POSITIVE, NEGATIVE or MIXED. Return only the label.
    <review>{review}</review>
    """
)


def test_classifier_port_without_target() -> None:
    ported = port_instructions(split_prompt(CLASSIFIER), target=None)
    assert ported.tokens_before is None
    assert ported.tokens_after is None
    assert ported.instructions == (
        "You are a sentiment classifier for product reviews.\n\n"
        "Classify each review as POSITIVE, NEGATIVE or MIXED. Return only the label.\n\n"
        "<review>{review}</review>"
    )
    # three examples covering all three labels, in source order
    assert [(ex.user, ex.assistant) for ex in ported.examples] == [
        ("Love it, works great.", "POSITIVE"),
        ("Broke after a day.", "NEGATIVE"),
        ("Great screen, awful battery.", "MIXED"),
    ]
    reasons = {d.reason for d in ported.dropped}
    assert "politeness" in reasons
    assert "duplicate of an earlier sentence" in reasons
    assert any(r.startswith("worked example not chosen") for r in reasons)
    assert rebuild(CLASSIFIER, ported) == CLASSIFIER


def test_to_messages_order_and_roles() -> None:
    ported = port_instructions(CLASSIFIER, target=None, max_examples=2)
    msgs = ported.to_messages()
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user", "assistant"]
    assert msgs[0]["content"] == ported.instructions
    assert msgs[2]["content"] in {"POSITIVE", "NEGATIVE", "MIXED"}


def test_max_examples_none_keeps_all_and_zero_keeps_none() -> None:
    assert len(port_instructions(CLASSIFIER, target=None, max_examples=None).examples) == 5
    ported = port_instructions(CLASSIFIER, target=None, max_examples=0)
    assert ported.examples == ()
    assert rebuild(CLASSIFIER, ported) == CLASSIFIER


def test_label_coverage_warning() -> None:
    ported = port_instructions(CLASSIFIER, target=None, max_examples=2)
    assert any("'MIXED'" in w for w in ported.warnings)


def test_heading_polarity_note_reaches_the_user_turn() -> None:
    text = "## When NOT to use the search tool\n\n<example>\nUser: what is 2+2?\nAssistant: 4\n</example>\n"
    ported = port_instructions(text, target=None)
    assert ported.examples[0].user == "what is 2+2?"
    user_msg = ported.to_messages()[1]["content"]
    assert user_msg == "[Example: When NOT to use the search tool]\nwhat is 2+2?"
    assert ported.to_messages(notes=False)[1]["content"] == "what is 2+2?"
    assert ported.instructions == ""


def test_no_examples_warns_and_invents_none() -> None:
    ported = port_instructions("Answer in French. Never use emojis.", target=None)
    assert ported.examples == ()
    assert any("no worked examples" in w for w in ported.warnings)
    assert ported.instructions == "Answer in French. Never use emojis."


def test_user_pool_is_used_and_validated() -> None:
    ported = port_instructions(
        "Answer in French.",
        target=None,
        examples=[("Hello", "Bonjour"), {"user": "Thanks", "assistant": "Merci", "label": "polite"}],
    )
    assert [(e.user, e.assistant, e.source_span) for e in ported.examples] == [
        ("Hello", "Bonjour", None),
        ("Thanks", "Merci", None),
    ]
    assert not any("no worked examples" in w for w in ported.warnings)
    with pytest.raises(PromptError, match=r"examples\[0\]"):
        port_instructions("x", target=None, examples=[("only one",)])  # type: ignore[list-item]


def test_user_examples_can_be_example_objects() -> None:
    ex = split_prompt("<example>\nUser: a\nAssistant: b\n</example>").examples[0]
    assert port_instructions("Be brief.", target=None, examples=[ex]).examples == (ex,)


def test_budget_without_target_is_a_prompt_error() -> None:
    with pytest.raises(PromptError, match="needs a target") as info:
        port_instructions(CLASSIFIER, target=None, budget=100)
    assert info.value.hint
    assert "target=" in info.value.hint


def test_real_token_counts(qwen3, llama31) -> None:
    for target in (qwen3, llama31):
        ported = port_instructions(CLASSIFIER, target=target)
        assert ported.tokens_before == target.count_tokens(CLASSIFIER)
        turns = sum(target.count_tokens(t.text) for ex in ported.examples for t in ex.turns)
        assert ported.tokens_after == target.count_tokens(ported.instructions) + turns
        assert ported.tokens_after < ported.tokens_before
        assert ported.target == target.name


def test_budget_drops_soft_sentences_then_examples(qwen3) -> None:
    text = CLASSIFIER.replace(
        "Classify each review",
        "You will mostly see reviews of gadgets and accessories from our web shop.\n\nClassify each review",
        1,
    )
    free = port_instructions(text, target=qwen3)
    assert "web shop" in free.instructions
    tight = port_instructions(text, target=qwen3, budget=free.tokens_after - 5)
    assert tight.tokens_after is not None
    assert tight.tokens_after <= free.tokens_after - 5
    assert "web shop" not in tight.instructions
    assert any(d.reason == "soft sentence dropped to fit the token budget" for d in tight.dropped)
    assert rebuild(text, tight) == text
    # hard constraints survive every budget that can be met
    assert "Classify each review as POSITIVE, NEGATIVE or MIXED. Return only the label." in tight.instructions


def test_budget_that_cannot_be_met(qwen3) -> None:
    with pytest.raises(BudgetExceededError) as info:
        port_instructions(CLASSIFIER, target=qwen3, budget=10)
    err = info.value
    assert err.budget == 10
    assert err.needed > 10
    assert err.would_drop
    assert all(s in CLASSIFIER for s in err.would_drop)


def test_target_by_name_and_template_only_target(offline_data) -> None:
    assert port_instructions(CLASSIFIER, target="qwen3").tokens_after is not None
    ported = port_instructions(CLASSIFIER, target="gpt-oss")
    assert ported.tokens_after is None
    with pytest.raises(PromptError, match="no vocabulary"):
        port_instructions(CLASSIFIER, target="gpt-oss", budget=100)


def test_bad_arguments() -> None:
    with pytest.raises(PromptError, match="ParsedPrompt"):
        port_instructions(42, target=None)  # type: ignore[arg-type]
    with pytest.raises(PromptError, match="max_examples"):
        port_instructions("x", target=None, max_examples=-1)


def test_output_is_byte_identical_across_runs(qwen3) -> None:
    a = port_instructions(CLASSIFIER, target=qwen3)
    b = port_instructions(split_prompt(CLASSIFIER), target=qwen3)
    assert a == b


def test_example_is_frozen() -> None:
    ex = port_instructions(CLASSIFIER, target=None).examples[0]
    assert isinstance(ex, Example)
    with pytest.raises(AttributeError):
        ex.label = "x"  # type: ignore[misc]


def test_aggressive_keeps_constraints_and_drops_descriptions() -> None:
    text = (
        "You are Ada, a support bot. Ada is available on the web and in the app. Ada was launched in 2024. "
        "If asked about pricing, Ada should link to https://example.com/pricing. Ada never shares emails.\n"
        "- Keep answers short"
    )
    safe = port_instructions(text, target=None)
    strict = port_instructions(text, target=None, aggressive=True)
    assert "Ada is available on the web and in the app." in safe.instructions
    assert strict.instructions == (
        "You are Ada, a support bot. Ada was launched in 2024. "
        "If asked about pricing, Ada should link to https://example.com/pricing. Ada never shares emails.\n"
        "- Keep answers short"
    )
    assert [d.text for d in strict.dropped if "aggressive" in d.reason] == [
        "Ada is available on the web and in the app."
    ]
    assert rebuild(text, strict) == text


def _long_rule_book(sections: int = 40) -> str:
    """A prose rule book over 1,500 words: descriptions, rules, a rationale and a restated summary."""
    parts = ["The assistant is Quill, a writing tutor.\n"]
    for i in range(sections):
        parts.append(
            f"## Topic {i}\n\n"
            f"Quill enjoys talking about essays and sees each draft as a conversation partner. "
            f"Drafts in this topic usually run long and wander between points. "
            f"Quill never rewrites more than {i + 2} sentences of a student's draft. "
            f"This is important because students learn more from their own words.\n"
        )
    parts.append(
        "## Summary\n\nThis section repeats the rules above.\n\n"
        "Quill never rewrites more than 2 sentences of a student's draft.\n"
    )
    return "\n".join(parts)


def test_long_prompts_get_aggressive_trimming_by_default() -> None:
    text = _long_rule_book()
    assert len(text.split()) > 1500
    auto = port_instructions(text, target=None)
    forced_off = port_instructions(text, target=None, aggressive=False)
    assert auto.instructions == port_instructions(text, target=None, aggressive=True).instructions
    assert "sees each draft as a conversation partner" in forced_off.instructions
    assert "sees each draft as a conversation partner" not in auto.instructions
    for i in range(40):
        assert f"Quill never rewrites more than {i + 2} sentences of a student's draft." in auto.instructions
    assert auto.instructions.startswith("The assistant is Quill, a writing tutor.")
    reasons = {d.reason for d in auto.dropped}
    assert any("rationale" in r for r in reasons)
    assert "restates a rule kept verbatim earlier in the prompt" in reasons
    # the summary heading goes once the restated rule and the meta sentence under it are gone
    assert "## Summary" not in auto.instructions
    assert rebuild(text, auto) == text


def test_short_prompts_keep_descriptions_by_default() -> None:
    text = "You are Ada. Ada is available on the web and in the app. Ada never shares emails."
    assert port_instructions(text, target=None).instructions == text


def test_aggressive_keeps_imperatives_quantities_and_label_sets() -> None:
    text = (
        "You are Ada. Group changes under the headings Added, Changed, Fixed and Removed. "
        "Ada gives five titles per list. Ada likes tidy changelogs. "
        "For example, a typo fix goes under Fixed. Ada uses markdown for code."
    )
    ported = port_instructions(text, target=None, aggressive=True)
    assert ported.instructions == (
        "You are Ada. Group changes under the headings Added, Changed, Fixed and Removed. "
        "Ada gives five titles per list. Ada uses markdown for code."
    )
    reasons = [d.reason for d in ported.dropped if d.text.strip()]
    assert any("illustration" in r for r in reasons)
    assert rebuild(text, ported) == text


def test_persona_rules_are_not_background() -> None:
    text = (
        "The assistant is Wayfarer, a travel concierge.\n\n"
        "When a traveller complains, Wayfarer acknowledges the problem first.\n\n"
        "Most complaints are about delays."
    )
    ported = port_instructions(text, target=None)
    assert "When a traveller complains, Wayfarer acknowledges the problem first." in ported.instructions
    assert "Most complaints are about delays." not in ported.instructions


def test_common_acronyms_do_not_make_a_description_hard() -> None:
    text = "You are Ada. Claude is accessible via an API. Reply with ALLOW or BLOCK. Ada never lies."
    ported = port_instructions(text, target=None, aggressive=True)
    assert ported.instructions == "You are Ada. Reply with ALLOW or BLOCK. Ada never lies."


def test_a_long_document_does_not_make_a_short_prompt_aggressive() -> None:
    document = "<document>\n" + "The tenant pays rent monthly. " * 400 + "\n</document>"
    text = f"You are a lease analyst. The document below is a lease agreement.\n\n{document}"
    assert len(text.split()) > 1500
    assert "The document below is a lease agreement." in port_instructions(text, target=None).instructions


def test_aggressive_drops_sentences_whose_only_markers_are_soft() -> None:
    text = (
        "You are Ada, a support bot. "
        "If the person asks about plans, Ada can tell them about the team plan. "
        "Ada should keep a friendly tone. "
        "Ada avoids long answers. "
        "If the person asks about anything not listed here, Ada can suggest the help centre. "
        "Ada does not need to apologise for delays. "
        "If no category matches, return an empty list. "
        "Ada never shares emails. "
        "Ada tells people they can press the 'thumbs down' button. "
        "Ada should avoid giving legal advice, and Ada must not guess prices."
    )
    ported = port_instructions(text, target=None, aggressive=True)
    assert ported.instructions == (
        "You are Ada, a support bot. "
        "If no category matches, return an empty list. "
        "Ada never shares emails. "
        "Ada tells people they can press the 'thumbs down' button. "
        "Ada should avoid giving legal advice, and Ada must not guess prices."
    )
    reasons = {d.reason for d in ported.dropped if d.text.strip()}
    assert reasons == {
        "not a hard constraint under aggressive trimming (no MUST/NEVER/ALWAYS/only/exactly/not/no, "
        "number, quantity, label set, quote, URL, code or imperative; should/if/avoid alone do not count)"
    }
    assert rebuild(text, ported) == text
    # off, every one of them stays
    assert port_instructions(text, target=None, aggressive=False).instructions == text


def test_aggressive_keeps_the_antecedent_a_kept_sentence_points_back_at() -> None:
    text = (
        "You are Ada, a writing coach.\n\n"
        "When relevant, Ada can give tips on writing prompts. This includes: being clear, "
        "giving 2 examples and naming the format.\n\n"
        "Ada enjoys poetry. Ada likes long walks.\n\n"
        "If asked about the contest, Ada can tell the person the following:\n\n"
        "* The deadline is 1 March.\n"
    )
    ported = port_instructions(text, target=None, aggressive=True)
    assert "When relevant, Ada can give tips on writing prompts. This includes:" in ported.instructions
    assert "If asked about the contest, Ada can tell the person the following:" in ported.instructions
    assert "Ada enjoys poetry." not in ported.instructions
    assert rebuild(text, ported) == text


def test_an_instruction_that_mentions_help_later_is_not_rationale() -> None:
    text = (
        "You are Ada, a support bot. Ada answers the question. "
        "It then asks if there's anything else it can help with. This helps users feel heard."
    )
    ported = port_instructions(text, target=None, aggressive=False)
    assert "It then asks if there's anything else it can help with." in ported.instructions
    assert [d.text for d in ported.dropped if d.reason.startswith("rationale")] == [
        "This helps users feel heard."
    ]


def test_strong_words_in_a_leading_condition_still_count() -> None:
    text = (
        "You are Ada, a support bot. "
        "If the person asks about anything not listed here, Ada can suggest the help centre. "
        "If the person cannot log in, Ada sends them to the reset page. "
        "If a person asks Ada to forget something and Ada doesn't delete it, Ada is misleading them."
    )
    ported = port_instructions(text, target=None, aggressive=True)
    assert ported.instructions == (
        "You are Ada, a support bot. "
        "If the person cannot log in, Ada sends them to the reset page. "
        "If a person asks Ada to forget something and Ada doesn't delete it, Ada is misleading them."
    )
