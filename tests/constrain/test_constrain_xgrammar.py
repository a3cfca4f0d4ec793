"""The xgrammar backend: random walks on the shapes it enforces fully, and a preflight row that is measured.

These tests need the ``xgrammar`` extra; without it they fail (``compile_schema`` raises
``MissingDependencyError``), they do not skip. The table tests compile raw schemas with xgrammar
itself, so a new xgrammar that starts enforcing a keyword makes them fail until ``ENGINES`` is updated.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
from constrain_shapes import SHAPES, Flat, Lit, Shape
from test_constrain_random_walk import SMALL, check

from portkit.constrain import Caps, compile_schema
from portkit.constrain._preflight import ENGINES
from portkit.errors import SchemaError, UnsupportedSchemaFeatureError

# xgrammar's compile takes seconds on a 150k vocabulary and more on a busy 2-core machine; these
# tests check enforcement, so the compile timeout is not what they measure
XGRAMMAR_TIMEOUT = 120.0

VOCABS = ["qwen3", "llama-3.1"]
# what xgrammar 0.2.8 cannot enforce: pattern and maxLength on one string (email_like, invoice_number)
REFUSED = {"pattern": "/properties/email_like", "invoice": "/properties/invoice_number"}
ENFORCED = [s for s in SHAPES if s.name not in REFUSED]


def raw_accepts(target: Any, schema: dict[str, Any], text: str) -> bool:
    """xgrammar's own verdict on ``text`` for ``schema``, compiled directly (no portkit rewrites)."""
    import xgrammar

    from portkit.constrain._xgrammar import _compiler

    compiled = _compiler(target)[0].compile_json_schema(
        json.dumps(schema), any_whitespace=False, separators=(",", ":")
    )
    matcher = xgrammar.GrammarMatcher(compiled)
    return bool(matcher.accept_string(text) and matcher.is_completed())


def test_xgrammar_is_installed() -> None:
    import xgrammar  # noqa: F401

    from portkit.constrain._engines import engine_version

    assert engine_version("xgrammar") != "absent"


@pytest.mark.parametrize("vocab", VOCABS)
@pytest.mark.parametrize("shape", ENFORCED, ids=[s.name for s in ENFORCED])
def test_random_walk_terminates_and_validates(shape: Shape, vocab: str, load) -> None:
    c = compile_schema(
        shape.schema, target=load(vocab), backend="xgrammar", compile_timeout=XGRAMMAR_TIMEOUT, caps=SMALL
    )
    assert c.backend == "xgrammar"
    assert not c.report.weakened
    check(shape, c, runs=3, seed=zlib.crc32(f"xgrammar/{shape.name}/{vocab}".encode()))


@pytest.mark.parametrize("shape", [s for s in SHAPES if s.name in REFUSED], ids=list(REFUSED))
def test_shapes_xgrammar_cannot_enforce_are_refused(shape: Shape, qwen3) -> None:
    with pytest.raises(UnsupportedSchemaFeatureError) as info:
        compile_schema(
            shape.schema, target=qwen3, backend="xgrammar", compile_timeout=XGRAMMAR_TIMEOUT, caps=SMALL
        )
    assert (info.value.engine, info.value.keyword) == ("xgrammar", "maxLength")
    assert info.value.schema_path == REFUSED[shape.name]
    assert "xgrammar" in str(info.value)


DEFAULT_WALK = [s for s in ENFORCED if s.name in ("flat-enum-number", "nested", "claude-tool")]


@pytest.mark.parametrize("shape", DEFAULT_WALK, ids=[s.name for s in DEFAULT_WALK])
def test_default_caps_walk(shape: Shape, qwen3) -> None:
    c = compile_schema(shape.schema, target=qwen3, backend="xgrammar", compile_timeout=XGRAMMAR_TIMEOUT)
    check(shape, c, runs=2, seed=11)


def test_matcher_interface(qwen3) -> None:
    c = compile_schema(Lit, target=qwen3, backend="xgrammar", compile_timeout=XGRAMMAR_TIMEOUT)
    m = c.matcher()
    brace = qwen3.token_id("{")
    assert m.is_allowed(brace)
    assert not m.is_allowed(qwen3.token_id("true"))
    assert brace in set(m.allowed_token_ids().tolist())
    with pytest.raises(ValueError, match="not allowed"):
        m.advance(qwen3.token_id("true"))
    m.advance(brace)
    assert not m.is_finished() and not m.is_accepting()
    assert c.accepts('{"sentiment":"positive","confident":true,"version":2}')
    assert c.accepts('{ "sentiment": "neutral", "confident": false, "version": 1 }')
    assert not c.accepts('{"sentiment":"happy","confident":true,"version":1}')
    assert not c.accepts('{"sentiment":"positive","confident":true}')
    assert not c.accepts('{"sentiment":"positive",  "confident":true,"version":1}')  # 2 spaces > cap


