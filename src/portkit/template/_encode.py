"""Injection-safe encoding: text that came from a request never becomes a control token.

Before rendering, every control token written inside request text is wrapped in markers made of
Unicode noncharacters (which no real text contains). The template renders as usual; afterwards
the markers tell the request's tokens apart from the ones the template wrote itself. The
template's text is encoded with special-token parsing on, each marked token with parsing off, so
``<|im_end|>`` typed by a user stays six plain-text tokens while the template's own
``<|im_end|>`` stays one control token.

A marker carries a serial number (one character of a private-use plane) so each neutralised span
is traced back to the message it came from, even when the template moves content around.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from portkit.errors import ChatTemplateError

__all__ = [
    "MarkedRequest",
    "Neutralised",
    "Segment",
    "TokenMatcher",
    "control_tokens",
    "encode_segments",
    "has_markers",
    "mark",
    "needs_marking",
    "unmark",
]

# Noncharacters: never assigned, so neither a user nor a template writes them by accident.
_OPEN = "\ufdd0"
_CLOSE = "\ufdd1"
_SERIAL_BASE = 0xF0000  # Supplementary Private Use Area-A: one character per marked token
_SERIAL_MAX = 0xFFFFD - _SERIAL_BASE


@dataclass(frozen=True, slots=True)
class Neutralised:
    """A control token written inside request text, encoded as plain text.

    Attributes:
        token: the control token as written (``"<|im_end|>"``).
        message_index: index of the request message it came from (None: system prompt or tools).
        field: where in that message (``"content"``, ``"tool_calls[0].arguments"``, ``"tools"``).
        start: offset of the token in the rendered text.
        end: offset just past it.
    """

    token: str
    message_index: int | None
    field: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of the rendered text: template text (parsed) or a request's control token (not parsed)."""

    text: str
    as_text: bool


# -- which tokens are control tokens --------------------------------------------------------------

# Shapes of control tokens, for targets without a vocabulary (no added-token list to consult).
_SHAPES = re.compile(
    r"<\|[^|<>\s]{1,48}\|>"  # <|im_end|>
    r"|<｜[^｜<>]{1,48}｜>"  # <｜User｜>
    r"|<\|[A-Za-z_\"]{1,32}>"  # <|turn>, <|channel>
    r"|<[A-Za-z_\"]{1,32}\|>"  # <turn|>
    r"|\[/?[A-Z][A-Z_]{1,30}\]"  # [INST], [/INST], [TOOL_CALLS]
    r"|</?(?:think|tool_call|tool_response|tool_calls|tools|start_of_turn|end_of_turn|bos|eos|s)>"
)

_CACHE_LOCK = threading.Lock()
# Keyed by id(target); the target is kept alive in the value so its id cannot be reused.
_CONTROL_CACHE: dict[int, tuple[Any, frozenset[str]]] = {}
_PATTERN_CACHE: dict[frozenset[str], TokenMatcher] = {}


def _template_literals(template: str) -> str:
    """The literal text and string constants of a template, NUL-joined (nothing matches across two)."""
    import jinja2
    from jinja2 import nodes

    try:
        ast = jinja2.Environment(extensions=["jinja2.ext.loopcontrols"]).parse(template)
    except jinja2.TemplateSyntaxError:
        return template
    parts = {n.data for n in ast.find_all(nodes.TemplateData)}
    parts |= {n.value for n in ast.find_all(nodes.Const) if isinstance(n.value, str)}
    return "\0".join(parts)


def control_tokens(target: Any) -> frozenset[str]:
    """Every string that would encode to a control token of ``target``.

    With a vocabulary: every added token except whitespace-only ones (``special`` or not — Qwen's
    ``<tool_call>`` and Gemma's ``<|channel>`` are not flagged special, yet each becomes one
    structural token). Without a vocabulary: the control-token shapes the template writes, plus
    BOS and EOS.
    """
    key = id(target)
    with _CACHE_LOCK:
        hit = _CONTROL_CACHE.get(key)
    if hit is not None and hit[0] is target:
        return hit[1]
    if target.added_tokens:
        found = {t for t in target.added_tokens if t and not t.isspace()}
    else:
        found = set(_SHAPES.findall(_template_literals(target.chat_template or "")))
    found |= {t for t in (target.bos_token, target.eos_token, *target.stop_tokens) if t}
    result = frozenset(found)
    with _CACHE_LOCK:
        _CONTROL_CACHE[key] = (target, result)
    return result


def _trie_pattern(tokens: Iterable[str]) -> str:
    """A regex alternation of ``tokens`` shaped as a trie: fails fast on ordinary text."""
    trie: dict[str, Any] = {}
    for tok in tokens:
        node = trie
        for ch in tok:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch != ""]
        if not branches:
            return ""
        # Longest match first: a branch before the empty alternative.
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return emit(trie) or "(?!)"


