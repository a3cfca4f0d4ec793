"""``compile_schema`` and the ``Constraint`` it returns."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from portkit.constrain import _cache
from portkit.constrain._report import Caps, Change, SchemaReport
from portkit.errors import SchemaError

if TYPE_CHECKING:
    from portkit.constrain._matcher import Matcher
    from portkit.targets import Target

__all__ = ["Constraint", "ToolCall", "Uncertain", "compile_schema"]

T = TypeVar("T")
Backend = Literal["llguidance", "outlines_core", "xgrammar"]
_CODE_HASH: list[str] = []


def _code_version() -> str:
    """A hash of the modules that shape a compiled grammar: a new portkit never reads a stale entry."""
    if not _CODE_HASH:
        import hashlib
        from pathlib import Path

        h = hashlib.sha256()
        here = Path(__file__).parent
        for name in (
            "_normalize.py",
            "_bound.py",
            "_preflight.py",
            "_engines.py",
            "_inputs.py",
            "_constraint.py",
            "_xgrammar.py",
        ):
            h.update((here / name).read_bytes())
        _CODE_HASH.append(h.hexdigest()[:16])
    return _CODE_HASH[0]


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A call to one of the Claude tools a constraint was compiled from."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Uncertain:
    """The model took the escape hatch: it declined to answer, and says why."""

    reason: str


UNCERTAIN_BRANCH: dict[str, Any] = {
    "type": "object",
    "title": "Uncertain",
    "description": "Answer with this instead when the input does not give enough to fill the schema truthfully.",
    "properties": {"uncertain": {"const": True}, "reason": {"type": "string", "maxLength": 300}},
    "required": ["uncertain", "reason"],
    "additionalProperties": False,
}


@dataclass(frozen=True, slots=True, eq=False)
class Constraint(Generic[T]):
    """A schema compiled for one target and one engine.

    Build it with :func:`compile_schema`. It is immutable and safe to share between threads; each
    :meth:`matcher` is one generation's state.

    Attributes:
        json_schema: the normalised JSON Schema the grammar enforces (what engines receive).
        source_schema: the JSON Schema as given (what :meth:`parse` validates against).
        max_tokens: no complete accepted output is longer than this many tokens of the target
            (end-of-turn token included); pass it as the request's ``max_tokens``.
        backend: the engine (``"llguidance"``, ``"outlines_core"``, ``"xgrammar"``).
        report: what normalisation and preflight did.
        grammar: the engine's grammar text (llguidance's JSON grammar, outlines_core's regular
            expression, or the JSON Schema xgrammar compiles).
        kind: ``"model"`` (a Pydantic model or type), ``"schema"`` (a JSON Schema dict) or ``"tools"``.
        tools: the Claude tool definitions, when ``kind == "tools"``.
        uncertain: whether the escape hatch is part of the grammar.
        name: a name for the schema in engine payloads.
    """

    json_schema: dict[str, Any] = field(repr=False)
    source_schema: dict[str, Any] = field(repr=False)
    max_tokens: int
    backend: str
    report: SchemaReport = field(repr=False)
    grammar: str = field(repr=False)
    target: Target = field(repr=False)
    kind: Literal["model", "schema", "tools"] = "schema"
    tools: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)
    uncertain: bool = False
    name: str = "response"
    _python_type: Any = field(default=None, repr=False)
    _state: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- token level -------------------------------------------------------------------------------
    def _tokenizer(self) -> Any:
        tok = self._state.get("tokenizer")
        if tok is None:
            from portkit.constrain._engines import llg_tokenizer

            tok = self._state["tokenizer"] = llg_tokenizer(self.target)
        return tok

    def _xgrammar(self) -> Any:
        from portkit.constrain._xgrammar import compiled_grammar

        return compiled_grammar(
            self.grammar, self.target, max_whitespace=self.report.caps.max_whitespace, timeout=None
        )

    def matcher(self) -> Matcher:
        """A fresh token-level matcher for one generation (see :class:`Matcher`)."""
        from portkit.constrain._matcher import Matcher

        if self.backend == "outlines_core":
            from portkit.constrain._engines import stop_ids
            from portkit.constrain._other_engines import CoreMatcher, core_index

            index = core_index(self.grammar, self.target, timeout=None)
            tok = self.target.tokenizer
            return CoreMatcher(index, len(tok), stop_ids(self.target)[-1])  # type: ignore[return-value]
        if self.backend == "xgrammar":
            from portkit.constrain._xgrammar import XGrammarMatcher, json_mask

            return XGrammarMatcher(  # type: ignore[return-value]
                self._xgrammar(), len(self.target.tokenizer), json_mask(self.target)
            )
        return Matcher(self.grammar, self._tokenizer())

    def accepts(self, text: str) -> bool:
        """True when ``text`` is a complete output the grammar allows, in the target's tokens."""
        m = self.matcher()
        for token in self.target.encode(text, parse_special=False):
            try:
                m.advance(token)
            except ValueError:
                return False
        return m.is_accepting()

    def logits_processor(self, *, tensor_library: str = "torch") -> Any:
        """An Outlines logits processor enforcing this constraint.

        ``LLGuidanceLogitsProcessor``, ``OutlinesCoreLogitsProcessor`` or ``XGrammarLogitsProcessor``
        after the backend. Use it with ``outlines.Generator`` or a transformers ``generate`` loop
        through Outlines. ``tensor_library`` is ``"torch"`` (the ``torch`` extra), ``"numpy"`` or
        ``"mlx"``; the xgrammar processor takes ``"torch"`` only.
        """
        if tensor_library == "torch":
            from portkit.constrain._engines import require

            require("torch", extra="torch", feature="An Outlines logits processor for transformers")
        if self.backend == "outlines_core":
            from outlines.backends.outlines_core import OutlinesCoreLogitsProcessor

            from portkit.constrain._other_engines import core_index

            return OutlinesCoreLogitsProcessor(
                core_index(self.grammar, self.target, timeout=None), tensor_library
            )
        if self.backend == "xgrammar":
            if tensor_library != "torch":
                raise SchemaError(
                    f"portkit's xgrammar logits processor takes torch tensors, not {tensor_library!r}.",
                    hint="use tensor_library='torch', or the llguidance backend",
                )
            from portkit.constrain._xgrammar import json_mask, logits_processor

            return logits_processor(self._xgrammar(), json_mask(self.target), tensor_library)
        from outlines.backends.llguidance import LLGuidanceLogitsProcessor

        return LLGuidanceLogitsProcessor(self.grammar, self._tokenizer(), tensor_library)

    def generator(self, model: Any) -> Any:
        """An Outlines generator for ``model`` (an ``outlines.from_transformers(...)`` model) that
        enforces this constraint; ``generator(prompt, max_new_tokens=c.max_tokens)`` returns text.

        ``model``'s tokenizer must be the target's vocabulary (the grammar is built for its ids).
        """
        from outlines.generator import SteerableGenerator

        library = getattr(model, "tensor_library_name", "torch")
        return SteerableGenerator.from_processor(model, self.logits_processor(tensor_library=library))

    # -- outputs -----------------------------------------------------------------------------------
    def parse(self, text: str, *, repair: bool = False) -> T:
        """Parse and validate one model output.

        Args:
            text: the model's output as received.
            repair: first cut the JSON value out of surrounding prose or a code fence (for
                endpoints that could not constrain); the text is never otherwise altered.

        Returns:
            An instance of the Pydantic model / type, a :class:`ToolCall` for tool schemas, the
            decoded JSON for a plain JSON Schema, or :class:`Uncertain` when the model abstained.

        Raises:
            OutputValidationError: with ``.raw`` (the text as received) and ``.errors``.
        """
        from portkit.constrain._validate import validate

        return validate(self, text, repair=repair)  # type: ignore[no-any-return]

    # -- engine payloads (see portkit.constrain._payloads) -----------------------------------------
    def to_openai(self, *, strict: bool = True) -> dict[str, Any]:
        """``response_format`` (or ``tools`` + ``tool_choice``) for an OpenAI-compatible endpoint."""
        from portkit.constrain._payloads import to_openai

        return to_openai(self, strict=strict)

    def to_vllm(self, *, version: str = "0.12") -> dict[str, Any]:
        """Fields for a vLLM OpenAI-server request (``structured_outputs`` from 0.12 on)."""
        from portkit.constrain._payloads import to_vllm

        return to_vllm(self, version=version)

    def to_sglang(self) -> dict[str, Any]:
        """SGLang's native ``/generate`` sampling parameter ``json_schema`` (merge into ``sampling_params``)."""
        from portkit.constrain._payloads import to_sglang

        return to_sglang(self)

    def to_ollama(self) -> dict[str, Any]:
        """Fields for Ollama's ``/api/chat`` (``format``)."""
        from portkit.constrain._payloads import to_ollama

        return to_ollama(self)

    def to_llama_cpp(self) -> dict[str, Any]:
        """Fields for llama.cpp server's ``/completion`` or ``/v1/chat/completions`` (``json_schema``)."""
        from portkit.constrain._payloads import to_llama_cpp

        return to_llama_cpp(self)

    def to_openai_tools(self) -> list[dict[str, Any]]:
        """The Claude tools as OpenAI ``tools`` entries (``kind == "tools"`` only)."""
        from portkit.constrain._payloads import openai_tools

        return openai_tools(self)


