"""port_prompt overhead vs a raw ``tokenizer.apply_chat_template`` on the same messages, same target.

Run: .venv/bin/python bench/port_overhead.py   (needs `portkit data fetch`)

Both sides run in one process on an already-loaded target, interleaved block by block (anchor,
then port_prompt, repeated), so machine noise hits both alike. Two ratios: the ratio of each
side's best block (least disturbed by other processes), and the median of the per-block ratios. "text" compares text rendering only (`tokenize=False` on
both sides); "ids" compares rendering plus token ids (`tokenize=True` on both sides). port_prompt
here is given the conversation as a request (fewshot off: the same messages); the few-shot row adds
the trimming of a long system prompt into instructions and example turns, which the anchor does
not do at all (and renders those extra turns).
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from portkit import load_target, port_prompt

SYSTEM = (Path(__file__).resolve().parents[1] / "examples" / "prompts" / "review_sentiment.txt").read_text(
    "utf-8"
)
MESSAGES = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "Battery lasts two days and the screen is gorgeous."},
    {"role": "assistant", "content": '{"sentiment": "positive", "score": 0.9}'},
    {"role": "user", "content": "Stopped charging after a week."},
]
REQUEST = {"system": SYSTEM, "messages": MESSAGES[1:]}


def interleaved(
    anchor: Callable[[], object], ours: Callable[[], object], *, repeat: int, number: int
) -> tuple[float, float, float]:
    """Best (least disturbed) seconds per call of each side, and the median of the per-block ratios."""
    a_times, o_times, ratios = [], [], []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            anchor()
        mid = time.perf_counter()
        for _ in range(number):
            ours()
        end = time.perf_counter()
        a_times.append((mid - start) / number)
        o_times.append((end - mid) / number)
        ratios.append((end - mid) / (mid - start))
    return min(a_times), min(o_times), statistics.median(ratios)


def main() -> None:
    print(
        "| target | mode | apply_chat_template (ms, best) | port_prompt (ms, best) "
        "| ratio of bests | median per-block ratio |"
    )
    print("|---|---|---|---|---|---|")
    for name in ("qwen3", "llama-3.1"):
        target = load_target(name)
        tok = target.tokenizer
        port_prompt(REQUEST, target=target, fewshot=False)  # probe + compile once, as in a running app
        port_prompt(REQUEST, target=target, tokenize=False)  # and the few-shot port of the system prompt
        rows = (
            ("text", False, True, 31, 40),
            ("ids", True, True, 15, 10),
            ("text + few-shot", False, False, 15, 20),
        )
        for mode, tokenize, plain, repeat, number in rows:
            a, o, ratio = interleaved(
                functools.partial(
                    tok.apply_chat_template,
                    MESSAGES,
                    chat_template=target.chat_template,
                    tokenize=tokenize,
                    add_generation_prompt=True,
                ),
                functools.partial(port_prompt, REQUEST, target=target, fewshot=not plain, tokenize=tokenize),
                repeat=repeat,
                number=number,
            )
            print(f"| {name} | {mode} | {a * 1e3:.3f} | {o * 1e3:.3f} | {o / a:.2f}× | {ratio:.2f}× |")


if __name__ == "__main__":
    main()
