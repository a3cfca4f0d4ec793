"""The control-token catalogue against the real templates and vocabularies of the pinned sdist."""

from __future__ import annotations

import re

import jinja2
import pytest

from portkit.targets import _offline
from portkit.template import _catalogue as cat
from portkit.template._detect import _looks_like_control

# Control-token shapes a template can write: <|word|>, <｜word｜>, Gemma 4's <|turn> / <turn|>, and
# bracketed capitals ([INST], [SYSTEM_PROMPT]); plus GLM's [gMASK].
_SHAPES = re.compile(
    r"<\|[^|<>\s]{1,60}\|>|<｜[^｜<>]{1,60}｜>|<\|[A-Za-z_\"]{1,30}>|<[A-Za-z_]{1,30}\|>|\[/?[A-Z][A-Z_]{1,30}\]|\[gMASK\]"
)
_SET_STRING = re.compile(r"""\{%-?\s*set\s+\w+\s*=\s*'([^'{}]*)'\s*-?%\}""")

TEMPLATES = _offline.template_names() if _offline.is_fetched() else []
VOCAB_MODELS = [m for m in _offline.OFFLINE_MODELS if m.vocab is not None]


def _literal_variants(source: str) -> list[list[str]]:
    """Every text a template writes literally (raw text and string constants), each with its spellings.

    ``'<｜hy_User{}｜>'.format(HYTK)`` is spelled with each string constant the template sets.
    """
    env = jinja2.Environment()
    values = [str(tok.value) for tok in env.lexer.tokenize(source) if tok.type in ("data", "string")]
    fills = ["", *_SET_STRING.findall(source)]
    return [[v.replace("{}", f) for f in fills] if "{}" in v else [v] for v in values]


def _literals(source: str) -> list[str]:
    return [v for variants in _literal_variants(source) for v in variants]


def _template(offline_data, stem: str) -> str:
    return (offline_data / "templates" / f"{stem}.jinja").read_text("utf-8")


@pytest.mark.parametrize("stem", TEMPLATES, ids=TEMPLATES)
def test_every_literal_control_token_of_every_template_is_known(offline_data, stem):
    missing: set[str] = set()
    for variants in _literal_variants(_template(offline_data, stem)):
        per_variant = [{m.group(0) for m in _SHAPES.finditer(v)} - _known(v) for v in variants]
        # A literal passes when one of its spellings writes only known tokens.
        if all(per_variant):
            missing |= min(per_variant, key=len)
    assert sorted(missing) == [], f"{stem}: tokens missing from the catalogue"


def _known(value: str) -> set[str]:
    return {m.group(0) for m in _SHAPES.finditer(value) if cat.families_of(m.group(0))}


@pytest.mark.slow
@pytest.mark.parametrize("model", VOCAB_MODELS, ids=[m.name for m in VOCAB_MODELS])
def test_template_tokens_the_vocabulary_parses_are_in_the_catalogue(load, model):
    """Every added token of the real vocabulary that the paired template writes literally is known."""
    target = load(model.name)
    literals = _literals(target.chat_template)
    written = {
        tok for tok in target.added_tokens if _looks_like_control(tok) and any(tok in v for v in literals)
    }
    assert written, f"{model.name}: the template writes none of the vocabulary's added tokens"
    assert sorted(t for t in written if not cat.families_of(t)) == []


# (offline model, family its template belongs to, tokens the real vocabulary must parse as one token)
_VOCAB_FACTS = [
    ("qwen3", "chatml", ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]),
    ("qwen3.5", "chatml", ["<|im_start|>", "<|im_end|>"]),
    ("llama-3.1", "llama3", ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]),
    ("phi-3.5", "phi3", ["<|user|>", "<|assistant|>", "<|end|>", "<|system|>"]),
    ("gemma-4", "gemma4", ["<|turn>", "<turn|>", "<bos>", '<|"|>', "<|channel>"]),
    ("command-r", "command-r", ["<|START_OF_TURN_TOKEN|>", "<|END_OF_TURN_TOKEN|>", "<|CHATBOT_TOKEN|>"]),
    ("mistral-nemo", "mistral", ["[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]", "<s>"]),
    (
        "deepseek-v3.1",
        "deepseek",
        ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>"],
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "family", "tokens"), _VOCAB_FACTS, ids=[f[0] for f in _VOCAB_FACTS])
def test_catalogue_family_matches_the_real_vocabulary(load, name, family, tokens):
    target = load(name)
    assert cat.family_of(target) == family
    fam = cat.family(family)
    for tok in tokens:
        assert tok in fam.all_tokens or family in cat.families_of(tok), tok
        assert tok in target.added_tokens, f"{tok!r} is not an added token of {name}"
        assert target.token_id(tok) is not None, f"{tok!r} is not one token in {name}"


