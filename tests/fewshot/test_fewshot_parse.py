"""split_prompt: real parsed structure on small prompts in each shape the parser knows."""

from __future__ import annotations

import textwrap

import pytest

from portkit.errors import PromptError
from portkit.fewshot import port_instructions, split_prompt

from ._helpers import rebuild


def _d(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(ex.user, ex.assistant) for ex in split_prompt(text).examples]


def test_segments_tile_the_text_and_turns_are_byte_exact() -> None:
    text = _d(
        """
        You are a classifier. Answer positive or negative.
        <examples>
        <example>
        <input>The food was cold.</input>
        <output>negative</output>
        </example>
        </examples>
        """
    )
    p = split_prompt(text)
    assert "".join(s.text for s in p.segments) == text
    (ex,) = p.examples
    assert (ex.user, ex.assistant, ex.label) == ("The food was cold.", "negative", "negative")
    for turn in ex.turns:
        assert text[turn.span[0] : turn.span[1]] == turn.text
    assert ex.source_span is not None
    assert text[ex.source_span[0] : ex.source_span[1]].startswith("<example>")
    assert p.role is not None
    assert p.role.text == "You are a classifier."
    assert [s.text for s in p.hard_constraints] == ["You are a classifier."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Examples:\n\nInput: 2+2\nOutput: 4\n\nInput: 3+3\nOutput: 6\n",
            [("2+2", "4"), ("3+3", "6")],
            id="input-output",
        ),
        pytest.param(
            "Here are some examples:\nQ: Capital of France?\nA: Paris\n\nQ: Capital of Peru?\nA: Lima\n",
            [("Capital of France?", "Paris"), ("Capital of Peru?", "Lima")],
            id="q-a",
        ),
        pytest.param(
            "<examples>\nText: buy my pills\nCategory: SPAM\n\nText: see you at 5\nCategory: HAM\n</examples>",
            [("buy my pills", "SPAM"), ("see you at 5", "HAM")],
            id="text-category-in-examples-tag",
        ),
        pytest.param(
            "## Examples\n\nH: Say hi\n\nA: Hi!\n",
            [("Say hi", "Hi!")],
            id="h-a-blank-line-between",
        ),
        pytest.param(
            "<example>\nHuman: Translate 'cat' to French\nAssistant: chat\n</example>",
            [("Translate 'cat' to French", "chat")],
            id="human-assistant-in-example",
        ),
        pytest.param(
            "<example>\n<user_query>Where is my order?</user_query>\n<ideal_response>Let me check.</ideal_response>\n</example>",
            [("Where is my order?", "Let me check.")],
            id="child-tags",
        ),
        pytest.param(
            "<ns:example>\nUser: ping\nAssistant: pong\n</ns:example>",
            [("ping", "pong")],
            id="namespaced-tag",
        ),
        pytest.param(
            "For example:\n**User**: hello\n**Assistant**: Hello! How can I help?\n",
            [("hello", "Hello! How can I help?")],
            id="bold-labels",
        ),
    ],
)
def test_worked_example_shapes(text: str, expected: list[tuple[str, str]]) -> None:
    assert _pairs(text) == expected


def test_multi_turn_example_keeps_every_turn() -> None:
    text = "<example>\nUser: hi\nAssistant: hello\nUser: bye\nAssistant: goodbye\n</example>"
    (ex,) = split_prompt(text).examples
    assert [(t.role, t.text) for t in ex.turns] == [
        ("user", "hi"),
        ("assistant", "hello"),
        ("user", "bye"),
        ("assistant", "goodbye"),
    ]


def test_reasoning_block_is_not_part_of_the_assistant_turn() -> None:
    text = "<example>\nUser: fix it\nAssistant: Done.\n\n<reasoning>\nIt was easy.\n</reasoning>\n</example>"
    p = split_prompt(text)
    assert p.examples[0].assistant == "Done."
    assert [s.text for s in p.segments if s.kind == "example_rationale"] == ["It was easy."]


