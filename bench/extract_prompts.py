"""Extract the prompts written in a checkout's notebooks and Python files, one text file each.

Usage::

    .venv/bin/python bench/extract_prompts.py CHECKOUT OUT_DIR [--min-words 60]

Every triple-quoted string of at least ``--min-words`` words in a ``.ipynb`` code cell or a ``.py``
file becomes ``OUT_DIR/<path>_<cell>_<offset>.txt``, as written (placeholders such as
``{examples}`` left in place). Used to check the few-shot parser on Anthropic's course and cookbook
prompts (``git clone https://github.com/anthropics/courses``) with
``bench/fewshot_port.py --examples OUT_DIR/*.txt``.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

_STRING = re.compile(r'"""(.*?)"""', re.S)


def sources(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".ipynb":
        return [text]
    try:
        cells = json.loads(text).get("cells", [])
    except ValueError:
        return []
    return ["".join(c.get("source", [])) for c in cells if c.get("cell_type") == "code"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("checkout", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--min-words", type=int, default=60)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted([*args.checkout.rglob("*.ipynb"), *args.checkout.rglob("*.py")]):
        rel = str(path.relative_to(args.checkout)).replace("/", "_").replace(" ", "_")
        for cell, src in enumerate(sources(path)):
            for m in _STRING.finditer(src):
                if len(m.group(1).split()) >= args.min_words:
                    (args.out / f"{rel[:80]}_{cell}_{m.start()}.txt").write_text(m.group(1), encoding="utf-8")
                    count += 1
    print(f"{count} prompts written to {args.out}")


if __name__ == "__main__":
    main()
