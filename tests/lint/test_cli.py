"""`portkit lint` as a user runs it: exit codes, config, walking, suppressions, robustness."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portkit.lint import lint_paths, lint_text


def test_findings_exit_1_and_ruff_style_lines(project, portkit_cli):
    r = portkit_cli("lint", ".", cwd=project)
    assert r.code == 1
    lines = r.out.splitlines()
    assert "prompts/chat.txt:1:1: PK101 '<|im_start|>' is a ChatML control token, written by hand." in lines
    assert any(line.startswith("src/app.py:1:15: PK201 'Human:'") for line in lines)
    assert any(line.startswith("src/ui.ts:1:12: PK101 '[INST]'") for line in lines)
    assert lines[-1] == f"Found {len(lines) - 1} findings."


def test_gitignore_and_default_excludes_are_honoured(project, portkit_cli):
    out = portkit_cli("lint", ".", cwd=project).out
    assert "generated/" not in out and "debug.log" not in out and "build/" not in out
    out = portkit_cli("lint", ".", "--no-respect-gitignore", cwd=project).out
    assert "generated/gen.txt" in out
    # A file named on the command line is always linted.
    assert "generated/gen.txt:1:1: PK101" in portkit_cli("lint", "generated/gen.txt", cwd=project).out


def test_clean_tree_exits_0(project, portkit_cli):
    r = portkit_cli("lint", "prompts/clean.md", cwd=project)
    assert (r.code, r.out) == (0, "All checks passed!\n")


def test_exit_zero(project, portkit_cli):
    assert portkit_cli("lint", ".", "--exit-zero", cwd=project).code == 0


def test_select_and_ignore(project, portkit_cli):
    out = portkit_cli("lint", ".", "--select", "PK201", cwd=project).out
    assert {line.split()[1] for line in out.splitlines()[:-1]} == {"PK201"}
    out = portkit_cli("lint", ".", "--ignore", "PK1,claude-legacy-turns", cwd=project).out
    codes = {line.split()[1] for line in out.splitlines()[:-1]}
    assert codes == {"PK202"}


def test_unknown_rule_is_a_usage_error(project, portkit_cli):
    r = portkit_cli("lint", ".", "--select", "PK999", cwd=project)
    assert r.code == 2
    assert "Unknown rule 'PK999'" in r.err and "hint:" in r.err


def test_config_in_pyproject_and_flags_override(project, portkit_cli):
    (project / "pyproject.toml").write_text(
        '[tool.portkit]\nignore = ["PK201"]\nextend-exclude = ["src/ui.ts"]\n\n'
        '[tool.portkit.per-file-ignores]\n"prompts/*.txt" = ["PK101"]\n',
        "utf-8",
    )
    out = portkit_cli("lint", ".", cwd=project).out
    assert "PK201" not in out and "ui.ts" not in out and "chat.txt" not in out
    out = portkit_cli("lint", ".", "--select", "PK201", "--isolated", cwd=project).out
    assert "PK201" in out


def test_nearest_portkit_toml_wins(project, portkit_cli):
    (project / "prompts" / "portkit.toml").write_text('ignore = ["PK101"]\n', "utf-8")
    r = portkit_cli("lint", "prompts", cwd=project)
    assert r.code == 0, r.out


def test_unknown_target_is_a_usage_error(project, portkit_cli):
    r = portkit_cli("lint", ".", "--target", "no-such-model", cwd=project)
    assert r.code == 2 and "Unknown target 'no-such-model'" in r.err and "hint:" in r.err


def test_bad_config_is_a_clear_error(project, portkit_cli):
    (project / "pyproject.toml").write_text("[tool.portkit]\nselect = 3\n", "utf-8")
    r = portkit_cli("lint", ".", cwd=project)
    assert r.code == 2 and "'select'" in r.err and "list of strings" in r.err
    (project / "pyproject.toml").write_text("[tool.portkit\n", "utf-8")
    assert portkit_cli("lint", ".", "--config", "pyproject.toml", cwd=project).code == 2


def test_suppression_comments_the_file_syntax_drops(tmp_path, portkit_cli):
    (tmp_path / "a.py").write_text(
        'x = "<|im_start|>"  # portkit: ignore[PK101]\n'
        "# portkit: ignore\n"
        'y = "<|eot_id|>"\n'
        'z = """\n<|im_end|>\n"""  # portkit: ignore[PK101]\n'
        'w = "<|im_start|>"\n',
        "utf-8",
    )
    (tmp_path / "t.jinja").write_text(
        "{# portkit: ignore[PK101] #}\n<|im_start|>{{ x }}\n<|eot_id|>\n", "utf-8"
    )
    (tmp_path / "c.yaml").write_text(
        'a: "<|im_start|>"  # portkit: ignore[PK101]\nb: "<|eot_id|>"\n', "utf-8"
    )
    out = portkit_cli("lint", ".", "--isolated", cwd=tmp_path).out
    assert out.splitlines()[:-1] == [
        "a.py:7:6: PK101 '<|im_start|>' is a ChatML control token, written by hand.",
        "c.yaml:2:5: PK101 '<|eot_id|>' is a Llama 3.x control token, written by hand.",
        "t.jinja:3:1: PK101 '<|eot_id|>' is a Llama 3.x control token, written by hand.",
    ]


def test_suppression_text_is_not_honoured_in_plain_prompt_files(tmp_path, portkit_cli):
    # A comment in a .txt/.md prompt would reach the model; only config can silence those files.
    (tmp_path / "p.md").write_text("<!-- portkit: ignore -->\n<|im_start|>\n", "utf-8")
    assert portkit_cli("lint", "p.md", "--isolated", cwd=tmp_path).code == 1


def test_unreadable_and_missing_files_are_reported_not_raised(tmp_path, portkit_cli):
    (tmp_path / "bad.txt").write_bytes(b"ok\n\xff\xfe <|im_start|>\n")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02<|im_start|>")
    r = portkit_cli("lint", "bad.txt", "bin.txt", "missing.txt", "--isolated", cwd=tmp_path)
    assert r.code == 1
    lines = r.out.splitlines()
    assert lines[0].startswith("bad.txt:2:1: PK901 The file is not valid UTF-8 (byte 0xff)")
    assert lines[1].startswith("bad.txt:2:4: PK101 '<|im_start|>'")
    assert any(line.startswith("bin.txt:1:1: PK901") for line in lines)
    assert any(line.startswith("missing.txt:1:1: PK901 The file does not exist.") for line in lines)


def test_stdin(tmp_path, portkit_cli, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO('p = "<|eot_id|>"\n'))
    r = portkit_cli("lint", "-", "--stdin-filename", "x.py", "--isolated", cwd=tmp_path)
    assert r.out.startswith("x.py:1:6: PK101 '<|eot_id|>'")


def test_target_verdicts_in_the_json_record(llama31, tmp_path, portkit_cli):
    (tmp_path / "p.txt").write_text("<|im_start|>user\n<|start_header_id|>", "utf-8")
    r = portkit_cli(
        "lint", "p.txt", "--target", "llama-3.1", "--output-format", "json", "--isolated", cwd=tmp_path
    )
    records = json.loads(r.out)
    assert [(d["code"], d["token"], d["verdict"], d["family"]) for d in records] == [
        ("PK102", "<|im_start|>", "foreign", "chatml"),
        ("PK103", "<|start_header_id|>", "structural", "llama3"),
    ]


def test_json_only_instruction_is_info_and_does_not_fail(tmp_path, portkit_cli):
    (tmp_path / "p.md").write_text("Respond only with valid JSON.\n", "utf-8")
    r = portkit_cli("lint", "p.md", "--isolated", "--output-format", "json-lines", cwd=tmp_path)
    (rec,) = [json.loads(line) for line in r.out.splitlines()]
    assert (rec["code"], rec["severity"], rec["token"], r.code) == ("PK301", "info", None, 0)
    (tmp_path / "c.py").write_text(
        'p = "Respond only with JSON."\nclient.create(response_format=schema)\n', "utf-8"
    )
    assert portkit_cli("lint", "c.py", "--isolated", cwd=tmp_path).code == 0


def test_json_strings_are_decoded(tmp_path):
    (tmp_path / "r.json").write_text('{"prompt": "\\u003c|im_start|\\u003euser", "n": 1}\n', "utf-8")
    (d,) = lint_paths([tmp_path / "r.json"], config=False)
    assert (d.code, d.token, d.row, d.column) == ("PK101", "<|im_start|>", 1, 13)


def test_double_bos(tmp_path):
    diags = lint_text('a = "<|begin_of_text|>hi"\nb = "x <|begin_of_text|>"\n', filename="x.py")
    assert [d.code for d in diags] == ["PK101", "PK202", "PK101"]


def test_big_tree_runs_in_parallel_with_the_same_result(tmp_path):
    for i in range(80):
        body = "<|im_start|>user\n" if i % 7 == 0 else "plain prompt\n"
        (tmp_path / f"p{i:02}.txt").write_text(body * 3, "utf-8")
    serial = lint_paths([tmp_path], config=False, jobs=1)
    parallel = lint_paths([tmp_path], config=False, jobs=2)
    assert serial == parallel and len(serial) == 12 * 3


def test_statistics(project, portkit_cli):
    r = portkit_cli("lint", ".", "--statistics", cwd=project)
    assert r.code == 1
    assert [line.split() for line in r.out.splitlines()] == [
        ["5", "PK101", "hand-written-control-token"],
        ["2", "PK201", "claude-legacy-turns"],
        ["1", "PK202", "double-bos"],
    ]


def test_list_rules(portkit_cli):
    out = portkit_cli("lint", "--list-rules").out
    assert "PK101  hand-written-control-token" in out and "PK901" in out


def test_cold_start_imports_nothing_heavy(tmp_path):
    (tmp_path / "p.txt").write_text("<|im_start|>user\n", "utf-8")
    code = (
        "import sys; from portkit.cli import main; rc = main(['lint', 'p.txt', '--isolated']); "
        "bad = [m for m in ('transformers', 'tokenizers', 'jinja2', 'pydantic', 'outlines', 'torch', 'rich') "
        "if m in sys.modules]; print(bad, file=sys.stderr); sys.exit(3 if bad else rc)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert r.returncode == 1, r.stderr


# -- robustness: arbitrary bytes never crash the linter --------------------------------------------------------

_SUFFIXES = [".txt", ".md", ".py", ".ts", ".yaml", ".json", ".jinja", ".rb", ".toml"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))
    ),
    suffix=st.sampled_from(_SUFFIXES),
)
def test_arbitrary_bytes_never_crash(tmp_path_factory, data, suffix):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"f{suffix}"
    path.write_bytes(data)
    for d in lint_paths([path], config=False, jobs=1):
        assert d.row >= 1 and d.column >= 1 and d.end_row >= d.row


@settings(max_examples=150, deadline=None)
@given(
    st.text(max_size=200),
    st.sampled_from(
        ["<|im_start|>", "[INST]", "<｜User｜>", "<start_of_turn>", '"', "'", "`", "\\", "{", "#"]
    ),
    st.sampled_from(_SUFFIXES),
)
def test_arbitrary_text_in_any_file_kind_never_crashes(text, piece, suffix):
    source = f"{text}{piece}{text[::-1]}"
    for d in lint_text(source, filename=f"x{suffix}"):
        assert d.code.startswith("PK") and d.row >= 1


def test_pre_commit_hooks_file():
    hooks = (Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text("utf-8")
    assert "id: portkit-lint" in hooks and "entry: portkit lint --force-exclude" in hooks
    files = re.search(r"files: (.+)", hooks).group(1)
    for name in ["a.py", "p/b.prompt", "c.j2", "d.yaml", "e.tsx", "x/Modelfile", "f.ipynb"]:
        assert re.search(files, name), name
    for name in ["g.png", "h.html", "Modelfile.bak"]:
        assert not re.search(files, name), name


def test_force_exclude_applies_excludes_to_named_files(project, portkit_cli):
    (project / "pyproject.toml").write_text('[tool.portkit]\nexclude = ["prompts/**"]\n', "utf-8")
    assert portkit_cli("lint", "prompts/chat.txt", cwd=project).code == 1
    r = portkit_cli("lint", "prompts/chat.txt", "build/out.txt", "--force-exclude", cwd=project)
    assert (r.code, r.out) == (0, "All checks passed!\n")


@pytest.mark.parametrize("bad", ["", "PK", "PK1", "ALL"])
def test_selection_prefixes(bad):
    from portkit.lint._rules import resolve_selection

    if bad == "":
        assert resolve_selection(select=[bad], ignore=None) == frozenset()
    else:
        assert "PK101" in resolve_selection(select=[bad], ignore=None)