@pytest.mark.parametrize(
    ("text", "reason_part"),
    [
        pytest.param(
            "<example>\nUser: summarize this\nBad: I refuse.\nGood: A short summary.\n</example>",
            "negative",
            id="bad-label",
        ),
        pytest.param(
            "## Bad examples\n\n<example>\nUser: hi\nAssistant: WHAT DO YOU WANT\n</example>",
            "negative",
            id="bad-heading",
        ),
        pytest.param(
            "<bad_example>\nUser: hi\nAssistant: go away\n</bad_example>",
            "negative",
            id="bad-tag",
        ),
        pytest.param(
            "For example:\n<example>\nInput: {document}\nOutput: {summary}\n</example>",
            "template",
            id="placeholder-template",
        ),
        pytest.param(
            "Use this format, for example:\n<example>\nName: x\nInput: [customer question]\nOutput: [Your answer]\n</example>",
            "skeleton",
            id="field-template",
        ),
        pytest.param(
            'Example of a response:\n<example>\nOutput: {"ok": true, "reason": "fine"}\n</example>',
            "output-only",
            id="output-only",
        ),
    ],
)
def test_look_alikes_are_rejected(text: str, reason_part: str) -> None:
    p = split_prompt(text)
    assert p.examples == ()
    assert any(reason_part in r.reason for r in p.rejected), p.rejected


def test_nested_example_inside_output_is_one_example() -> None:
    text = _d(
        """
        <example>
        User: Show me how to write a few-shot prompt.
        Assistant: Wrap each one in tags:
        <example>
        User: 2+2
        Assistant: 4
        </example>
        </example>
        """
    )
    (ex,) = split_prompt(text).examples
    assert ex.user == "Show me how to write a few-shot prompt."
    assert ex.assistant.startswith("Wrap each one in tags:")
    assert ex.assistant.endswith("Assistant: 4\n</example>")


def test_transcript_in_a_document_is_input_data() -> None:
    text = _d(
        """
        Summarize the call below.
        <transcript>
        User: my router is broken
        Assistant: have you tried turning it off?
        </transcript>
        """
    )
    p = split_prompt(text)
    assert p.examples == ()
    assert any("input data" in r.reason for r in p.rejected)
    assert [s.kind for s in p.segments if "router" in s.text] == ["context"]


def test_transcript_without_example_context_is_not_an_example() -> None:
    text = "Here is the chat so far.\n\nUser: hello\nAssistant: hi\n\nContinue it politely."
    p = split_prompt(text)
    assert p.examples == ()
    assert any("outside any example context" in r.reason for r in p.rejected)


def test_routing_examples_in_front_matter_never_become_examples() -> None:
    text = _d(
        """
        ---
        name: reviewer
        description: Use after code changes. Examples: <example>user: "I wrote a function" assistant: "I'll launch the reviewer"</example>
        ---
        You review code.
        """
    )
    p = split_prompt(text)
    assert p.examples == ()
    assert any("front matter" in r.reason for r in p.rejected)


def test_tags_in_backticks_are_mentions_not_structure() -> None:
    text = "Write `<example>` first.\nUser: hi\nAssistant: hello\nThen write `</example>`.\n"
    p = split_prompt(text)
    assert p.examples == ()
    assert not any(s.kind.startswith("example") for s in p.segments)


def test_heading_polarity_becomes_a_note() -> None:
    text = _d(
        """
        ## Examples of when NOT to use the tool

        <example>
        User: what is 2+2?
        Assistant: 4
        </example>
        """
    )
    (ex,) = split_prompt(text).examples
    assert ex.note == "when NOT to use the tool"


def test_hard_constraints_placeholders_and_output_format() -> None:
    text = _d(
        """
        You are a support bot for {company}.
        Thank you for your help.
        You must never share internal URLs such as https://intranet.example.
        Reply in JSON with the keys "answer" and "mood".
        Use ${TONE} and {{style}}.
        """
    )
    p = split_prompt(text)
    hard = [s.text for s in p.hard_constraints]
    assert "You must never share internal URLs such as https://intranet.example." in hard
    assert [s.text for s in p.segments if s.filler == "politeness"] == ["Thank you for your help."]
    assert [ph for ph, _ in p.placeholders] == ["{company}", "${TONE}", "{{style}}"]
    assert any("JSON" in s.text for s in p.output_format)


def test_code_fences_are_kept_whole_and_hide_their_tags() -> None:
    text = "Example:\n```\n<example>\nUser: a\nAssistant: b\n</example>\n```\n"
    p = split_prompt(text)
    assert p.examples == ()
    assert [s.kind for s in p.segments if "<example>" in s.text] == ["code"]


def test_no_examples_at_all() -> None:
    p = split_prompt("Answer briefly. Never use emojis.")
    assert p.examples == ()
    assert p.rejected == ()


