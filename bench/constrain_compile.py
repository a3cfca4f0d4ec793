"""Compile time: portkit (cold, warm from disk, in process) against the raw engines, on 12 schema shapes.

Run from the repository root::

    .venv/bin/python bench/constrain_compile.py --vocab qwen3 --core-timeout 10

Every number comes from one run on one machine. "raw" means the engine called directly on the schema
as Pydantic / the Claude tools give it (no normalisation, no caps, no preflight). portkit cold
includes normalisation, the output bound and llguidance's grammar check with the real vocabulary;
the vocabulary's tokenizer state is built once before (its cost is printed separately). outlines_core
runs in a forked child so that a schema that would take minutes is stopped at ``--core-timeout``.
xgrammar (when installed) compiles with its own cache off, defaults (any whitespace, strict mode).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "constrain"))

from constrain_shapes import SHAPES

from portkit.constrain import _cache, _constraint, compile_schema
from portkit.constrain._engines import llg_tokenizer
from portkit.constrain._inputs import to_json_schema
from portkit.targets import load_target


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f}" if seconds < 0.01 else f"{seconds * 1e3:.1f}"


def median_time(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def raw_llguidance(schema: dict[str, Any], tokenizer: Any) -> str:
    from llguidance import LLMatcher

    t0 = time.perf_counter()
    grammar = LLMatcher.grammar_from_json_schema(json.dumps(schema))
    matcher = LLMatcher(tokenizer, grammar)
    elapsed = time.perf_counter() - t0
    return "error" if matcher.is_error() else ms(elapsed)


_CORE_VOCAB: list[Any] = []


def _core_child(schema: str, queue: Any) -> None:
    from outlines_core import Index
    from outlines_core.json_schema import build_regex_from_schema

    try:
        t0 = time.perf_counter()
        Index(build_regex_from_schema(schema), _CORE_VOCAB[0])
        queue.put(ms(time.perf_counter() - t0))
    except Exception as exc:
        queue.put(f"error: {type(exc).__name__}")


def raw_outlines_core(schema: dict[str, Any], timeout: float) -> str:
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_core_child, args=(json.dumps(schema), queue))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        return f"> {timeout:g} s"
    return str(queue.get()) if not queue.empty() else "crashed"


def core_vocabulary(target: Any) -> Any:
    from outlines.backends.outlines_core import OutlinesCoreBackend

    tok = target.tokenizer
    return OutlinesCoreBackend.create_outlines_core_vocabulary(
        tok.get_vocab(), tok.eos_token_id, tok.eos_token, lambda t: tok.convert_tokens_to_string([t])
    )


_XGR_COMPILER: list[Any] = []


def xgrammar_compiler(target: Any) -> Any:
    """A GrammarCompiler for the target's vocabulary with xgrammar's cache off (every compile is cold)."""
    import xgrammar

    from portkit.constrain._engines import stop_ids

    tok = target.tokenizer
    info = xgrammar.TokenizerInfo.from_huggingface(
        tok, vocab_size=len(tok), stop_token_ids=list(stop_ids(target))
    )
    return xgrammar.GrammarCompiler(info, max_threads=2, cache_enabled=False)


def raw_xgrammar(schema: dict[str, Any]) -> str:
    if not _XGR_COMPILER:
        return "not installed"
    t0 = time.perf_counter()
    try:
        _XGR_COMPILER[0].compile_json_schema(json.dumps(schema))
    except RuntimeError as exc:
        return f"error: {type(exc).__name__}"
    return ms(time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", default="qwen3")
    parser.add_argument("--core-timeout", type=float, default=10.0)
    parser.add_argument("--skip-core", action="store_true")
    args = parser.parse_args()

    target = load_target(args.vocab)
    t0 = time.perf_counter()
    tokenizer = llg_tokenizer(target)
    print(
        f"vocabulary {args.vocab}: llguidance tokenizer state built in {ms(time.perf_counter() - t0)} ms (once per process)"
    )
    if not args.skip_core:
        t0 = time.perf_counter()
        _CORE_VOCAB.append(core_vocabulary(target))
        print(f"outlines_core vocabulary built in {ms(time.perf_counter() - t0)} ms (once per process)")

    try:
        import xgrammar  # noqa: F401
    except ImportError:
        print("xgrammar is not installed: its column is empty")
    else:
        t0 = time.perf_counter()
        _XGR_COMPILER.append(xgrammar_compiler(target))
        print(f"xgrammar tokenizer info built in {ms(time.perf_counter() - t0)} ms (once per process)")
    cache_dir = Path(tempfile.mkdtemp(prefix="portkit-bench-"))
    _cache._dir = lambda: cache_dir  # type: ignore[assignment]
    rows = []
    for shape in SHAPES:
        raw = to_json_schema(shape.schema).schema
        llg = raw_llguidance(raw, tokenizer)
        core = "skipped" if args.skip_core else raw_outlines_core(raw, args.core_timeout)

        def cold(shape: Any = shape) -> None:
            _constraint._MEMO.clear()
            os.environ["PORTKIT_NO_GRAMMAR_CACHE"] = "1"
            try:
                compile_schema(shape.schema, target=target)
            finally:
                del os.environ["PORTKIT_NO_GRAMMAR_CACHE"]

        def warm_disk(shape: Any = shape) -> None:
            _constraint._MEMO.clear()
            compile_schema(shape.schema, target=target)

        def in_process(shape: Any = shape) -> None:
            compile_schema(shape.schema, target=target)

        t_cold = median_time(cold, 3)
        warm_disk()  # store once
        t_disk = median_time(warm_disk, 5)
        in_process()
        t_memo = median_time(in_process, 200)
        rows.append((shape.name, ms(t_cold), ms(t_disk), ms(t_memo), llg, core, raw_xgrammar(raw)))

    print()
    print(
        "| shape | portkit cold | portkit warm (disk) | portkit in-process | raw llguidance | raw outlines_core | raw xgrammar |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print("\nall times in ms (median of 3 cold, 5 disk, 200 in-process runs)")


if __name__ == "__main__":
    main()