_FAMILY_OF = {
    "Qwen-Qwen3-0.6B": "chatml",
    "NousResearch-Hermes-3-Llama-3.1-8B-tool_use": "chatml",
    "meta-llama-Llama-3.3-70B-Instruct": "llama3",
    "mistralai-Mistral-Nemo-Instruct-2407": "mistral",
    "deepseek-ai-DeepSeek-V3.1": "deepseek",
    "llama-cpp-deepseek-r1": "deepseek",
    "google-gemma-2-2b-it": "gemma",
    "google-gemma-4-31B-it": "gemma4",
    "microsoft-Phi-3.5-mini-instruct": "phi3",
    "openai-gpt-oss-120b": "harmony",
    "moonshotai-Kimi-K2": "kimi",
    "GLM-4.6": "glm",
    "ibm-granite-granite-4.0": "granite",
    "CohereForAI-c4ai-command-r-plus-tool_use": "command-r",
    "MiniMax-M2": "minimax",
    "ByteDance-Seed-OSS": "seed",
}


@pytest.mark.parametrize(("stem", "family"), sorted(_FAMILY_OF.items()), ids=sorted(_FAMILY_OF))
def test_family_of_official_templates(offline_data, stem, family):
    assert cat.family_of(_template(offline_data, stem)) == family


def test_family_of_template_only_target(load):
    assert cat.family_of(load("gpt-oss")) == "harmony"
    assert cat.family_of(load("mistral-small-3.2")) == "mistral"


def test_every_token_has_a_primary_family_and_weak_tokens_are_few():
    tokens = cat.all_tokens()
    assert len(tokens) == len(set(tokens)) > 200
    assert all(cat.primary_family(t) for t in tokens)
    weak = [t for t in tokens if cat.is_weak(t)]
    assert "<s>" in weak and "</s>" in weak and "<|im_start|>" not in weak
    assert len(weak) < 30


def test_textual_families_and_bos():
    assert cat.family("claude-legacy").textual == ("Human:", "Assistant:")
    assert {"<|begin_of_text|>", "<s>", "<bos>", "<｜begin▁of▁sentence｜>", "<BOS_TOKEN>"} <= cat.bos_tokens()


def test_trie_pattern_matches_exactly_its_words():
    words = ["<think>", "</think>", "<tool_call>", "<tool_call|>", "<s>", "<sop>"]
    rx = re.compile(cat.trie_pattern(words))
    for w in words:
        assert rx.fullmatch(w)
    for w in ["<thinking>", "<tool>", "<so>", "<"]:
        assert rx.fullmatch(w) is None


VOCABS = sorted(p.name for p in _offline.vocab_dir().glob("*.gguf")) if _offline.is_fetched() else []


@pytest.fixture(scope="module")
def all_template_literals(offline_data) -> list[str]:
    return [v for stem in TEMPLATES for v in _literals(_template(offline_data, stem))]


@pytest.mark.slow
@pytest.mark.parametrize("vocab", VOCABS, ids=VOCABS)
def test_control_tokens_of_every_vocabulary_that_any_template_writes_are_known(
    offline_data, vocab, all_template_literals
):
    """Every control / user-defined token of each real GGUF vocabulary that an official template writes."""
    from portkit.targets._gguf import read_gguf_metadata

    meta = read_gguf_metadata(offline_data / "vocab" / vocab)
    types = meta.get("tokenizer.ggml.token_type") or []
    # GGUF token types: 3 = control, 4 = user-defined (added tokens such as <think>).
    control = {t for t, ty in zip(meta["tokenizer.ggml.tokens"], types, strict=False) if ty in (3, 4)}
    shaped = {t for t in control if _looks_like_control(t)}
    written = {t for t in shaped if any(t in v for v in all_template_literals)}
    assert sorted(t for t in written if not cat.families_of(t)) == []
