"""Compiled grammars on disk, keyed by (schema, options, vocabulary, engine, versions)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["cache_key", "load", "store"]


def _dir() -> Path:
    from portkit.targets import cache_dir

    return Path(cache_dir()) / "grammars"


def cache_key(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def load(key: str) -> dict[str, Any] | None:
    if os.environ.get("PORTKIT_NO_GRAMMAR_CACHE"):
        return None
    try:
        data = json.loads((_dir() / f"{key}.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("key") == key else None


def store(key: str, data: dict[str, Any]) -> None:
    if os.environ.get("PORTKIT_NO_GRAMMAR_CACHE"):
        return
    folder = _dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # write-then-rename, so a reader in another process never sees half a file
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({**data, "key": key}, fh)
        os.replace(tmp, folder / f"{key}.json")
    except OSError:
        pass  # a read-only cache only costs speed
