"""Corpus metrics: the issue's acceptance targets, measured on annotated prompts written for portkit.

Each prompt in ``corpus/`` has an entry in ``corpus/annotations.json``: worked examples that must
become turns (``required``), may (``optional``) or must never (``forbidden``), each located by an
input and an output anchor, and the hard-constraint sentences that must survive verbatim.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import pytest

from portkit.fewshot import Example, port_instructions, split_prompt

CORPUS = Path(__file__).parent / "corpus"
ANNOTATIONS: dict[str, dict[str, Any]] = json.loads((CORPUS / "annotations.json").read_text(encoding="utf-8"))
FILES = sorted(ANNOTATIONS)


def _text(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def _matches(ex: Example, item: dict[str, Any]) -> bool:
    users = [t.text for t in ex.turns if t.role == "user"]
    assistants = [t.text for t in ex.turns if t.role == "assistant"]
    if item["input_anchor"] is not None and not any(item["input_anchor"] in u for u in users):
        return False
    return any(item["output_anchor"] in a for a in assistants)


def test_every_corpus_file_is_annotated() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.txt")) == FILES


@pytest.mark.parametrize("name", FILES)
def test_no_forbidden_item_becomes_a_turn(name: str) -> None:
    text = _text(name)
    forbidden = [i for i in ANNOTATIONS[name]["items"] if i["kind"] == "forbidden"]
    for max_examples in (None, 3):
        ported = port_instructions(text, target=None, max_examples=max_examples)
        for ex in ported.examples:
            for item in forbidden:
                # a nested example stays inside its outer example's output; only a turn of its own counts
                assert not _matches(ex, item), item


@pytest.mark.parametrize("name", FILES)
def test_hard_constraints_survive_verbatim(name: str) -> None:
    ported = port_instructions(_text(name), target=None)
    for sentence in ANNOTATIONS[name]["hard_constraints"]:
        assert sentence in ported.instructions, sentence


@pytest.mark.parametrize("name", FILES)
def test_example_turns_are_byte_exact(name: str) -> None:
    text = _text(name)
    for ex in split_prompt(text).examples:
        for turn in ex.turns:
            assert text[turn.span[0] : turn.span[1]] == turn.text


def test_recall_precision_and_invented_examples() -> None:
    required = matched = turned = valid = 0
    invented: list[tuple[str, str]] = []
    for name in FILES:
        items = ANNOTATIONS[name]["items"]
        examples = port_instructions(_text(name), target=None, max_examples=None).examples
        req = [i for i in items if i["kind"] == "required"]
        ok = [i for i in items if i["kind"] in ("required", "optional")]
        required += len(req)
        matched += sum(any(_matches(ex, i) for ex in examples) for i in req)
        turned += len(examples)
        for ex in examples:
            if any(_matches(ex, i) for i in ok):
                valid += 1
            else:
                invented.append((name, ex.user[:40]))
    recall = matched / required
    precision = valid / turned
    assert recall >= 0.95, recall
    assert precision >= 0.98, precision
    assert invented == []


def test_prompts_without_worked_examples_get_none() -> None:
    for name in FILES:
        items = ANNOTATIONS[name]["items"]
        if not any(i["kind"] in ("required", "optional") for i in items):
            assert port_instructions(_text(name), target=None).examples == (), name


def test_token_reduction_with_the_target_tokenizer(qwen3) -> None:
    long_reductions: list[float] = []
    for name in FILES:
        text = _text(name)
        ported = port_instructions(text, target=qwen3)
        assert ported.tokens_before is not None
        assert ported.tokens_after is not None
        assert ported.tokens_after <= ported.tokens_before * 1.05, name
        if len(text.split()) > 1500:
            long_reductions.append(1 - ported.tokens_after / ported.tokens_before)
    assert len(long_reductions) >= 2
    assert statistics.median(long_reductions) >= 0.35, long_reductions


@pytest.mark.parametrize("name", FILES)
def test_windows_line_endings_change_nothing(name: str) -> None:
    text = _text(name)
    unix = port_instructions(text, target=None)
    windows = port_instructions(text.replace("\n", "\r\n"), target=None)
    assert windows.instructions == unix.instructions.replace("\n", "\r\n")
    assert [e.user.replace("\r\n", "\n") for e in windows.examples] == [e.user for e in unix.examples]
