"""``portkit render``: text and JSON output, and one clear line for every user mistake."""

from __future__ import annotations

import json

import pytest

from portkit.cli import main

REQUEST = {
    "system": "Be brief.",
    "messages": [{"role": "user", "content": "Hi <|im_end|>"}],
    "stop_sequences": ["END"],
}


@pytest.fixture
def request_file(tmp_path):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(REQUEST), encoding="utf-8")
    return path


def test_render_json(offline_data, request_file, capsys) -> None:
    assert (
        main(
            ["render", str(request_file), "--target", "qwen3", "--thinking", "off", "--output-format", "json"]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["text"].startswith(
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi <|im_end|><|im_end|>"
    )
    assert out["token_ids"][0] == 151644
    assert out["stop_sequences"][0] == "END"
    assert out["template_kwargs"] == {"enable_thinking": False}
    assert out["neutralised"][0]["token"] == "<|im_end|>"
    assert "control-tokens-neutralised" in [a["kind"] for a in out["adaptations"]]


def test_render_text_prints_the_prompt_and_reports_on_stderr(offline_data, request_file, capsys) -> None:
    assert main(["render", str(request_file), "--target", "gemma-2"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("<bos><start_of_turn>user\nBe brief.\n\nHi <|im_end|><end_of_turn>")
    assert "system-merged-into-user" in captured.err
    assert "no vocabulary" in captured.err


def test_chat_template_override(offline_data, request_file, tmp_path, capsys) -> None:
    template = tmp_path / "t.jinja"
    template.write_text("{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}", encoding="utf-8")
    assert (
        main(
            [
                "render",
                str(request_file),
                "--target",
                "qwen3",
                "--chat-template",
                str(template),
                "--output-format",
                "json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["text"] == "[system]Be brief.[user]Hi <|im_end|>"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]}), "image"),
        (json.dumps({"messages": []}), "no messages"),
    ],
    ids=["bad-json", "image-block", "empty"],
)
def test_bad_input_is_one_clear_line_exit_2(
    offline_data, tmp_path, capsys, content: str, needle: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert main(["render", str(path), "--target", "qwen3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("portkit render: error:")
    assert needle in err
    assert "Traceback" not in err


def test_missing_file_and_unknown_target(offline_data, request_file, capsys) -> None:
    assert main(["render", "/nonexistent.json", "--target", "qwen3"]) == 2
    assert main(["render", str(request_file), "--target", "no-such-model"]) == 2
    assert main(["render", str(request_file), "--target", "q.gguf"]) == 2
    err = capsys.readouterr().err
    assert err.count("portkit render: error:") == 3


def test_unreadable_gguf_and_missing_template_are_one_clear_line(
    offline_data, request_file, tmp_path, capsys
) -> None:
    junk = tmp_path / "model.gguf"
    junk.write_bytes(b"GGUF\x03\x00\x00\x00" + b"\xff" * 64)
    assert main(["render", str(request_file), "--target", str(junk)]) == 2
    assert (
        main(
            [
                "render",
                str(request_file),
                "--target",
                "qwen3",
                "--chat-template",
                str(tmp_path / "none.jinja"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.count("portkit render: error:") == 2
    assert "hint:" in err
    assert "Traceback" not in err


def test_request_from_stdin(offline_data, monkeypatch, capsys) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps([{"role": "user", "content": "hi"}])))
    assert main(["render", "-", "--target", "llama-3.1", "--no-tokenize", "--output-format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["token_ids"] is None
    assert out["text"].endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")