def test_not_a_string_is_a_prompt_error() -> None:
    with pytest.raises(PromptError, match="needs the prompt as a str"):
        split_prompt(b"bytes")  # type: ignore[arg-type]


def test_parsing_is_deterministic() -> None:
    text = "<examples>\nText: a\nCategory: X\n\nText: b\nCategory: Y\n</examples>\nAlways answer."
    assert split_prompt(text) == split_prompt(text)


def test_docstring_child_is_not_an_example_and_not_input() -> None:
    text = _d(
        """
        <examples>
        <example>
        <example_docstring>Shows a code artifact.</example_docstring>
        <user_query>Write a hello world in Go.</user_query>
        <assistant_response>Here it is: <code>fmt.Println("hi")</code></assistant_response>
        </example>
        </examples>
        """
    )
    (ex,) = split_prompt(text).examples
    assert ex.user == "Write a hello world in Go."
    assert ex.assistant.startswith("Here it is:")


def test_long_bracketed_narration_is_not_a_skeleton_hole() -> None:
    text = _d(
        """
        <example>
        user: which command starts the dev server?
        assistant: [runs ls to list the files, then reads package.json to find the scripts]
        npm run dev
        </example>
        """
    )
    (ex,) = split_prompt(text).examples
    assert ex.assistant.endswith("npm run dev")


def test_assistant_lines_around_commentary_form_one_turn() -> None:
    text = _d(
        """
        <example>
        user: Please write a prime checker
        assistant: Here is the function.
        <commentary>Code was written, so a review follows.</commentary>
        assistant: Now let me review the code.
        </example>
        """
    )
    (ex,) = split_prompt(text).examples
    assert len(ex.turns) == 2
    assert ex.assistant.startswith("Here is the function.")
    assert ex.assistant.endswith("review the code.")


def test_blockquoted_labels() -> None:
    assert _pairs("Example:\n> User: hi there\n> Assistant: Hello!\n") == [("hi there", "Hello!")]


def test_code_fence_inside_a_pair_example() -> None:
    text = "## Examples\n\nInput: sort [3, 1]\nOutput:\n```\n[1, 3]\n\n```\n\nMore rules follow.\n"
    (ex,) = split_prompt(text).examples
    assert ex.assistant == "```\n[1, 3]\n\n```"


def test_other_speaker_names_inside_an_example_element() -> None:
    text = "<example>\nStudent: What is 7 x 8?\nTutor: What is 7 x 7, and what do you add?\n</example>"
    assert _pairs(text) == [("What is 7 x 8?", "What is 7 x 7, and what do you add?")]


def test_prefill_style_prompt_is_not_an_example() -> None:
    text = "Human: Summarize the report in <report>{report}</report>.\n\nAssistant:"
    assert split_prompt(text).examples == ()


def test_short_outputs_are_labels_only_when_the_prompt_names_them() -> None:
    named = "Reply SPAM or HAM.\n<examples>\nText: win $$$\nCategory: SPAM\n\nText: lunch?\nCategory: HAM\n</examples>"
    assert [ex.label for ex in split_prompt(named).examples] == ["SPAM", "HAM"]
    free = "Be brief.\n<example>\nuser: gradle version?\nassistant: 8.7\n</example>"
    assert [ex.label for ex in split_prompt(free).examples] == [None]


def test_background_sentences() -> None:
    text = _d(
        """
        You help the support team. Tickets arrive all day.

        Our company was founded in Oslo. Patrons often visit on weekends.
        The assistant answers in Norwegian. Use short sentences. It is better to ask than to guess.
        """
    )
    fillers = {s.text: s.filler for s in split_prompt(text).segments if s.kind in ("sentence", "role")}
    assert fillers["Tickets arrive all day."] is None  # the opening paragraph states the task
    assert fillers["Our company was founded in Oslo."].startswith("background")
    assert fillers["Patrons often visit on weekends."].startswith("background")
    assert fillers["The assistant answers in Norwegian."] is None
    assert fillers["Use short sentences."] is None
    assert fillers["It is better to ask than to guess."] is None


def test_label_right_after_the_opening_tag() -> None:
    assert _pairs("<example>User: hi\nAssistant: hello</example>") == [("hi", "hello")]