class TokenMatcher:
    """Finds control tokens in text.

    A regex scan costs several nanoseconds per character even when it never matches, more than
    rendering the template. ``str.find`` on the tokens' first characters is a hundred times
    faster, so the regex runs only where a token could start.
    """

    __slots__ = ("clean", "firsts", "gates", "pattern")

    def __init__(self, tokens: frozenset[str]) -> None:
        self.pattern = re.compile(_trie_pattern(tokens))
        # Long strings found free of control tokens and markers. An application sends the same
        # system prompt on every call: testing it again costs microseconds, looking it up nothing.
        # A string's verdict depends only on its characters and this matcher, so it cannot go stale.
        self.clean: dict[str, None] = {}
        # The longest prefix (up to 3 characters) that still gives few distinct prefixes: "<|"
        # skips the "<" of XML tags, which Claude prompts are full of. Many distinct prefixes:
        # the position list would cost more than the regex.
        self.firsts: tuple[str, ...] | None = None
        for size in (3, 2, 1):
            prefixes = sorted({t[:size] for t in tokens if t})
            if len(prefixes) <= 16:
                self.firsts = tuple(prefixes)
                break
        # Cheaper still, for a yes/no answer: the distinct two-character starts ("<|", "[P").
        gates = sorted({t[:2] for t in tokens if t})
        self.gates: tuple[str, ...] | None = tuple(gates) if len(gates) <= 8 else self.firsts

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.firsts is None:
            yield from self.pattern.finditer(text)
            return
        starts: list[int] = []
        for ch in self.firsts:
            at = text.find(ch)
            while at >= 0:
                starts.append(at)
                at = text.find(ch, at + 1)
        if len(self.firsts) > 1:
            starts.sort()
        end = 0
        for at in starts:
            if at < end:
                continue
            m = self.pattern.match(text, at)
            if m is not None and m.end() > at:  # the trie can match the empty string only with no tokens
                yield m
                end = m.end()

    def search(self, text: str) -> bool:
        return next(self.finditer(text), None) is not None


def _matcher(tokens: frozenset[str]) -> TokenMatcher:
    with _CACHE_LOCK:
        hit = _PATTERN_CACHE.get(tokens)
    if hit is None:
        hit = TokenMatcher(tokens)
        with _CACHE_LOCK:
            _PATTERN_CACHE[tokens] = hit
    return hit


# -- marking and unmarking -------------------------------------------------------------------------


@dataclass(slots=True)
class MarkedRequest:
    """Bookkeeping of one marking pass: which serial came from which message and field."""

    origins: list[tuple[str, int | None, str]]
    stripped_markers: int = 0

    def mark_value(self, value: Any, pattern: TokenMatcher, message_index: int | None, field: str) -> Any:
        """``value`` with every control token inside its strings wrapped in markers (keys untouched)."""
        if isinstance(value, str):
            if _OPEN in value or _CLOSE in value:
                self.stripped_markers += value.count(_OPEN) + value.count(_CLOSE)
                value = value.replace(_OPEN, "").replace(_CLOSE, "")

            out: list[str] = []
            pos = 0
            for m in pattern.finditer(value):
                serial = len(self.origins)
                if serial > _SERIAL_MAX:  # pragma: no cover - a million tokens in one request
                    raise ChatTemplateError("Too many control tokens in one request to neutralise.")
                self.origins.append((m.group(0), message_index, field))
                out.append(value[pos : m.start()])
                out.append(f"{_OPEN}{m.group(0)}{_CLOSE}{chr(_SERIAL_BASE + serial)}")
                pos = m.end()
            if not out:
                return value
            out.append(value[pos:])
            return "".join(out)
        if isinstance(value, Mapping):
            if not needs_marking(value, pattern):
                return value
            return {
                k: self.mark_value(v, pattern, message_index, f"{field}.{k}" if field else str(k))
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.mark_value(v, pattern, message_index, f"{field}[{i}]") for i, v in enumerate(value)]
        return value


def needs_marking(value: Any, pattern: TokenMatcher) -> bool:
    """Whether any string inside ``value`` holds a control token or a marker character.

    Most requests hold no control token; then nothing is copied. A string is searched only when
    it contains the start of some token (``str.find`` speed), and the walk is a loop, not a
    recursion, because it runs on every render. Exact types are tested first: an ``isinstance``
    against an abstract base class costs more than the string test itself.
    """
    gates, clean = pattern.gates, pattern.clean
    stack: list[Any] = [value]
    pop, push = stack.pop, stack.append
    while stack:
        item = pop()
        kind = type(item)
        if kind is dict:
            children: Any = item.values()
        elif kind is list or kind is tuple:
            children = item
        elif kind is str or isinstance(item, str):
            if _text_needs_marking(item, gates, pattern):
                return True
            continue
        elif isinstance(item, Mapping):
            children = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        for child in children:
            # Strings (most values) are tested here rather than pushed and popped again.
            if type(child) is str:
                if len(child) >= _CLEAN_MIN:
                    if child in clean:
                        continue
                    if _text_needs_marking(child, gates, pattern):
                        return True
                    if len(child) <= _CLEAN_MAX:
                        if len(clean) >= _CLEAN_ENTRIES:
                            clean.clear()
                        clean[child] = None
                    continue
                if _OPEN in child or _CLOSE in child:
                    return True
                if gates is None:
                    if pattern.search(child):
                        return True
                    continue
                for gate in gates:
                    if gate in child:
                        if pattern.search(child):
                            return True
                        break
            else:
                push(child)
    return False


