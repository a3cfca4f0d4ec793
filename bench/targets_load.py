"""GGUF vocabulary load: transformers' own GGUF path vs portkit cold (convert) vs portkit warm (disk cache).

Run: .venv/bin/python bench/targets_load.py [VOCAB ...]   (needs `portkit data fetch`; the transformers
anchor needs torch, which transformers' GGUF reader imports). Each measurement runs in a fresh
subprocess, so in-process caches do not flatter portkit; imports happen before the clock starts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

from portkit.targets import fetch_data

ANCHOR = """
import time, sys
from transformers import AutoTokenizer
t = time.perf_counter()
tok = AutoTokenizer.from_pretrained(sys.argv[1], gguf_file=sys.argv[2])
print(time.perf_counter() - t)
"""

PORTKIT = """
import time, sys
from pathlib import Path
import transformers
from portkit.targets._gguf import load_gguf_tokenizer
t = time.perf_counter()
tok, _ = load_gguf_tokenizer(Path(sys.argv[1]) / sys.argv[2], Path(sys.argv[3]))
print(time.perf_counter() - t)
"""


def timed(code: str, *args: str) -> float:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return float("nan")
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    vocab_dir = fetch_data() / "vocab"
    names = sys.argv[1:] or ["qwen2", "llama-bpe", "phi-3"]
    rows = []
    for name in names:
        gguf = f"ggml-vocab-{name}.gguf"
        with tempfile.TemporaryDirectory() as cache:
            anchor = timed(ANCHOR, str(vocab_dir), gguf)
            cold = timed(PORTKIT, str(vocab_dir), gguf, cache)
            warm = timed(PORTKIT, str(vocab_dir), gguf, cache)
        rows.append({"vocab": name, "transformers_s": anchor, "portkit_cold_s": cold, "portkit_warm_s": warm})
    print(
        "| vocabulary | transformers `gguf_file=` (s) | portkit cold (s) | portkit warm (s) | warm / transformers |"
    )
    print("|---|---|---|---|---|")
    for r in rows:
        ratio = r["portkit_warm_s"] / r["transformers_s"]
        print(
            f"| {r['vocab']} | {r['transformers_s']:.2f} | {r['portkit_cold_s']:.2f} | {r['portkit_warm_s']:.2f} | {ratio:.2f}× |"
        )
    print(json.dumps(rows), file=sys.stderr)


if __name__ == "__main__":
    main()
