"""compile_schema: normalisation, preflight, bounds, errors, escape hatch, validation, caching."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from constrain_shapes import TOOLS3, Flat, Invoice, Node, Person
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from portkit.constrain import (
    Caps,
    SchemaOrderWarning,
    ToolCall,
    Uncertain,
    _cache,
    _constraint,
    compile_schema,
)
from portkit.constrain._normalize import rewrite_ascii_classes
from portkit.constrain._validate import extract_json
from portkit.errors import (
    MissingTokenizerError,
    OutputValidationError,
    SchemaCompileTimeout,
    SchemaError,
    UnsupportedSchemaFeatureError,
)

VOCABS = ["qwen3", "llama-3.1"]


# -- normalisation ----------------------------------------------------------------------------------


def test_objects_are_closed_and_reported(qwen3) -> None:
    c = compile_schema({"type": "object", "properties": {"a": {"type": "integer"}}}, target=qwen3)
    assert c.json_schema["additionalProperties"] is False
    assert [ch.path for ch in c.report.changes if ch.kind == "closed-object"] == ["/"]
    assert not c.accepts('{"a":1,"b":2}')
    assert c.accepts('{"a":1}')


def test_open_objects_stay_open_when_asked(qwen3) -> None:
    c = compile_schema({"type": "object", "additionalProperties": {"type": "integer"}}, target=qwen3)
    assert c.accepts('{"anything":3}')
    assert not c.accepts('{"anything":"x"}')
    too_long = "k" * (Caps().max_key_length + 1)
    assert not c.accepts(json.dumps({too_long: 1}, separators=(",", ":")))


def test_caps_are_applied_and_listed(qwen3) -> None:
    c = compile_schema(
        {
            "type": "object",
            "properties": {"s": {"type": "string"}, "n": {"type": "number"}},
            "required": ["s", "n"],
        },
        target=qwen3,
        caps=Caps(max_string_length=5),
    )
    props = c.json_schema["properties"]
    assert props["s"]["maxLength"] == 5
    assert props["n"]["multipleOf"] == 1e-6
    assert {ch.keyword for ch in c.report.changes if ch.kind == "cap"} >= {
        "maxLength",
        "maximum",
        "minimum",
        "multipleOf",
    }
    assert c.accepts('{"s":"abcde","n":1.5}')
    assert not c.accepts('{"s":"abcdef","n":1.5}')
    assert not c.accepts('{"s":"a","n":1.1234567}')


def test_user_bounds_are_kept(qwen3) -> None:
    c = compile_schema({"type": "string", "maxLength": 3}, target=qwen3)
    assert c.json_schema["maxLength"] == 3
    assert not [ch for ch in c.report.changes if ch.keyword == "maxLength"]


def test_digits_are_ascii(qwen3) -> None:
    c = compile_schema({"type": "string", "pattern": r"^\d{2}$"}, target=qwen3)
    assert c.json_schema["pattern"] == "^[0-9]{2}$"
    assert c.accepts('"42"')
    assert not c.accepts('"４２"')  # full-width digits


@given(st.text(alphabet="0123456789abcXYZ_-٣４ ", max_size=12))
def test_ascii_rewrite_matches_ecma_semantics(text: str) -> None:
    for pattern in (r"^\d+$", r"^[\d_]+$", r"^\w+-\D$", r"^\W?\d*$"):
        expected = re.fullmatch(pattern, text, flags=re.ASCII) is not None
        assert (re.fullmatch(rewrite_ascii_classes(pattern), text) is not None) == expected


def test_reasoning_after_answer_warns(qwen3) -> None:
    class Late(BaseModel):
        answer: str
        reasoning: str

    with pytest.warns(SchemaOrderWarning, match="'reasoning' comes after 'answer'"):
        c = compile_schema(Late, target=qwen3, cache=False)
    assert [w.path for w in c.report.warnings] == ["/properties/reasoning"]


def test_reasoning_first_is_quiet(qwen3) -> None:
    class Early(BaseModel):
        reasoning: str
        answer: str

    assert not compile_schema(Early, target=qwen3, cache=False).report.warnings


def test_recursion_is_unrolled(qwen3) -> None:
    c = compile_schema(Node, target=qwen3, caps=Caps(recursion_depth=2))
    assert any(ch.kind == "recursion-unrolled" for ch in c.report.changes)
    assert c.accepts('{"label":"a","children":[{"label":"b","children":[{"label":"c","children":[]}]}]}')
    deep = '{"label":"a","children":[{"label":"b","children":[{"label":"c","children":[{"label":"d"}]}]}]}'
    assert not c.accepts(deep)


def test_required_recursion_has_no_finite_value(qwen3) -> None:
    schema = {
        "$defs": {
            "L": {"type": "object", "properties": {"next": {"$ref": "#/$defs/L"}}, "required": ["next"]}
        },
        "$ref": "#/$defs/L",
    }
    with pytest.raises(SchemaError, match="recursion"):
        compile_schema(schema, target=qwen3)


def test_external_ref_is_refused(qwen3) -> None:
    with pytest.raises(SchemaError, match="outside itself"):
        compile_schema({"$ref": "https://example.com/schema.json"}, target=qwen3)


# -- bounds -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "boolean"}, 6),
        ({"enum": ["yes", "no"]}, 6),
        ({"type": "string", "maxLength": 3}, 15),
        ({"type": "integer", "minimum": 0, "maximum": 100}, 5),
    ],
    ids=["boolean", "enum", "string", "integer"],
)
def test_max_tokens_is_byte_bound_plus_end_of_turn(qwen3, schema: dict[str, Any], expected: int) -> None:
    assert compile_schema(schema, target=qwen3).max_tokens == expected


def test_unbounded_without_caps_is_refused(qwen3) -> None:
    with pytest.raises(SchemaError, match="upper bound"):
        compile_schema({"type": "string"}, target=qwen3, caps=Caps(max_string_length=None))


# -- preflight --------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["llguidance"])
def test_unsupported_keyword_names_keyword_pointer_engine(qwen3, backend: str) -> None:
    schema = {
        "type": "object",
        "properties": {"tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True}},
    }
    with pytest.raises(UnsupportedSchemaFeatureError) as info:
        compile_schema(schema, target=qwen3, backend=backend, caps=Caps(unique_items="refuse"))  # type: ignore[arg-type]
    assert (info.value.keyword, info.value.schema_path, info.value.engine) == (
        "uniqueItems",
        "/properties/tags",
        backend,
    )


def test_drop_reports_exactly_what_was_dropped(qwen3) -> None:
    schema = {
        "type": "object",
        # a regex has no complement an engine can write, so this "not" stays unsupported
        "properties": {"n": {"type": "string", "maxLength": 4, "not": {"pattern": "^a"}}},
        "required": ["n"],
    }
    c = compile_schema(schema, target=qwen3, on_unsupported="drop")
    assert [(d.keyword, d.path) for d in c.report.dropped] == [("not", "/properties/n")]
    assert c.report.weakened
    assert c.accepts('{"n":"ab"}')  # the dropped rule is no longer enforced, and the report says so
    with pytest.raises(OutputValidationError):
        c.parse('{"n":"ab"}')  # but parse still validates against the schema as given


def test_unknown_format_is_an_annotation_and_reported(qwen3) -> None:
    c = compile_schema({"type": "string", "format": "x-weird", "maxLength": 4}, target=qwen3)
    assert "format" not in c.json_schema
    assert [(ch.kind, ch.keyword) for ch in c.report.changes] == [("annotation", "format")]
    assert c.accepts('"abc"')


def test_known_format_is_enforced(qwen3) -> None:
    c = compile_schema({"type": "string", "format": "date"}, target=qwen3)
    assert c.accepts('"2024-02-29"')
    assert not c.accepts('"29/02/2024"')
    assert not c.accepts('"0000-01-01"')  # valid RFC 3339, but no date library can hold it
    assert c.accepts('"0001-01-01"')


def test_typeless_assertion_in_all_of_is_not_capped(qwen3) -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {
                "type": "array",
                "items": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
            }
        },
        "allOf": [{"anyOf": [{"required": ["a"]}]}],
    }
    c = compile_schema(schema, target=qwen3)
    assert c.json_schema["allOf"] == [{"anyOf": [{"required": ["a"]}]}]
    assert c.accepts('{"a":[[[1]]]}')
    assert not c.accepts("{}")


def test_pattern_properties_keys_are_bounded(qwen3) -> None:
    schema = {"type": "object", "patternProperties": {r"^x-\w+$": {"type": "integer"}}}
    c = compile_schema(schema, target=qwen3)
    (pattern,) = c.json_schema["patternProperties"]
    assert pattern == "^(?:x-[0-9A-Za-z_]{1,64})$"
    assert c.accepts('{"x-a":1}')
    assert not c.accepts('{"y":1}')


def test_timeout() -> None:
    import time

    from portkit.constrain._engines import _run_with_timeout

    with pytest.raises(SchemaCompileTimeout, match=r"longer than 0\.05 s"):
        _run_with_timeout(lambda: time.sleep(2), 0.05, "llguidance")
    _run_with_timeout(lambda: None, 0.05, "llguidance")


def test_template_only_target_has_no_vocabulary(load) -> None:
    with pytest.raises(MissingTokenizerError):
        compile_schema(Flat, target=load("gemma-2"))


@pytest.mark.parametrize(
    "bad", [42, "a string", [{"name": "x"}], []], ids=["int", "str", "tool-without-schema", "no-tools"]
)
def test_not_a_schema(qwen3, bad: Any) -> None:
    with pytest.raises(SchemaError):
        compile_schema(bad, target=qwen3)


def test_unknown_backend(qwen3) -> None:
    with pytest.raises(SchemaError, match="Unknown backend"):
        compile_schema(Flat, target=qwen3, backend="magic")  # type: ignore[call-overload]


# -- token level ------------------------------------------------------------------------------------


@pytest.mark.parametrize("vocab", VOCABS)
def test_matcher_allows_real_token_ids(load, vocab: str) -> None:
    target = load(vocab)
    c = compile_schema({"type": "boolean"}, target=target)
    m = c.matcher()
    allowed = set(m.allowed_token_ids().tolist())
    assert target.token_id("true") in allowed
    assert target.token_id("false") in allowed
    assert target.token_id("{") not in allowed
    assert not set(target.stop_token_ids) & allowed
    with pytest.raises(ValueError, match="not allowed"):
        m.advance(target.token_id("{"))
    m.advance(target.token_id("true"))
    # nothing can follow "true": the matcher finishes without waiting for an end-of-turn token
    assert m.is_accepting()
    assert m.is_finished()
    assert len(m.allowed_token_ids()) == 0


@pytest.mark.parametrize("vocab", VOCABS)
def test_end_of_turn_is_allowed_exactly_when_complete(load, vocab: str) -> None:
    target = load(vocab)
    c = compile_schema({"type": "integer", "minimum": 0, "maximum": 99}, target=target)
    m = c.matcher()
    assert not set(target.stop_token_ids) & set(m.allowed_token_ids().tolist())
    m.advance(target.encode("4")[0])
    assert set(target.stop_token_ids) <= set(m.allowed_token_ids().tolist())
    m.advance(target.stop_token_ids[-1])
    assert m.is_finished()


def test_bitmask_matches_allowed_ids(qwen3) -> None:
    m = compile_schema(Flat, target=qwen3).matcher()
    words = m.bitmask()
    ids = m.allowed_token_ids()
    assert all(m.is_allowed(int(i)) for i in ids[:50])
    assert sum(bin(int(w) & 0xFFFFFFFF).count("1") for w in words) == len(ids)


# -- escape hatch -----------------------------------------------------------------------------------


def test_uncertain_branch(qwen3) -> None:
    c = compile_schema(Person, target=qwen3, uncertain=True)
    assert c.accepts('{"uncertain":true,"reason":"no age given"}')
    assert c.parse('{"uncertain":true,"reason":"no age given"}') == Uncertain("no age given")
    person = c.parse('{"name":"Ada","age":36,"address":{"street":"a","city":"b","zip_code":"1"}}')
    assert isinstance(person, Person)
    assert not compile_schema(Person, target=qwen3).accepts('{"uncertain":true,"reason":"x"}')


# -- outputs ----------------------------------------------------------------------------------------


def test_parse_model_and_error_carries_raw(qwen3) -> None:
    c = compile_schema(Flat, target=qwen3)
    assert c.parse('{"colour":"red","score":0.5}') == Flat(colour="red", score=0.5)  # type: ignore[arg-type]
    raw = '{"colour":"pink","score":0.5}'
    with pytest.raises(OutputValidationError) as info:
        c.parse(raw)
    assert info.value.raw == raw
    assert info.value.errors[0]["loc"] == ("colour",)


def test_parse_tools(qwen3) -> None:
    c = compile_schema(TOOLS3, target=qwen3)
    call = c.parse('{"name":"search","arguments":{"query":"q"}}')
    assert call == ToolCall("search", {"query": "q"})
    assert c.accepts('{"name":"search","arguments":{"query":"q"}}')
    assert not c.accepts('{"name":"delete_all","arguments":{}}')
    with pytest.raises(OutputValidationError):
        c.parse('{"name":"search","arguments":{"query":1}}')


def test_repair_cuts_json_out_of_prose(qwen3) -> None:
    c = compile_schema(Flat, target=qwen3)
    raw = 'Sure! Here it is:\n```json\n{"colour": "blue", "score": 1}\n```'
    with pytest.raises(OutputValidationError):
        c.parse(raw)
    assert c.parse(raw, repair=True).colour.value == "blue"


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
        max_leaves=6,
    ).filter(lambda v: isinstance(v, (list, dict))),
    st.text(alphabet="abc :\n`", max_size=10),
)
def test_extract_json_finds_the_value(value: Any, prose: str) -> None:
    text = json.dumps(value)
    assert json.loads(extract_json(prose + text + prose.replace("{", "").replace("[", ""))) == value


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["red", "green", "blue"]), st.integers(-(10**6), 10**6), st.integers(0, 999999))
def test_compact_json_of_valid_values_is_accepted(colour: str, whole: int, frac: int) -> None:
    from portkit.targets import load_target

    c = compile_schema(Flat, target=load_target("qwen3"))
    text = f'{{"colour":"{colour}","score":{whole}.{frac:06d}}}'
    assert c.accepts(text)
    c.parse(text)


# -- caching ----------------------------------------------------------------------------------------


def test_in_process_cache_returns_the_same_constraint(qwen3) -> None:
    assert compile_schema(Person, target=qwen3) is compile_schema(Person, target=qwen3)
    assert compile_schema(Person, target=qwen3) is not compile_schema(Person, target=qwen3, uncertain=True)


def test_disk_cache_round_trip(qwen3, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("PORTKIT_NO_GRAMMAR_CACHE", raising=False)
    monkeypatch.setattr(_cache, "_dir", lambda: tmp_path)
    monkeypatch.setattr(_constraint, "_MEMO", {})
    first = compile_schema(Invoice, target=qwen3)
    assert len(list(tmp_path.glob("*.json"))) == 1
    monkeypatch.setattr(_constraint, "_MEMO", {})
    monkeypatch.setattr(_constraint, "normalize", None, raising=False)  # a cold compile would need it
    second = compile_schema(Invoice, target=qwen3)
    assert second is not first
    assert (second.json_schema, second.grammar, second.max_tokens) == (
        first.json_schema,
        first.grammar,
        first.max_tokens,
    )
    assert second.report.changes == first.report.changes
    assert second.accepts(
        '{"invoice_number":"INV-1","issued":"2024-01-31","due":"2024-02-29","customer":"c",'
        '"items":[{"description":"d","quantity":1,"unit_price":2.5}]}'
    )


def test_outlines_logits_processor_masks_numpy_logits(qwen3) -> None:
    import numpy as np

    c = compile_schema({"type": "boolean"}, target=qwen3)
    processor = c.logits_processor(tensor_library="numpy")
    logits = processor(np.array([[1, 2]]), np.zeros((1, qwen3.tokenizer.vocab_size), dtype=np.float32))
    finite = set(np.flatnonzero(np.isfinite(logits[0])).tolist())
    assert finite == set(c.matcher().allowed_token_ids().tolist())
    assert qwen3.token_id("true") in finite


# -- outlines_core ----------------------------------------------------------------------------------


def test_outlines_core_refuses_the_number_caps_it_would_ignore(qwen3) -> None:
    with pytest.raises(UnsupportedSchemaFeatureError, match="default cap added 'maximum'") as info:
        compile_schema(Flat, target=qwen3, backend="outlines_core")
    assert (info.value.engine, info.value.schema_path) == ("outlines_core", "/properties/score")


def test_outlines_core_refuses_max_length_with_pattern(qwen3) -> None:
    with pytest.raises(UnsupportedSchemaFeatureError) as info:
        compile_schema(
            {"type": "string", "pattern": "^a+$", "maxLength": 4}, target=qwen3, backend="outlines_core"
        )
    assert info.value.keyword == "pattern"


@pytest.mark.slow
def test_outlines_core_random_walk(qwen3) -> None:
    import numpy as np
    from constrain_shapes import Lit
    from test_constrain_random_walk import walk

    c = compile_schema(Lit, target=qwen3, backend="outlines_core")
    assert c.backend == "outlines_core"
    rng = np.random.default_rng(3)
    for _ in range(20):
        text, used = walk(c, rng)
        assert used <= c.max_tokens
        assert c.accepts(text)
        Lit.model_validate_json(text)
    assert not c.accepts('{"sentiment":"happy","confident":true,"version":1}')


@pytest.mark.parametrize(
    ("schema", "keyword"),
    [
        (
            {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 9}, "uniqueItems": False},
            "uniqueItems",
        ),
        ({"type": ["string", "null"], "maxLength": 3, "not": {"type": "null"}}, "not"),
    ],
    ids=["uniqueItems-false", "not-type"],
)
def test_keywords_that_assert_nothing_more_are_rewritten(qwen3, schema: dict[str, Any], keyword: str) -> None:
    c = compile_schema(schema, target=qwen3)
    assert keyword not in c.json_schema
    assert any(ch.kind == "annotation" and ch.keyword == keyword for ch in c.report.changes)
    assert not c.report.weakened


def test_not_type_rewrite_is_exact(qwen3) -> None:
    c = compile_schema({"type": ["string", "null"], "maxLength": 3, "not": {"type": "null"}}, target=qwen3)
    assert c.accepts('"ab"')
    assert not c.accepts("null")


def test_unbounded_error_names_the_part(qwen3) -> None:
    with pytest.raises(SchemaError) as info:
        compile_schema(
            {"type": "object", "properties": {"s": {"type": "string"}}},
            target=qwen3,
            caps=Caps(max_string_length=None),
        )
    assert info.value.schema_path == "/properties/s"


def test_import_is_cheap() -> None:
    import subprocess
    import sys

    code = (
        "import sys, portkit.constrain; "
        "print(sorted(m for m in ('pydantic', 'llguidance', 'outlines', 'outlines_core', 'numpy', 'transformers', "
        "'jsonschema', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- real-world shapes: compile with full enforcement, or a named error ------------------------------

DEPLOYMENT = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["apiVersion", "kind", "metadata"],
    "properties": {
        "apiVersion": {"type": "string", "enum": ["apps/v1"]},
        "kind": {"type": "string", "enum": ["Deployment"]},
        "metadata": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "x-kubernetes-preserve-unknown-fields": False,
        },
        "spec": {
            "type": "object",
            "properties": {
                "replicas": {"type": "integer", "format": "int32"},
                "containers": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string"},
                            "ports": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "containerPort": {
                                            "type": "integer",
                                            "format": "int32",
                                            "minimum": 1,
                                            "maximum": 65535,
                                        }
                                    },
                                },
                            },
                            "env": {"type": "array", "items": {"$ref": "#/definitions/EnvVar"}},
                        },
                    },
                },
            },
        },
    },
    "definitions": {
        "EnvVar": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
        }
    },
}

EVENT = {
    "description": "An analytics event in a self-describing envelope",
    "self": {"vendor": "com.example", "name": "click", "format": "jsonschema", "version": "1-0-0"},
    "type": "object",
    "properties": {
        "target": {"type": ["string", "null"], "maxLength": 255},
        "position": {"type": "object", "properties": {"x": {"type": "number"}, "y": {"type": "number"}}},
        "tags": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"},
            "maxItems": 10,
        },
        "when": {"type": "string", "format": "date-time"},
        "extra": {},
    },
    "additionalProperties": False,
}

CONDITIONAL = {
    "type": "object",
    "properties": {"kind": {"enum": ["a", "b"]}, "size": {"type": "integer"}},
    "if": {"properties": {"kind": {"const": "a"}}},
    "then": {"required": ["size"]},
}


def test_kubernetes_like_schema_compiles(qwen3) -> None:
    c = compile_schema(DEPLOYMENT, target=qwen3)
    assert c.accepts(
        '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},'
        '"spec":{"replicas":2,"containers":[{"name":"c","ports":[{"containerPort":80}],"env":[{"name":"A","value":"1"}]}]}}'
    )
    assert not c.accepts('{"apiVersion":"apps/v1","kind":"Deployment","metadata":{},"spec":{"replicas":1.5}}')
    assert ("annotation", "format") in {(ch.kind, ch.keyword) for ch in c.report.changes}  # int32


def test_event_like_schema_compiles(qwen3) -> None:
    c = compile_schema(EVENT, target=qwen3)
    assert c.accepts(
        '{"target":null,"position":{"x":1.5,"y":-2},"tags":["a-1"],"when":"2024-05-01T10:00:00Z","extra":[1,{"k":true}]}'
    )
    assert not c.accepts('{"tags":["Bad"]}')


def test_conditional_on_an_enum_property_is_spelled_exactly(qwen3) -> None:
    c = compile_schema(CONDITIONAL, target=qwen3)
    assert c.accepts('{"kind":"a","size":3}')
    assert not c.accepts('{"kind":"a"}')  # then: size is required when kind is "a"
    assert c.accepts('{"kind":"b"}')
    assert not c.report.weakened


def test_conditional_without_kind_requires_then(qwen3) -> None:
    c = compile_schema(CONDITIONAL, target=qwen3)
    # with kind absent, 'if' (properties only) is true, so 'then' applies
    assert not c.accepts("{}")
    assert c.accepts('{"size":1}')


def test_condition_that_cannot_be_negated_is_a_named_error(qwen3) -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer"}, "size": {"type": "integer"}},
        "if": {"properties": {"n": {"minimum": 3}}},
        "then": {"required": ["size"]},
    }
    with pytest.raises(UnsupportedSchemaFeatureError) as info:
        compile_schema(schema, target=qwen3)
    assert info.value.keyword in {"if", "then"}
    assert info.value.schema_path == "/"


def test_pointer_refs_into_properties_are_followed(qwen3) -> None:
    schema = {
        "type": "object",
        "properties": {
            "home": {
                "type": "object",
                "properties": {"city": {"type": "string", "maxLength": 5}},
                "required": ["city"],
            },
            "work": {"$ref": "#/properties/home"},
        },
        "required": ["home"],
    }
    c = compile_schema(schema, target=qwen3)
    assert c.accepts('{"home":{"city":"a"},"work":{"city":"b"}}')
    assert not c.accepts('{"home":{"city":"a"},"work":{"town":"b"}}')


def test_root_self_reference(qwen3) -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 4},
            "child": {"$ref": "#"},
            "tag": {"$ref": "#/properties/name"},
        },
        "required": ["name"],
    }
    c = compile_schema(schema, target=qwen3, caps=Caps(recursion_depth=2))
    assert c.accepts('{"name":"a","child":{"name":"b","tag":"t"}}')
    assert not c.accepts('{"name":"a","child":{"name":"b","child":{"name":"c","child":{"name":"d"}}}}')


@given(st.integers(0, 9999), st.integers(1, 12), st.integers(1, 31))
def test_calendar_date_pattern_is_exact(year: int, month: int, day: int) -> None:
    import datetime as dt

    from portkit.constrain._normalize import _CALENDAR_DATE

    text = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        dt.date(year, month, day)
        valid = True
    except ValueError:
        valid = False
    assert (re.fullmatch(_CALENDAR_DATE, text) is not None) == valid


def test_dates_are_calendar_dates(qwen3) -> None:
    c = compile_schema({"type": "string", "format": "date"}, target=qwen3)
    assert c.accepts('"2024-02-29"')
    assert not c.accepts('"2023-02-29"')
    dt_c = compile_schema({"type": "string", "format": "date-time"}, target=qwen3)
    assert dt_c.accepts('"2024-02-29T10:00:00Z"')
    assert not dt_c.accepts('"2023-02-29T10:00:00Z"')


@pytest.mark.parametrize(
    ("schema", "good", "bad"),
    [
        ({"type": ["integer", "null"], "minimum": 0, "maximum": 9, "not": {"type": "null"}}, "3", "null"),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "boolean"}, "b": {"type": "boolean"}},
                "not": {"required": ["b"]},
            },
            '{"a":true}',
            '{"a":true,"b":false}',
        ),
        ({"enum": ["x", "y", "z"], "not": {"enum": ["y"]}}, '"x"', '"y"'),
        ({"type": "string", "maxLength": 2, "not": {"type": "null"}}, '"ab"', "null"),
    ],
    ids=["not-type", "not-required", "not-enum", "not-trivial"],
)
def test_not_rewrites_are_exact(qwen3, schema: dict[str, Any], good: str, bad: str) -> None:
    c = compile_schema(schema, target=qwen3)
    assert "not" not in json.dumps(c.json_schema)
    assert c.accepts(good)
    assert not c.accepts(bad)
    jsonschema_errors = __import__("jsonschema").Draft202012Validator(schema).is_valid
    assert jsonschema_errors(json.loads(good))
    assert not jsonschema_errors(json.loads(bad))
