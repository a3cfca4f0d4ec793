"""The catalogue of chat-format control tokens, by family.

Pure data and a few small helpers: no heavy imports, so ``portkit lint`` can use it offline with no
tokenizer. A *family* is a chat format shared by several models (ChatML is written by Qwen, Hermes,
SmolLM, …). A token may belong to several families; the first family listed for it is its *primary*
family, the one findings report.

Three kinds of entries:

* **tokens**: exact strings that are single control tokens in the vocabularies of the family
  (``<|im_start|>``, ``[INST]``, ``<｜User｜>``);
* **weak tokens**: tokens that also occur in ordinary text (HTML ``<s>``, ``<bos>`` in prose about
  tokenizers); the detector only reports them beside an unambiguous token, or when a target's own
  vocabulary makes them control tokens;
* **textual markers**: formats whose "tokens" are plain words at the start of a line
  (Alpaca ``### Instruction:``, Vicuna ``USER:``, Claude's legacy ``\\n\\nHuman:``). Every vocabulary
  sees them as text; they are a prompt layout, not special tokens.

``tests/template/test_catalogue.py`` checks this data against every official template and real
vocabulary of the pinned llama-cpp-python sdist.
"""

# portkit: ignore-file  (control tokens are this module's subject, written on purpose)
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple, cast

__all__ = [
    "FAMILIES",
    "FULLWIDTH_SHAPE",
    "PIPE_SHAPE",
    "Family",
    "all_tokens",
    "bos_tokens",
    "families_of",
    "family",
    "family_of",
    "irregular_rest_trie",
    "irregular_tokens",
    "is_weak",
    "primary_family",
    "trie_pattern",
]


class Family(NamedTuple):
    """One chat format and the control tokens it writes.

    Attributes:
        name: short id used in findings and rule messages (``"chatml"``).
        title: human name, with the models that use it.
        tokens: exact control-token strings, unambiguous in ordinary text.
        weak: control tokens that also occur in ordinary text (reported only in company).
        textual: line-start markers that every vocabulary reads as plain text.
        markers: strings whose presence in a chat template identifies the family (most specific first).
        bos: the family's beginning-of-sequence token, if it has one.
        patterns: regular expressions for numbered token series (``<|reserved_special_token_7|>``).
    """

    name: str
    title: str
    tokens: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    textual: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()
    bos: str | None = None
    patterns: tuple[str, ...] = ()

    @property
    def all_tokens(self) -> tuple[str, ...]:
        return self.tokens + self.weak