def test_uncertain_branch(qwen3) -> None:
    from portkit.constrain import Uncertain

    c = compile_schema(
        Lit, target=qwen3, backend="xgrammar", compile_timeout=XGRAMMAR_TIMEOUT, uncertain=True
    )
    assert c.accepts('{"uncertain":true,"reason":"no text"}')
    assert c.parse('{"uncertain":true,"reason":"no text"}') == Uncertain("no text")
    assert c.accepts('{"sentiment":"positive","confident":true,"version":2}')


@pytest.mark.parametrize("vocab", VOCABS)
def test_strings_never_hold_raw_control_characters(vocab: str, load) -> None:
    # raw xgrammar 0.2.8 lets a maxLength string hold \x01 or a raw tab, which is not JSON
    target = load(vocab)
    schema = {"type": "string", "maxLength": 4}
    assert raw_accepts(target, schema, '"a\x01"')
    assert raw_accepts(target, schema, '"a\tb"')
    c = compile_schema(schema, target=target, backend="xgrammar", compile_timeout=XGRAMMAR_TIMEOUT)
    assert c.accepts('"ab"')
    assert not c.accepts('"a\x01"')
    assert not c.accepts('"a\tb"')
    assert not c.accepts('"abcde"')
    m = c.matcher()
    m.advance(target.encode('"', parse_special=False)[0])
    allowed = m.allowed_token_ids()
    assert len(allowed) > 1000
    pieces = [target.tokenizer.decode([int(t)]) for t in allowed]
    assert not [p for p in pieces if any(ord(ch) < 0x20 for ch in p)]
    # added tokens ([PAD151804] in qwen3) are not text; xgrammar would count them as other text
    big = compile_schema(
        {"type": "string", "maxLength": 40},
        target=target,
        backend="xgrammar",
        compile_timeout=XGRAMMAR_TIMEOUT,
    ).matcher()
    big.advance(target.encode('"', parse_special=False)[0])
    assert not set(big.allowed_token_ids().tolist()) & set(target.tokenizer.get_added_vocab().values())


def test_dates_keep_portkit_calendar(qwen3) -> None:
    c = compile_schema(
        {"type": "string", "format": "date"},
        target=qwen3,
        backend="xgrammar",
        compile_timeout=XGRAMMAR_TIMEOUT,
    )
    assert c.accepts('"2024-02-29"')
    assert not c.accepts('"2023-02-29"')
    assert not c.accepts('"0000-01-01"')


def test_logits_processor_through_outlines(qwen3) -> None:
    import torch
    from outlines.backends.xgrammar import XGrammarLogitsProcessor

    c = compile_schema(
        {"type": "string", "maxLength": 4}, target=qwen3, backend="xgrammar", compile_timeout=XGRAMMAR_TIMEOUT
    )
    processor = c.logits_processor()
    assert isinstance(processor, XGrammarLogitsProcessor)
    size = len(qwen3.tokenizer)

    def finite(logits: Any) -> set[int]:
        return set(torch.nonzero(torch.isfinite(logits[0])).flatten().tolist())

    m = c.matcher()
    assert finite(processor(torch.tensor([[1, 2]]), torch.zeros((1, size)))) == set(
        m.allowed_token_ids().tolist()
    )
    quote = qwen3.encode('"', parse_special=False)[0]
    m.advance(quote)
    inside = finite(processor(torch.tensor([[1, 2, quote]]), torch.zeros((1, size))))
    assert inside == set(m.allowed_token_ids().tolist())
    assert qwen3.encode("\x01", parse_special=False)[0] not in inside
    with pytest.raises(SchemaError, match="torch"):
        c.logits_processor(tensor_library="numpy")


