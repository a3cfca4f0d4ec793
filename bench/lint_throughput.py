"""Throughput of `portkit lint` against `grep -F -f <catalogue tokens>` on a generated prompt corpus.

Both tools read the same ≥ 50 MB tree in the same run (alternating, best of N), and the ratio is what
to compare across machines. Also measures the cold start of `portkit lint` on one small file.

    .venv/bin/python bench/lint_throughput.py            # generates bench/corpus/ once (git-ignored)
    .venv/bin/python bench/lint_throughput.py --mb 50 --repeat 3

``--baseline DIR`` times another portkit too, in the same loop: ``DIR`` holds its ``portkit`` package
(``git archive <commit> src | tar -x -C /tmp/old`` then ``--baseline /tmp/old/src``), so a change is
judged against the code before it on the same machine at the same moment.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from portkit.template import _catalogue as cat

HERE = Path(__file__).parent
PORTKIT = str(Path(sys.executable).with_name("portkit"))

_WORDS = " ".join(
    [
        "the of and to in is you that it for answer question context document summary user customer",
        "policy refund order ticket reply concise helpful assistant must never always step reason explain",
        "list table format output schema field value example input result error code function call tool",
        "search retrieve cite source quote paragraph section title bullet number date price total report",
    ]
).split()
_TAGS = ["instructions", "context", "document", "example", "thinking", "answer", "rules", "output_format"]
_TOKEN_SNIPPETS = [
    "<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{q}<|eot_id|>",
    "<s>[INST] {q} [/INST]",
    "<｜User｜>{q}<｜Assistant｜>",
    "<start_of_turn>user\n{q}<end_of_turn>\n",
    "\n\nHuman: {q}\n\nAssistant:",
    "<|start|>user<|message|>{q}<|end|>",
]


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 18))).capitalize() + "."


def _prose(rng: random.Random, size: int) -> str:
    out, n = [], 0
    while n < size:
        if rng.random() < 0.15:
            tag = rng.choice(_TAGS)
            para = f"<{tag}>\n{_sentence(rng)} {_sentence(rng)}\n</{tag}>"
        elif rng.random() < 0.05:
            para = "- " + "\n- ".join(_sentence(rng) for _ in range(4))
        else:
            para = " ".join(_sentence(rng) for _ in range(rng.randint(2, 6)))
        out.append(para)
        n += len(para) + 2
    return "\n\n".join(out)


def _file(rng: random.Random, kind: str, size: int, dirty: bool) -> str:
    body = _prose(rng, size)
    if dirty:
        at = rng.randrange(len(body))
        body = body[:at] + rng.choice(_TOKEN_SNIPPETS).format(q="question") + body[at:]
    if kind == ".py":
        lines = ["import os", "", "def build(q):"]
        for para in body.split("\n\n"):
            lines.append(f"    part = {para!r}")
        lines.append("    return part")
        return "\n".join(lines) + "\n"
    if kind == ".ts":
        parts = [f"export const p{i} = `{p.replace('`', '')}`;" for i, p in enumerate(body.split("\n\n"))]
        return "\n".join(parts) + "\n"
    if kind == ".yaml":
        return "prompts:\n" + "".join(
            f"  - |\n    {p.replace(chr(10), chr(10) + '    ')}\n" for p in body.split("\n\n")
        )
    if kind == ".json":
        import json

        return json.dumps({"prompts": body.split("\n\n")}, indent=1, ensure_ascii=False)
    return body + "\n"


def generate(root: Path, mb: int, seed: int = 7) -> tuple[int, int]:
    """Write a corpus of about ``mb`` megabytes; return (files, bytes)."""
    rng = random.Random(seed)
    kinds = [".md"] * 8 + [".txt"] * 4 + [".py"] * 3 + [".yaml"] * 2 + [".json"] * 2 + [".ts"]
    total, n = 0, 0
    while total < mb * 1_000_000:
        kind = rng.choice(kinds)
        text = _file(rng, kind, rng.randint(2_000, 60_000), dirty=rng.random() < 0.03)
        sub = root / f"d{n // 200:03}"
        sub.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        (sub / f"prompt_{n:05}{kind}").write_bytes(data)
        total += len(data)
        n += 1
    return n, total


# Measure portkit as installed, with its bytecode cached (an installed wheel has .pyc files), even
# where PYTHONDONTWRITEBYTECODE is set; the cache goes to a temporary prefix, not into the tree.
_PYCACHE = tempfile.mkdtemp(prefix="portkit-bench-pyc-")
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
    "PYTHONPYCACHEPREFIX": _PYCACHE
}


def _time(cmd: list[str], cwd: Path) -> tuple[float, int]:
    return _run(cmd, cwd)[:2]


def _run(cmd: list[str], cwd: Path, env: dict[str, str] = _ENV) -> tuple[float, int, float]:
    """Wall seconds, output lines, and CPU seconds (user + system, the process and its workers)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False, env=env
    ).stdout
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, out.count(b"\n"), cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--corpus", default=str(HERE / "corpus"))
    ap.add_argument("--baseline", help="a src/ folder of another portkit to time in the same runs")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    stamp = corpus / f".generated-{args.mb}mb"
    if not stamp.exists():
        shutil.rmtree(corpus, ignore_errors=True)
        files, size = generate(corpus, args.mb)
        stamp.write_text(f"{files} {size}\n")
    files, size = map(int, stamp.read_text().split())
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        tokens = [*cat.all_tokens(), *(t for f in cat.FAMILIES for t in f.textual)]
        fh.write("\n".join(tokens) + "\n")
        token_file = fh.name
    grep = ["grep", "-rnF", "-f", token_file, "."]
    lint = [PORTKIT, "lint", ".", "--isolated", "--no-respect-gitignore", "--select", "PK1,PK2,PK9"]
    # Default jobs (every usable core: 2 here) and one process, alternating with grep in each repeat.
    runs: dict[str, list[str]] = {
        "grep -rnF -f tokens": grep,
        "portkit lint": lint,
        "portkit lint -j 1": [*lint, "-j", "1"],
    }
    envs: dict[str, dict[str, str]] = dict.fromkeys(runs, _ENV)
    if args.baseline:
        # The same command line through the baseline's package (PYTHONPATH wins over the install).
        base = [sys.executable, "-c", "import sys; from portkit.cli import main; sys.exit(main())", *lint[1:]]
        base_env = _ENV | {"PYTHONPATH": str(Path(args.baseline).resolve())}
        for name, cmd in (("baseline", base), ("baseline -j 1", [*base, "-j", "1"])):
            runs[name], envs[name] = cmd, base_env
    times: dict[str, list[float]] = {name: [] for name in runs}
    cpus: dict[str, list[float]] = {name: [] for name in runs}
    lines: dict[str, int] = {}
    for name, cmd in runs.items():
        if not name.startswith("grep"):
            _run(cmd, corpus, envs[name])  # warm-up: compiles the bytecode cache
    for _ in range(args.repeat):
        for name, cmd in runs.items():
            elapsed, lines[name], cpu = _run(cmd, corpus, envs[name])
            times[name].append(elapsed)
            cpus[name].append(cpu)
    os.unlink(token_file)
    mbs = size / 1e6
    print(
        f"corpus: {files} files, {mbs:.1f} MB, {len(tokens)} catalogue tokens for grep, "
        f"{len(os.sched_getaffinity(0))} usable cores, load average {os.getloadavg()[0]:.2f}"
    )
    g_best = min(times["grep -rnF -f tokens"])
    g_cpu = min(cpus["grep -rnF -f tokens"])
    for name, ts in times.items():
        best, cpu = min(ts), min(cpus[name])
        is_grep = name.startswith("grep")
        count = lines[name] - (0 if is_grep else 1)
        print(
            f"{name:<20}: best {best:.3f} s ({mbs / best:.0f} MB/s), median {statistics.median(ts):.3f} s, "
            f"CPU {cpu:.3f} s, {count} {'lines' if is_grep else 'findings'}"
            + ("" if is_grep else f"; ratio to grep {g_best / best:.2f} wall, {g_cpu / cpu:.2f} CPU")
        )
    # Wall clock is what the aim is about; CPU seconds (every process of the run) do not depend on
    # what else holds the cores, so they show progress on a shared machine too.
    print(f"throughput ratio portkit/grep: {g_best / min(times['portkit lint']):.2f}")

    # Cold start: one small file, best of 15 (and bare interpreter start for scale).
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "prompt.md"
        small.write_text("<instructions>Summarise the ticket.</instructions>\n<|im_start|>user\n", "utf-8")
        cold = []
        bare = []
        for _ in range(15):
            cold.append(_time([PORTKIT, "lint", str(small), "--isolated"], Path(tmp))[0])
            bare.append(_time([sys.executable, "-c", "pass"], Path(tmp))[0])
        print(
            f"cold start, one small file: best {min(cold) * 1000:.0f} ms, median {statistics.median(cold) * 1000:.0f} ms "
            f"(bare python: best {min(bare) * 1000:.0f} ms)"
        )


if __name__ == "__main__":
    main()
