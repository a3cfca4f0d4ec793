"""Read the tokenizer metadata of a .gguf file and turn it into a Hugging Face tokenizer.

We parse the GGUF key/value header ourselves (it is a small, documented binary format) because
``gguf.GGUFReader`` materialises every field element by element (~15 s for a 150k vocabulary) and
transformers' own GGUF reader imports torch. The conversion itself is transformers' GGUF tokenizer
builder, so the result matches ``AutoTokenizer.from_pretrained(..., gguf_file=...)``.

A converted tokenizer is cached on disk keyed by the sha256 of the file, so a second load of the
same vocabulary reads one ``tokenizer.json`` (well under a second).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path
from typing import Any, BinaryIO

from portkit.errors import GGUFError

_MAGIC = b"GGUF"
# GGUF value types (llama.cpp gguf.h).
_SCALARS: dict[int, tuple[str, int]] = {
    0: ("<B", 1),  # uint8
    1: ("<b", 1),  # int8
    2: ("<H", 2),  # uint16
    3: ("<h", 2),  # int16
    4: ("<I", 4),  # uint32
    5: ("<i", 4),  # int32
    6: ("<f", 4),  # float32
    7: ("<?", 1),  # bool
    10: ("<Q", 8),  # uint64
    11: ("<q", 8),  # int64
    12: ("<d", 8),  # float64
}
_STRING, _ARRAY = 8, 9
_NUMPY_DTYPES = {
    0: "<u1",
    1: "<i1",
    2: "<u2",
    3: "<i2",
    4: "<u4",
    5: "<i4",
    6: "<f4",
    7: "?",
    10: "<u8",
    11: "<i8",
    12: "<f8",
}

# Only these prefixes are kept: the rest of a full model's header is hyper-parameters.
_WANTED_PREFIXES = ("tokenizer.", "general.architecture", "general.name")
CACHE_FORMAT = 1


def _read_exact(fh: BinaryIO, n: int, path: str) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise GGUFError(f"{path!r} is truncated: the GGUF header ends early.", path=path)
    return data


def _read_string(fh: BinaryIO, path: str) -> str:
    (length,) = struct.unpack("<Q", _read_exact(fh, 8, path))
    if length > 1 << 30:
        raise GGUFError(f"{path!r} has a corrupt GGUF header (a string of {length} bytes).", path=path)
    return _read_exact(fh, length, path).decode("utf-8", errors="replace")


def _read_value(fh: BinaryIO, vtype: int, path: str, keep: bool) -> Any:
    if vtype in _SCALARS:
        fmt, size = _SCALARS[vtype]
        return struct.unpack(fmt, _read_exact(fh, size, path))[0]
    if vtype == _STRING:
        return _read_string(fh, path)
    if vtype == _ARRAY:
        (itype,) = struct.unpack("<I", _read_exact(fh, 4, path))
        (count,) = struct.unpack("<Q", _read_exact(fh, 8, path))
        if itype in _SCALARS:
            size = _SCALARS[itype][1] * count
            raw = _read_exact(fh, size, path)
            if not keep:
                return count
            import numpy as np

            return np.frombuffer(raw, dtype=_NUMPY_DTYPES[itype]).tolist()
        if itype == _STRING:
            out = []
            for _ in range(count):
                (length,) = struct.unpack("<Q", _read_exact(fh, 8, path))
                raw = _read_exact(fh, length, path)
                if keep:
                    out.append(raw.decode("utf-8", errors="replace"))
            return out if keep else count
        if itype == _ARRAY:
            return [_read_value(fh, _ARRAY, path, keep) for _ in range(count)]
        raise GGUFError(f"{path!r} has an array of unknown GGUF type {itype}.", path=path)
    raise GGUFError(f"{path!r} has a value of unknown GGUF type {vtype}.", path=path)


def read_gguf_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The tokenizer-related key/values of a GGUF file's header (tensor data is never read).

    Raises:
        GGUFError: the file is missing, not GGUF, or truncated.
    """
    p = os.fspath(path)
    try:
        fh = open(p, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise GGUFError(f"Cannot open {p!r}: {exc.strerror}.", path=p) from exc
    with fh:
        if fh.read(4) != _MAGIC:
            raise GGUFError(
                f"{p!r} is not a GGUF file (it does not start with b'GGUF').",
                path=p,
                hint="pass a .gguf model or vocabulary file, or a Hugging Face model directory",
            )
        (version,) = struct.unpack("<I", _read_exact(fh, 4, p))
        if version < 2:
            raise GGUFError(f"{p!r} is GGUF version {version}; portkit reads versions 2 and 3.", path=p)
        _tensors, kv_count = struct.unpack("<QQ", _read_exact(fh, 16, p))
        if kv_count > 1 << 20:
            raise GGUFError(f"{p!r} has a corrupt GGUF header ({kv_count} keys).", path=p)
        meta: dict[str, Any] = {}
        for _ in range(kv_count):
            key = _read_string(fh, p)
            (vtype,) = struct.unpack("<I", _read_exact(fh, 4, p))
            keep = key.startswith(_WANTED_PREFIXES)
            value = _read_value(fh, vtype, p, keep)
            if keep:
                meta[key] = value
    if "tokenizer.ggml.tokens" not in meta:
        raise GGUFError(f"{p!r} holds no vocabulary (no 'tokenizer.ggml.tokens').", path=p)
    return meta


def file_sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# Same renames as transformers' GGUF tokenizer mapping (kept local so we do not import its torch-bound reader).
_TOKENIZER_KEYS = {
    "ggml.model": "tokenizer_type",
    "ggml.pre": "pre_tokenizer_type",
    "ggml.tokens": "tokens",
    "ggml.scores": "scores",
    "ggml.token_type": "token_type",
    "ggml.merges": "merges",
    "ggml.precompiled_charsmap": "precompiled_charsmap",
    "ggml.bos_token_id": "bos_token_id",
    "ggml.eos_token_id": "eos_token_id",
    "ggml.unknown_token_id": "unk_token_id",
    "ggml.padding_token_id": "pad_token_id",
    "ggml.add_space_prefix": "add_prefix_space",
}
_CONFIG_KEYS = {"ggml.add_bos_token": "add_bos_token", "ggml.add_eos_token": "add_eos_token"}
_SPECIAL_IDS = {
    "bos_token": "bos_token_id",
    "eos_token": "eos_token_id",
    "unk_token": "unknown_token_id",
    "pad_token": "padding_token_id",
}


def convert_gguf_tokenizer(meta: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Build a ``tokenizers.Tokenizer`` and its tokenizer_config from GGUF metadata."""
    from transformers.integrations.gguf.gguf_tokenizer_mapping import (
        convert_gguf_tokenizer as hf_convert,
    )

    tokenizer_dict = {
        name: meta[f"tokenizer.{key}"] for key, name in _TOKENIZER_KEYS.items() if f"tokenizer.{key}" in meta
    }
    config: dict[str, Any] = {
        name: meta[f"tokenizer.{key}"] for key, name in _CONFIG_KEYS.items() if f"tokenizer.{key}" in meta
    }
    tokenizer_type = tokenizer_dict.get("tokenizer_type")
    if tokenizer_type == "llama":
        # llama.cpp adds BOS to a sentencepiece vocabulary that does not say otherwise.
        config.setdefault("add_bos_token", True)
    elif tokenizer_type == "gemma4":
        # Gemma 4's template writes <bos> itself; the reference tokenizer adds none.
        config["add_bos_token"] = False
    tokens = tokenizer_dict["tokens"]
    for name, key in _SPECIAL_IDS.items():
        token_id = meta.get(f"tokenizer.ggml.{key}")
        config[name] = tokens[token_id] if token_id is not None and 0 <= token_id < len(tokens) else None
    architecture = meta.get("general.architecture", "llama")
    try:
        backend, _ = hf_convert(architecture, tokenizer_dict)
    except (ValueError, KeyError) as exc:
        raise GGUFError(
            f"transformers cannot build a tokenizer for GGUF architecture {architecture!r} "
            f"(tokenizer model {tokenizer_type!r}): {exc}",
            path=str(meta.get("general.name", architecture)),
        ) from exc
    return backend, config


def load_gguf_tokenizer(path: str | os.PathLike[str], cache_dir: Path) -> tuple[Any, str | None]:
    """A ``PreTrainedTokenizerFast`` for the vocabulary of ``path`` and the file's embedded chat template.

    The first load converts (seconds); later loads read the cache keyed by the file's sha256.
    """
    from transformers import PreTrainedTokenizerFast

    digest = file_sha256(path)
    entry = cache_dir / "tokenizers" / f"{digest[:24]}-v{CACHE_FORMAT}"
    tok_file, cfg_file = entry / "tokenizer.json", entry / "portkit.json"
    if tok_file.is_file() and cfg_file.is_file():
        cfg = json.loads(cfg_file.read_text("utf-8"))
        config, template = cfg["config"], cfg["chat_template"]
        tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(tok_file), **config)
        return tokenizer, template
    meta = read_gguf_metadata(path)
    backend, config = convert_gguf_tokenizer(meta)
    template = meta.get("tokenizer.chat_template")
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, **config)
    entry.mkdir(parents=True, exist_ok=True)
    tmp = entry / f"tokenizer.json.{os.getpid()}.tmp"
    backend.save(str(tmp))
    os.replace(tmp, tok_file)
    tmp_cfg = entry / f"portkit.json.{os.getpid()}.tmp"
    tmp_cfg.write_text(json.dumps({"config": config, "chat_template": template}), "utf-8")
    os.replace(tmp_cfg, cfg_file)
    return tokenizer, template
