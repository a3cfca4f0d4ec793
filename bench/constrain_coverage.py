"""Strict compile coverage on real-world JSON Schemas.

Two samples. The SchemaStore files that check-jsonschema vendors (a dev dependency; large CI
configuration schemas, the hard end)::

    .venv/bin/python bench/constrain_coverage.py --vocab qwen3

and JSONSchemaBench (GitHub, Kubernetes, Snowplow, JSON Schema Store, ... ~9,500 schemas; not
bundled, clone https://github.com/guidance-ai/jsonschemabench first), one row per folder::

    .venv/bin/python bench/constrain_coverage.py --dir jsonschemabench/data -j 2

Each schema is compiled with portkit's defaults (llguidance, ``on_unsupported="raise"``, the
10 s compile timeout, no cache); the SchemaStore table also shows ``Caps(unique_items="refuse")``.
A schema is "strict" when it compiled with full enforcement, else the row names the error portkit
raised (keyword and JSON pointer for unsupported features). Nothing here drops a keyword: a
compiled schema enforces everything it says (narrowings such as the default caps are listed in its
report, and every output still validates against the schema as given).
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


_TARGET: Any = None


def _init(vocab: str) -> None:
    global _TARGET
    _TARGET = load_target(vocab)
    compile_schema({"type": "boolean"}, target=_TARGET, cache=False)


def _one(path: Path) -> tuple[str, str, str]:
    try:
        schema = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        return path.parent.name, "unreadable", str(exc)[:60]
    status, detail, _, _ = outcome(schema, _TARGET)
    if status == "UnsupportedSchemaFeatureError":
        return path.parent.name, status, detail.split(" at ")[0]
    # one line per kind of error: the message up to the first detail that names this schema
    short = detail.split(" Hint:")[0].split(" (the part at")[0].split(": required property")[0]
    return path.parent.name, status, short.split(" while processing")[0][:90]


def bench_dir(root: Path, vocab: str, jobs: int) -> None:
    """One row per folder of ``root`` (JSONSchemaBench's data/ layout), plus the total."""
    from multiprocessing import Pool

    files = sorted(p for p in root.rglob("*.json") if p.is_file())
    if not files:
        sys.exit(f"no .json files under {root}")
    with Pool(jobs, initializer=_init, initargs=(vocab,)) as pool:
        results = pool.map(_one, files, chunksize=8)
    folders = sorted({r[0] for r in results})
    print("| sample | schemas | strict | strict % | named errors |")
    print("|---|---:|---:|---:|---:|")
    for folder in folders:
        rows = [r for r in results if r[0] == folder]
        ok = sum(1 for r in rows if r[1] == "strict")
        print(f"| {folder} | {len(rows)} | {ok} | {ok / len(rows):.1%} | {len(rows) - ok} |")
    ok = sum(1 for r in results if r[1] == "strict")
    print(f"| **all** | {len(results)} | {ok} | {ok / len(results):.1%} | {len(results) - ok} |")
    print("\nmost common errors:")
    for (status, detail), n in Counter((r[1], r[2]) for r in results if r[1] != "strict").most_common(12):
        print(f"  {n:5d}  {status}: {detail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab", default="qwen3")
    parser.add_argument("--dir", type=Path, help="a folder of schemas (JSONSchemaBench's data/)")
    parser.add_argument("-j", "--jobs", type=int, default=1)
    args = parser.parse_args()
    if args.dir is not None:
        bench_dir(args.dir, args.vocab, args.jobs)
        return
    target = load_target(args.vocab)
    compile_schema({"type": "boolean"}, target=target, cache=False)  # tokenizer state off the clock
    rows = []
    narrowed = []
    for name, schema in vendored_schemas().items():
        rows.append((name, *outcome(schema, target)))
        narrowed.append(outcome(schema, target, Caps(unique_items="refuse"))[0])
    print("| schema | result (defaults) | detail | compile (s) | max_tokens | unique_items='refuse' |")
    print("|---|---|---|---:|---:|---|")
    for (name, status, detail, seconds, max_tokens), other in zip(rows, narrowed, strict=True):
        print(f"| {name} | {status} | {detail} | {seconds:.2f} | {max_tokens or ''} | {other} |")
    strict = sum(1 for r in rows if r[1] == "strict")
    strict_refuse = narrowed.count("strict")
    print(f"\nstrict (defaults): {strict}/{len(rows)} ({strict / len(rows):.0%})")
    print(f"strict (unique_items='refuse'): {strict_refuse}/{len(rows)} ({strict_refuse / len(rows):.0%})")
    print("errors:", dict(Counter(r[1] for r in rows if r[1] != "strict")))
    print(
        "refused keywords:",
        dict(Counter(r[2].split(" at ")[0] for r in rows if r[1] == "UnsupportedSchemaFeatureError")),
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
