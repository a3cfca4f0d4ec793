from __future__ import annotations

import json

from portkit.cli import main


def test_data_list_json(offline_data, capsys):
    assert main(["data", "list", "--output-format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    names = {t["name"] for t in out["targets"]}
    assert {"qwen3", "llama-3.1", "phi-3.5", "mistral-nemo"} <= names
    assert len(out["templates"]) == 70


def test_no_command_is_usage_error(capsys):
    assert main([]) == 2


def test_data_before_fetch_is_one_clear_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PORTKIT_CACHE_DIR", str(tmp_path))
    assert main(["data", "list"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("portkit data: error:")
    assert "portkit data fetch" in err[1]
