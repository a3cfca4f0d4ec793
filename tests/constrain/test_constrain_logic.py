"""Logic keywords spelled without the keyword (if/then/else, not, oneOf, dependencies, ...).

Each rewrite must be exact: on every probe value, the compiled grammar accepts exactly what
``jsonschema`` says the original schema accepts. The schemas close their objects themselves, so
portkit's own narrowing (closed objects) plays no part in the comparison.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from portkit.constrain import Caps, compile_schema
from portkit.errors import UnsupportedSchemaFeatureError

LOGIC: dict[str, tuple[dict[str, Any], list[Any]]] = {
    "if-enum-then-else": (
        {
            "type": "object",
            "properties": {"kind": {"enum": ["a", "b", "c"]}, "size": {"type": "integer"}},
            "additionalProperties": False,
            "if": {"properties": {"kind": {"const": "a"}}, "required": ["kind"]},
            "then": {"required": ["size"]},
            "else": {"properties": {"size": False}},
        },
        [{}, {"kind": "a"}, {"kind": "a", "size": 1}, {"kind": "b"}, {"kind": "b", "size": 1}, {"size": 2}],
    ),
    "if-free-string": (
        {
            "type": "object",
            "properties": {"mode": {"type": "string", "maxLength": 8}, "n": {"type": "integer"}},
            "additionalProperties": False,
            "if": {"properties": {"mode": {"const": "on"}}},
            "then": {"required": ["n"]},
        },
        [{}, {"n": 1}, {"mode": "on"}, {"mode": "on", "n": 1}, {"mode": "o"}, {"mode": "onn"}, {"mode": ""}],
    ),
    "if-required": (
        {
            "type": "object",
            "properties": {"a": {"type": "boolean"}, "b": {"type": "boolean"}},
            "additionalProperties": False,
            "if": {"required": ["a"]},
            "then": {"required": ["b"]},
            "else": {"properties": {"b": {"const": False}}},
        },
        [{}, {"a": True}, {"a": True, "b": True}, {"b": True}, {"b": False}],
    ),
    "not-required-both": (
        {
            "type": "object",
            "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
            "additionalProperties": False,
            "not": {"required": ["x", "y"]},
        },
        [{}, {"x": 1}, {"y": 1}, {"x": 1, "y": 2}],
    ),
    "not-any-required": (
        {
            "type": "object",
            "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}, "z": {"type": "integer"}},
            "additionalProperties": False,
            "not": {"anyOf": [{"required": ["x"]}, {"required": ["y"]}]},
        },
        [{}, {"x": 1}, {"y": 1}, {"z": 1}],
    ),
    "not-empty-forbids-key": (
        {
            "type": "object",
            "properties": {"keep": {"type": "integer"}, "gone": {"not": {}}},
            "additionalProperties": False,
        },
        [{}, {"keep": 1}, {"gone": 1}, {"gone": None}],
    ),
    "not-const-string": (
        {"type": "string", "maxLength": 6, "not": {"const": "no"}},
        ["", "n", "no", "noo", "yes"],
    ),
    "dependencies": (
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {"card": {"type": "integer"}, "cvv": {"type": "integer"}},
            "additionalProperties": False,
            "dependencies": {"card": ["cvv"]},
        },
        [{}, {"cvv": 1}, {"card": 1}, {"card": 1, "cvv": 2}],
    ),
    "one-of-discriminated": (
        {
            "oneOf": [
                {
                    "type": "object",
                    "properties": {"t": {"const": "x"}, "v": {"type": "integer"}},
                    "required": ["t"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {"t": {"const": "y"}, "v": {"type": "boolean"}},
                    "required": ["t"],
                    "additionalProperties": False,
                },
                {"type": "string", "maxLength": 3},
            ]
        },
        [{"t": "x", "v": 1}, {"t": "y", "v": True}, {"t": "x", "v": True}, "ab", {"t": "z"}],
    ),
    "one-of-closed-objects": (
        {
            "$defs": {"call": {"type": "string", "maxLength": 4}},
            "oneOf": [
                {
                    "type": "object",
                    "properties": {"task": {"type": "string", "maxLength": 4}},
                    "required": ["task"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {"defer": {"anyOf": [{"$ref": "#/$defs/call"}]}},
                    "required": ["defer"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {"defer": {"type": "integer"}},
                    "required": ["defer"],
                    "additionalProperties": False,
                },
            ],
        },
        [{"task": "a"}, {"defer": "b"}, {"defer": 3}, {"task": "a", "defer": 3}, {}, {"defer": True}],
    ),
    "all-of-typed-branch": (
        {
            "type": ["object", "null"],
            "properties": {"a": True},
            "additionalProperties": False,
            "allOf": [{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}],
        },
        [None, {"a": 1}, {}, {"a": "x"}],
    ),
    "unevaluated-items-after-prefix": (
        {"type": "array", "prefixItems": [{"type": "integer"}], "unevaluatedItems": False},
        [[], [1], [1, 2], ["a"]],
    ),
    "unevaluated-properties-alone": (
        {
            "type": "object",
            "patternProperties": {"^x-[a-z]{1,3}$": {"type": "boolean"}},
            "unevaluatedProperties": False,
        },
        [{}, {"x-ab": True}, {"x-ab": 1}, {"b": True}],
    ),
    "draft-04-exclusive-bounds": (
        {
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "integer",
            "minimum": 0,
            "exclusiveMinimum": True,
            "maximum": 5,
            "exclusiveMaximum": False,
        },
        [-1, 0, 1, 5, 6],
    ),
    "min-properties-one": (
        {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "additionalProperties": False,
            "minProperties": 1,
            "maxProperties": 5,
        },
        [{}, {"a": 1}, {"b": 1}, {"a": 1, "b": 2}],
    ),
    "dependent-required": (
        {
            "type": "object",
            "properties": {"card": {"type": "integer"}, "cvv": {"type": "integer"}},
            "additionalProperties": False,
            "dependentRequired": {"card": ["cvv"]},
        },
        [{}, {"cvv": 1}, {"card": 1}, {"card": 1, "cvv": 2}],
    ),
    "unique-small-enum": (
        {"type": "array", "items": {"enum": ["r", "g", "b"]}, "uniqueItems": True, "minItems": 1},
        [[], ["r"], ["g", "r"], ["r", "g", "b"], ["r", "r"], ["b", "g", "b"]],
    ),
    "property-names-map": (
        {
            "type": "object",
            "additionalProperties": {"type": "integer"},
            "propertyNames": {"pattern": "^[a-z]+$"},
            "maxProperties": 3,
        },
        [{}, {"ab": 1}, {"Ab": 1}, {"a1": 1}, {"a": 1, "b": 2}],
    ),
    "all-of-properties": (
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"a": True, "b": True},
            "allOf": [
                {"properties": {"a": {"type": "integer"}}, "required": ["a"]},
                {"properties": {"b": {"type": "boolean"}}},
            ],
        },
        [{}, {"a": 1}, {"a": 1, "b": True}, {"a": "x"}, {"b": False}],
    ),
}


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


@pytest.mark.parametrize("name", list(LOGIC), ids=list(LOGIC))
def test_rewrite_accepts_exactly_what_the_schema_accepts(name: str, qwen3) -> None:
    schema, probes = LOGIC[name]
    c = compile_schema(schema, target=qwen3, cache=False)
    assert not c.report.weakened
    validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)(schema)
    verdicts = {compact(p): (validator.is_valid(p), c.accepts(compact(p))) for p in probes}
    assert {k: v[1] for k, v in verdicts.items()} == {k: v[0] for k, v in verdicts.items()}
    # both answers occur, so the comparison can fail in either direction
    assert {v[0] for v in verdicts.values()} == {True, False}


@pytest.mark.parametrize(
    "schema",
    [
        {"oneOf": [{"type": "string", "maxLength": 4}, {"type": "string", "pattern": "^a"}]},
        # both closed objects accept {}: exactly-one rejects it, anyOf would not
        {
            "oneOf": [
                {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": False},
                {"type": "object", "properties": {"b": {"type": "integer"}}, "additionalProperties": False},
            ]
        },
    ],
    ids=["strings", "closed-objects-sharing-empty"],
)
def test_overlapping_one_of_stays_a_named_error(schema: dict[str, Any], qwen3) -> None:
    with pytest.raises(UnsupportedSchemaFeatureError) as info:
        compile_schema(schema, target=qwen3, cache=False)
    assert info.value.keyword == "oneOf"


def test_one_of_beside_a_cut_recursion_level_is_not_assumed_exclusive(qwen3) -> None:
    # at the deepest level the recursive branch becomes false, which would look exclusive; but
    # {} matches both branches of the original at every level, so oneOf stays refused
    schema = {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "next": {"oneOf": [{"$ref": "#/$defs/node"}, {"type": "object", "maxProperties": 0}]}
                },
                "additionalProperties": False,
            }
        },
        "$ref": "#/$defs/node",
    }
    with pytest.raises(UnsupportedSchemaFeatureError) as info:
        compile_schema(schema, target=qwen3, cache=False)
    assert info.value.keyword == "oneOf"


def test_free_form_unique_items_is_refused_by_default(qwen3) -> None:
    schema = {"type": "array", "items": {"type": "string", "maxLength": 5}, "uniqueItems": True}
    with pytest.raises(UnsupportedSchemaFeatureError) as info:
        compile_schema(schema, target=qwen3, cache=False)
    assert info.value.keyword == "uniqueItems"
    assert info.value.schema_path == "/"


def test_unique_items_one_narrows_and_reports(qwen3) -> None:
    schema = {"type": "array", "items": {"type": "string", "maxLength": 5}, "uniqueItems": True}
    c = compile_schema(schema, target=qwen3, caps=Caps(unique_items="one"), cache=False)
    assert c.accepts('["ab"]') and c.accepts("[]")
    assert not c.accepts('["ab","cd"]')  # narrowed: a second item is never written
    assert ("cap", "uniqueItems") in {(ch.kind, ch.keyword) for ch in c.report.changes}
    assert not c.report.weakened


def test_unique_items_one_cannot_meet_min_items_two(qwen3) -> None:
    schema = {"type": "array", "items": {"type": "string"}, "uniqueItems": True, "minItems": 2}
    with pytest.raises(UnsupportedSchemaFeatureError):
        compile_schema(schema, target=qwen3, caps=Caps(unique_items="one"), cache=False)


def test_unique_items_over_many_values_keeps_their_order(qwen3) -> None:
    schema = {"type": "array", "items": {"enum": list("abcdefg")}, "uniqueItems": True}
    c = compile_schema(schema, target=qwen3, cache=False)
    assert c.accepts('["a","c"]')
    assert not c.accepts('["c","a"]')  # narrowed to the listed order
    assert not c.accepts('["a","a"]')
    assert ("cap", "uniqueItems") in {(ch.kind, ch.keyword) for ch in c.report.changes}


def test_condition_on_a_number_range_is_refused(qwen3) -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer"}},
        "if": {"properties": {"n": {"minimum": 3}}},
        "then": {"required": ["n"]},
    }
    with pytest.raises(UnsupportedSchemaFeatureError) as info:
        compile_schema(schema, target=qwen3, cache=False)
    assert info.value.keyword in {"if", "then"}
