"""Find control tokens written by hand in prompts: ``find_special_tokens``.

The detector works offline from the catalogue (:mod:`portkit.template._catalogue`), so it needs no
tokenizer and imports neither jinja2 nor transformers. Given a target, it asks the target's own
vocabulary whether each token becomes a control token, and also finds the target's added tokens that
the catalogue does not list.
"""

# portkit: ignore-file  (control tokens are this module's subject, written on purpose)
from __future__ import annotations

import _thread
import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from portkit.template import _catalogue as cat

if TYPE_CHECKING:
    from portkit.targets import Target

__all__ = ["Finding", "Verdict", "find_special_tokens"]


class Verdict(enum.StrEnum):
    """What a control token written in a prompt does to the target.

    * ``STRUCTURAL``: it becomes a control token of the target (its vocabulary parses it), so it
      changes the conversation's structure wherever it sits.
    * ``FOREIGN``: a marker of another chat format; the target reads it as plain text and the format
      is silently ignored.
    * ``HAND_ASSEMBLED``: a chat-format marker written by hand instead of by the chat template (the
      verdict when no target is given, and for the target's own markers that its vocabulary does not
      parse).
    """

    STRUCTURAL = "structural"
    FOREIGN = "foreign"
    HAND_ASSEMBLED = "hand-assembled"


@dataclass(frozen=True, slots=True)
class Finding:
    """One control token (or chat-format marker) found in a text.

    Attributes:
        span: ``(start, end)`` character offsets into the text; ``text[start:end] == finding.text``.
        text: the exact text matched, as written.
        family: the catalogue family of the token (``"chatml"``, ``"llama3"``, …), or None for a
            control-token shape the catalogue does not know.
        verdict: what the token does to the target (see :class:`Verdict`).
        message: one sentence saying what was found.
        suggestion: what to do instead.
        kind: ``"token"`` (an exact token), ``"textual"`` (a line-start marker such as
            ``### Instruction:``) or ``"runtime"`` (a token assembled at run time, ``<|{role}|>``).
        token_id: the token's id in the target's vocabulary when it becomes a control token.
    """

    span: tuple[int, int]
    text: str
    family: str | None
    verdict: Verdict
    message: str
    suggestion: str
    kind: str = "token"
    token_id: int | None = None

    @property
    def start(self) -> int:
        return self.span[0]

    @property
    def end(self) -> int:
        return self.span[1]


# -- patterns ---------------------------------------------------------------------------------------

# Run-time assembly: a placeholder ({role}, ${role}, {{ role }}, %s, {}) inside a token shape.
_PLACEHOLDER = r"(?:\{\{[^{}<>|\n]{0,40}\}\}|\$\{[^{}<>|\n]{0,40}\}|\{[^{}<>|\n]{0,40}\}|%s)"
# Code glued around a variable, as source text: "<|" + role + "|>" (after its "<").
CONCAT_REST = r"""\|["'`]\s*\+\s*[A-Za-z_][\w.\[\]"']{0,40}\s*\+\s*["'`]\|>"""
# After the "<" of a run-time shape: placeholders inside the bars, or the concatenation above.
_RUNTIME_REST = (
    rf"\|[A-Za-z_]{{0,30}}{_PLACEHOLDER}[A-Za-z0-9_{{}}$%]{{0,30}}\|>"
    rf"|｜[A-Za-z_▁]{{0,30}}{_PLACEHOLDER}[A-Za-z0-9_▁{{}}$%]{{0,30}}｜>"
    rf"|{CONCAT_REST}"
)
_ROLE_WORDS = ("user", "assistant", "system", "User", "Assistant", "System", "model", "tool")


def _rest(first: str) -> str:
    return cat.irregular_rest_trie(first)


@lru_cache(maxsize=1)
def _base_regexes() -> tuple[re.Pattern[str], ...]:
    """The token regexes, one per first character.

    Each starts with a literal character, so the regex engine skips to the next ``<``, ``[`` or ``]``
    at memchr speed instead of trying an alternation at every position.
    """
    lt = "|".join([f"(?P<run>{_RUNTIME_REST})", cat.PIPE_SHAPE[1:], cat.FULLWIDTH_SHAPE[1:], _rest("<")])
    return (re.compile(f"<(?:{lt})"), re.compile(rf"\[(?:{_rest('[')})"), re.compile(rf"\](?:{_rest(']')})"))


def _token_matches(text: str) -> list[re.Match[str]]:
    found: list[re.Match[str]] = []
    for regex, first in zip(_base_regexes(), "<[]", strict=True):
        if first in text:
            found.extend(regex.finditer(text))
    if len(found) > 1:
        found.sort(key=lambda m: m.start())
        kept = [found[0]]
        for m in found[1:]:
            if m.start() >= kept[-1].end():
                kept.append(m)
        found = kept
    return found