# -- compile_schema ----------------------------------------------------------------------------------

_MEMO: dict[Any, Constraint[Any]] = {}
_MEMO_LOCK = threading.Lock()


@overload
def compile_schema(
    schema: Mapping[str, Any],
    *,
    target: Target,
    backend: Backend | None = ...,
    uncertain: Literal[False] = ...,
    caps: Caps | None = ...,
    close_objects: bool = ...,
    on_unsupported: Literal["raise", "drop"] = ...,
    compile_timeout: float | None = ...,
    name: str | None = ...,
    cache: bool = ...,
) -> Constraint[Any]: ...
@overload
def compile_schema(
    schema: Sequence[Mapping[str, Any]],
    *,
    target: Target,
    backend: Backend | None = ...,
    uncertain: Literal[False] = ...,
    caps: Caps | None = ...,
    close_objects: bool = ...,
    on_unsupported: Literal["raise", "drop"] = ...,
    compile_timeout: float | None = ...,
    name: str | None = ...,
    cache: bool = ...,
) -> Constraint[ToolCall]: ...
@overload
def compile_schema(
    schema: Sequence[Mapping[str, Any]],
    *,
    target: Target,
    backend: Backend | None = ...,
    uncertain: Literal[True],
    caps: Caps | None = ...,
    close_objects: bool = ...,
    on_unsupported: Literal["raise", "drop"] = ...,
    compile_timeout: float | None = ...,
    name: str | None = ...,
    cache: bool = ...,
) -> Constraint[ToolCall | Uncertain]: ...
@overload
def compile_schema(
    schema: type[T],
    *,
    target: Target,
    backend: Backend | None = ...,
    uncertain: Literal[False] = ...,
    caps: Caps | None = ...,
    close_objects: bool = ...,
    on_unsupported: Literal["raise", "drop"] = ...,
    compile_timeout: float | None = ...,
    name: str | None = ...,
    cache: bool = ...,
) -> Constraint[T]: ...
@overload
def compile_schema(
    schema: type[T],
    *,
    target: Target,
    backend: Backend | None = ...,
    uncertain: Literal[True],
    caps: Caps | None = ...,
    close_objects: bool = ...,
    on_unsupported: Literal["raise", "drop"] = ...,
    compile_timeout: float | None = ...,
    name: str | None = ...,
    cache: bool = ...,
) -> Constraint[T | Uncertain]: ...
@overload
def compile_schema(
    schema: Any,
    *,
    target: Target,
    backend: Backend | None = ...,
    uncertain: bool = ...,
    caps: Caps | None = ...,
    close_objects: bool = ...,
    on_unsupported: Literal["raise", "drop"] = ...,
    compile_timeout: float | None = ...,
    name: str | None = ...,
    cache: bool = ...,
) -> Constraint[Any]: ...