def test_deep_nesting_and_unmatched_tags_do_not_blow_up() -> None:
    deep = "<example>\n" * 2000 + "User: hi\nAssistant: yo\n" + "</example>\n" * 2000
    assert _pairs(deep) == [("hi", "yo")]
    assert split_prompt("<a>" * 5000 + "</b>" * 5000).examples == ()


def test_completion_style_few_shot_leaves_the_open_question() -> None:
    text = (
        'Complete the conversation, speaking as "A".\n'
        "Q: Is the moon made of cheese?\nA: No, it is made of rock.\n"
        "Q: Can fish fly?\nA: A few can glide above the water.\n"
        "Q: Why is the sky blue?"
    )
    p = split_prompt(text)
    assert [(e.user, e.assistant) for e in p.examples] == [
        ("Is the moon made of cheese?", "No, it is made of rock."),
        ("Can fish fly?", "A few can glide above the water."),
    ]
    ported = port_instructions(p, target=None)
    assert ported.instructions.endswith("Q: Why is the sky blue?")


def test_pairs_before_a_template_question_are_separate_examples() -> None:
    text = "Here are some examples:\nQ: 2+2?\nA: 4\nQ: 3+3?\nA: 6\nQ: {question}\nA:"
    assert _pairs(text) == [("2+2?", "4"), ("3+3?", "6")]


def test_chat_history_with_an_open_turn_is_input_data() -> None:
    text = "Here is the chat history:\nUser: hi\nAssistant: hello\nUser: help me\nAssistant: with what?\nUser: my bill"
    assert split_prompt(text).examples == ()


@pytest.mark.parametrize("wrapper", ["document", "prompt_template", "transcript"])
def test_examples_inside_data_or_quoted_prompts_are_not_turned(wrapper: str) -> None:
    text = f"Improve this prompt.\n<{wrapper}>\nBe nice.\n<example>\nUser: hi\nAssistant: hello\n</example>\n</{wrapper}>"
    p = split_prompt(text)
    assert p.examples == ()
    assert any(wrapper in r.reason for r in p.rejected)


def test_bare_bad_label_heads_the_pair_below_it() -> None:
    text = "Examples:\n\nQ: one?\nA: yes\n\nBad:\nQ: two?\nA: no way\n\nQ: three?\nA: sure\n"
    parsed = split_prompt(text)
    assert [(e.user, e.assistant) for e in parsed.examples] == [("one?", "yes"), ("three?", "sure")]
    assert [r.text for r in parsed.rejected] == ["Bad:\nQ: two?\nA: no way"]
    assert "negative" in parsed.rejected[0].reason


def test_knowledge_cutoff_element_is_instructions_not_context() -> None:
    text = "<knowledge_cutoff>\nClaude's knowledge ends in January. Claude says so when asked.\n</knowledge_cutoff>"
    assert split_prompt(text).context == ()


def test_tags_in_backticks_on_their_own_lines_are_tags() -> None:
    # markdown that shows the tags: each one in backticks, lines ending in a hard break
    text = (
        "Ask at most two questions. Wrap notes in the `<note>` tag.  \n\n"
        "`<example>`  \n`<user>`  \nFind my grandfather.  \n`</user>`  \n\n"
        "`<response>`  \nWhat was his name?  \n`</response>`  \n\n"
        "`<user>`  \nJon Berg.  \n`</user>`  \n"
        "[searches the records]  \n`</example>`\n"
    )
    parsed = split_prompt(text)
    assert len(parsed.examples) == 1
    # the last user reply has no answer, so the example ends on the assistant turn before it
    assert [(t.role, t.text) for t in parsed.examples[0].turns] == [
        ("user", "Find my grandfather."),
        ("assistant", "What was his name?"),
    ]
    for turn in parsed.examples[0].turns:
        assert text[turn.span[0] : turn.span[1]] == turn.text
    ported = port_instructions(text, target=None)
    assert ported.instructions == "Ask at most two questions. Wrap notes in the `<note>` tag."
    assert rebuild(text, ported) == text


