"""Real-world JSON Schemas: the SchemaStore files that ``check-jsonschema`` vendors (a dev dependency).

Every schema either compiles with full enforcement — then a random walk over the allowed tokens
finishes within ``max_tokens`` and ``jsonschema`` validates the output against the schema as given —
or raises a named :class:`~portkit.errors.PortkitError` subclass within the compile timeout. The set
of schemas that compile strictly may grow, never shrink (``bench/constrain_coverage.py`` prints the
table).
"""

from __future__ import annotations

import json
import time
import warnings
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from test_constrain_random_walk import walk

from portkit.constrain import Caps, SchemaOrderWarning, compile_schema
from portkit.errors import PortkitError, UnsupportedSchemaFeatureError


def _vendored() -> dict[str, dict[str, Any]]:
    import check_jsonschema.builtin_schemas.vendor as vendor

    here = Path(vendor.__file__).parent
    return {p.stem: json.loads(p.read_text("utf-8")) for p in sorted(here.glob("*.json"))}


SCHEMAS = _vendored()
TIMEOUT = 10.0
# measured with bench/constrain_coverage.py; raise these as coverage improves, never lower them
STRICT_REFUSING_UNIQUE = {
    "bamboo-spec",
    "changie",
    "cloudbuild",
    "codecov",
    "github-discussion",
    "github-issue-config",
    "taskfile",
}
# defaults: free-form unique arrays narrowed to one item
STRICT = STRICT_REFUSING_UNIQUE | {"citation-file-format"}
SMALL = Caps(
    max_string_length=8,
    max_array_items=2,
    max_object_properties=2,
    max_key_length=6,
    recursion_depth=2,
    any_depth=1,
)


@cache
def outcome(name: str, target: Any, unique_items: str = "one") -> tuple[str, float]:
    """The error class name (or ``"strict"``) and the compile time, once per schema and setting."""
    t0 = time.perf_counter()
    error: PortkitError | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SchemaOrderWarning)  # field-order advice, not coverage
            compile_schema(
                SCHEMAS[name],
                target=target,
                caps=Caps(unique_items=unique_items),  # type: ignore[arg-type]
                compile_timeout=TIMEOUT,
                cache=False,
            )
    except PortkitError as exc:
        error = exc
    seconds = time.perf_counter() - t0
    if error is None:
        return "strict", seconds
    assert type(error) is not PortkitError, f"an unnamed error: {error}"
    if isinstance(error, UnsupportedSchemaFeatureError):
        assert error.keyword and error.schema_path and error.engine == "llguidance", error
    return type(error).__name__, seconds


def test_corpus_is_the_vendored_schemastore_set() -> None:
    assert len(SCHEMAS) >= 25
    assert {"github-workflows", "dependabot", "gitlab-ci", "renovate", "readthedocs"} <= set(SCHEMAS)


@pytest.mark.parametrize("name", list(SCHEMAS), ids=list(SCHEMAS))
def test_compiles_strictly_or_names_the_error(name: str, qwen3) -> None:
    status, seconds = outcome(name, qwen3)
    # the timeout bounds the engine's compile; normalisation and the bound come on top of it
    assert seconds < TIMEOUT + 5, f"{name} took {seconds:.1f} s"
    assert status == "strict" or status.endswith(("Error", "Timeout")), status


def test_strict_coverage_does_not_drop(qwen3) -> None:
    strict = {name for name in SCHEMAS if outcome(name, qwen3)[0] == "strict"}
    assert strict >= STRICT, f"no longer strict: {sorted(STRICT - strict)}"
    refusing = {name for name in SCHEMAS if outcome(name, qwen3, "refuse")[0] == "strict"}
    assert refusing >= STRICT_REFUSING_UNIQUE, (
        f"no longer strict: {sorted(STRICT_REFUSING_UNIQUE - refusing)}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(STRICT), ids=sorted(STRICT))
def test_random_walk_output_validates_against_the_schema(name: str, qwen3) -> None:
    schema = SCHEMAS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaOrderWarning)
        c = compile_schema(schema, target=qwen3, caps=SMALL, cache=False)
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = validator_class(schema)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for _ in range(3):
        text, used = walk(c, rng)
        assert used <= c.max_tokens
        value = json.loads(text)
        errors = [e.message for e in validator.iter_errors(value)]
        assert not errors, (text, errors)