def compile_schema(
    schema: Any,
    *,
    target: Target,
    backend: Backend | None = None,
    uncertain: bool = False,
    caps: Caps | None = None,
    close_objects: bool = True,
    on_unsupported: Literal["raise", "drop"] = "raise",
    compile_timeout: float | None = 10.0,
    name: str | None = None,
    cache: bool = True,
) -> Constraint[Any]:
    """Compile a Pydantic model, a JSON Schema or Claude tools into a grammar for ``target``.

    The schema is normalised first (objects closed, recursion bounded, default caps where the schema
    has no bound, ``\\d`` read as ASCII), checked against what the engine really enforces, and
    compiled. Every complete output the grammar accepts is at most ``Constraint.max_tokens`` tokens,
    so even a model that picks tokens at random finishes.

    Args:
        schema: a Pydantic model class (or any type Pydantic can validate), a JSON Schema dict, or
            a list of Anthropic tool definitions (``{"name", "description", "input_schema"}``);
            with tools the model must call exactly one, written as ``{"name": ..., "arguments": {...}}``.
        target: the model the grammar is built for; it must have a vocabulary.
        backend: ``"llguidance"`` (default), ``"outlines_core"`` or ``"xgrammar"`` (the
            ``xgrammar`` extra); each refuses what it would not enforce (see ``ENGINES``).
        uncertain: add an escape hatch: the model may answer
            ``{"uncertain": true, "reason": "..."}`` instead, parsed as :class:`Uncertain`.
        caps: default bounds (see :class:`Caps`).
        close_objects: reject keys not listed in ``properties`` where a schema leaves it open.
        on_unsupported: ``"raise"`` (default) refuses a keyword the engine would not enforce;
            ``"drop"`` removes it and lists it in ``report.dropped``.
        compile_timeout: seconds before :class:`~portkit.errors.SchemaCompileTimeout` (None: no limit).
        name: the schema's name in engine payloads (default: the model's or the schema's title).
        cache: reuse compiled grammars (in process and on disk).

    Returns:
        A :class:`Constraint`, typed with the model when one is given.

    Raises:
        SchemaError: the schema is malformed or cannot be bounded.
        UnsupportedSchemaFeatureError: a keyword the engine would not enforce (names keyword,
            JSON pointer and engine).
        SchemaCompileTimeout: compilation ran past ``compile_timeout``.
        MissingTokenizerError: the target has no vocabulary.

    Examples:
        >>> from pydantic import BaseModel
        >>> from portkit.targets import load_target
        >>> class Verdict(BaseModel):
        ...     label: str
        ...     score: float
        >>> c = compile_schema(Verdict, target=load_target("qwen3"))  # doctest: +SKIP
        >>> c.parse('{"label":"spam","score":0.9}').label  # doctest: +SKIP
        'spam'
    """
    engine = backend or "llguidance"
    if engine not in ("llguidance", "outlines_core", "xgrammar"):
        raise SchemaError(
            f"Unknown backend {engine!r}.", hint="use 'llguidance', 'outlines_core' or 'xgrammar'"
        )
    if engine != "llguidance":
        from portkit.constrain._other_engines import check_backend

        check_backend(engine)
    from portkit.constrain._engines import fingerprint

    caps = caps or Caps()
    target._require_tokenizer("constrained decoding")
    options = (engine, bool(uncertain), caps, close_objects, on_unsupported, name)
    memo_key = None
    if cache:
        try:
            memo_key = (_identity(schema), fingerprint(target), target.stop_tokens, options)
            hash(memo_key)
        except TypeError:
            memo_key = None
        if memo_key is not None:
            with _MEMO_LOCK:
                hit = _MEMO.get(memo_key)
            if hit is not None:
                return hit
    from portkit.constrain._inputs import to_json_schema

    source = to_json_schema(schema)
    constraint = _compile(
        source, target, engine, uncertain, caps, close_objects, on_unsupported, compile_timeout, name, cache
    )
    if memo_key is not None:
        with _MEMO_LOCK:
            _MEMO[memo_key] = constraint
    return constraint