def test_disk_cache_is_keyed_by_engine(qwen3, tmp_path, monkeypatch) -> None:
    from portkit.constrain import _cache, _constraint

    monkeypatch.setattr(_cache, "_dir", lambda: tmp_path)
    monkeypatch.delenv("PORTKIT_NO_GRAMMAR_CACHE", raising=False)
    _constraint._MEMO.clear()
    first = compile_schema(Lit, target=qwen3, backend="xgrammar", compile_timeout=XGRAMMAR_TIMEOUT)
    llg = compile_schema(Lit, target=qwen3)
    assert len(list(tmp_path.glob("*.json"))) == 2
    _constraint._MEMO.clear()
    again = compile_schema(Lit, target=qwen3, backend="xgrammar", compile_timeout=XGRAMMAR_TIMEOUT)
    assert again is not first and again.grammar == first.grammar != llg.grammar
    assert again.accepts('{"sentiment":"positive","confident":true,"version":2}')


# -- the preflight row, measured -------------------------------------------------------------------

_INT = {"type": "integer", "minimum": 0, "maximum": 9}
_ARR = {"type": "array", "items": _INT, "maxItems": 3}
_OBJ = {"type": "object", "properties": {"a": _INT, "b": _INT}, "additionalProperties": False}
_IF = {"if": {"properties": {"a": {"const": 1}}, "required": ["a"]}}

# keyword -> (schema, instance, whether the instance is valid): xgrammar's verdict differs
NOT_ENFORCED: dict[str, tuple[dict[str, Any], str, bool]] = {
    "not": ({**_INT, "not": {"const": 3}}, "3", False),
    "if": ({**_OBJ, **_IF, "then": {"required": ["b"]}}, '{"a":1}', False),
    "then": ({**_OBJ, **_IF, "then": {"required": ["b"]}}, '{"a":1}', False),
    "else": ({**_OBJ, **_IF, "then": {}, "else": {"required": ["b"]}}, '{"a":2}', False),
    "contains": ({**_ARR, "contains": {"const": 5}}, "[1]", False),
    "minContains": ({**_ARR, "contains": {"const": 5}, "minContains": 2}, "[5,1]", False),
    "maxContains": ({**_ARR, "contains": {"const": 5}, "maxContains": 1}, "[5,5]", False),
    "uniqueItems": ({**_ARR, "uniqueItems": True}, "[1,1]", False),
    "dependentSchemas": ({**_OBJ, "dependentSchemas": {"a": {"required": ["b"]}}}, '{"a":1}', False),
    "dependentRequired": ({**_OBJ, "dependentRequired": {"a": ["b"]}}, '{"a":1}', False),
    "dependencies": ({**_OBJ, "dependencies": {"a": ["b"]}}, '{"a":1}', False),
    "unevaluatedProperties": (
        {
            "type": "object",
            "patternProperties": {"^(?:[a-z])$": _INT},
            "additionalProperties": {"const": 1},
            "unevaluatedProperties": False,
            "maxProperties": 3,
        },
        '{"Z":1}',
        True,
    ),
    "allOf": ({"allOf": [_INT, {"type": "integer", "minimum": 0, "maximum": 5}]}, "9", False),
    "oneOf": ({"oneOf": [_INT, {"type": "integer", "minimum": 5, "maximum": 20}]}, "7", False),
    "multipleOf": ({"type": "number", "minimum": 0, "maximum": 9, "multipleOf": 0.5}, "1.25", False),
}
# refused for every engine because portkit's own analysis (normalisation, the output bound) does not
# follow them; xgrammar 0.2.8 handled the simple cases tried (unevaluatedItems, $dynamicRef as $ref)
PORTKIT_LIMITS = frozenset({"unevaluatedItems", "$dynamicRef"})
# (kept, ignored) -> (schema, instance that breaks the ignored keyword)
TOGETHER: dict[tuple[str, str], tuple[dict[str, Any], str]] = {
    ("pattern", "maxLength"): ({"type": "string", "pattern": "^a+$", "maxLength": 3}, '"aaaaa"'),
    ("pattern", "minLength"): ({"type": "string", "pattern": "^a{1,5}$", "minLength": 3}, '"a"'),
    ("format", "maxLength"): ({"type": "string", "format": "email", "maxLength": 5}, '"abc@def.com"'),
    ("format", "minLength"): (
        {"type": "string", "format": "uuid", "minLength": 40},
        '"123e4567-e89b-12d3-a456-426614174000"',
    ),
    ("format", "pattern"): ({"type": "string", "format": "date", "pattern": "^2024-"}, '"2023-01-01"'),
}


def test_row_lists_exactly_the_measured_keywords() -> None:
    row = ENGINES["xgrammar"]
    assert row.unsupported == frozenset(NOT_ENFORCED) | PORTKIT_LIMITS
    assert set(row.ignored_together) == set(TOGETHER)
    assert row.ignored_silently <= row.unsupported


