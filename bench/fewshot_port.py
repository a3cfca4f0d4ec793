"""Benchmark the few-shot layer on a ~15k-word prompt (target: under 300 ms).

Usage::

    .venv/bin/python bench/fewshot_port.py [--words 15000] [--repeat 5] [--target qwen3]
    .venv/bin/python bench/fewshot_port.py --reduction [--target qwen3] [PROMPT_FILE ...]
    .venv/bin/python bench/fewshot_port.py --examples PROMPT_FILE ...

The prompt is built from the annotated test corpus (tests/fewshot/corpus), each copy numbered so
that duplicate merging does not make the job easier. Prints the median wall time of split_prompt,
port_instructions without a target, and port_instructions with the target's tokenizer (the
tokenizer is loaded once, before timing), next to the anchor: counting the original prompt's tokens
alone, which any port has to do.

``--reduction`` instead prints the token reduction of each prompt over 1,500 words (the corpus's
long prompts, or the files given) with the default options and with ``aggressive=False``, and the
median of each: the issue's target is a median of at least 35%. Tool definitions moved out of the
instructions are not in ``tokens_after``; their tokens are printed apart, in the ``tools`` column.

``--examples`` prints, for each file, the worked examples found and the look-alikes rejected (with
the reason), to compare two versions of the parser on real prompts (see bench/extract_prompts.py).
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


def reduction(target_name: str, files: list[Path]) -> None:
    target = load_target(target_name)
    paths = files or sorted(CORPUS.glob("*.txt"))
    auto: list[float] = []
    off: list[float] = []
    print(f"{'prompt':40} {'words':>6} {'tokens':>7} {'default':>8} {'aggressive=False':>17} {'tools':>6}")
    for path in paths:
        text = path.read_text(encoding="utf-8")
        words = len(text.split())
        if words <= 1500:
            continue
        parsed = split_prompt(text)
        a = port_instructions(parsed, target=target)
        o = port_instructions(parsed, target=target, aggressive=False)
        assert a.tokens_before and a.tokens_after and o.tokens_after
        auto.append(1 - a.tokens_after / a.tokens_before)
        off.append(1 - o.tokens_after / a.tokens_before)
        tools = a.tokens_tools or 0
        print(
            f"{path.name[:40]:40} {words:6d} {a.tokens_before:7d} {auto[-1]:8.1%} {off[-1]:17.1%} {tools:6d}"
        )
    if auto:
        print(f"{'median':40} {'':6} {'':7} {statistics.median(auto):8.1%} {statistics.median(off):17.1%}")


def examples(files: list[Path]) -> None:
    found = rejected = 0
    for path in files:
        parsed = split_prompt(path.read_text(encoding="utf-8"))
        found += len(parsed.examples)
        rejected += len(parsed.rejected)
        print(f"{path.name[:60]:60} {len(parsed.examples):3d} examples {len(parsed.rejected):3d} rejected")
        for ex in parsed.examples:
            print(f"    + {' '.join(ex.user.split())[:50]!r} -> {' '.join(ex.assistant.split())[:40]!r}")
        for r in parsed.rejected:
            print(f"    - {r.reason[:70]}")
    print(f"{len(files)} files: {found} examples, {rejected} rejected")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=15000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--target", default="qwen3")
    ap.add_argument("--reduction", action="store_true", help="token reduction of prompts over 1,500 words")
    ap.add_argument("--examples", action="store_true", help="examples and rejections per file")
    ap.add_argument("files", nargs="*", type=Path, help="prompts for --reduction (default: the corpus)")
    args = ap.parse_args()
    if args.examples:
        examples(args.files or sorted(CORPUS.glob("*.txt")))
        return
    if args.reduction:
        reduction(args.target, args.files)
        return
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