# _thread, not threading: the same lock without threading's import on `portkit lint`'s start.
_TARGET_LOCK = _thread.allocate_lock()
_TARGET_REGEX: dict[int, tuple[Any, re.Pattern[str] | None]] = {}


def _looks_like_control(token: str) -> bool:
    # Added tokens include byte pieces and plain words in some vocabularies; only bracketed shapes are
    # control tokens a person could write by hand.
    return len(token) >= 3 and token[0] in "<[" and token[-1] in ">]" and token.strip() == token


def _target_regex(target: Target) -> re.Pattern[str] | None:
    """A regex for the target's added tokens that the catalogue does not already match."""
    with _TARGET_LOCK:
        hit = _TARGET_REGEX.get(id(target))
        if hit is not None and hit[0] is target:
            return hit[1]
    bases = _base_regexes()
    extra = []
    for tok in target.added_tokens:
        if _looks_like_control(tok) and not any(b.fullmatch(tok) for b in bases):
            extra.append(tok)
    regex = re.compile(cat.trie_pattern(extra)) if extra else None
    with _TARGET_LOCK:
        if len(_TARGET_REGEX) > 32:
            _TARGET_REGEX.clear()
        _TARGET_REGEX[id(target)] = (target, regex)
    return regex


# -- the detector -----------------------------------------------------------------------------------


class _Raw(NamedTuple):
    # A NamedTuple: applying @dataclass costs a millisecond at import, on `portkit lint`'s path.
    start: int
    end: int
    text: str
    family: str | None
    kind: str
    weak: bool


def _runtime_family(text: str) -> str | None:
    text = re.sub(r"""["'`]\s*\+.*\+\s*["'`]""", "{x}", text)
    for role in _ROLE_WORDS:
        filled = re.sub(_PLACEHOLDER, role, text)
        fam = cat.primary_family(filled)
        if fam is not None:
            return fam
    return None


def _raw_findings(text: str, target: Target | None, escaped_newlines: bool) -> list[_Raw]:
    raws: list[_Raw] = []
    for m in _token_matches(text):
        tok = m.group(0)
        if m.lastgroup == "run":
            raws.append(_Raw(m.start(), m.end(), tok, _runtime_family(tok), "runtime", False))
        else:
            raws.append(_Raw(m.start(), m.end(), tok, cat.primary_family(tok), "token", cat.is_weak(tok)))
    if target is not None:
        extra = _target_regex(target)
        if extra is not None:
            taken = [(r.start, r.end) for r in raws]
            for m in extra.finditer(text):
                if not any(s < m.end() and m.start() < e for s, e in taken):
                    tok = m.group(0)
                    raws.append(_Raw(m.start(), m.end(), tok, cat.primary_family(tok), "token", False))
            raws.sort(key=lambda r: r.start)
    raws.extend(_textual_findings(text, escaped_newlines))
    return raws


def _at_line_start(text: str, at: int, escaped_newlines: bool) -> bool:
    return at == 0 or text[at - 1] == "\n" or (escaped_newlines and text[at - 2 : at] == "\\n")


def _followed_ok(text: str, end: int) -> bool:
    # A marker is followed by a space, a line break, a placeholder, a quote, or nothing.
    return end >= len(text) or text[end] in " \t\r\n{\"'\\"


def _line_start_hits(
    text: str, word: str, escaped_newlines: bool, *, follow: bool = True
) -> list[tuple[int, int]]:
    """Where ``word`` starts a line, found with ``str.find`` (memchr speed, no regex scan)."""
    hits = []
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if _at_line_start(text, at, escaped_newlines) and (not follow or _followed_ok(text, end)):
            hits.append((at, end))
        at = text.find(word, at + 1)
    return hits


def _word_hits(text: str, word: str) -> list[tuple[int, int]]:
    """``word`` anywhere, not glued to a preceding letter (Vicuna's "… ASSISTANT:")."""
    hits = []
    at = text.find(word)
    while at >= 0:
        if at == 0 or not (text[at - 1].isalpha() or text[at - 1] == "_"):
            hits.append((at, at + len(word)))
        at = text.find(word, at + 1)
    return hits


