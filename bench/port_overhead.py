"""port_prompt overhead vs a raw ``tokenizer.apply_chat_template`` on the same messages, same target.

Run: .venv/bin/python bench/port_overhead.py   (needs `portkit data fetch`)

Both sides run interleaved in one process on an already-loaded target, so machine noise hits both
alike; the ratio is the number to read. "text" compares text rendering only (`tokenize=False` on both
sides); "ids" compares rendering plus token ids (`tokenize=True` on both sides). port_prompt here is
given the conversation as a request (fewshot off: the same messages); the few-shot row adds the
parsing and trimming of a long system prompt, which the anchor does not do at all.
"""

from __future__ import annotations

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


def best_of(fn: Callable[[], object], repeat: int = 7, number: int = 20) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def main() -> None:
    print("| target | mode | apply_chat_template (ms) | port_prompt (ms) | ratio |")
    print("|---|---|---|---|---|")
    for name in ("qwen3", "llama-3.1"):
        target = load_target(name)
        tok = target.tokenizer
        port_prompt(REQUEST, target=target, fewshot=False)  # probe + compile once, as in a running app
        for mode, tokenize in (("text", False), ("ids", True)):
            anchor = best_of(
                lambda: tok.apply_chat_template(
                    MESSAGES,
                    chat_template=target.chat_template,
                    tokenize=tokenize,
                    add_generation_prompt=True,
                )
            )
            ours = best_of(lambda: port_prompt(REQUEST, target=target, fewshot=False, tokenize=tokenize))
            print(f"| {name} | {mode} | {anchor * 1e3:.2f} | {ours * 1e3:.2f} | {ours / anchor:.2f}× |")
        fs = best_of(lambda: port_prompt(REQUEST, target=target, tokenize=False), repeat=5, number=5)
        anchor = best_of(
            lambda: tok.apply_chat_template(
                MESSAGES, chat_template=target.chat_template, tokenize=False, add_generation_prompt=True
            )
        )
        print(f"| {name} | text + few-shot | {anchor * 1e3:.2f} | {fs * 1e3:.2f} | {fs / anchor:.2f}× |")


if __name__ == "__main__":
    main()