# The order sets each token's primary family: the first family that lists it.
FAMILIES: tuple[Family, ...] = (
    Family(
        "chatml",
        "ChatML (Qwen, Hermes, SmolLM, MiMo, MiniCPM, Bielik, Step, …)",
        tokens=(
            "<|im_start|>",
            "<|im_end|>",
            "<|endoftext|>",
            "<think>",
            "</think>",
            "<tool_call>",
            "</tool_call>",
            "<tool_response>",
            "</tool_response>",
            "<|vision_start|>",
            "<|vision_end|>",
            "<|vision_pad|>",
            "<|image_pad|>",
            "<|video_pad|>",
            "<|object_ref_start|>",
            "<|object_ref_end|>",
            "<|box_start|>",
            "<|box_end|>",
            "<|quad_start|>",
            "<|quad_end|>",
            "<|fim_prefix|>",
            "<|fim_middle|>",
            "<|fim_suffix|>",
            "<|fim_pad|>",
            "<|repo_name|>",
            "<|file_sep|>",
        ),
        weak=("<tools>", "</tools>"),
        markers=("<|im_start|>",),
    ),
    Family(
        "hermes",
        "Hermes tool calling (NousResearch)",
        tokens=("<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"),
        weak=("<tools>", "</tools>"),
        markers=("<tools>",),
    ),
    Family(
        "llama3",
        "Llama 3.x",
        tokens=(
            "<|begin_of_text|>",
            "<|end_of_text|>",
            "<|start_header_id|>",
            "<|end_header_id|>",
            "<|eot_id|>",
            "<|eom_id|>",
            "<|python_tag|>",
            "<|finetune_right_pad_id|>",
            "<|step_id|>",
            "<|image|>",
        ),
        markers=("<|start_header_id|>",),
        bos="<|begin_of_text|>",
        patterns=(r"<\|reserved_special_token_\d{1,3}\|>",),
    ),
    Family(
        "llama2",
        "Llama 2 / Mistral v1",
        tokens=("[INST]", "[/INST]", "<<SYS>>", "<</SYS>>"),
        weak=("<s>", "</s>"),
        markers=("<<SYS>>", "[INST]"),
        bos="<s>",
    ),
    Family(
        "mistral",
        "Mistral v3/v7/tekken",
        tokens=(
            "[INST]",
            "[/INST]",
            "[SYSTEM_PROMPT]",
            "[/SYSTEM_PROMPT]",
            "[TOOL_CALLS]",
            "[AVAILABLE_TOOLS]",
            "[/AVAILABLE_TOOLS]",
            "[TOOL_RESULTS]",
            "[/TOOL_RESULTS]",
            "[TOOL_CONTENT]",
            "[IMG_BREAK]",
            "[IMG_END]",
            "[/THINK]",
        ),
        weak=("<s>", "</s>", "[IMG]", "[PREFIX]", "[MIDDLE]", "[SUFFIX]", "[THINK]", "[ARGS]", "[CALL_ID]"),
        markers=("[SYSTEM_PROMPT]", "[AVAILABLE_TOOLS]", "[TOOL_CALLS]", "[TOOL_RESULTS]"),
        bos="<s>",
    ),
    Family(
        "phi3",
        "Phi-3 / Phi-3.5",
        tokens=("<|system|>", "<|user|>", "<|assistant|>", "<|end|>", "<|endoftext|>"),
        weak=("<s>", "</s>"),
        markers=("<|end|>",),
        bos="<s>",
        patterns=(r"<\|placeholder\d{1,2}\|>",),
    ),
    Family(
        "zephyr",
        "Zephyr / TinyLlama",
        tokens=("<|system|>", "<|user|>", "<|assistant|>"),
        weak=("</s>",),
        markers=("<|user|>",),
    ),
    Family(
        "deepseek",
        "DeepSeek V3/R1 (full-width bars)",
        tokens=(
            "<｜begin▁of▁sentence｜>",
            "<｜end▁of▁sentence｜>",
            "<｜User｜>",
            "<｜Assistant｜>",
            "<｜tool▁calls▁begin｜>",
            "<｜tool▁calls▁end｜>",
            "<｜tool▁call▁begin｜>",
            "<｜tool▁call▁end｜>",
            "<｜tool▁sep｜>",
            "<｜tool▁outputs▁begin｜>",
            "<｜tool▁outputs▁end｜>",
            "<｜tool▁output▁begin｜>",
            "<｜tool▁output▁end｜>",
            "<｜fim▁hole｜>",
            "<｜fim▁begin｜>",
            "<｜fim▁end｜>",
            "<｜▁pad▁｜>",
            "<think>",
            "</think>",
        ),
        markers=("<｜Assistant｜>", "<｜User｜>"),
        bos="<｜begin▁of▁sentence｜>",
        patterns=(r"<｜place▁holder▁no▁\d{1,4}｜>",),
    ),
    Family(
        "gemma",
        "Gemma 2/3",
        tokens=(
            "<start_of_turn>",
            "<end_of_turn>",
            "<start_of_image>",
            "<end_of_image>",
            "<image_soft_token>",
        ),
        weak=("<bos>", "<eos>", "<pad>"),
        markers=("<start_of_turn>",),
        bos="<bos>",
    ),
    Family(
        "gemma4",
        "Gemma 4",
        tokens=(
            "<|turn>",
            "<turn|>",
            "<|channel>",
            "<channel|>",
            "<|think|>",
            "<|tool>",
            "<tool|>",
            "<|tool_call>",
            "<tool_call|>",
            "<|tool_response>",
            "<tool_response|>",
            '<|"|>',
            "<|image>",
            "<image|>",
            "<|audio>",
            "<audio|>",
            "<|image|>",
            "<|audio|>",
            "<|video|>",
        ),
        weak=("<bos>", "<eos>"),
        markers=("<|turn>",),
        bos="<bos>",
    ),
    Family(
        "harmony",
        "gpt-oss Harmony",
        tokens=(
            "<|start|>",
            "<|end|>",
            "<|message|>",
            "<|channel|>",
            "<|constrain|>",
            "<|return|>",
            "<|call|>",
            "<|startoftext|>",
            "<|endofprompt|>",
        ),
        weak=(),
        markers=("<|channel|>", "<|start|>assistant"),
        bos="<|startoftext|>",
    ),
    Family(
        "kimi",
        "Kimi K2/K3",
        tokens=(
            "<|im_system|>",
            "<|im_user|>",
            "<|im_assistant|>",
            "<|im_middle|>",
            "<|im_end|>",
            "<|tool_calls_section_begin|>",
            "<|tool_calls_section_end|>",
            "<|tool_call_begin|>",
            "<|tool_call_argument_begin|>",
            "<|tool_call_end|>",
            "<|media_start|>",
            "<|media_content|>",
            "<|media_end|>",
            "<|media_pad|>",
            "<|kimi_image_placeholder|>",
            "<|end_of_msg|>",
            "<|sep|>",
            "<|open|>",
            "<|close|>",
        ),
        markers=("<|im_middle|>", "<|end_of_msg|>"),
    ),
    Family(
        "glm",
        "GLM-4 (Zhipu)",
        tokens=(
            "[gMASK]",
            "<|system|>",
            "<|user|>",
            "<|assistant|>",
            "<|observation|>",
            "<|endoftext|>",
            "<arg_key>",
            "</arg_key>",
            "<arg_value>",
            "</arg_value>",
            "<|begin_of_image|>",
            "<|end_of_image|>",
            "<|begin_of_video|>",
            "<|end_of_video|>",
        ),
        weak=("<sop>", "<eop>"),
        markers=("[gMASK]",),
        bos="[gMASK]",
    ),
    Family(
        "granite",
        "IBM Granite",
        tokens=(
            "<|start_of_role|>",
            "<|end_of_role|>",
            "<|end_of_text|>",
            "<|tool_call|>",
            "<|start_of_cite|>",
            "<|end_of_cite|>",
            "<|start_of_plugin|>",
            "<|end_of_plugin|>",
        ),
        markers=("<|start_of_role|>",),
    ),
    Family(
        "command-r",
        "Cohere Command R / R7B / A",
        tokens=(
            "<BOS_TOKEN>",
            "<EOS_TOKEN>",
            "<|START_OF_TURN_TOKEN|>",
            "<|END_OF_TURN_TOKEN|>",
            "<|SYSTEM_TOKEN|>",
            "<|USER_TOKEN|>",
            "<|CHATBOT_TOKEN|>",
            "<|START_THINKING|>",
            "<|END_THINKING|>",
            "<|START_RESPONSE|>",
            "<|END_RESPONSE|>",
            "<|START_ACTION|>",
            "<|END_ACTION|>",
            "<|START_TOOL_RESULT|>",
            "<|END_TOOL_RESULT|>",
            "<|START_TEXT|>",
            "<|END_TEXT|>",
            "<|IMG_PATCH|>",
        ),
        markers=("<|START_OF_TURN_TOKEN|>",),
        bos="<BOS_TOKEN>",
    ),
    Family(
        "lfm2",
        "Liquid LFM2",
        tokens=(
            "<|tool_list_start|>",
            "<|tool_list_end|>",
            "<|tool_call_start|>",
            "<|tool_call_end|>",
            "<|tool_response_start|>",
            "<|tool_response_end|>",
            "<|startoftext|>",
        ),
        markers=("<|tool_list_start|>",),
        bos="<|startoftext|>",
    ),
    Family(
        "hunyuan",
        "Tencent Hunyuan",
        tokens=(
            # The open-weight release spells its tokens with a ":opensource" suffix.
            "<｜hy_begin_of_sentence:opensource｜>",
            "<｜hy_eos:opensource｜>",
            "<｜hy_pad:opensource｜>",
            "<｜hy_User:opensource｜>",
            "<｜hy_Assistant:opensource｜>",
            "<｜reasoning_mode:opensource｜>",
            "<｜hy_begin_of_sentence｜>",
            "<｜hy_eos｜>",
            "<｜hy_pad｜>",
            "<｜hy_User｜>",
            "<｜hy_Assistant｜>",
            "<｜reasoning_mode｜>",
        ),
        markers=("hy_User",),
        bos="<｜hy_begin_of_sentence｜>",
    ),
    Family(
        "spark",
        "iFlytek Spark",
        tokens=("<｜start▁of▁sentence｜>", "<|User|>", "<|Bot|>", "<|System|>", "<|Tool|>"),
        markers=("<|Bot|>",),
        bos="<｜start▁of▁sentence｜>",
    ),
    Family(
        "apertus",
        "Swiss AI Apertus",
        tokens=(
            "<|system_start|>",
            "<|system_end|>",
            "<|developer_start|>",
            "<|developer_end|>",
            "<|user_start|>",
            "<|user_end|>",
            "<|assistant_start|>",
            "<|assistant_end|>",
            "<|inner_prefix|>",
            "<|inner_suffix|>",
            "<|tools_prefix|>",
            "<|tools_suffix|>",
        ),
        markers=("<|system_start|>", "<|user_start|>"),
    ),
    Family(
        "solar",
        "Upstage Solar Open",
        tokens=(
            "<|begin|>",
            "<|content|>",
            "<|tool_calls|>",
            "<|tool_response|>",
            "<|calls|>",
            "<|tools:begin|>",
            "<|tools:end|>",
            "<|tool:begin|>",
            "<|tool:end|>",
            "<|tool_call:begin|>",
            "<|tool_call:end|>",
            "<|tool_call:name|>",
            "<|tool_call:args|>",
            "<|tool_response:begin|>",
            "<|tool_response:end|>",
            "<|tool_response:id|>",
            "<|tool_response:name|>",
            "<|tool_response:result|>",
        ),
        markers=("<|begin|>",),
    ),
    Family(
        "apriel",
        "ServiceNow Apriel",
        tokens=(
            "<|begin_system|>",
            "<|begin_user|>",
            "<|begin_assistant|>",
            "<|begin_content|>",
            "<|begin_tool_result|>",
            "<|tool_result|>",
        ),
        markers=("<|begin_assistant|>",),
    ),
    Family(
        "gigachat",
        "GigaChat",
        tokens=("<|role_sep|>", "<|message_sep|>", "<|function_call|>"),
        markers=("<|role_sep|>",),
    ),
    Family(
        "ling",
        "inclusionAI Ling",
        tokens=("<|role_end|>",),
        markers=("<|role_end|>",),
    ),
    Family(
        "functionary",
        "MeetKai Functionary",
        tokens=("<|NONE|>", "<|from|>", "<|recipient|>", "<|stop|>"),
        markers=("<|NONE|>",),
    ),
    Family(
        "muse",
        "Muse Glimmer",
        tokens=("<|eot|>", "<|eom|>", "<|patch|>"),
        markers=("<|eot|>",),
    ),
    Family(
        "minimax",
        "MiniMax M1/M2",
        tokens=(
            "]~!b[",
            "]~b]",
            "[e~[",
            "]<]minimax[>[",
            "]<]image[>[",
            "]<]video[>[",
            "<minimax:tool_call>",
            "</minimax:tool_call>",
            "<mm:think>",
            "</mm:think>",
        ),
        markers=("]~b]",),
        bos="]~!b[",
    ),
    Family(
        "seed",
        "ByteDance Seed-OSS",
        tokens=(
            "<seed:bos>",
            "<seed:eos>",
            "<seed:pad>",
            "<seed:think>",
            "</seed:think>",
            "<seed:cot_budget_reflect>",
            "</seed:cot_budget_reflect>",
            "<seed:tool_call>",
            "</seed:tool_call>",
        ),
        markers=("<seed:bos>",),
        bos="<seed:bos>",
    ),
    Family(
        "nemotron",
        "NVIDIA Nemotron",
        tokens=("<SPECIAL_10>", "<SPECIAL_11>", "<SPECIAL_12>", "<TOOLCALL>", "</TOOLCALL>"),
        markers=("<SPECIAL_11>",),
    ),
    Family(
        "reka",
        "Reka",
        tokens=("<REKA_IMG_TOKEN>",),
        weak=("<sep>",),
        markers=("<REKA_IMG_TOKEN>",),
    ),
    Family(
        "minicpm",
        "OpenBMB MiniCPM",
        tokens=("<tool_sep>", "<tool_def_sep>"),
        markers=("<tool_def_sep>",),
    ),
    Family(
        "lfm-vl",
        "Liquid LFM2.5 / Ernie style",
        tokens=("<|function_list|>", "<|function_output|>"),
        markers=("<|function_list|>",),
    ),
    Family(
        "alpaca",
        "Alpaca (### Instruction:)",
        textual=("### Instruction:", "### Response:", "### Input:"),
        markers=("### Instruction:",),
    ),
    Family(
        "vicuna",
        "Vicuna (USER: / ASSISTANT:, v0 ### Human:)",
        textual=("USER:", "ASSISTANT:", "### Human:", "### Assistant:"),
        markers=("USER:",),
    ),
    Family(
        "claude-legacy",
        "Claude legacy text completions (\\n\\nHuman: / \\n\\nAssistant:)",
        textual=("Human:", "Assistant:"),
        markers=("\n\nHuman:",),
    ),
)