def _textual_findings(text: str, escaped_newlines: bool) -> Iterator[_Raw]:
    """Line-start text layouts. Each needs its counterpart, so a lone heading or label is prose:

    * Claude legacy: ``Human:`` after a blank line (or at the start), or beside a line-start ``Assistant:``;
    * Alpaca: ``### Instruction:`` (then ``### Input:`` / ``### Response:`` count too);
    * Vicuna: ``USER:`` with an ``ASSISTANT:``; Vicuna v0 / Guanaco: ``### Human:`` with ``### Assistant:``.
    """

    def raws(hits: list[tuple[int, int]], family: str) -> Iterator[_Raw]:
        for s, e in hits:
            yield _Raw(s, e, text[s:e], family, "textual", False)

    if "Human:" in text:
        humans = _line_start_hits(text, "Human:", escaped_newlines)
        if humans:
            assistants = _line_start_hits(text, "Assistant:", escaped_newlines, follow=False)
            if not assistants:
                humans = [h for h in humans if _after_blank_line(text, h[0], escaped_newlines)]
            yield from raws(humans + (assistants if humans else []), "claude-legacy")
    if "### " in text:
        instructions = _line_start_hits(text, "### Instruction:", escaped_newlines)
        if instructions:
            rest = _line_start_hits(text, "### Input:", escaped_newlines)
            rest += _line_start_hits(text, "### Response:", escaped_newlines)
            yield from raws(instructions + rest, "alpaca")
        v0_humans = _line_start_hits(text, "### Human:", escaped_newlines)
        v0_answers = (
            _line_start_hits(text, "### Assistant:", escaped_newlines, follow=False) if v0_humans else []
        )
        if v0_humans and v0_answers:
            yield from raws(v0_humans + v0_answers, "vicuna")
    if "USER:" in text:
        users = _line_start_hits(text, "USER:", escaped_newlines)
        answers = _word_hits(text, "ASSISTANT:") if users else []
        if users and answers:
            yield from raws(users + answers, "vicuna")


_NON_SPACE = cat.lazy_regex(r"\S")


def _after_blank_line(text: str, at: int, escaped_newlines: bool) -> bool:
    # endswith/search with bounds, not text[:at]: no copy of the text before each hit.
    return (
        text.endswith("\n\n", 0, at)
        or text.endswith("\n\r\n", 0, at)
        or (escaped_newlines and text.endswith("\\n\\n", 0, at))
        or _NON_SPACE.search(text, 0, at) is None
    )


def _title(family: str | None) -> str:
    if family is None:
        return "control-token-shaped"
    return cat.family(family).title.split(" (")[0]


def _judge(raw: _Raw, target: Target | None, target_family: str | None) -> Finding:
    tok, fam = raw.text, raw.family
    families = cat.families_of(tok) if raw.kind == "token" else ((fam,) if fam else ())
    if raw.kind == "textual":
        if fam == "claude-legacy":
            msg = f"{tok!r} at the start of a line is Claude's legacy text-completion turn marker."
            fix = "Send the turns as messages with roles and let the target's chat template lay them out."
        else:
            msg = f"{tok!r} at the start of a line is the {_title(fam)} prompt layout, written by hand."
            fix = "Send the turns as messages with roles and let the target's chat template lay them out."
        if target is None:
            return Finding((raw.start, raw.end), tok, fam, Verdict.HAND_ASSEMBLED, msg, fix, raw.kind)
        verdict = Verdict.HAND_ASSEMBLED if fam == target_family else Verdict.FOREIGN
        if verdict is Verdict.FOREIGN:
            msg = f"{tok!r} starts a {_title(fam)} turn; {target.name} reads it as plain text."
        return Finding((raw.start, raw.end), tok, fam, verdict, msg, fix, raw.kind)

    what = (
        f"{tok!r} assembles a control token at run time" + (f" ({_title(fam)} shape)" if fam else "")
        if raw.kind == "runtime"
        else f"{tok!r} is a {_title(fam)} control token"
        if fam
        else f"{tok!r} has the shape of a control token"
    )
    template_fix = (
        "Pass plain messages and let the chat template write the control tokens (portkit.template.render)."
    )
    if target is None:
        return Finding(
            (raw.start, raw.end),
            tok,
            fam,
            Verdict.HAND_ASSEMBLED,
            f"{what}, written by hand.",
            template_fix,
            raw.kind,
        )
    if raw.kind == "token" and tok in target.added_tokens:
        token_id = target.token_id(tok) if target.tokenizer is not None else None
        id_note = f" (id {token_id})" if token_id is not None else ""
        return Finding(
            (raw.start, raw.end),
            tok,
            fam,
            Verdict.STRUCTURAL,
            f"{what}; {target.name} parses it as control token{id_note}, so it changes the conversation's structure.",
            "Let the chat template write it; if the text is data from a user or a document, encode it with "
            "parse_special=False so it stays text.",
            raw.kind,
            token_id,
        )
    if target_family is not None and target_family in families:
        return Finding(
            (raw.start, raw.end),
            tok,
            fam,
            Verdict.HAND_ASSEMBLED,
            f"{what}, written by hand for {target.name}.",
            template_fix,
            raw.kind,
        )
    return Finding(
        (raw.start, raw.end),
        tok,
        fam,
        Verdict.FOREIGN,
        f"{what}; {target.name} reads it as plain text, so the format is silently ignored.",
        f"Render the conversation with {target.name}'s own chat template instead of writing these markers.",
        raw.kind,
    )


