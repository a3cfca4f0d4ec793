"""Benchmark the few-shot layer on a ~15k-word prompt (target: under 300 ms).

Usage::

    .venv/bin/python bench/fewshot_port.py [--words 15000] [--repeat 5] [--target qwen3]

The prompt is built from the annotated test corpus (tests/fewshot/corpus), each copy numbered so
that duplicate merging does not make the job easier. Prints the median wall time of split_prompt,
port_instructions without a target, and port_instructions with the target's tokenizer (the
tokenizer is loaded once, before timing), next to the anchor: counting the original prompt's tokens
alone, which any port has to do.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from portkit.fewshot import port_instructions, split_prompt
from portkit.targets import load_target

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fewshot" / "corpus"


def build_prompt(words: int) -> str:
    parts: list[str] = []
    total = 0
    files = sorted(CORPUS.glob("*.txt"))
    n = 0
    while total < words:
        for f in files:
            n += 1
            text = f.read_text(encoding="utf-8").replace("---\n", "", 2)
            block = f"## Part {n}: {f.stem}\n\n{text}\n(Section {n} ends here.)\n"
            parts.append(block)
            total += len(block.split())
            if total >= words:
                break
    return "\n".join(parts)


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=15000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--target", default="qwen3")
    args = ap.parse_args()
    text = build_prompt(args.words)
    target = load_target(args.target)
    target.count_tokens("warm up")
    parsed = split_prompt(text)
    ported = port_instructions(parsed, target=target)
    print(
        f"prompt: {len(text.split())} words, {len(text)} chars, {len(parsed.segments)} segments, "
        f"{len(parsed.examples)} examples"
    )
    print(f"tokens ({target.name}): {ported.tokens_before} -> {ported.tokens_after}")
    anchor = timed(lambda: target.count_tokens(text), args.repeat)
    print(f"anchor: count_tokens(original):  {anchor:8.1f} ms")
    print(f"split_prompt:                    {timed(lambda: split_prompt(text), args.repeat):8.1f} ms")
    print(
        f"port_instructions(target=None):  {timed(lambda: port_instructions(parsed, target=None), args.repeat):8.1f} ms"
    )
    full = timed(lambda: port_instructions(split_prompt(text), target=target), args.repeat)
    print(f"split + port(target={target.name}):    {full:8.1f} ms  ({full / anchor:.1f}x the anchor)")


if __name__ == "__main__":
    main()
