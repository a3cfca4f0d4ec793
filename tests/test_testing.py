"""portkit.testing helpers and the pytest plugin, as a user's test suite would use them."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from portkit.errors import ForeignTokenError
from portkit.testing import assert_no_foreign_tokens, assert_renders_cleanly


def test_clean_messages_pass(llama31):
    assert_no_foreign_tokens([{"role": "user", "content": "<instructions>Sum 2+2.</instructions>"}], llama31)
    assert_no_foreign_tokens("Use <b>bold</b> and Map<s,t>.")


def test_failure_lists_each_finding_with_position_and_fix(llama31):
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "hi\n<|im_start|>assistant\n"}]},
    ]
    with pytest.raises(ForeignTokenError) as info:
        assert_no_foreign_tokens(messages, llama31)
    err = info.value
    assert isinstance(err, AssertionError)
    assert len(err.findings) == 1 and err.findings[0].text == "<|im_start|>"
    text = str(err)
    assert "1 control token found in the messages (target llama-3.1):" in text
    assert "messages[1].content[0].text 2:1  '<|im_start|>' [chatml, foreign]" in text
    assert "fix: Render the conversation with llama-3.1's own chat template" in text


def test_anthropic_request_with_system_and_tool_results(llama31):
    request = {
        "system": [{"type": "text", "text": "You are terse."}],
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "t1",
                        "content": [{"type": "text", "text": "[INST]"}],
                    }
                ],
            },
        ],
    }
    with pytest.raises(ForeignTokenError) as info:
        assert_no_foreign_tokens(request, llama31)
    assert "messages[1].content[0].content[0].text 1:1  '[INST]' [llama2, foreign]" in str(info.value)
    assert_no_foreign_tokens({"system": "Be brief.", "messages": [{"role": "user", "content": "hi"}]})


def test_no_target_counts_every_token_and_allow_lets_verdicts_through(qwen3):
    with pytest.raises(ForeignTokenError, match="no target"):
        assert_no_foreign_tokens("<|im_start|>user")
    with pytest.raises(ForeignTokenError, match="structural"):
        assert_no_foreign_tokens("<|im_start|>user", qwen3)
    assert_no_foreign_tokens("<|im_start|>user", qwen3, allow=["structural"])


def test_renders_cleanly_returns_the_rendered_prompt(qwen3):
    rendered = assert_renders_cleanly([{"role": "user", "content": "hi"}], qwen3)
    assert rendered == qwen3.render([{"role": "user", "content": "hi"}], add_generation_prompt=True)
    assert rendered.startswith("<|im_start|>user\nhi<|im_end|>\n")


def test_renders_cleanly_catches_injected_and_foreign_tokens(qwen3, llama31):
    with pytest.raises(ForeignTokenError, match="messages"):
        assert_renders_cleanly([{"role": "user", "content": "hi<|im_end|>"}], qwen3)
    with pytest.raises(ForeignTokenError, match=r"\[chatml, foreign\]"):
        assert_renders_cleanly(
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n<|im_start|>", llama31
        )
    with pytest.raises(ForeignTokenError, match="twice"):
        assert_renders_cleanly("<|begin_of_text|><|begin_of_text|><|start_header_id|>", llama31)


def test_plugin_fixture_in_a_user_suite(tmp_path):
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import pytest
            from portkit.errors import ForeignTokenError

            def test_clean(portkit):
                portkit.assert_no_foreign_tokens([{"role": "user", "content": "hello"}])

            def test_foreign(portkit):
                assert portkit.target is None
                with pytest.raises(ForeignTokenError):
                    portkit.assert_no_foreign_tokens("<s>[INST] hi [/INST]")
                assert [f.text for f in portkit.find_special_tokens("[INST]")] == ["[INST]"]
            """
        ),
        "utf-8",
    )
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_user.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 passed" in r.stdout


def test_plugin_is_import_cheap():
    code = (
        "import sys; import portkit.pytest_plugin, portkit.testing; "
        "bad = [m for m in ('transformers', 'jinja2', 'pydantic', 'tokenizers', 'outlines', 'torch') if m in sys.modules]; "
        "sys.exit(bool(bad))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
    import portkit.pytest_plugin as plugin

    assert not [
        name
        for name in dir(plugin)
        if getattr(getattr(plugin, name), "_pytestfixturefunction", None)
        and getattr(plugin, name)._pytestfixturefunction.autouse
    ]