# Strings worth remembering as clean: shorter ones are tested faster than looked up; longer ones
# would keep too much text alive. At most _CLEAN_ENTRIES are kept per matcher.
_CLEAN_MIN = 256
_CLEAN_MAX = 1 << 16
_CLEAN_ENTRIES = 128


def _text_needs_marking(text: str, gates: tuple[str, ...] | None, pattern: TokenMatcher) -> bool:
    if _OPEN in text or _CLOSE in text:
        return True
    if gates is None:
        return pattern.search(text)
    for gate in gates:
        if gate in text:
            return pattern.search(text)
    return False


def mark(tokens: frozenset[str]) -> tuple[MarkedRequest, TokenMatcher]:
    """A fresh marking pass for ``tokens`` (the matcher is built once per token set)."""
    return MarkedRequest(origins=[]), _matcher(tokens)


_MARKED = re.compile(f"{_OPEN}([^{_OPEN}{_CLOSE}]*?){_CLOSE}([\U000f0000-\U000ffffd])")
_STRAY = re.compile(f"{_OPEN}|{_CLOSE}[\U000f0000-\U000ffffd]?")


def has_markers(text: str) -> bool:
    """Whether ``text`` holds a marker character (then :func:`unmark` has work to do)."""
    return _OPEN in text or _CLOSE in text


def unmark(rendered: str, marks: MarkedRequest) -> tuple[str, tuple[Segment, ...], tuple[Neutralised, ...]]:
    """Remove the markers from ``rendered``.

    Returns:
        ``(text, segments, neutralised)``: the clean text, the pieces to encode (template text
        parsed, request tokens not), and each neutralised span located in ``text``.
    """
    if _OPEN not in rendered and _CLOSE not in rendered:
        return rendered, (Segment(rendered, False),), ()
    out: list[str] = []
    segments: list[Segment] = []
    spans: list[Neutralised] = []
    pos = 0
    length = 0

    def plain(chunk: str) -> None:
        # A lone marker (the template split a marked token apart) still breaks the text, so the
        # text on either side cannot fuse into a control token.
        nonlocal length
        for piece in _STRAY.split(chunk):
            if piece:
                segments.append(Segment(piece, False))
                out.append(piece)
                length += len(piece)

    for m in _MARKED.finditer(rendered):
        plain(rendered[pos : m.start()])
        token = m.group(1)
        serial = ord(m.group(2)) - _SERIAL_BASE
        origin = marks.origins[serial] if 0 <= serial < len(marks.origins) else (token, None, "")
        if token:
            segments.append(Segment(token, True))
            out.append(token)
            spans.append(Neutralised(token, origin[1], origin[2], length, length + len(token)))
            length += len(token)
        pos = m.end()
    plain(rendered[pos:])
    return "".join(out), tuple(segments), tuple(spans)


# -- encoding ----------------------------------------------------------------------------------------


def encode_segments(target: Any, segments: tuple[Segment, ...], control_ids: frozenset[int]) -> list[int]:
    """Token ids of the rendered text: template text with control tokens parsed, request tokens as text.

    Raises:
        ChatTemplateError: the vocabulary produces a control token from plain text (nothing can
            make that token safe).
    """
    if len(segments) == 1 and not segments[0].as_text:
        return list(target.encode(segments[0].text, parse_special=True))
    nl = target.encode("\n", parse_special=False)
    ids: list[int] = []
    for i, seg in enumerate(segments):
        parse = not seg.as_text
        if i == 0:
            piece = target.encode(seg.text, parse_special=parse)
        else:
            # Encode after a newline and drop it again: SentencePiece vocabularies would otherwise
            # add the word-start space they add at the start of a string.
            piece = target.encode("\n" + seg.text, parse_special=parse)
            piece = (
                piece[len(nl) :] if piece[: len(nl)] == nl else target.encode(seg.text, parse_special=parse)
            )
        if seg.as_text and control_ids.intersection(piece):
            raise ChatTemplateError(
                f"The vocabulary of {target.name!r} turns the plain text {seg.text!r} into a control token.",
                model=target.name,
                feature="injection-safe encoding",
                hint="remove that text from the request, or pass inject_safe=False knowingly",
            )
        ids.extend(piece)
    return ids
