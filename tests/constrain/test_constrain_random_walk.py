"""The worst model possible: pick uniformly at random among the allowed tokens, 50 times per shape.

Every run must finish within ``Constraint.max_tokens`` and produce text that Pydantic validates and
``accepts`` agrees with. Caps are small here to keep the walk fast; one walk per shape at the
default caps shows the defaults terminate too.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from constrain_shapes import SHAPES, Shape

from portkit.constrain import Caps, Constraint, compile_schema

VOCABS = ["qwen3", "llama-3.1"]
SMALL = Caps(max_string_length=12, max_array_items=3, max_object_properties=3, max_key_length=8)


def walk(c: Constraint, rng: np.random.Generator) -> tuple[str, int]:
    stops = set(c.target.stop_token_ids)
    m = c.matcher()
    out: list[int] = []
    while not m.is_finished():
        ids = m.allowed_token_ids()
        assert len(ids), "the matcher allows nothing but is not finished"
        token = int(ids[rng.integers(len(ids))])
        m.advance(token)
        out.append(token)
        assert len(out) <= c.max_tokens, f"ran past max_tokens={c.max_tokens}"
    body = [t for t in out if t not in stops]
    return c.target.tokenizer.decode(body, clean_up_tokenization_spaces=False), len(out)


def check(shape: Shape, c: Constraint, runs: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(runs):
        text, used = walk(c, rng)
        assert used <= c.max_tokens
        assert c.accepts(text), text
        shape.validate(text)
        c.parse(text)


@pytest.mark.slow
@pytest.mark.parametrize("vocab", VOCABS)
@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_random_walk_terminates_and_validates(shape: Shape, vocab: str, load) -> None:
    c = compile_schema(shape.schema, target=load(vocab), caps=SMALL)
    check(shape, c, runs=50, seed=zlib.crc32(f"{shape.name}/{vocab}".encode()))


@pytest.mark.slow
@pytest.mark.parametrize("vocab", VOCABS)
@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_random_walk_with_default_caps(shape: Shape, vocab: str, load) -> None:
    c = compile_schema(shape.schema, target=load(vocab))
    check(shape, c, runs=10, seed=7)