def scan(text: str, target: Target | None = None, *, escaped_newlines: bool = True) -> list[Finding]:
    """:func:`find_special_tokens` with the linter's options.

    ``escaped_newlines`` treats a literal backslash-n as a line break, for raw YAML/JSON/TOML or
    code text whose strings spell ``\\n\\nHuman:`` with escapes (prose never writes ``\\nHuman:``).
    """
    raws = _raw_findings(text, target, escaped_newlines)
    if not raws:
        return []
    raws = _unpaired_s_is_strong(raws, text)
    company = any(not r.weak for r in raws)
    kept = [
        r for r in raws if not r.weak or company or (target is not None and r.text in target.added_tokens)
    ]
    target_family = cat.family_of(target) if target is not None else None
    kept.sort(key=lambda r: (r.start, r.end))
    kept = _attribute(kept)
    return [_judge(r, target, target_family) for r in kept]


def _unpaired_s_is_strong(raws: list[_Raw], text: str) -> list[_Raw]:
    """``<s>text</s>`` is HTML strikethrough; an ``<s>`` or ``</s>`` on its own is BOS / EOS."""
    marks = [r for r in raws if r.text in ("<s>", "</s>")]
    if not marks:
        return raws
    marks.sort(key=lambda r: r.start)
    paired: set[int] = set()
    opened: list[_Raw] = []
    for r in marks:
        if r.text == "<s>":
            opened.append(r)
        elif opened:
            o = opened.pop()
            between = text[o.end : r.start]
            if between.strip() and len(between) <= 500:
                paired.update((o.start, r.start))
    return [
        _Raw(r.start, r.end, r.text, r.family, r.kind, False) if r in marks and r.start not in paired else r
        for r in raws
    ]


def _attribute(raws: list[_Raw]) -> list[_Raw]:
    """Name shared tokens (``<s>``, ``<|end|>``, ``<think>``) after the family the rest of the text uses."""
    votes: dict[str, int] = {}
    for r in raws:
        names = cat.families_of(r.text) if r.kind == "token" else ()
        if len(names) == 1:
            votes[names[0]] = votes.get(names[0], 0) + 1
    if not votes:
        return raws
    out = []
    for r in raws:
        names = cat.families_of(r.text) if r.kind == "token" else ()
        if len(names) > 1:
            best = max(names, key=lambda n: (votes.get(n, 0), -names.index(n)))
            if best != r.family:
                r = _Raw(r.start, r.end, r.text, best, r.kind, r.weak)
        out.append(r)
    return out


def find_special_tokens(text: str, target: Target | str | None = None) -> list[Finding]:
    """Find control tokens and chat-format markers written into ``text``.

    Without a target every finding is :attr:`Verdict.HAND_ASSEMBLED` and names its family. With a
    target, the target's vocabulary decides: a token it parses is :attr:`Verdict.STRUCTURAL`, a
    marker of another family is :attr:`Verdict.FOREIGN`, the target's own markers that its
    vocabulary reads as text are :attr:`Verdict.HAND_ASSEMBLED`.

    Not reported: Claude-style XML tags (``<instructions>``, ``<thinking>``), HTML such as ``<s>`` or
    ``<b>`` (unless a control token sits beside it, or the target's vocabulary parses ``<s>``),
    generics and operators (``Map<s,t>``, ``<|>``), CJK text with ``｜``, escaped forms
    (``&lt;|im_start|&gt;``), and ``Human:`` anywhere but the start of a line.

    Args:
        text: the prompt (or any text that will reach a model).
        target: a :class:`~portkit.targets.Target` or a target name; None for the offline catalogue only.

    Returns:
        The findings in order of position.

    Raises:
        TargetError: ``target`` is a name that cannot be loaded.

    Examples:
        >>> [(f.text, f.family, str(f.verdict)) for f in find_special_tokens("<|im_start|>user\\nhi")]
        [('<|im_start|>', 'chatml', 'hand-assembled')]
    """
    if isinstance(target, str):
        from portkit.targets import load_target

        target = load_target(target)
    return scan(text, target)