def test_backticked_tags_that_open_or_close_a_line_and_typed_example_parts() -> None:
    text = (
        "Use what you remember about the person only when it helps. Say `<done>` at the end.\n\n"
        "`<example>`\n"
        "`<example_user_memories>`Keeps bees, name is Ola`</example_user_memories>`  \n"
        "`<user>`Hi`</user>`  \n"
        "`<good_response>`Hi Ola! How can I help?`</good_response>`  \n"
        "`</example>`\n\n"
        "`<example>`\n"
        "`<example_user_memories>`Lost a job last week`</example_user_memories>`  \n"
        "`<user>`hey`</user>`  \n"
        "`<good_response>`Hi! What can I do for you?`</good_response>`  \n"
        "`<bad_response>`I know things are hard since you lost your job.`</bad_response>`  \n"
        "`</example>`\n"
    )
    parsed = split_prompt(text)
    # <example_user_memories> is part of the input, not an example of its own
    assert [(ex.user, ex.assistant) for ex in parsed.examples] == [
        (
            "`<example_user_memories>`Keeps bees, name is Ola`</example_user_memories>`  \n`<user>`Hi`</user>`",
            "Hi Ola! How can I help?",
        )
    ]
    # an example with a bad response never becomes turns
    assert [r.reason.startswith("negative output") for r in parsed.rejected] == [True]
    ported = port_instructions(text, target=None)
    assert all("lost your job" not in t.text for ex in ported.examples for t in ex.turns)
    assert rebuild(text, ported) == text


@pytest.mark.parametrize(
    "name",
    [
        "long_conversation_reminder",
        "file_creation_advice",
        "harmful_content_safety",
        "query_complexity_categories",
    ],
)
def test_instruction_sections_named_with_a_data_word_are_not_context(name: str) -> None:
    text = f"<{name}>\nClaude never shares the reminder.\n</{name}>\n<document>\nRent is due monthly.\n</document>"
    assert [s.text.split(">")[0] for s in split_prompt(text).context] == ["<document"]


def test_arrow_examples_under_an_examples_title_become_turns() -> None:
    text = _d(
        """
        Sort each support note into one of: urgent, routine.

        EXAMPLES (note → verdict)

        "The checkout page is down for everyone."
        → urgent
          (an outage for every customer)

        "Please change the logo colour next week."
        → routine

        CONTRASTIVE PAIRS — same topic, different verdict

          "Login is slow today."  → routine
          "Nobody can log in."  → urgent
        """
    )
    p = split_prompt(text)
    assert [(ex.user, ex.assistant) for ex in p.examples] == [
        ("The checkout page is down for everyone.", "urgent"),
        ("Please change the logo colour next week.", "routine"),
    ]
    ported = port_instructions(p, target=None)
    assert "(an outage for every customer)" not in ported.instructions
    # one-line mappings are rules, not examples: they stay verbatim
    assert '"Nobody can log in."  → urgent' in ported.instructions
    assert "EXAMPLES (note → verdict)" not in ported.instructions


@pytest.mark.parametrize(
    "text",
    [
        # no examples title above the arrow
        'Sort notes.\n\n"The site is down."\n→ urgent\n',
        # a negative title
        'BAD EXAMPLES\n\n"The site is down."\n→ routine\n',
        # the output is a skeleton with placeholders
        'EXAMPLES\n\n"The site is down."\n→ {"verdict": "<urgent|routine>"}\n',
        # more than an output line follows the arrow
        'EXAMPLES\n\n"The site is down."\n→ urgent\nand then page the on-call\n',
        # a list of one-line mappings under the title
        "Examples:\n- ls → list the files\n- pwd → print the directory\n",
        # inside a negative container, or inside a quoted prompt
        '<bad_examples>\nEXAMPLES\n"The site is down."\n→ routine\n</bad_examples>\n',
        '<prompt_template>\nEXAMPLES\n"The site is down."\n→ urgent\n</prompt_template>\n',
    ],
)
def test_arrow_look_alikes_stay_out_of_the_turns(text: str) -> None:
    assert split_prompt(text).examples == ()


def test_arrow_examples_inside_an_examples_container() -> None:
    text = '<examples>\nExamples:\n"The site is down."\n→ urgent\n  (everyone is affected)\n</examples>\n'
    assert _pairs(text) == [("The site is down.", "urgent")]


def test_a_session_with_labels_alone_over_indented_blocks_is_one_example() -> None:
    text = _d(
        """
        You route support questions to helpers.

        ## Example session

        User:
          My invoice is wrong.

        You:
          Let me check.

          ask_helper("billing", "Compare the invoice with the order.")

        User:
          <helper-report>The order had a coupon the invoice missed.</helper-report>

        You:
          The invoice missed your coupon; a corrected one is on its way.
        """
    )
    (ex,) = split_prompt(text).examples
    assert [t.role for t in ex.turns] == ["user", "assistant", "user", "assistant"]
    assert ex.turns[1].text.endswith('ask_helper("billing", "Compare the invoice with the order.")')
    assert ex.turns[2].text == "<helper-report>The order had a coupon the invoice missed.</helper-report>"