# Shapes no prose or code writes by accident: <|word|> and DeepSeek's full-width <｜word｜>. The inner
# part must start with a letter so that operators (<|>, <|, |>, a <|b|> c) and CJK text never match.
PIPE_SHAPE = r"<\|[A-Za-z_][A-Za-z0-9_:.\-]{1,62}\|>"
FULLWIDTH_SHAPE = r"<｜[A-Za-z_▁][A-Za-z0-9_▁:.\-]{0,62}｜>"

_BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}

# family_of() tries markers in this order: formats that reuse another family's tokens (Kimi writes
# <|im_end|>, Harmony <|end|>, GLM <|user|>) come before the family they borrow from.
_DETECT_ORDER: tuple[Family, ...] = tuple(
    _BY_NAME[n]
    for n in (
        "muse",
        "harmony",
        "gemma4",
        "gemma",
        "kimi",
        "lfm2",
        "chatml",
        "llama3",
        "deepseek",
        "hunyuan",
        "spark",
        "mistral",
        "llama2",
        "granite",
        "command-r",
        "glm",
        "apertus",
        "solar",
        "apriel",
        "gigachat",
        "ling",
        "functionary",
        "minimax",
        "seed",
        "nemotron",
        "reka",
        "minicpm",
        "lfm-vl",
        "phi3",
        "zephyr",
        "hermes",
        "alpaca",
        "vicuna",
        "claude-legacy",
    )
)


