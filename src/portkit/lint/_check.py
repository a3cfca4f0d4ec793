"""Turn one document's findings into diagnostics: rule codes, PK202/PK301, suppressions.

Imported only for files the byte prefilter lets through, so clean runs never load the detector.
"""

# portkit: ignore-file  (control tokens are this module's subject, written on purpose)
from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portkit.lint import _rules
from portkit.lint._diagnostic import Diagnostic
from portkit.lint._extract import Document, extract
from portkit.lint._files import file_kind, glob_regex
from portkit.template import _catalogue as cat
from portkit.template._detect import CONCAT_REST, Finding, Verdict, scan

if TYPE_CHECKING:
    from portkit.lint._engine import LintContext

__all__ = ["lint_document", "lint_text"]


# -- one document -------------------------------------------------------------------------------------------

_JSON_WORD = cat.lazy_regex(r"\bJSON\b", re.IGNORECASE)
_SENTENCE_END = cat.lazy_regex(r"[.!?\n]")
_JSON_ONLY = cat.lazy_regex(
    r"\b(?:only|solely|exclusively|nothing else|nothing but|no other text|no additional text|no prose|"
    r"without any (?:other|additional) text|strictly)\b",
    re.IGNORECASE,
)
_JSON_VERB = cat.lazy_regex(
    r"\b(?:respond|reply|answer|output|return|provide|produce|print|write|format|give|emit|must be|should be)\b",
    re.IGNORECASE,
)
# Source files that attach a constraint somewhere (response_format, a grammar, Outlines, portkit's own).
_CONSTRAINT_HINTS = cat.lazy_regex(
    r"response_format|json_schema|guided_json|guided_decoding|structured_output|response_mime_type|"
    r"json_mode|grammar|outlines|portkit\.constrain|\bformat\s*[=:]\s*[\"']json|schema\s*="
)
_DATA_VALUE_PREFIX = cat.lazy_regex(r"^\s*(?:-\s*)?(?:[\"']?[\w.\- ]+[\"']?\s*[:=]\s*)?[\"'|>+\-\s]*$")


def _bos_starts(doc: Document) -> set[int]:
    starts = set()
    text = doc.text
    for s in doc.starts:
        i = s
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        starts.add(i)
    return starts


def _starts_prompt(doc: Document, finding: Finding, kind: str, bos_starts: set[int]) -> bool:
    if finding.start in bos_starts:
        return True
    if kind == "data":
        line_start = doc.text.rfind("\n", 0, finding.start) + 1
        prefix = doc.text[line_start : finding.start]
        if len(prefix) > 120:
            return False
        return bool(_DATA_VALUE_PREFIX.match(prefix)) and not prefix.endswith("\\n")
    return False


def _code_for(f: Finding) -> str:
    if f.kind == "textual":
        return "PK201" if f.family == "claude-legacy" else "PK203"
    if f.kind == "runtime":
        return "PK104"
    if f.verdict is Verdict.STRUCTURAL:
        return "PK103"
    if f.verdict is Verdict.FOREIGN:
        return "PK102"
    return "PK101"


def _make(
    code: str, doc: Document, filename: str, start: int, end: int, message: str, **kw: Any
) -> Diagnostic:
    r = _rules.rule(code)
    row, col, end_row, end_col = doc.span_position(start, end)
    return Diagnostic(code, r.name, r.severity, message, filename, row, col, end_row, end_col, **kw)


def lint_document(doc: Document, filename: str, kind: str, ctx: LintContext) -> list[Diagnostic]:
    """Diagnostics of one extracted document, after rule selection and suppressions."""
    out: list[Diagnostic] = []
    sel = ctx.selected
    findings = scan(doc.text, ctx.target, escaped_newlines=doc.escaped_newlines) if doc.text else []
    bos = cat.bos_tokens()
    bos_starts = _bos_starts(doc) if findings else set()
    for f in findings:
        if f.kind != "runtime" and any(a <= f.start < b for a, b in doc.runtime_only):
            continue
        code = _code_for(f)
        extra = {"family": f.family, "token": f.text, "verdict": str(f.verdict), "suggestion": f.suggestion}
        if code in sel:
            out.append(_make(code, doc, filename, f.start, f.end, f.message, **extra))
        if (
            "PK202" in sel
            and f.kind == "token"
            and f.text in bos
            and _starts_prompt(doc, f, kind, bos_starts)
        ):
            out.append(
                _make(
                    "PK202",
                    doc,
                    filename,
                    f.start,
                    f.end,
                    f"The prompt starts with the BOS token {f.text!r}; tokenizers that add BOS will send it twice.",
                    family=f.family,
                    token=f.text,
                    verdict=str(f.verdict),
                    suggestion="Drop the BOS from the text: the chat template or the tokenizer adds it once.",
                )
            )
    if doc.is_source and kind != "python" and "PK104" in sel and "<|" in doc.source:
        out.extend(_source_concat(doc, filename))
    if doc.is_source and "PK201" in sel and "_PROMPT" in doc.source and "nthropic" in doc.source:
        out.extend(_sdk_constants(doc, filename, has_target=ctx.target is not None))
    if (
        "PK301" in sel
        and _JSON_WORD.search(doc.text) is not None
        and not (doc.is_source and _CONSTRAINT_HINTS.search(doc.source) is not None)
    ):
        out.extend(_json_only(doc, filename))
    return _suppressed(out, doc, filename, ctx)


