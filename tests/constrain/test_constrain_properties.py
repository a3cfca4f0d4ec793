"""Hypothesis: for generated schemas, every random walk ends within max_tokens with a valid value."""

from __future__ import annotations

from typing import Any

import jsonschema
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_constrain_random_walk import walk

from portkit.constrain import Caps, compile_schema

NAMES = st.sampled_from(["a", "b", "name", "x_1", "Δ"])

scalars = st.one_of(
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.builds(
        lambda lo, span: {"type": "integer", "minimum": lo, "maximum": lo + span},
        st.integers(-1000, 1000),
        st.integers(0, 10**6),
    ),
    st.just({"type": "integer"}),
    st.just({"type": "number"}),
    st.builds(
        lambda n: {"type": "number", "minimum": 0, "maximum": n, "multipleOf": 0.25}, st.integers(1, 100)
    ),
    st.just({"type": "string"}),
    st.builds(lambda n: {"type": "string", "maxLength": n}, st.integers(0, 6)),
    st.builds(
        lambda vals: {"enum": vals}, st.lists(st.text(max_size=4), min_size=1, max_size=3, unique=True)
    ),
    st.just({"type": "string", "pattern": r"^\d{1,3}-[a-z]+$"}),
    st.just({"type": "string", "format": "date"}),
    st.just({}),
)


def _object(props: dict[str, Any], required: list[str], closed: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": [r for r in required if r in props],
    }
    if closed:
        out["additionalProperties"] = False
    return out


schemas = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.builds(
            lambda items, hi: {
                "type": "array",
                "items": items,
                **({"maxItems": hi} if hi is not None else {}),
            },
            inner,
            st.none() | st.integers(0, 3),
        ),
        st.builds(
            _object,
            st.dictionaries(NAMES, inner, max_size=3),
            st.lists(NAMES, max_size=2, unique=True),
            st.booleans(),
        ),
        st.builds(lambda branches: {"anyOf": branches}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda values: {"type": "object", "additionalProperties": values}, inner),
    ),
    max_leaves=6,
)

SMALL = Caps(max_string_length=6, max_array_items=3, max_object_properties=2, max_key_length=4, any_depth=1)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=schemas, seed=st.integers(0, 2**32 - 1))
def test_generated_schemas_terminate_and_validate(schema: dict[str, Any], seed: int) -> None:
    from portkit.targets import load_target

    c = compile_schema(schema, target=load_target("qwen3"), caps=SMALL)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        text, used = walk(c, rng)
        assert used <= c.max_tokens
        assert c.accepts(text), text
        import json

        jsonschema.validate(json.loads(text), schema)