@lru_cache(maxsize=1)
def _token_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for fam in FAMILIES:
        for tok in fam.all_tokens:
            index.setdefault(tok, []).append(fam.name)
    return {tok: tuple(names) for tok, names in index.items()}


@lru_cache(maxsize=1)
def _weak_set() -> frozenset[str]:
    strong = {t for f in FAMILIES for t in f.tokens}
    return frozenset(t for f in FAMILIES for t in f.weak if t not in strong)


@lru_cache(maxsize=1)
def _numbered() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p), f.name) for f in FAMILIES for p in f.patterns)


def family(name: str) -> Family:
    """The :class:`Family` called ``name``.

    Raises:
        KeyError: no family has that name.
    """
    return _BY_NAME[name]


def all_tokens() -> tuple[str, ...]:
    """Every exact control-token string of the catalogue (strong and weak), once each, longest first."""
    return tuple(sorted(_token_index(), key=lambda t: (-len(t), t)))


def families_of(token: str) -> tuple[str, ...]:
    """Every family that writes ``token`` (primary first); ``()`` for an unknown string."""
    hit = _token_index().get(token)
    if hit is not None:
        return hit
    return tuple(name for pattern, name in _numbered() if pattern.fullmatch(token))


def primary_family(token: str) -> str | None:
    """The family reported for ``token``, or None when the catalogue does not know it."""
    names = families_of(token)
    return names[0] if names else None


