"""Precision and recall of token findings on a corpus of real-world shaped prompts and code.

``corpus/positive`` holds files that write control tokens (ChatML in f-strings, Llama 3 headers in
JS template literals, [INST] in YAML, DeepSeek full-width tokens, Harmony, Gemma, Claude's legacy
``\\n\\nHuman:``, …); ``corpus/negative`` holds the traps (Claude XML tags, HTML ``<s>``/``<b>``,
generics, ``<|>``, CJK ``｜``, escaped forms, ``Human:`` mid-sentence, …).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from portkit.lint import lint_paths

CORPUS = Path(__file__).parent / "corpus"
POSITIVE = sorted((CORPUS / "positive").iterdir())
NEGATIVE = sorted((CORPUS / "negative").iterdir())


def _token_findings(path: Path) -> list:
    return [d for d in lint_paths([path], config=False) if d.token]


@pytest.fixture(scope="module")
def results():
    return {p: _token_findings(p) for p in [*POSITIVE, *NEGATIVE]}


def test_corpus_is_big_enough():
    assert len(POSITIVE) >= 40 and len(NEGATIVE) >= 20


def test_precision_and_recall(results):
    tp = sum(1 for p in POSITIVE if results[p])
    fn = [p.name for p in POSITIVE if not results[p]]
    fp = [p.name for p in NEGATIVE if results[p]]
    precision = tp / (tp + len(fp)) if tp + len(fp) else 0.0
    recall = tp / len(POSITIVE)
    assert precision >= 0.97, f"false positives: {fp}"
    assert recall >= 0.97, f"missed: {fn}"


@pytest.mark.parametrize("path", POSITIVE, ids=[p.name for p in POSITIVE])
def test_positive_file_has_token_findings_that_match_the_source(path, results):
    found = results[path]
    assert found, f"{path.name}: nothing found"
    lines = path.read_text("utf-8").splitlines()
    for d in found:
        # The reported position points at the token as written, when it is written literally.
        line = lines[d.row - 1]
        if d.code != "PK104" and "\\" not in line[: d.column]:
            assert line[d.column - 1 : d.column - 1 + len(d.token)] == d.token, (d, line)


@pytest.mark.parametrize("path", NEGATIVE, ids=[p.name for p in NEGATIVE])
def test_negative_file_has_no_token_finding(path, results):
    assert results[path] == []