def _identity(schema: Any) -> Any:
    if isinstance(schema, Mapping):
        return ("schema", json.dumps(schema, sort_keys=True, default=repr))
    if isinstance(schema, Sequence) and not isinstance(schema, str):
        return ("tools", json.dumps(list(schema), sort_keys=True, default=repr))
    return ("type", schema)


def _compile(
    source: Any,
    target: Target,
    engine: str,
    uncertain: bool,
    caps: Caps,
    close_objects: bool,
    on_unsupported: str,
    compile_timeout: float | None,
    name: str | None,
    cache: bool,
) -> Constraint[Any]:
    from portkit.constrain._engines import compile_llguidance, engine_version, fingerprint
    from portkit.constrain._inputs import SourceSchema

    assert isinstance(source, SourceSchema)
    key = _cache.cache_key(
        _code_version(),
        source.schema,
        engine,
        uncertain,
        repr(caps),
        close_objects,
        on_unsupported,
        fingerprint(target),
        target.stop_tokens,
        engine_version(engine),
        engine_version("llguidance"),
    )
    display = name or source.name
    stored = _cache.load(key) if cache else None
    if stored is not None:
        report = SchemaReport(tuple(Change(**c) for c in stored["changes"]), engine=engine, caps=caps)
        return Constraint(
            json_schema=stored["json_schema"],
            source_schema=source.user_schema,
            max_tokens=stored["max_tokens"],
            backend=engine,
            report=report,
            grammar=stored["grammar"],
            target=target,
            kind=source.kind,
            tools=source.tools,
            uncertain=uncertain,
            name=display,
            _python_type=source.python_type,
        )

    from portkit.constrain._bound import max_bytes
    from portkit.constrain._normalize import normalize
    from portkit.constrain._preflight import preflight

    wanted = source.schema
    if uncertain:
        wanted = {"anyOf": [wanted, UNCERTAIN_BRANCH]}
        defs = source.schema.get("$defs")
        if defs:  # keep $refs resolvable from the new root
            wanted = {
                "anyOf": [{k: v for k, v in source.schema.items() if k != "$defs"}, UNCERTAIN_BRANCH],
                "$defs": defs,
            }
    try:
        normalised, changes = normalize(wanted, caps=caps, close_objects=close_objects)
        bound = max_bytes(normalised, max_whitespace=caps.max_whitespace)
    except RecursionError as exc:
        raise SchemaError(
            "The schema nests too deeply for portkit to analyse.", hint="flatten it or use $defs"
        ) from exc
    for change in changes:
        if change.kind == "warning":
            import warnings

            from portkit.constrain._report import SchemaOrderWarning

            warnings.warn(f"{change.detail} (at {change.path})", SchemaOrderWarning, stacklevel=3)
    added = frozenset((c.path, c.keyword) for c in changes if c.kind == "cap")
    normalised, dropped = preflight(normalised, engine=engine, drop=on_unsupported == "drop", added=added)
    changes.extend(dropped)
    bound = max_bytes(normalised, max_whitespace=caps.max_whitespace)
    if math.isinf(bound):
        from portkit.constrain._bound import unbounded_at

        where = unbounded_at(normalised, max_whitespace=caps.max_whitespace)
        raise SchemaError(
            "No upper bound on the output length can be proven for this schema (the part at "
            f"{where!r} of the normalised schema is unbounded), so generation might never end.",
            schema_path=where,
            hint="leave the default Caps on, or give every string a maxLength, every array a maxItems, "
            "every number bounds",
        )
    if engine == "llguidance":
        grammar, _ = compile_llguidance(
            normalised, target, max_whitespace=caps.max_whitespace, timeout=compile_timeout
        )
    elif engine == "xgrammar":
        from portkit.constrain._xgrammar import compile_xgrammar

        grammar = compile_xgrammar(
            normalised, target, max_whitespace=caps.max_whitespace, timeout=compile_timeout
        )
    else:
        from portkit.constrain._other_engines import compile_other

        grammar = compile_other(engine, normalised, target, caps=caps, timeout=compile_timeout)
    max_tokens = int(bound) + 1
    if cache:
        _cache.store(
            key,
            {
                "json_schema": normalised,
                "grammar": grammar,
                "max_tokens": max_tokens,
                "changes": [
                    {"kind": c.kind, "path": c.path, "keyword": c.keyword, "detail": c.detail}
                    for c in changes
                ],
            },
        )
    return Constraint(
        json_schema=normalised,
        source_schema=source.user_schema,
        max_tokens=max_tokens,
        backend=engine,
        report=SchemaReport(tuple(changes), engine=engine, caps=caps),
        grammar=grammar,
        target=target,
        kind=source.kind,
        tools=source.tools,
        uncertain=uncertain,
        name=display,
        _python_type=source.python_type,
    )
