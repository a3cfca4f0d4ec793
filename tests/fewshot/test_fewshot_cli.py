"""``portkit fewshot``: JSON and text views, budgets, and clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portkit.cli import main

CORPUS = Path(__file__).parent / "corpus"


def test_json_view(offline_data, qwen3, capsys: pytest.CaptureFixture[str]) -> None:
    path = CORPUS / "sentiment_text_category.txt"
    text = path.read_text(encoding="utf-8")
    assert main(["fewshot", str(path), "--target", "qwen3", "--output-format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"instructions", "examples", "dropped", "tokens_before", "tokens_after"}
    assert doc["tokens_before"] == qwen3.count_tokens(text)
    assert [e["assistant"] for e in doc["examples"]] == ["POSITIVE", "NEGATIVE", "MIXED"]
    for e in doc["examples"]:
        a, b = e["source_span"]
        assert e["user"] in text[a:b]
        assert e["assistant"] in text[a:b]
    for d in doc["dropped"]:
        assert text[d["span"][0] : d["span"][1]] == d["text"]
        assert d["reason"]
    assert "Output only the category label, nothing else." in doc["instructions"]


def test_text_view(offline_data, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fewshot", str(CORPUS / "support_router_xml.txt"), "--target", "llama-3.1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# instructions (llama-3.1: ")
    assert "# example 1 from " in out
    assert "## assistant\nFRAUD" in out
    assert "# dropped (" in out


def test_no_examples_warns_on_stderr(offline_data, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fewshot", str(CORPUS / "no_examples_policy.txt"), "--target", "qwen3"]) == 0
    assert "no worked examples" in capsys.readouterr().err


def test_budget_too_small_is_exit_2_with_hint(offline_data, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(CORPUS / "support_router_xml.txt")
    assert main(["fewshot", path, "--target", "qwen3", "--budget", "20"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("portkit fewshot: error: The ported prompt needs")
    assert err[1].startswith("  hint: raise the budget")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda p: p / "missing.txt", "does not exist", id="missing"),
        pytest.param(lambda p: p, "is a directory", id="directory"),
        pytest.param(
            lambda p: (p / "bin.txt", (p / "bin.txt").write_bytes(b"\xff\xfe\x00bad"))[0],
            "not UTF-8",
            id="binary",
        ),
    ],
)
def test_unreadable_files_are_one_clear_line(tmp_path: Path, make, message: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["fewshot", str(make(tmp_path)), "--target", "qwen3"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_unknown_target_is_exit_2(offline_data, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fewshot", str(CORPUS / "faq_qa_with_bad.txt"), "--target", "no-such-model-xyz"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_long_prompts_are_trimmed_harder_unless_told_not_to(
    offline_data, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(CORPUS / "long_travel_concierge.txt")
    assert main(["fewshot", path, "--target", "qwen3", "--output-format", "json"]) == 0
    auto = json.loads(capsys.readouterr().out)
    assert main(["fewshot", path, "--target", "qwen3", "--output-format", "json", "--no-aggressive"]) == 0
    off = json.loads(capsys.readouterr().out)
    assert auto["tokens_after"] < off["tokens_after"]
    assert any("aggressive" in d["reason"] for d in auto["dropped"])
    assert not any("aggressive" in d["reason"] for d in off["dropped"])
