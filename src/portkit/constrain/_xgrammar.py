"""xgrammar (the ``xgrammar`` extra): compiled from the normalised schema, driven through Outlines.

xgrammar 0.2.8 compiles a JSON Schema to a pushdown automaton with a per-vocabulary token-mask
cache. Measured on this machine it has sharp edges the preflight table (``ENGINES["xgrammar"]``)
and this module work around, never by widening what the schema accepts:

* a string with ``maxLength`` admits raw control characters (``\\x01``, a raw tab), which is not
  JSON; portkit masks every token holding a byte below 0x20 other than ``\\n`` and ``\\r`` (no
  JSON text has one outside a string, and the raw tab is only given up as whitespace), and every
  added token but the stop tokens (xgrammar reads ``[PAD151804]`` as other text than the tokenizer
  decodes), in the matcher and in the Outlines logits processor;
* ``format: date`` beside a ``pattern`` makes xgrammar drop the pattern (and its own date grammar
  accepts 2023-02-29); portkit's exact calendar pattern is kept and the format dropped.

The grammar text of a :class:`~portkit.constrain.Constraint` on this backend is the JSON Schema
xgrammar receives (after those rewrites); the compiled grammar is built once per process and
vocabulary.
"""

from __future__ import annotations

import copy
import json
import threading
from typing import TYPE_CHECKING, Any

from portkit.errors import SchemaError

if TYPE_CHECKING:
    from portkit.targets import Target

__all__ = [
    "XGrammarMatcher",
    "compile_xgrammar",
    "compiled_grammar",
    "grammar_schema",
    "json_mask",
    "logits_processor",
]

_LOCK = threading.Lock()
_COMPILERS: dict[tuple[str, tuple[int, ...]], tuple[Any, Any]] = {}
# bytes no JSON text holds raw (a tab only as whitespace, which portkit does without)
_CONTROL = bytes(b for b in range(0x20) if b not in (0x0A, 0x0D))
_COMPILED: dict[tuple[str, str, int], Any] = {}
# keywords whose values are JSON data, not subschemas
_VALUES = frozenset({"const", "enum", "default", "examples"})


def _date_pattern() -> str:
    from portkit.constrain._normalize import _CALENDAR_DATE

    return f"^{_CALENDAR_DATE}$"


def _rewrite(node: Any, date: str) -> None:
    if isinstance(node, list):
        for item in node:
            _rewrite(item, date)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key not in _VALUES:
            _rewrite(value, date)
    if node.get("format") == "date" and node.get("pattern") == date:
        del node["format"]
    if node.get("type") == "number":
        # preflight let it through only as 1e-6 or finer, which xgrammar's 6 fraction digits enforce
        node.pop("multipleOf", None)
    if isinstance(node.get("pattern"), str):
        # preflight let the pair through only where the pattern implies the bounds; xgrammar would
        # warn on stderr that it ignores them
        node.pop("maxLength", None)
        node.pop("minLength", None)


