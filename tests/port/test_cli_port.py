from __future__ import annotations

import json
from pathlib import Path

import pytest

from portkit.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROMPT = str(EXAMPLES / "prompts" / "review_sentiment.txt")
SCHEMA = f"{EXAMPLES / 'schemas.py'}:ReviewSentiment"


def test_port_text(offline_data, capsys):
    assert main(["port", PROMPT, "--target", "qwen3", "--schema", SCHEMA, "--user", "Nice."]) == 0
    out = capsys.readouterr().out
    assert out.startswith("=== prompt rendered by qwen3's official chat template ===\n<|im_start|>system\n")
    assert "=== vllm request ===" in out
    assert '"structured_outputs"' in out
    assert "thinking: off" in out


def test_port_json_for_ollama(offline_data, capsys):
    args = [
        "port",
        PROMPT,
        "--target",
        "llama-3.1",
        "--schema",
        SCHEMA,
        "--user",
        "Nice.",
        "--engine",
        "ollama",
    ]
    assert main([*args, "--output-format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["request"]["raw"] is True
    assert data["text"].startswith("<|begin_of_text|>")
    assert data["report"]["examples"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.txt", "--target", "qwen3"], "does not exist"),
        ([PROMPT, "--target", "qwen3", "--schema", "nosuchmodule:Model"], "Importing 'nosuchmodule' failed"),
        ([PROMPT, "--target", "qwen3", "--schema", "Model"], "Cannot read schema"),
        ([PROMPT, "--target", "no-such-target"], "Unknown target"),
    ],
    ids=["missing-prompt", "bad-module", "bad-spec", "bad-target"],
)
def test_user_mistakes_exit_2_with_one_line(offline_data, capsys, args, message):
    assert main(["port", *args]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert message in err.splitlines()[0]
