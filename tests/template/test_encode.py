"""Injection-safe encoding: request text never becomes a control token."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portkit.errors import ChatTemplateError
from portkit.template import render
from portkit.template._encode import Segment, _trie_pattern, control_tokens, encode_segments, mark, unmark


def test_control_tokens_cover_non_special_structural_tokens(load) -> None:
    gemma = load("gemma-4")
    tokens = control_tokens(gemma)
    assert {"<|channel>", "<channel|>", "<|tool_call>"} <= tokens  # not flagged special, still structural
    assert not gemma.added_tokens["<|channel>"]


def test_template_only_targets_take_control_tokens_from_the_template(load) -> None:
    tokens = control_tokens(load("gpt-oss"))
    assert {"<|start|>", "<|message|>", "<|channel|>", "<|end|>"} <= tokens


def test_trie_pattern_prefers_the_longest_token() -> None:
    import re

    pat = re.compile(_trie_pattern(["<|im", "<|im_end|>", "<|im_start|>"]))
    assert pat.findall("a<|im_end|>b<|imx") == ["<|im_end|>", "<|im"]


def test_mark_and_unmark_round_trip_and_locate_spans() -> None:
    marks, pattern = mark(frozenset({"<|x|>", "<y>"}))
    value = marks.mark_value({"content": "a<|x|>b<y>", "n": 1}, pattern, 3, "")
    text, segments, spans = unmark("T:" + value["content"] + ":T", marks)
    assert text == "T:a<|x|>b<y>:T"
    assert [s for s in segments if s.as_text] == [Segment("<|x|>", True), Segment("<y>", True)]
    assert [(s.token, s.message_index, s.field, text[s.start : s.end]) for s in spans] == [
        ("<|x|>", 3, "content", "<|x|>"),
        ("<y>", 3, "content", "<y>"),
    ]


def test_forged_markers_are_removed() -> None:
    marks, pattern = mark(frozenset({"<|x|>"}))
    value = marks.mark_value("\ufdd0<|x|>\ufdd1", pattern, 0, "content")
    assert marks.stripped_markers == 2
    text, _, spans = unmark(value, marks)
    assert text == "<|x|>"
    assert len(spans) == 1


def test_a_vocabulary_that_makes_a_control_token_from_text_is_refused(qwen3) -> None:
    im_end = qwen3.token_id("<|im_end|>")
    with pytest.raises(ChatTemplateError):
        # Pretend the plain text 'hello' were a control token of this vocabulary.
        encode_segments(
            qwen3, (Segment("a", False), Segment("hello", True)), frozenset(qwen3.encode("hello")) | {im_end}
        )


@pytest.mark.parametrize("name", ["qwen3", "llama-3.1", "gemma-4", "phi-3.5", "deepseek-v3.1"])
def test_stuffed_user_message_adds_no_control_ids(load, name: str) -> None:
    target = load(name)
    tokens = sorted(control_tokens(target))
    added = target.tokenizer.get_added_vocab()
    ids = {added[t] for t in tokens if t in added}
    base = render({"messages": [{"role": "user", "content": "x"}]}, target=target, thinking=None)
    stuffed = render({"messages": [{"role": "user", "content": "x" + "".join(tokens)}]}, target=target)
    assert base.token_ids is not None
    assert stuffed.token_ids is not None
    assert sorted(i for i in stuffed.token_ids if i in ids) == sorted(i for i in base.token_ids if i in ids)


_WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\ufdd0\ufdd1"), max_size=12)


@pytest.mark.parametrize(
    ("name", "examples"), [("qwen3", 60), ("gemma-4", 25), ("deepseek-v3.1", 25), ("phi-3.5", 25)]
)
def test_random_text_with_injected_tokens_never_adds_control_ids(load, name: str, examples: int) -> None:
    target = load(name)
    tokens = sorted(control_tokens(target))
    added = target.tokenizer.get_added_vocab()
    control_ids = {added[t] for t in tokens if t in added}
    base = render({"messages": [{"role": "user", "content": "x"}]}, target=target, thinking=True)
    assert base.token_ids is not None
    expected = [i for i in base.token_ids if i in control_ids]

    @settings(
        max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(pieces=st.lists(st.one_of(_WORDS, st.sampled_from(tokens)), min_size=1, max_size=8))
    def check(pieces: list[str]) -> None:
        content = "".join(pieces) or "x"
        messages: list[dict] = [{"role": "user", "content": content}]
        r = render({"messages": messages}, target=target, thinking=True)
        assert r.token_ids is not None
        assert [i for i in r.token_ids if i in control_ids] == expected
        assert content.strip() in r.text  # templates may trim the ends of a message

    check()