def is_weak(token: str) -> bool:
    """True for tokens that also occur in ordinary text (``<s>``, ``<bos>``, ``<tools>``)."""
    return token in _weak_set()


def bos_tokens() -> frozenset[str]:
    """Every family's beginning-of-sequence token."""
    return frozenset(f.bos for f in FAMILIES if f.bos)


def family_of(target_or_template: Any) -> str | None:
    """Which catalogue family a chat template (or a :class:`~portkit.targets.Target`) writes.

    ``target_or_template`` is a template's text, or any object with a ``chat_template`` attribute
    (a target); a target without a template is judged by its added tokens.

    Returns:
        The family name (``"chatml"``, ``"llama3"``, …), or None when no family's markers occur.

    Examples:
        >>> family_of("{{ '<|im_start|>' + message['role'] }}")
        'chatml'
    """
    if isinstance(target_or_template, str):
        return _family_of_text(target_or_template)
    template = getattr(target_or_template, "chat_template", None)
    if template:
        found = _family_of_text(template)
        if found is not None:
            return found
    added: Mapping[str, bool] = getattr(target_or_template, "added_tokens", {}) or {}
    return _family_of_tokens(added)


def _family_of_text(text: str) -> str | None:
    for fam in _DETECT_ORDER:
        if any(m in text for m in fam.markers):
            return fam.name
    return None