_CONCAT = cat.lazy_regex("<" + CONCAT_REST)


def _source_concat(doc: Document, filename: str) -> Iterable[Diagnostic]:
    """``'<|' + role + '|>'`` in JavaScript and other languages, read from the source text."""
    r = _rules.rule("PK104")
    for m in _CONCAT.finditer(doc.source):
        row, col = doc.position(m.start())
        end_row, end_col = doc.position(m.end())
        yield Diagnostic(
            "PK104",
            r.name,
            r.severity,
            f"{m.group(0)!r} assembles a control token at run time, written by hand.",
            filename,
            row,
            col,
            end_row,
            end_col,
            family="phi3",
            token=m.group(0),
            verdict="hand-assembled",
            suggestion="Pass plain messages and let the chat template write the control tokens.",
        )


_SDK_CONSTANT = cat.lazy_regex(r"(?<![\w.])(?:[Aa]nthropic\.)?(HUMAN_PROMPT|AI_PROMPT)\b")
_SDK_VALUES = {"HUMAN_PROMPT": "\n\nHuman:", "AI_PROMPT": "\n\nAssistant:"}


def _sdk_constants(doc: Document, filename: str, *, has_target: bool) -> Iterable[Diagnostic]:
    """The Anthropic SDK's HUMAN_PROMPT / AI_PROMPT: the legacy turn markers, held in constants."""
    r = _rules.rule("PK201")
    # Every mention counts, the import included: it is where the legacy layout enters the code.
    for m in _SDK_CONSTANT.finditer(doc.source):
        row, col = doc.position(m.start())
        end_row, end_col = doc.position(m.end())
        name = m.group(1)
        yield Diagnostic(
            "PK201",
            r.name,
            r.severity,
            f"{name} is the Anthropic SDK's {_SDK_VALUES[name]!r} legacy text-completion turn marker.",
            filename,
            row,
            col,
            end_row,
            end_col,
            family="claude-legacy",
            token=m.group(0),
            verdict="foreign" if has_target else "hand-assembled",
            suggestion="Send the turns as messages with roles and let the target's chat template lay them out.",
        )


def _json_only(doc: Document, filename: str) -> Iterable[Diagnostic]:
    text = doc.text
    last_end = -1
    for word in _JSON_WORD.finditer(text):
        if word.start() < last_end:
            continue
        # The sentence around the word, found by scanning outwards (linear, whatever the line length).
        start = max(text.rfind(c, 0, word.start()) for c in ".!?\n") + 1
        stop = _SENTENCE_END.search(text, word.end())
        end = stop.start() if stop else len(text)
        last_end = end
        sentence = text[start:end]
        if _JSON_ONLY.search(sentence) and _JSON_VERB.search(sentence):
            lead = len(sentence) - len(sentence.lstrip())
            yield _make(
                "PK301",
                doc,
                filename,
                start + lead,
                end,
                "The prompt asks for JSON only, but nothing constrains the output; open models drift "
                "from format instructions.",
                suggestion="Attach a JSON schema as a constraint (portkit.constrain, response_format, "
                "guided_json) instead of relying on the instruction.",
            )


def _suppressed(diags: list[Diagnostic], doc: Document, filename: str, ctx: LintContext) -> list[Diagnostic]:
    ignored: set[str] = set(doc.file_suppress)
    if ctx.per_file_ignores:
        try:
            rel = Path(filename).resolve().relative_to(ctx.root).as_posix()
        except ValueError:
            rel = Path(filename).as_posix()
        for glob, codes in ctx.per_file_ignores:
            if glob_regex(glob).match(rel):
                ignored |= codes
    if not ignored and not doc.suppress:
        return diags
    kept = []
    for d in diags:
        keys = {d.code, d.name.upper(), "ALL"}
        if keys & ignored:
            continue
        line = doc.suppress.get(d.row)
        if line and keys & line:
            continue
        kept.append(d)
    return kept


def lint_text(text: str, *, filename: str, ctx: LintContext, kind: str | None = None) -> list[Diagnostic]:
    """Lint ``text`` as if read from ``filename`` (its extension picks how it is read)."""
    kind = kind or file_kind(filename) or "text"
    doc = extract(text, kind, os.path.splitext(filename)[1].lower())
    return lint_document(doc, filename, kind, ctx)