@pytest.mark.parametrize("keyword", sorted(NOT_ENFORCED))
def test_each_refused_keyword_is_not_enforced_by_xgrammar(keyword: str, qwen3) -> None:
    schema, instance, valid = NOT_ENFORCED[keyword]
    try:
        verdict = raw_accepts(qwen3, schema, instance)
    except RuntimeError:
        return  # xgrammar rejects the schema: not enforced either
    assert verdict != valid, f"xgrammar now enforces {keyword!r}; update ENGINES['xgrammar']"
    if keyword in ENGINES["xgrammar"].ignored_silently:
        assert verdict and not valid, f"xgrammar no longer accepts a violation of {keyword!r}"


@pytest.mark.parametrize("pair", sorted(TOGETHER), ids=["+".join(p) for p in sorted(TOGETHER)])
def test_each_refused_pair_loses_a_bound_in_xgrammar(pair: tuple[str, str], qwen3) -> None:
    schema, instance = TOGETHER[pair]
    assert raw_accepts(qwen3, schema, instance), f"xgrammar now enforces {pair!r}; update ENGINES"
    with pytest.raises(UnsupportedSchemaFeatureError) as info:
        compile_schema(schema, target=qwen3, backend="xgrammar", compile_timeout=XGRAMMAR_TIMEOUT)
    assert (info.value.engine, info.value.keyword) == ("xgrammar", pair[1])


@pytest.mark.parametrize(
    ("schema", "good", "bad"),
    [
        ({"type": "object", "additionalProperties": _INT, "minProperties": 2}, '{"a":1,"b":2}', '{"a":1}'),
        ({"type": "object", "additionalProperties": _INT, "maxProperties": 1}, '{"a":1}', '{"a":1,"b":2}'),
        (
            {"type": "object", "additionalProperties": _INT, "propertyNames": {"pattern": "^[a-c]$"}},
            '{"a":1}',
            '{"z":1}',
        ),
        ({"type": "integer", "minimum": 0, "maximum": 99, "multipleOf": 3}, "9", "7"),
        ({"type": "number", "minimum": -9, "maximum": 9}, "1.123456", "1.1234567"),
    ],
    ids=["minProperties", "maxProperties", "propertyNames", "integer-multipleOf", "six-fraction-digits"],
)
def test_keywords_left_off_the_row_are_enforced(schema: dict[str, Any], good: str, bad: str, qwen3) -> None:
    assert raw_accepts(qwen3, schema, good)
    assert not raw_accepts(qwen3, schema, bad)


def test_unsupported_keyword_names_xgrammar(qwen3) -> None:
    schema = {
        "type": "array",
        "items": {"type": "string", "maxLength": 5},
        "maxItems": 3,
        "contains": {"const": "x"},
    }
    with pytest.raises(UnsupportedSchemaFeatureError) as info:
        compile_schema(schema, target=qwen3, backend="xgrammar", compile_timeout=XGRAMMAR_TIMEOUT)
    assert (info.value.engine, info.value.keyword, info.value.schema_path) == ("xgrammar", "contains", "/")


def test_coarse_number_step_is_refused_and_fine_step_compiles(qwen3) -> None:
    with pytest.raises(UnsupportedSchemaFeatureError) as info:
        compile_schema(
            Flat,
            target=qwen3,
            backend="xgrammar",
            compile_timeout=XGRAMMAR_TIMEOUT,
            caps=Caps(fraction_digits=2),
        )
    assert (info.value.keyword, info.value.engine) == ("multipleOf", "xgrammar")
    c = compile_schema(
        Flat, target=qwen3, backend="xgrammar", compile_timeout=XGRAMMAR_TIMEOUT, caps=Caps(fraction_digits=8)
    )
    assert c.accepts('{"colour":"red","score":0.123456}')
    assert not c.accepts('{"colour":"red","score":0.1234567}')


def test_drop_reports_what_xgrammar_would_ignore(qwen3) -> None:
    c = compile_schema(
        {"type": "string", "pattern": "^a{1,5}$", "minLength": 3},
        target=qwen3,
        backend="xgrammar",
        compile_timeout=XGRAMMAR_TIMEOUT,
        on_unsupported="drop",
    )
    assert [(d.keyword, d.path) for d in c.report.dropped] == [("minLength", "/")]
    assert c.report.weakened
    assert c.accepts('"a"')  # what the report says: the minimum length is gone
    assert not c.accepts('"aaaaaa"')
