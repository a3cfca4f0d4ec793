"""Grammar engines behind Outlines' backends: llguidance (default), outlines_core, xgrammar.

Tokenizer state is the expensive part (1–3 s for a 150k vocabulary), so it is built once per
vocabulary fingerprint and kept for the life of the process.
"""

from __future__ import annotations

import json
import re
import threading
from typing import TYPE_CHECKING, Any

from portkit.errors import (
    MissingDependencyError,
    SchemaCompileTimeout,
    SchemaError,
    UnsupportedSchemaFeatureError,
)

if TYPE_CHECKING:
    from portkit.targets import Target

__all__ = ["BACKENDS", "compile_llguidance", "engine_version", "fingerprint", "llg_options", "llg_tokenizer"]

BACKENDS = ("llguidance", "outlines_core", "xgrammar")
# JSON escapes the grammar allows; leaving out \uXXXX keeps every character at <= 4 bytes.
_ESCAPES = 'nrtbf"\\'
_LOCK = threading.Lock()
_TOKENIZERS: dict[tuple[str, tuple[int, ...]], Any] = {}


def engine_version(engine: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(engine)
    except PackageNotFoundError:
        return "absent"


def stop_ids(target: Target) -> tuple[int, ...]:
    ids = tuple(target.stop_token_ids)
    if not ids:
        eos = getattr(target.tokenizer, "eos_token_id", None)
        ids = (eos,) if isinstance(eos, int) else ()
    return ids


def fingerprint(target: Target) -> str:
    """The target's vocabulary fingerprint (memoised per tokenizer by :class:`Target`)."""
    target._require_tokenizer("constrained decoding")
    return target.vocab_fingerprint


def llg_tokenizer(target: Target) -> Any:
    """The llguidance tokenizer for ``target``, cached per vocabulary fingerprint and stop tokens."""
    tok = target._require_tokenizer("constrained decoding")
    key = (fingerprint(target), stop_ids(target))
    with _LOCK:
        cached = _TOKENIZERS.get(key)
    if cached is not None:
        return cached
    import llguidance.hf

    built = llguidance.hf.from_tokenizer(tok, n_vocab=len(tok), eos_token=list(key[1]) or None)
    with _LOCK:
        return _TOKENIZERS.setdefault(key, built)


def _has_control_chars(value: Any) -> bool:
    if isinstance(value, str):
        return any(ord(ch) < 0x20 and ch not in "\n\r\t\b\f" for ch in value)
    if isinstance(value, dict):
        return any(_has_control_chars(k) or _has_control_chars(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_control_chars(v) for v in value)
    return False


def needs_unicode_escapes(schema: Any) -> bool:
    """Whether a const/enum string holds a control character only ``\\uXXXX`` can write.

    Without ``u`` among the allowed escapes, llguidance 1.9 quietly drops such a character from the
    constant, so portkit allows ``\\uXXXX`` for those schemas (and bounds characters at 6 bytes).
    """
    from portkit.constrain._normalize import iter_subschemas

    for _, sub in iter_subschemas(schema):
        if isinstance(sub, dict) and (
            _has_control_chars(sub.get("const")) or _has_control_chars(sub.get("enum"))
        ):
            return True
    return False


def llg_options(max_whitespace: int, *, unicode_escapes: bool = False) -> dict[str, Any]:
    escapes = _ESCAPES + ("u" if unicode_escapes else "")
    opts: dict[str, Any] = {"json_allowed_escapes": escapes, "lenient": False}
    if max_whitespace <= 0:
        opts["whitespace_flexible"] = False
    else:
        opts["whitespace_flexible"] = True
        opts["whitespace_pattern"] = f"[ \\n]{{0,{max_whitespace}}}"
    return opts


_UNIMPLEMENTED = re.compile(r"Unimplemented keys: \[([^\]]*)\]")


def _first_pointer(schema: Any, keyword: str) -> str:
    from portkit.constrain._normalize import iter_subschemas

    for path, sub in iter_subschemas(schema):
        if isinstance(sub, dict) and keyword in sub:
            return path or "/"
    return "/"


def _raise_llg(message: str, schema: dict[str, Any]) -> None:
    found = _UNIMPLEMENTED.search(message)
    if found:
        keyword = found.group(1).split(",")[0].strip().strip('"')
        raise UnsupportedSchemaFeatureError(
            f"llguidance cannot enforce {keyword!r}: {message}",
            keyword=keyword,
            schema_path=_first_pointer(schema, keyword),
            engine="llguidance",
            hint="remove the keyword, or pass on_unsupported='drop' to compile without it",
        )
    if "oneOf constraints are not supported" in message:
        raise UnsupportedSchemaFeatureError(
            "llguidance cannot prove the branches of a 'oneOf' exclusive, so it cannot enforce 'exactly one'.",
            keyword="oneOf",
            schema_path=_first_pointer(schema, "oneOf"),
            engine="llguidance",
            hint="use anyOf if overlapping branches are acceptable, or make the branches exclusive (a const "
            "discriminator field)",
        )
    props = re.search(r"min/maxProperties only supported when", message)
    if props:
        keyword = "maxProperties" if _first_pointer(schema, "maxProperties") != "/" else "minProperties"
        raise UnsupportedSchemaFeatureError(
            f"llguidance enforces {keyword!r} only when every listed property is required: {message}",
            keyword=keyword,
            schema_path=_first_pointer(schema, keyword),
            engine="llguidance",
            hint="make the listed properties required, or remove the keyword",
        )
    fmt = re.search(r"Unknown format: (\S+)", message)
    if fmt:
        raise UnsupportedSchemaFeatureError(
            f"llguidance does not know the string format {fmt.group(1)!r}, so it cannot enforce it.",
            keyword="format",
            schema_path=_first_pointer(schema, "format"),
            engine="llguidance",
            hint="use a pattern instead, or pass on_unsupported='drop'",
        )
    raise SchemaError(
        f"llguidance rejected the schema: {message}", hint="check the schema with a JSON Schema validator"
    )


def compile_llguidance(
    schema: dict[str, Any], target: Target, *, max_whitespace: int, timeout: float | None
) -> tuple[str, Any]:
    """Compile to an llguidance grammar and build one matcher to prove it works.

    Returns ``(grammar, tokenizer)``.

    Raises:
        UnsupportedSchemaFeatureError, SchemaError, SchemaCompileTimeout.
    """
    from llguidance import LLMatcher

    tokenizer = llg_tokenizer(target)
    try:
        grammar = LLMatcher.grammar_from_json_schema(
            json.dumps(schema),
            overrides=llg_options(max_whitespace, unicode_escapes=needs_unicode_escapes(schema)),
        )  # type: ignore[arg-type]
    except ValueError as exc:
        raise SchemaError(f"The schema is not valid JSON for llguidance: {exc}") from exc
    result: list[Any] = []

    def work() -> None:
        # construction drops the GIL, so a slow compile does not block the caller's timeout
        result.append(LLMatcher.validate_grammar_with_warnings(grammar, tokenizer))

    _run_with_timeout(work, timeout, "llguidance")
    is_error, messages = result[0]
    if is_error or messages:
        _raise_llg("; ".join(messages), schema)
    return grammar, tokenizer


def _run_with_timeout(work: Any, timeout: float | None, engine: str) -> None:
    errors: list[BaseException] = []

    def runner() -> None:
        try:
            work()
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    if timeout is None:
        runner()
    else:
        thread = threading.Thread(target=runner, name=f"portkit-compile-{engine}", daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise SchemaCompileTimeout(
                f"Compiling the schema with {engine} took longer than {timeout:g} s.",
                hint="simplify the schema (long maxLength with a pattern is the usual cause), raise "
                "compile_timeout, or use the llguidance backend",
            )
    if errors:
        raise errors[0]


def require(package: str, *, extra: str, feature: str) -> Any:
    import importlib

    try:
        return importlib.import_module(package)
    except ImportError as exc:
        raise MissingDependencyError(package, extra=extra, feature=feature) from exc
