"""Strict compile coverage on real-world JSON Schemas (the SchemaStore files check-jsonschema vendors).

Run from the repository root (``check-jsonschema`` must be installed, it is a dev dependency)::

    .venv/bin/python bench/constrain_coverage.py --vocab qwen3

Each schema is compiled with portkit's defaults (llguidance, ``on_unsupported="raise"``, the
10 s compile timeout, no cache), then again with ``Caps(unique_items="one")`` (free-form unique
arrays narrowed to one item). A row is "strict" when it compiled with full enforcement, else it
names the error portkit raised (keyword and JSON pointer for unsupported features). Nothing here
drops a keyword: a compiled schema enforces everything it says.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

from portkit.constrain import Caps, SchemaOrderWarning, compile_schema
from portkit.errors import PortkitError, UnsupportedSchemaFeatureError
from portkit.targets import load_target


def vendored_schemas() -> dict[str, dict[str, Any]]:
    """``{name: schema}`` for every schema check-jsonschema vendors from SchemaStore."""
    import check_jsonschema.builtin_schemas.vendor as vendor

    here = Path(vendor.__file__).parent
    return {p.stem: json.loads(p.read_text("utf-8")) for p in sorted(here.glob("*.json"))}


def outcome(
    schema: dict[str, Any], target: Any, caps: Caps | None = None
) -> tuple[str, str, float, int | None]:
    """``(status, detail, seconds, max_tokens)``; status is ``strict`` or the error's class name."""
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SchemaOrderWarning)  # advice about field order, not coverage
            c = compile_schema(schema, target=target, caps=caps, cache=False)
    except UnsupportedSchemaFeatureError as exc:
        detail = f"{exc.keyword} at {exc.schema_path}"
        return type(exc).__name__, detail, time.perf_counter() - t0, None
    except PortkitError as exc:
        return type(exc).__name__, str(exc).split("\n")[0][:90], time.perf_counter() - t0, None
    return "strict", "", time.perf_counter() - t0, c.max_tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab", default="qwen3")
    args = parser.parse_args()
    target = load_target(args.vocab)
    compile_schema({"type": "boolean"}, target=target, cache=False)  # tokenizer state off the clock
    rows = []
    narrowed = []
    for name, schema in vendored_schemas().items():
        rows.append((name, *outcome(schema, target)))
        narrowed.append(outcome(schema, target, Caps(unique_items="one"))[0])
    print("| schema | result (defaults) | detail | compile (s) | max_tokens | unique_items='one' |")
    print("|---|---|---|---:|---:|---|")
    for (name, status, detail, seconds, max_tokens), other in zip(rows, narrowed, strict=True):
        print(f"| {name} | {status} | {detail} | {seconds:.2f} | {max_tokens or ''} | {other} |")
    strict = sum(1 for r in rows if r[1] == "strict")
    strict_one = narrowed.count("strict")
    print(f"\nstrict (defaults): {strict}/{len(rows)} ({strict / len(rows):.0%})")
    print(f"strict (unique_items='one'): {strict_one}/{len(rows)} ({strict_one / len(rows):.0%})")
    print("errors:", dict(Counter(r[1] for r in rows if r[1] != "strict")))
    print(
        "refused keywords:",
        dict(Counter(r[2].split(" at ")[0] for r in rows if r[1] == "UnsupportedSchemaFeatureError")),
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
