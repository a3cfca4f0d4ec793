"""outlines_core: checked by the preflight table, compiled under a time limit (xgrammar: ``_xgrammar``).

outlines_core compiles a regular expression into a token index up front; that is exact but slow for
long bounded strings (a 600-character string field takes ~18 s and ~800 MB on a 150k vocabulary),
so most schemas with the default caps hit the compile timeout. llguidance is the default for that
reason. A timed-out compile keeps running in a daemon thread until it ends; the caller is not blocked.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

from portkit.errors import SchemaError

if TYPE_CHECKING:
    from portkit.constrain._report import Caps
    from portkit.targets import Target

__all__ = ["CoreMatcher", "check_backend", "compile_other", "core_index"]

_LOCK = threading.Lock()
_VOCABS: dict[tuple[str, int], Any] = {}
_INDEXES: dict[tuple[str, str], Any] = {}


def check_backend(engine: str) -> None:
    from portkit.constrain._engines import require

    if engine == "xgrammar":
        require("xgrammar", extra="xgrammar", feature="The xgrammar backend")
        return
    require("outlines_core", extra="outlines", feature="The outlines_core backend")


def _vocabulary(target: Target) -> Any:
    from outlines.backends.outlines_core import OutlinesCoreBackend

    from portkit.constrain._engines import fingerprint, stop_ids

    tok = target._require_tokenizer("constrained decoding")
    eos = stop_ids(target)[-1]
    key = (fingerprint(target), eos)
    with _LOCK:
        if key in _VOCABS:
            return _VOCABS[key]
    eos_text = tok.convert_ids_to_tokens(eos)
    vocab = OutlinesCoreBackend.create_outlines_core_vocabulary(
        tok.get_vocab(), eos, eos_text, lambda t: tok.convert_tokens_to_string([t])
    )
    with _LOCK:
        return _VOCABS.setdefault(key, vocab)


def core_index(regex: str, target: Target, *, timeout: float | None) -> Any:
    """The outlines_core ``Index`` of ``regex``, built once per process and vocabulary."""
    from outlines_core import Index

    from portkit.constrain._engines import _run_with_timeout, fingerprint

    key = (regex, fingerprint(target))
    with _LOCK:
        if key in _INDEXES:
            return _INDEXES[key]
    vocab = _vocabulary(target)
    built: list[Any] = []
    _run_with_timeout(lambda: built.append(Index(regex, vocab)), timeout, "outlines_core")
    with _LOCK:
        return _INDEXES.setdefault(key, built[0])


def compile_other(
    engine: str, schema: dict[str, Any], target: Target, *, caps: Caps, timeout: float | None
) -> str:
    """Compile with outlines_core; returns the regular expression (the "grammar" of that engine)."""
    from outlines_core.json_schema import build_regex_from_schema

    ws = f"[ \\n]{{0,{caps.max_whitespace}}}" if caps.max_whitespace > 0 else ""
    try:
        regex = build_regex_from_schema(json.dumps(schema), ws)
    except (ValueError, TypeError) as exc:
        raise SchemaError(f"outlines_core rejected the schema: {exc}") from exc
    core_index(regex, target, timeout=timeout)
    return str(regex)


class CoreMatcher:
    """The :class:`~portkit.constrain.Matcher` interface over an outlines_core ``Guide``."""

    __slots__ = ("_eos", "_guide", "_vocab_size")

    def __init__(self, index: Any, vocab_size: int, eos_token_id: int) -> None:
        from outlines_core import Guide

        self._guide = Guide(index, max_rollback=64)
        self._vocab_size = vocab_size
        self._eos = eos_token_id

    @property
    def vocab_size(self) -> int:
        return self._vocab_size

    def allowed_token_ids(self) -> Any:
        import numpy as np

        if self._guide.is_finished():
            return np.zeros(0, dtype=np.int64)
        ids = np.array(sorted(self._guide.get_tokens()), dtype=np.int64)
        return ids[ids < self._vocab_size]

    def bitmask(self) -> Any:
        import numpy as np

        bits = np.zeros(((self._vocab_size + 31) // 32) * 32, dtype=np.uint8)
        bits[self.allowed_token_ids()] = 1
        return np.packbits(bits, bitorder="little").view(np.int32)

    def is_allowed(self, token_id: int) -> bool:
        return token_id in set(self.allowed_token_ids().tolist())

    def advance(self, token_id: int) -> None:
        if not self.is_allowed(token_id):
            raise ValueError(f"Token id {token_id!r} is not allowed at this point of the output.")
        self._guide.advance(token_id, return_tokens=False)

    def is_finished(self) -> bool:
        return bool(self._guide.is_finished())

    def is_accepting(self) -> bool:
        return bool(self._guide.is_finished() or self._eos in self._guide.get_tokens())

    def rollback(self, num_tokens: int) -> None:
        self._guide.rollback_state(num_tokens)

    def reset(self) -> None:
        self._guide.reset()