def _family_of_tokens(tokens: Iterable[str]) -> str | None:
    present = set(tokens)
    for fam in _DETECT_ORDER:
        if any(m in present for m in fam.markers):
            return fam.name
    return None


def trie_pattern(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` shaped as a trie, so each position tries one branch per character."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            body = (body if len(branches) > 1 else f"(?:{body})") + "?"
        return body

    return emit(root)


@lru_cache(maxsize=1)
def irregular_tokens() -> tuple[str, ...]:
    """Catalogue tokens the generic ``<|word|>`` / ``<｜word｜>`` shapes do not already match."""
    shapes = re.compile(f"{PIPE_SHAPE}|{FULLWIDTH_SHAPE}")
    return tuple(t for t in all_tokens() if not shapes.fullmatch(t))


@lru_cache(maxsize=8)
def irregular_rest_trie(first: str) -> str:
    """:func:`trie_pattern` of what follows ``first`` in the irregular tokens that start with it.

    Shared (and built once) by the detector's regexes and ``portkit lint``'s byte prefilter.
    """
    return trie_pattern(sorted({t[1:] for t in irregular_tokens() if t[0] == first and len(t) > 1}))


class _LazyRegex:
    """A regex compiled on first use: module imports stay cheap for ``portkit lint``'s cold start."""

    __slots__ = ("_compiled", "_flags", "_pattern")

    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self._pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[Any] | None = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            self._compiled = re.compile(self._pattern, self._flags)
        return getattr(self._compiled, name)


def lazy_regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, deferred until the pattern is first used."""
    return cast("re.Pattern[str]", _LazyRegex(pattern, flags))


def lazy_bytes_regex(pattern: bytes, flags: int = 0) -> re.Pattern[bytes]:
    """``re.compile(pattern, flags)`` for bytes, deferred until first use."""
    return cast("re.Pattern[bytes]", _LazyRegex(pattern, flags))