def test_you_label_outside_an_example_context_is_a_transcript() -> None:
    text = "Past chats look like this:\n\nUser: hi\nYou: Hello, how can I help?\n"
    p = split_prompt(text)
    assert p.examples == ()
    assert [r.reason for r in p.rejected] == [
        "transcript outside any example context (treated as input data)"
    ]


@pytest.mark.parametrize(
    "line",
    ["ABC" + "'A" * 40 + "x", "ABC" + " " * 5000 + "x", "ABC" + " -" * 3000 + "x", "ABC (" + "x" * 3000],
)
def test_almost_a_title_line_parses_in_linear_time(line: str) -> None:
    # each of these took exponential or cubic time in a backtracking title pattern
    text = f'{line}\n\n"input"\n→ output\n'
    assert "".join(s.text for s in split_prompt(text).segments) == text


# -- examples whose input and answer are named by the prompt itself --------------------------------

_TAGGED_ITEMS = _d(
    """
    <examples>
    1. Complete call:
    <transcript>
    Agent: Hello, how can I help?
    Customer: My thermostat reads 5 degrees high.
    Agent: Recalibrate it from the menu.
    </transcript>

    <thinking>
    Issue: thermostat offset. Resolved by recalibration.
    </thinking>

    <json>
    {"status": "COMPLETE"}
    </json>

    2. Too short to summarise:
    <transcript>
    Agent: Hello?
    Customer: Never mind.
    </transcript>

    <thinking>
    Fewer than five exchanges.
    </thinking>

    <json>
    {"status": "INSUFFICIENT_DATA"}
    </json>
    </examples>
    """
)


@pytest.mark.parametrize(
    "head",
    [
        # the prompt names its input slot and its answer tags
        "Summarise the call.\n<transcript>\n[INSERT CALL TRANSCRIPT HERE]\n</transcript>\n"
        "Think in <thinking> tags, then give the JSON in <json> tags.\n\n",
        # nothing names them, but the container repeats one shape
        "",
    ],
)
def test_container_of_tagged_items_gives_examples_whose_answer_keeps_its_tags(head: str) -> None:
    text = head + _TAGGED_ITEMS
    examples = split_prompt(text).examples
    assert [ex.label for ex in examples] == ["Complete call", "Too short to summarise"]
    assert [ex.note for ex in examples] == [None, None]
    first = examples[0]
    assert first.user.startswith("Agent: Hello, how can I help?") and first.user.endswith("menu.")
    assert first.assistant.startswith("<thinking>\nIssue: thermostat offset.")
    assert first.assistant.endswith('<json>\n{"status": "COMPLETE"}\n</json>')
    for ex in examples:
        for turn in ex.turns:
            assert text[turn.span[0] : turn.span[1]] == turn.text
    ported = port_instructions(text, target=None)
    assert "Complete call" not in ported.instructions
    assert ported.to_messages()[1]["content"] == first.user


def test_example_children_named_by_the_prompt() -> None:
    text = _d(
        """
        Summarise the record. Write the JSON summary inside <summary> tags.
        <example>
        <patient_record>
        Name: Ada Moss. Age 54. Hypertension since 2019.
        </patient_record>
        <summary>
        {"name": "Ada Moss", "conditions": ["hypertension"]}
        </summary>
        </example>
        <patient_record>
        {record}
        </patient_record>
        """
    )
    (ex,) = split_prompt(text).examples
    assert ex.user == "Name: Ada Moss. Age 54. Hypertension since 2019."
    assert ex.assistant == '<summary>\n{"name": "Ada Moss", "conditions": ["hypertension"]}\n</summary>'


@pytest.mark.parametrize(
    "text",
    [
        # one item only: no repeated shape, and nothing names the slots
        "<examples>\n<transcript>\nA: hi\n</transcript>\n<json>\n{}\n</json>\n</examples>\n",
        # the items differ in shape
        "<examples>\n<transcript>a</transcript>\n<json>{}</json>\n<transcript>b</transcript>\n<notes>x</notes>\n</examples>\n",
        # prose between the items is not a title line
        "<examples>\n<document>a</document>\n<json>{}</json>\nThis one is long prose, and it goes on and on.\n"
        "It has two lines.\n<document>b</document>\n<json>{}</json>\n</examples>\n",
    ],
)
def test_containers_of_other_shapes_give_no_tagged_examples(text: str) -> None:
    assert split_prompt(text).examples == ()


