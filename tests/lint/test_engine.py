"""The lint engine's fast paths: reading, the byte prefilter, and the forked run, against plain references."""

# portkit: ignore-file  (control tokens are this module's subject, written on purpose)
from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portkit.lint import Diagnostic, _engine, lint_paths
from portkit.lint._files import _KINDS, _NAMES, file_kind
from portkit.template import _catalogue as cat

# -- reading ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reported", [0, 5, 10**6], ids=["size-0", "smaller", "larger"])
def test_read_does_not_trust_the_size_fstat_reports(tmp_path, monkeypatch, reported):
    # /proc files report size 0, a file may grow between fstat() and read(): read until EOF anyway.
    path = tmp_path / "p.txt"
    data = b"<|im_start|>user\n" * 50_000
    path.write_bytes(data)
    real_fstat = os.fstat

    class _Stat:
        def __init__(self, fd: int) -> None:
            self.st_size = reported
            self.st_mode = real_fstat(fd).st_mode

    monkeypatch.setattr(_engine.os, "fstat", _Stat)
    assert _engine._read(str(path)) == data


def test_read_errors_become_pk901(tmp_path):
    diags = lint_paths([tmp_path / "missing.txt", tmp_path], config=False, jobs=1)
    assert [d.code for d in diags] == ["PK901"]
    assert "does not exist" in diags[0].message


# -- the prefilter ----------------------------------------------------------------------------------------


def _reference_might_match(data: bytes) -> bool:
    """The prefilter as first written: each regex searched over the whole file."""
    return any(p.search(data) is not None for p in _engine._prefilter(()))


_PIECES = [
    *(t.encode("utf-8") for t in cat.all_tokens()[::7]),
    b"Human:",
    b"USER:",
    b"### Instruction:",
    b"]~!b[",
    b"<",
    b"[",
    b":",
    b"]",
    b"<instructions>",
    b"a[i]",
    b"x: y",
    b"\n",
    "｜".encode(),
    b"plain words ",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_prefilter_agrees_with_whole_file_regex_search(pieces):
    data = b"".join(pieces)
    assert _engine.might_match(data) is _reference_might_match(data)


def test_prefilter_finds_a_token_after_many_decoys():
    # Past the first few occurrences of "[" and ":" the prefilter hands over to the regex's own scan.
    decoys = b"a[i] = b: c\n" * 40
    assert _engine.might_match(decoys + b"[INST] hi") is True
    assert _engine.might_match(decoys + b"\n\nHuman: hi") is True
    assert _engine.might_match(decoys) is False


# -- file kinds -------------------------------------------------------------------------------------------


@given(
    st.text(alphabet=".aBt_-", max_size=8),
    st.sampled_from(["", *_KINDS, *(k.upper() for k in _KINDS), *_NAMES, ".", ".."]),
)
def test_file_kind_follows_splitext(stem, tail):
    name = stem + tail
    expected = _NAMES.get(name) or _KINDS.get(os.path.splitext(name)[1].lower())
    assert file_kind(f"some/dir/{name}") == expected


# -- the forked run ---------------------------------------------------------------------------------------


def _tree(root: Path) -> None:
    # More files needing the detector than a child sends back (so children lint some themselves),
    # plus files that must come back as PK901 from whichever process read them.
    for i in range(300):
        body = "<|im_start|>user\n" if i % 4 == 0 else "plain prompt with <instructions> tags\n"
        (root / f"p{i:03}.md").write_text(body * 3, "utf-8")
    (root / "bad.txt").write_bytes(b"ok\n\xff\xfe <|im_end|>\n")
    (root / "code.py").write_text('PROMPT = "\\n\\nHuman: hi\\n\\nAssistant:"\n', "utf-8")
    (root / "blob.txt").write_bytes(b"\0\0binary")


def test_forked_run_equals_serial_run(tmp_path):
    _tree(tmp_path)
    serial = lint_paths([tmp_path], config=False, jobs=1)
    assert len([d for d in serial if d.code == "PK101"]) == 75 * 3 + 1
    assert [d.filename for d in serial if d.code == "PK901"] == [str(tmp_path / "bad.txt")]
    for jobs in (2, 3):
        assert lint_paths([tmp_path], config=False, jobs=jobs) == serial


def test_a_dead_child_costs_time_not_findings(tmp_path, monkeypatch):
    _tree(tmp_path)
    serial = lint_paths([tmp_path], config=False, jobs=1)

    def crash(*args: object) -> bool:
        raise SystemExit(3)

    # The children triage with _is_clean, this process does not: every child dies on its first file.
    monkeypatch.setattr(_engine, "_is_clean", crash)
    assert lint_paths([tmp_path], config=False, jobs=2) == serial


@pytest.mark.parametrize("n", [1, 7, 8, 9, 2047, 2048 * 8, 2048 * 8 + 1, 100_000])
def test_chunks_cover_every_file_once(n):
    size, n_chunks = _engine._chunking(n)
    assert size >= 8 and n_chunks <= 2048
    covered = [i for c in range(n_chunks) for i in range(c * size, min((c + 1) * size, n))]
    assert covered == list(range(n))


def test_unrolled_prefilter_patterns_stay_literal_first():
    # The engine's scan relies on each prefilter pattern starting with its trigger byte.
    for pattern, first in zip(_engine._prefilter(()), b"<[:", strict=True):
        assert pattern.pattern[:1] == bytes([first]) or pattern.pattern.startswith(re.escape(bytes([first])))


def test_fields_sent_back_by_workers_are_the_diagnostic_fields():
    # Workers send diagnostics back as tuples in this order; the main process rebuilds them positionally.
    assert tuple(f.name for f in dataclasses.fields(Diagnostic)) == _engine._FIELDS
