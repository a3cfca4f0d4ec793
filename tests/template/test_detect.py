"""find_special_tokens: families, verdicts against real vocabularies, traps, properties."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portkit.template import Finding, Verdict, find_special_tokens
from portkit.template import _catalogue as cat

POSITIVE = [
    (
        "chatml",
        "chatml",
        "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\n",
        "<|im_start|>",
    ),
    ("qwen-think", "chatml", "Answer after thinking.\n<think>\nstep by step\n</think>\n", "<think>"),
    (
        "hermes-tools",
        "chatml",
        "<tools>\n[]\n</tools>\nCall with <tool_call>{...}</tool_call>",
        "<tool_call>",
    ),
    (
        "llama3",
        "llama3",
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>",
        "<|start_header_id|>",
    ),
    ("llama2", "llama2", "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nhi [/INST]", "[INST]"),
    ("mistral-v7", "mistral", "[SYSTEM_PROMPT]Be brief.[/SYSTEM_PROMPT][INST]hi[/INST]", "[SYSTEM_PROMPT]"),
    ("mistral-tools", "mistral", "[AVAILABLE_TOOLS][{...}][/AVAILABLE_TOOLS]", "[AVAILABLE_TOOLS]"),
    ("deepseek", "deepseek", "<｜begin▁of▁sentence｜>You are x.<｜User｜>hi<｜Assistant｜>", "<｜User｜>"),
    (
        "deepseek-tools",
        "deepseek",
        "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f<｜tool▁sep｜>",
        "<｜tool▁sep｜>",
    ),
    ("gemma", "gemma", "<start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n", "<start_of_turn>"),
    ("gemma4", "gemma4", "<|turn>user\nhi<turn|>\n<|turn>model\n", "<|turn>"),
    ("phi3", "phi3", "<|user|>\nhi<|end|>\n<|assistant|>\n", "<|user|>"),
    ("harmony", "harmony", "<|start|>assistant<|channel|>final<|message|>hi<|return|>", "<|channel|>"),
    ("kimi", "kimi", "<|im_user|>user<|im_middle|>hi<|im_end|>", "<|im_middle|>"),
    ("granite", "granite", "<|start_of_role|>user<|end_of_role|>hi<|end_of_text|>", "<|start_of_role|>"),
    (
        "command-r",
        "command-r",
        "<BOS_TOKEN><|START_OF_TURN_TOKEN|><|USER_TOKEN|>hi<|END_OF_TURN_TOKEN|>",
        "<|USER_TOKEN|>",
    ),
    ("glm", "glm", "[gMASK]<sop><|user|>\nhi<|assistant|>", "[gMASK]"),
    (
        "alpaca",
        "alpaca",
        "Below is an instruction.\n\n### Instruction:\nSum it.\n\n### Response:\n",
        "### Instruction:",
    ),
    ("vicuna", "vicuna", "A chat.\nUSER: hi ASSISTANT:", "USER:"),
    ("zephyr", "phi3", "<|system|>\nBe nice.</s>\n<|user|>\nhi</s>\n<|assistant|>\n", "<|system|>"),
    ("claude-legacy", "claude-legacy", "\n\nHuman: Summarise this.\n\nAssistant:", "Human:"),
    ("guanaco", "vicuna", "### Human: hi\n### Assistant:", "### Human:"),
    ("eos-few-shot", "llama2", "Q: capital of France?\nA: Paris</s>", "</s>"),
    ("bos-alone", "llama2", "<s>You are a helpful assistant.", "<s>"),
    ("runtime", "phi3", 'f"<|{role}|>\\n{content}"', "<|{role}|>"),
    ("runtime-js", "phi3", "`<|${role}|>`", "<|${role}|>"),
]

NEGATIVE = [
    ("claude-xml", "<instructions>Be brief.</instructions>\n<example>x</example><document>d</document>"),
    ("claude-thinking", "Think in <thinking> tags, then answer in <answer> tags."),
    ("html-strike", "Use <s>strikethrough</s> and <b>bold</b> and <i>it</i>."),
    ("generics", "Map<s,t> m; List<String> l; fn f<T>(x: T) {}"),
    ("operators", "a <|> b; x |> f; f <| x; <|"),
    ("cjk-bar", "中文｜日本語｜한국어 and 名前｜年齢"),
    ("escaped", "&lt;|im_start|&gt;user and &lt;s&gt;"),
    ("human-mid", "The Human: Assistant: distinction matters to a Human: really."),
    ("assistant-alone", "Assistant: here is the answer."),
    ("markdown", "# Title\n\n- [ ] todo\n- [x] done\n[link](http://x) [NOTE] [IMPORTANT]"),
    ("user-lower", "user: hi\nassistant: hello"),
    ("heading", "### Instructions\nDo this.\n### Output format\nJSON"),
    ("api-docs", "### Request\nGET /x\n\n### Response:\nA JSON object."),
    ("log-user", "12:00 USER: admin logged in\nUSER: guest"),
    ("label-human", "Roles:\nHuman: the participant.\nModel: the system."),
    ("html-strike-multi", "<p><s>$10</s> <b>$8</b></p>\n<p><s>old</s> new</p>"),
]


@pytest.mark.parametrize(("name", "family", "text", "token"), POSITIVE, ids=[p[0] for p in POSITIVE])
def test_positive_snippets_are_found_with_their_family(name, family, text, token):
    findings = find_special_tokens(text)
    assert token in [f.text for f in findings]
    hit = next(f for f in findings if f.text == token)
    assert text[hit.start : hit.end] == token
    assert hit.verdict is Verdict.HAND_ASSEMBLED
    assert hit.family == family
    assert hit.kind == ("runtime" if name.startswith("runtime") else "textual" if ":" in token else "token")


@pytest.mark.parametrize(("name", "text"), NEGATIVE, ids=[n[0] for n in NEGATIVE])
def test_traps_are_not_flagged(name, text):
    assert find_special_tokens(text) == []


def test_weak_tokens_need_company():
    assert find_special_tokens("<s>struck</s>") == []
    assert [f.text for f in find_special_tokens("<s>[INST] hi [/INST]</s>")] == [
        "<s>",
        "[INST]",
        "[/INST]",
        "</s>",
    ]
    assert find_special_tokens("<s>[INST] hi [/INST]")[0].family == "llama2"


def test_finding_is_frozen_and_slotted():
    f = find_special_tokens("<|im_start|>")[0]
    assert isinstance(f, Finding)
    assert f.span == (0, 12) and f.start == 0 and f.end == 12
    with pytest.raises(AttributeError):
        f.text = "x"  # type: ignore[misc]
    assert not hasattr(f, "__dict__")


# -- verdicts against real vocabularies ---------------------------------------------------------------------


def test_own_tokens_are_structural_for_qwen(qwen3):
    findings = find_special_tokens("<|im_start|>user\nhi<|im_end|>", qwen3)
    assert [f.verdict for f in findings] == [Verdict.STRUCTURAL, Verdict.STRUCTURAL]
    assert findings[0].token_id == qwen3.token_id("<|im_start|>") == qwen3.encode("<|im_start|>")[0]
    assert "control token (id" in findings[0].message


def test_chatml_is_foreign_for_llama(llama31):
    findings = find_special_tokens("<|im_start|>user\nhi<|im_end|>", llama31)
    assert [f.verdict for f in findings] == [Verdict.FOREIGN, Verdict.FOREIGN]
    # The real vocabulary confirms it: no id of the encoded text is a control token.
    ids = llama31.encode("<|im_start|>")
    assert len(ids) > 1
    assert "plain text" in findings[0].message and "llama-3.1" in findings[0].suggestion


def test_llama2_inst_is_foreign_for_llama3(llama31):
    text = "<s>[INST] hi [/INST]"
    findings = find_special_tokens(text, llama31)
    assert {f.text: f.verdict for f in findings} == {
        "<s>": Verdict.FOREIGN,
        "[INST]": Verdict.FOREIGN,
        "[/INST]": Verdict.FOREIGN,
    }
    special = {llama31.token_id(t) for t in llama31.special_tokens}
    assert not special.intersection(llama31.encode(text))


def test_html_s_is_structural_where_the_vocabulary_parses_it(load):
    phi = load("phi-3.5")
    findings = find_special_tokens("Use <s>struck</s> text.", phi)
    assert [(f.text, f.verdict) for f in findings] == [
        ("<s>", Verdict.STRUCTURAL),
        ("</s>", Verdict.STRUCTURAL),
    ]


def test_own_family_not_in_vocabulary_is_hand_assembled(qwen3):
    # The offline Qwen vocabulary (qwen2 GGUF) has no <think> token: the template writes it as text.
    assert "<think>" not in qwen3.added_tokens
    (f,) = find_special_tokens("<think>\nx\n</think>", qwen3)[:1]
    assert f.verdict is Verdict.HAND_ASSEMBLED


def test_target_added_tokens_outside_the_catalogue_are_found(load):
    cr = load("command-r")
    extra = "<|USER_7_TOKEN|>"
    assert extra in cr.added_tokens and not cat.families_of(extra)
    findings = find_special_tokens(f"say {extra} now", cr)
    assert [(f.text, f.verdict) for f in findings] == [(extra, Verdict.STRUCTURAL)]


def test_textual_layouts_with_a_target(llama31):
    (h, a) = find_special_tokens("\n\nHuman: hi\n\nAssistant:", llama31)
    assert h.verdict is a.verdict is Verdict.FOREIGN and h.family == "claude-legacy"


def test_target_by_name_and_template_only(load):
    load("gpt-oss")
    findings = find_special_tokens("<|start|>user<|message|>hi<|end|> then <|im_start|>", "gpt-oss")
    verdicts = {f.text: f.verdict for f in findings}
    assert verdicts["<|start|>"] is Verdict.HAND_ASSEMBLED
    assert verdicts["<|im_start|>"] is Verdict.FOREIGN


def test_detector_imports_no_heavy_module():
    code = (
        "import sys; from portkit.template import find_special_tokens as f; f('<|im_start|>x'); "
        "bad = [m for m in ('jinja2', 'transformers', 'tokenizers', 'pydantic', 'outlines', 'torch') if m in sys.modules]; "
        "print(bad); sys.exit(bool(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


# -- properties -------------------------------------------------------------------------------------------------

_STRONG = [t for t in cat.all_tokens() if not cat.is_weak(t)]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_consistent_spans(text):
    for f in find_special_tokens(text):
        assert text[f.start : f.end] == f.text
        assert f.verdict is Verdict.HAND_ASSEMBLED


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.characters(blacklist_characters="<>[]|｜"), max_size=40),
    st.sampled_from(_STRONG),
    st.text(st.characters(blacklist_characters="<>[]|｜"), max_size=40),
)
def test_a_strong_token_in_any_text_is_found(before, token, after):
    text = f"{before} {token} {after}"
    assert token in [f.text for f in find_special_tokens(text)]


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(whitelist_categories=("Lu", "Ll", "Lo", "Nd", "Zs")), max_size=80))
def test_letters_digits_and_spaces_alone_are_never_flagged(text):
    # No control token is made of letters alone: only a line-start "Human:" needs a colon.
    assert find_special_tokens(text) == []