def test_untyped_children_after_the_input_are_the_answer_with_their_tags() -> None:
    # the cookbook's text-to-SQL shape: the output is written in <thought_process> and <sql> tags
    text = _d(
        """
        Convert questions into SQL.
        <examples>
        <example>
        <query>Who earns the most?</query>
        <thought_process>Sort employees by salary, keep one.</thought_process>
        <sql>SELECT name FROM employees ORDER BY salary DESC LIMIT 1;</sql>
        </example>
        </examples>
        """
    )
    (ex,) = split_prompt(text).examples
    assert ex.user == "Who earns the most?"
    assert ex.assistant == (
        "<thought_process>Sort employees by salary, keep one.</thought_process>\n"
        "<sql>SELECT name FROM employees ORDER BY salary DESC LIMIT 1;</sql>"
    )


def test_a_document_after_the_question_is_no_answer() -> None:
    text = "<example>\n<question>What year?</question>\n<document>It was 1999.</document>\n</example>\n"
    assert split_prompt(text).examples == ()


def test_numbered_pairs_with_an_input_label_learned_from_the_output_label() -> None:
    # "Complaint" is in no label list; it stands before every "Classification:", so it is the input
    text = _d(
        """
        Classify each complaint as Billing, Shipping or Other.

        Examples:
        1. Complaint: "I was charged twice."
        Classification: Billing

        2. Complaint "The box arrived crushed."
        Classification: Shipping

        3. Complaint: "Where is my parcel?"
        Classification: Shipping

        4. Complaint: "Can I change my password?"
        Classification: Other

        Classification:
        """
    )
    pairs = _pairs(text)
    # item 2 has no colon after its label: no example, but the run of examples goes on after it
    assert pairs == [
        ('"I was charged twice."', "Billing"),
        ('"Where is my parcel?"', "Shipping"),
        ('"Can I change my password?"', "Other"),
    ]


def test_a_label_that_does_not_always_precede_the_output_is_not_learned() -> None:
    text = "Examples:\nComplaint: late.\nClassification: Shipping\nComplaint: rude driver.\nNote: escalate.\n"
    assert _pairs(text) == []


def test_answer_tags_written_out_empty_are_answers_not_input_slots() -> None:
    # "in <quotes></quotes> tags": an empty element in the instructions names an answer tag
    text = _d(
        """
        Answer from the documents.
        <example>
        <question>Who may elect?</question>
        <quotes>"Any person who performs services may elect."</quotes>
        <answer>Anyone who performs the services.</answer>
        </example>
        First gather quotes in <quotes></quotes> tags, then answer within <answer></answer> tags.
        <question>{QUESTION}</question>
        """
    )
    (ex,) = split_prompt(text).examples
    assert ex.user == "Who may elect?"
    assert ex.assistant == (
        '<quotes>"Any person who performs services may elect."</quotes>\n'
        "<answer>Anyone who performs the services.</answer>"
    )


def test_input_child_then_a_labelled_answer_in_plain_text() -> None:
    text = _d(
        """
        Summarise each record.
        <example>
        <patient_record>
        Name: Ada Moss. Age 54.
        </patient_record>

        Your output:
        Ada Moss, 54.
        </example>
        <patient_record>{record}</patient_record>
        """
    )
    (ex,) = split_prompt(text).examples
    assert (ex.user, ex.assistant) == ("Name: Ada Moss. Age 54.", "Ada Moss, 54.")


def test_slots_read_from_the_instructions() -> None:
    from portkit.fewshot._parse import _Parser

    parser = _Parser(
        "Wrap each case in <example> tags. Think in <thinking> tags, then answer inside <answer></answer> tags.\n"
        "<ticket>{TICKET}</ticket>\n<notes>[PASTE NOTES HERE]</notes>\n<answer></answer>\n"
    )
    parser._scan()
    inputs, answers = parser._slots()
    assert inputs == {"ticket", "notes"}
    # example markup is never an answer tag; an empty element written out is one, not a slot
    assert answers == {"thinking", "answer"}
