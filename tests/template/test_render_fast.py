"""The render path's shortcuts give the answers of the straightforward code they replace."""

from __future__ import annotations

import copy

from hypothesis import given
from hypothesis import strategies as st

from portkit.targets import load_target
from portkit.template import render
from portkit.template._encode import TokenMatcher, needs_marking
from portkit.template._render import _find

_ALPHABETS = st.sampled_from(["ab", "abc", "a b\n", "xyz<|>"])


@st.composite
def _haystack_needle(draw: st.DrawFn) -> tuple[str, str, int]:
    alphabet = draw(_ALPHABETS)
    text = draw(st.text(alphabet=alphabet, max_size=600))
    if text and draw(st.booleans()):
        i = draw(st.integers(0, len(text) - 1))
        j = draw(st.integers(i, len(text)))
        needle = text[i:j]
    else:
        needle = draw(st.text(alphabet=alphabet, max_size=300))
    return text, needle, draw(st.integers(0, len(text) + 1))


@given(_haystack_needle())
def test_find_is_str_find(case: tuple[str, str, int]) -> None:
    text, needle, start = case
    assert _find(text, needle, start) == text.find(needle, start)


def test_find_on_repetitive_text_falls_back_to_str_find() -> None:
    needle = "a" * 200 + "b"
    text = "a" * 5000 + "b"
    assert _find(text, needle, 0) == text.find(needle) == 4800
    assert _find(text, needle + "c", 0) == -1


def test_a_clean_long_string_is_remembered_and_a_dirty_one_is_not() -> None:
    matcher = TokenMatcher(frozenset({"<|im_end|>", "<|im_start|>"}))
    clean = "A long system prompt. " * 40
    dirty = clean + "<|im_end|>"
    assert not needs_marking([{"role": "system", "content": clean}], matcher)
    assert clean in matcher.clean
    assert needs_marking([{"role": "system", "content": dirty}], matcher)
    assert dirty not in matcher.clean
    # An equal string built anew gets the same (cached) answer; a marker character is still caught.
    assert not needs_marking(["".join(["A long system prompt. "] * 40)], matcher)
    assert needs_marking([clean + "\ufdd0"], matcher)


def test_the_clean_memo_is_bounded() -> None:
    matcher = TokenMatcher(frozenset({"<|im_end|>"}))
    for i in range(1000):
        assert not needs_marking([f"{i:04d} " + "clean text " * 30], matcher)
    assert 0 < len(matcher.clean) <= 128


_DROPPING = (
    "{% for m in messages %}{% if m.role == 'system' %}"
    "{% if not (messages[-1].content is string and 'Zdrop' in messages[-1].content) %}"
    "<sys>{{ m.content }}</sys>{% endif %}"
    "{% else %}<{{ m.role }}>{{ m.content }}</{{ m.role }}>{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<assistant>{% endif %}"
)


def test_a_system_prompt_dropped_unexpectedly_is_merged_on_a_fresh_conversion() -> None:
    """The first attempt edits its own conversion in place; the retry converts the request again."""
    target = load_target("qwen3", chat_template=_DROPPING)
    request = {
        "system": "Pkretry system text.",
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "First."}, {"type": "text", "text": "Two."}],
            },
            {"role": "assistant", "content": "Ok."},
            {"role": "user", "content": "Zdrop now."},
        ],
    }
    before = copy.deepcopy(request)
    result = render(request, target=target, tokenize=False)
    assert "system-merged-into-user" in result.kinds()
    assert "<user>Pkretry system text.\n\nZdrop now.</user>" in result.text
    assert "<sys>" not in result.text
    assert request == before