def grammar_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The normalised schema as xgrammar receives it (see the module docstring for the rewrites)."""
    out = copy.deepcopy(schema)
    _rewrite(out, _date_pattern())
    return out


def _compiler(target: Target) -> tuple[Any, Any]:
    """``(GrammarCompiler, json_mask)`` for ``target``, once per vocabulary fingerprint and stop tokens.

    ``json_mask`` is a packed ``numpy.int32`` bitmask of the tokens that hold no raw control byte.
    """
    from portkit.constrain._engines import fingerprint, stop_ids

    tok = target._require_tokenizer("constrained decoding")
    key = (fingerprint(target), stop_ids(target))
    with _LOCK:
        cached = _COMPILERS.get(key)
    if cached is not None:
        return cached
    import numpy as np
    import xgrammar

    info = xgrammar.TokenizerInfo.from_huggingface(tok, vocab_size=len(tok), stop_token_ids=list(key[1]))
    clean = np.array([not any(b in _CONTROL for b in piece) for piece in info.decoded_vocab], dtype=bool)
    # added tokens ([PAD…], <|im_start|>, …) are not text: xgrammar would read them as something
    # other than what the tokenizer decodes them to
    added = [i for i in tok.get_added_vocab().values() if i < len(clean)]
    clean[added] = False
    clean[list(key[1])] = True
    bits = np.ones(((len(tok) + 31) // 32) * 32, dtype=np.uint8)
    bits[: len(clean)] = clean
    mask = np.packbits(bits, bitorder="little").view(np.int32)
    built = (xgrammar.GrammarCompiler(info, max_threads=2), mask)
    with _LOCK:
        return _COMPILERS.setdefault(key, built)


def json_mask(target: Target) -> Any:
    """The packed bitmask of tokens without raw control bytes (see the module docstring)."""
    return _compiler(target)[1]


def compiled_grammar(grammar: str, target: Target, *, max_whitespace: int, timeout: float | None) -> Any:
    """The ``xgrammar.CompiledGrammar`` of ``grammar`` (a JSON Schema text), built once per process."""
    from portkit.constrain._engines import _run_with_timeout, fingerprint

    key = (grammar, fingerprint(target), max_whitespace)
    with _LOCK:
        if key in _COMPILED:
            return _COMPILED[key]
    compiler = _compiler(target)[0]
    built: list[Any] = []

    def work() -> None:
        if max_whitespace > 0:
            built.append(
                compiler.compile_json_schema(grammar, any_whitespace=True, max_whitespace_cnt=max_whitespace)
            )
        else:
            built.append(compiler.compile_json_schema(grammar, any_whitespace=False, separators=(",", ":")))

    try:
        _run_with_timeout(work, timeout, "xgrammar")
    except RuntimeError as exc:
        raise SchemaError(f"xgrammar rejected the schema: {exc}") from exc
    with _LOCK:
        return _COMPILED.setdefault(key, built[0])


def compile_xgrammar(
    schema: dict[str, Any], target: Target, *, max_whitespace: int, timeout: float | None
) -> str:
    """Compile with xgrammar; returns the JSON Schema text xgrammar compiled (the grammar of that engine).

    Raises:
        SchemaError, SchemaCompileTimeout.
    """
    # property order is kept: xgrammar writes properties in the order the schema lists them
    grammar = json.dumps(grammar_schema(schema), ensure_ascii=False)
    compiled_grammar(grammar, target, max_whitespace=max_whitespace, timeout=timeout)
    return grammar


class XGrammarMatcher:
    """The :class:`~portkit.constrain.Matcher` interface over an ``xgrammar.GrammarMatcher``."""

    __slots__ = ("_bits", "_mask", "_matcher", "_vocab_size")

    def __init__(self, compiled: Any, vocab_size: int, mask: Any) -> None:
        import xgrammar

        self._matcher = xgrammar.GrammarMatcher(compiled)
        self._vocab_size = vocab_size
        self._mask = mask
        self._bits = xgrammar.allocate_token_bitmask(1, vocab_size)

    @property
    def vocab_size(self) -> int:
        return self._vocab_size

    def bitmask(self) -> Any:
        """Allowed tokens as a packed ``numpy.int32`` array (bit ``i % 32`` of word ``i // 32``)."""
        import numpy as np

        if self._matcher.is_terminated():
            return np.zeros(self._bits.shape[1], dtype=np.int32)
        self._matcher.fill_next_token_bitmask(self._bits, 0)
        return self._bits[0].numpy() & self._mask

    def allowed_token_ids(self) -> Any:
        import numpy as np

        if self._matcher.is_terminated():
            return np.zeros(0, dtype=np.int64)
        bits = np.unpackbits(self.bitmask().view(np.uint8), bitorder="little")
        return np.flatnonzero(bits[: self._vocab_size])

    def _clean(self, token_id: int) -> bool:
        return 0 <= token_id < self._vocab_size and bool(
            (int(self._mask[token_id // 32]) >> (token_id % 32)) & 1
        )

    def is_allowed(self, token_id: int) -> bool:
        if not self._clean(token_id):
            return False
        words = self.bitmask()
        return bool((int(words[token_id // 32]) >> (token_id % 32)) & 1)

    def advance(self, token_id: int) -> None:
        if (
            self._matcher.is_terminated()
            or not self._clean(token_id)
            or not self._matcher.accept_token(token_id)
        ):
            raise ValueError(f"Token id {token_id!r} is not allowed at this point of the output.")

    def is_finished(self) -> bool:
        return bool(self._matcher.is_terminated())

    def is_accepting(self) -> bool:
        return bool(self._matcher.is_terminated() or self._matcher.is_completed())

    def rollback(self, num_tokens: int) -> None:
        self._matcher.rollback(num_tokens)

    def reset(self) -> None:
        self._matcher.reset()


def logits_processor(compiled: Any, mask: Any, tensor_library: str) -> Any:
    """Outlines' ``XGrammarLogitsProcessor``, with the control-byte tokens masked as well."""
    from outlines.backends.xgrammar import XGrammarLogitsProcessor

    class _Processor(XGrammarLogitsProcessor):  # type: ignore[misc]
        def _setup(self, batch_size: int, vocab_size: int) -> None:
            import torch

            super()._setup(batch_size, vocab_size)
            words = self._bitmask.shape[1]
            extra = torch.full((words,), -1, dtype=torch.int32)
            extra[: min(words, len(mask))] = torch.from_numpy(mask[:words].copy())
            self._extra = extra

        def _bias_logits_torch(self, input_ids: Any, logits: Any) -> Any:
            for i in range(self.tensor_adapter.shape(input_ids)[0]):
                if not self._matchers[i].is_terminated():
                    self._matchers[i].fill_next_token_bitmask(self._bitmask, i)
            self._bitmask &= self._extra
            device = self.tensor_adapter.get_device(logits)
            self.xgr.apply_token_bitmask_inplace(logits, self.tensor_adapter.to_device(self._bitmask, device))
            return logits

    return _Processor(compiled, tensor_library)
