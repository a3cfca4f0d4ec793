"""``split_prompt``: a deterministic, pure-Python structural parser for Claude prompts."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

from portkit.errors import PromptError
from portkit.fewshot import _patterns as P
from portkit.fewshot._model import (
    Example,
    ParsedPrompt,
    RejectedExample,
    Segment,
    SegmentKind,
    ToolDefinition,
    Turn,
)
from portkit.fewshot._tools import TOOL_CONTAINERS, load_json, parse_tools

__all__ = ["split_prompt"]


@dataclass(slots=True)
class _Element:
    name: str
    os: int  # open tag start
    oe: int  # open tag end = content start
    cs: int  # close tag start = content end
    ce: int  # close tag end
    parent: _Element | None = None
    children: list[_Element] = field(default_factory=list)


@dataclass(slots=True)
class _Marker:
    role: str  # user / assistant / bad / neutral / other
    start: int  # where the marker (label or child tag) begins
    cstart: int  # where its content begins
    cend: int = -1  # content end (child elements); -1: up to the next marker
    label: str = ""  # the label as written, lower-cased ("q", "user", "text")


@dataclass(slots=True)
class _Claim:
    start: int
    end: int
    segments: list[Segment]


def split_prompt(text: str) -> ParsedPrompt:
    """Parse a Claude prompt into role, rules, context, output-format rules, placeholders and examples.

    The parser is pure Python (``re``), deterministic, and never calls a model. It tells worked
    examples (input → desired output) from things that only look like examples — negative
    ("Bad:") outputs, output-format skeletons, field templates, output-only exemplars, nested
    examples, routing examples in front matter and transcripts that are input data — and lists
    the latter in :attr:`ParsedPrompt.rejected` with the reason.

    Args:
        text: the system prompt, as written for Claude.

    Returns:
        A :class:`ParsedPrompt` whose ``segments`` tile ``text`` exactly.

    Raises:
        PromptError: ``text`` is not a string.

    Examples:
        >>> p = split_prompt("Classify.\\n<examples>\\nText: hi\\nCategory: ALLOW\\n</examples>")
        >>> (p.examples[0].user, p.examples[0].assistant)
        ('hi', 'ALLOW')
    """
    if not isinstance(text, str):
        raise PromptError(
            f"split_prompt() needs the prompt as a str, not {type(text).__name__!r}.",
            hint="read the file first, e.g. Path(p).read_text(encoding='utf-8')",
        )
    return _Parser(text).run()


def _learned_input(matches: list[re.Match[str]], roles: list[str | None]) -> str | None:
    """A label the lists do not know, each time followed by an output label ("Complaint:" before
    "Classification:", two or more times): the input label of those pairs."""
    names = [m.group(1).strip().lower() if r is None else None for m, r in zip(matches, roles, strict=True)]
    seen: dict[str, list[bool]] = {}
    for i, name in enumerate(names):
        if name is not None:
            seen.setdefault(name, []).append(i + 1 < len(roles) and roles[i + 1] == "assistant")
    fits = [name for name, follows in seen.items() if len(follows) >= 2 and all(follows)]
    return fits[0] if len(fits) == 1 else None


def _label_role(raw: str) -> str | None:
    s = raw.strip()
    if s in P.UPPER_ONLY_USER:
        return "user"
    if s in P.UPPER_ONLY_ASSISTANT:
        return "assistant"
    if len(s) < 2:
        return None
    low = " ".join(s.lower().replace("’", "'").split())
    if P.BAD_LABEL.match(low):
        return "bad"
    if low in P.USER_LABELS:
        return "user"
    if low in P.ASSISTANT_LABELS:
        return "assistant"
    if low in P.NEUTRAL_LABELS:
        return "neutral"
    return None


# holes of a skeleton: short bracketed field names ([Name], <parties involved>), ellipses, // comments;
# a long bracketed action ("[runs ls to list the files …]") is narration inside a real example
_BRACKET = re.compile(
    r"\[(?=[^\]\n]*[A-Za-z])[^\[\]\n\s]*(?:\s[^\[\]\n\s]+){0,4}\]|<[A-Za-z][^<>\n/=\"']*\s[^<>\n/=\"']*>|"
    # a choice of values ("<ok|watch|page>")
    r"<[A-Za-z][\w\- ]*(?:\|[\w\- ]+)+>|\.\.\.|…|^\s*//.*$",
    re.M,
)
_WORD = re.compile(r"[A-Za-z0-9]{2,}")


def _template_reason(text: str) -> str | None:
    """Why a turn is a template/skeleton rather than a worked example, or None."""
    # a placeholder inside real text ("*Uses the ${EDIT_TOOL} tool*") is fine; a turn that is
    # (almost) only placeholders is a template
    if P.PLACEHOLDER.search(text):
        rest = P.PLACEHOLDER.sub(" ", text)
        if len(_WORD.findall(_BRACKET.sub(" ", rest))) <= 3:
            return "template with placeholders (a format or field template, not a worked example)"
    if _BRACKET.search(text):
        rest = _BRACKET.sub(" ", P.PLACEHOLDER.sub(" ", text))
        if len(_WORD.findall(rest)) <= 3 or re.search(r"^\s*//", text, re.M):
            return "output-format skeleton with placeholders (a format spec, not a worked example)"
    return None


_BAD_HEADING = re.compile(r"\b(?:bad|wrong|incorrect|poor|mistakes?|anti-?patterns?|avoid)\b", re.I)
_EXAMPLE_LINE = re.compile(r"^\s*(?:[#*_]+\s*)?(?:example|sample)\s*#?\d*\s*[:.)-]?\s*(?:[*_]+)?\s*$", re.I)
_CHAT_LABELS = frozenset(
    [
        "user",
        "human",
        "h",
        "customer",
        "client",
        "assistant",
        "ai",
        "claude",
        "bot",
        "agent",
        "chatbot",
        "model",
        "you",
    ]
)
# "Here is the chat history:" introduces data; "Complete the conversation" introduces a pattern
_DATA_INTRO = re.compile(
    r"\b(?:transcript|history|log|thread|messages|so far|below|following conversation|dialog(?:ue)?)\b", re.I
)
_QUOTING = re.compile(
    r"document|transcript|conversation|history|email|article|report|contract|passage|prompt|template|draft|"
    r"^log$|file|^code$|source",
    re.I,
)
_SHORT_LABEL = "\x00label:"
_BLANK_LINES = re.compile(r"(?:[ \t\r]*\n)+")
_BLANK = re.compile(r"\n[ \t\r]*\n")
_SENT_END = re.compile(r"[.!?][\"'”’)\]*_]*(\s+)")
# "EXAMPLES (tail → classification)": a line of capitals (a word of three or more capitals first),
# optionally with a parenthetical and a colon
_CAPS_TITLE = re.compile(
    # possessive throughout: a line that is almost a title fails in linear time
    r"^[ \t\r]{0,3}([A-Z][A-Z0-9]{2,}+(?:['’][A-Z0-9]++)*+(?:[ /&,\-–—]++[A-Z0-9]++(?:['’][A-Z0-9]++)*+)*+"
    r"[ \t]*+(?:\([^()\n]{0,80}+\)[ \t]*+)?:?)(?:[—–-][ \t]++[^\n]{0,80}+)?[ \t\r]*+$",
    re.M,
)
# a line that opens with an arrow: the output of the input line(s) above it ("→ {...}", "-> done")
_ARROW_LINE = re.compile(r"^[ \t]{0,8}(?:→|->|=>|⇒)[ \t]*(?=\S)", re.M)
# a JSON output that opens with a short string value: {"state":"done", …}
_JSON_HEAD = re.compile(r'\{\s*"[A-Za-z_]\w{0,30}"\s*:\s*"([A-Za-z][\w\-]{0,24})"\s*[,}]')
_CODEISH = re.compile(r"^\s*(?:[{}\[\]\"]|//|#!|\w+\s*=\s*[\[{(\"'])|[{\[,]\s*$")


_DIRECTIVE = re.compile(
    r"\b(?:better|best|ideally|preferably|recommended|expected|encouraged|allowed|permitted|okay|ok|fine)\b",
    re.I,
)
# "$FUNCTION_NAME", "$PARAMETER_VALUE": the placeholders of Claude's tool-call syntax skeleton
_CALL_PLACEHOLDER = re.compile(r"\$[A-Z][A-Z0-9_]*\b")
_INVOKE = re.compile(r"<(?:[\w-]+:)?invoke\b")
# the body of an input slot left for the caller: "[INSERT CALL TRANSCRIPT HERE]" (an empty element
# is more often an answer tag written out: "in <quotes></quotes> tags")
_SLOT_BODY = re.compile(r"\s*\[[^\[\]\n]{1,80}\]\s*")
# "in <json> tags", "inside <answer></answer>", "<thinking> tags": a tag the answer is written in
# found from its "<": a scan for the leading words alone costs a try at every word boundary
_ANSWER_TAG = re.compile(r"`?<([A-Za-z_][\w-]{0,40})>`?")
_ANSWER_BEFORE = re.compile(
    r"\b(?:in|inside|within|between|into|using|wrap\w* (?:\w+ )?in|enclose\w* (?:\w+ )?in)\s+(?:the\s+|a\s+)?$",
    re.I,
)
_ANSWER_AFTER = re.compile(r"\s*(?:</[\w-]+>\s*)?(?:xml\s+)?tags?\b", re.I)
# a heading that can be a tool's name ("Bash", "web_search", "mcp__github__create_issue")
_TOOL_NAME = re.compile(r"[A-Za-z_][\w.\-]{1,63}")
# single-word headings of a prompt's own sections, which a JSON schema below does not make a tool
_NOT_TOOL_NAMES = frozenset(
    [
        *("output", "format", "schema", "response", "result", "results", "answer", "json"),
        *("example", "examples", "input", "inputs", "parameters", "params", "arguments", "args"),
        *("usage", "notes", "description", "overview", "returns", "behavior", "behaviour"),
        *("requirements", "tools", "functions", "important", "instructions", "options", "config"),
    ]
)


def _level(text: str, pos: int) -> int:
    """The level of the markdown heading at ``pos`` (its number of ``#``)."""
    line = text[pos : pos + 12].lstrip(" \t\r")
    return len(line) - len(line.lstrip("#"))


BACKGROUND = "background (describes the situation; neither instructs nor constrains)"


def _is_background(text: str, persona: re.Pattern[str] | None = None) -> bool:
    """A statement, not an instruction.

    It opens like a statement (a determiner, pronoun, preposition, adverb or plural subject, never a
    verb from the imperative list), no clause after a comma opens with an imperative ("For tools
    with side effects, validate …"), and it neither addresses the model, asks, nor leads into a list.
    """
    if text.rstrip().endswith((":", "?")) or P.ADDRESSES_MODEL.search(text) or _DIRECTIVE.search(text):
        return False
    if persona is not None and persona.search(text):
        return False  # "Wayfarer checks the pet policy …": a third-person rule for the named assistant
    if persona is not None and _PRONOUN_DEED.match(text):
        return False  # "It then asks if …", "It deletes the goal …": the same, by pronoun
    words = [w.lower().replace("’", "'") for w in re.findall(r"[A-Za-z'’]+", text[:200])]
    if not words or words[0] in P.IMPERATIVE:
        return False
    first = words[0]
    statement = (
        first in P.STATEMENT_OPENERS
        or first.endswith("ly")
        or (len(first) > 3 and first.endswith("s") and not first.endswith("ss"))
    )
    if not statement:
        return False
    return all(clause.lower() not in P.IMPERATIVE for clause in re.findall(r",\s*([A-Za-z'’]+)", text))


# "It deletes the goal …": a pronoun and a verb of doing (not of being, having or liking), which in a
# prompt with a named assistant is one of its rules
_PRONOUN_DEED = re.compile(
    r"^It (?:then |also |first |always |never |only |still )?"
    r"(?!(?:is|has|was|does|seems|looks|likes|enjoys|loves|prefers|means|feels|knows|sounds|matters|"
    r"helps|makes|takes|depends|comes|goes|happens|needs|wants|remains|stays|becomes)\b)[a-z]+s\b"
)
# "You are Wayfarer, …" / "The assistant is Wayfarer, …": the name third-person rules use
_PERSONA = re.compile(r"^(?:You are|You're|You’re|The assistant is|Act as)\s+([A-Z][\w-]{2,40})\b")


def _typed_part(name: str) -> bool:
    """An example-named element that is a typed part of an example (``<example_user_memories>``,
    ``<sample_output>``), not an example of its own."""
    rest = re.sub(r"(?:example|sample)s?", "", name, flags=re.I).strip("_-.: ")
    return bool(rest) and bool(P.INPUT_CHILD.search(rest) or P.OUTPUT_CHILD.search(rest))


def _backticked_tag(t: str, s: int, e: int, *, closing: bool) -> bool:
    """True when ``t[s:e]`` is a tag in backticks that opens its line (a closing one: ends it)."""
    if s < 1 or t[s - 1] != "`" or e >= len(t) or t[e] != "`":
        return False
    if closing:
        line_end = t.find("\n", e + 1)
        return not t[e + 1 : len(t) if line_end == -1 else line_end].strip()
    return not t[t.rfind("\n", 0, s - 1) + 1 : s - 1].strip()


_WORD_RUN = re.compile(r"\w+")


def _occurrences(text: str, values: list[str]) -> dict[str, list[int]]:
    r"""Where each value occurs in ``text`` as a whole word (``(?<!\w)value(?!\w)``), in one pass.

    A value that opens with a word character can only start where a run of word characters
    starts, and that run must be its own first word, so one scan of the word runs finds every
    occurrence of every such value (linear, however many distinct labels a prompt has); the rare
    value that opens otherwise ("-1", "{x}") is searched on its own.
    """
    found: dict[str, list[int]] = {v: [] for v in values}
    by_head: dict[str, dict[int, set[str]]] = {}  # first word -> length -> values
    for v in values:
        head = _WORD_RUN.match(v)
        if head is None:
            pattern = re.compile(r"(?<!\w)" + re.escape(v) + r"(?!\w)")
            found[v] = [m.start() for m in pattern.finditer(text)]
        else:
            by_head.setdefault(head.group(0), {}).setdefault(len(v), set()).add(v)
    if by_head:
        n = len(text)
        for m in _WORD_RUN.finditer(text):
            sizes = by_head.get(m.group(0))
            if sizes is None:
                continue
            at = m.start()
            for size, group in sizes.items():
                stop = at + size
                piece = text[at:stop]
                if piece in group and not (stop < n and _WORD_RUN.match(text, stop, stop + 1)):
                    found[piece].append(at)
    return found


def _span(turn: Turn) -> tuple[int, int]:
    assert turn.span is not None  # the parser only makes turns from the source
    return turn.span


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


class _Parser:
    def __init__(self, text: str) -> None:
        self.t = text
        self.n = len(text)
        self.claims: list[_Claim] = []
        self._containers: dict[int, bool] = {}
        self.claim_starts: list[int] = []
        self.examples: list[tuple[int, Example]] = []
        self.rejected: list[RejectedExample] = []
        self.tools: list[ToolDefinition] = []
        self._slot_names: tuple[frozenset[str], frozenset[str]] | None = None

    # -- claims ---------------------------------------------------------------------------------
    def _free(self, s: int, e: int) -> bool:
        i = bisect.bisect_right(self.claim_starts, s)
        if i > 0 and self.claims[i - 1].end > s:
            return False
        return not (i < len(self.claims) and self.claims[i].start < e)

    def _claim(self, s: int, e: int, segments: list[Segment]) -> None:
        i = bisect.bisect_right(self.claim_starts, s)
        self.claims.insert(i, _Claim(s, e, segments))
        self.claim_starts.insert(i, s)

    def _seg(self, out: list[Segment], s: int, e: int, kind: SegmentKind, **kw: object) -> None:
        """Append ``text[s:e]`` as a segment, its leading/trailing whitespace as whitespace segments."""
        if s >= e:
            return
        t = self.t
        a, b = s, e
        while a < b and t[a].isspace():
            a += 1
        while b > a and t[b - 1].isspace():
            b -= 1
        if a > s:
            out.append(Segment(s, a, t[s:a], "whitespace"))
        if b > a:
            out.append(Segment(a, b, t[a:b], kind, **kw))  # type: ignore[arg-type]
        if e > b:
            out.append(Segment(b, e, t[b:e], "whitespace"))

    # -- scanning -------------------------------------------------------------------------------
    def _scan(self) -> None:
        t = self.t
        self.protected: list[tuple[int, int]] = []
        self.front_matter: tuple[int, int] | None = None
        fm = P.FRONT_MATTER.match(t)
        if fm:
            self.front_matter = (0, fm.end())
            self.protected.append(self.front_matter)
        self.fences: list[tuple[int, int]] = []
        pos = self.front_matter[1] if self.front_matter else 0
        while True:
            m = P.FENCE.search(t, pos)
            if m is None:
                break
            fence = m.group(1)
            line_end = t.find("\n", m.end())
            if line_end == -1:
                self.fences.append((m.start(), self.n))
                break
            close = re.compile(
                r"^[ \t\r]{0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t\r]*$", re.M
            )
            c = close.search(t, line_end + 1)
            end = self.n if c is None else c.end()
            self.fences.append((m.start(), end))
            pos = end
        self.protected.extend(self.fences)
        self.protected.sort()
        prot_starts = [p[0] for p in self.protected]

        def protected(i: int) -> bool:
            k = bisect.bisect_right(prot_starts, i) - 1
            return k >= 0 and self.protected[k][1] > i

        inline = [(m.start(), m.end()) for m in P.INLINE_CODE.finditer(t)]
        inline_starts = [a for a, _ in inline]

        def in_inline(i: int) -> bool:
            k = bisect.bisect_right(inline_starts, i) - 1
            return k >= 0 and inline[k][1] > i

        stack: list[tuple[str, int, int]] = []
        open_at: dict[str, list[int]] = {}  # name -> stack indices, so unmatched tags cost O(1)
        elements: list[_Element] = []
        for m in P.TAG.finditer(t):
            if m.group(4) or protected(m.start()):
                continue
            ts, te = m.start(), m.end()
            if in_inline(ts):
                # a tag in backticks that opens its line ("`<example>`  ", "`<user>`Hi`</user>`":
                # markdown that shows the tags), or a closing one that ends it, is still a tag; the
                # backticks belong to it. One inside a sentence is code.
                if not _backticked_tag(t, ts, te, closing=bool(m.group(1))):
                    continue
                ts, te = ts - 1, te + 1
            name = m.group(2).lower()
            if m.group(1):
                where = open_at.get(name)
                if not where:
                    continue
                k = where[-1]
                _, os_, oe = stack[k]
                for popped, _, _ in stack[k:]:
                    open_at[popped].pop()
                del stack[k:]
                elements.append(_Element(name, os_, oe, ts, te))
            else:
                open_at.setdefault(name, []).append(len(stack))
                stack.append((name, ts, te))
        elements.sort(key=lambda el: (el.os, -el.ce))
        open_stack: list[_Element] = []
        for el in elements:
            while open_stack and open_stack[-1].ce <= el.os:
                open_stack.pop()
            if open_stack:
                el.parent = open_stack[-1]
                open_stack[-1].children.append(el)
            open_stack.append(el)
        self.elements = elements
        self.element_starts = [el.os for el in elements]
        self.example_elements = [el for el in elements if P.EXAMPLE_NAME.search(el.name)]
        # outermost example spans (sorted, disjoint): a heading inside one belongs to its output
        ex_spans: list[tuple[int, int]] = []
        for el in self.example_elements:
            if not ex_spans or el.os >= ex_spans[-1][1]:
                ex_spans.append((el.os, el.ce))
        ex_starts = [a for a, _ in ex_spans]
        self.example_spans = ex_spans

        def in_example(i: int) -> bool:
            k = bisect.bisect_left(ex_starts, i) - 1
            return k >= 0 and ex_spans[k][1] > i

        self.headings: list[tuple[int, str]] = []
        for m in re.finditer(r"^[ \t\r]{0,3}#{1,6}[ \t\r]+(.*?)[ \t\r#]*$", t, re.M):
            if protected(m.start()) or in_example(m.start()):
                continue
            self.headings.append((m.start(), m.group(1)))
        self.heading_starts = [h[0] for h in self.headings]
        # plain-text section titles in capitals ("EXAMPLES (input → label)", "OUTPUT FORMAT:"), which
        # prompts without markdown use as headings
        self.caps_titles: list[tuple[int, str]] = [
            (m.start(), m.group(1))
            for m in _CAPS_TITLE.finditer(t)
            if not protected(m.start()) and not in_example(m.start())
        ]
        self.caps_starts = [c[0] for c in self.caps_titles]

    def _heading_before(self, pos: int) -> str | None:
        k = bisect.bisect_left(self.heading_starts, pos) - 1
        return self.headings[k][1] if k >= 0 else None

    # -- examples -------------------------------------------------------------------------------
    def _heading_verdict(self, pos: int) -> tuple[str | None, str | None]:
        """(note, reject reason) that the nearest heading gives examples at ``pos``."""
        title = self._heading_before(pos)
        if title is None:
            return None, None
        clean = title.strip("*_ ").strip()
        if not P.EXAMPLE_WORD.search(clean):
            # "When NOT to use …" carries the polarity of the examples under it
            return (clean, None) if P.NEGATIVE_HEADING.search(clean) else (None, None)
        if _BAD_HEADING.search(clean):
            return None, f"negative example (under the heading {clean!r})"
        if re.fullmatch(r"(?i)(?:some\s+|few\s+)?(?:worked\s+)?examples?:?", clean):
            return None, None
        # "Examples of When NOT to Use the Todo List" -> "When NOT to Use the Todo List"
        short = re.sub(r"(?i)^(?:some\s+)?(?:worked\s+)?examples?\s+(?:of\s+)?", "", clean).strip(" :")
        return short or clean, None

    def _label_markers(self, s: int, e: int, skip: list[tuple[int, int]]) -> list[_Marker]:
        found: list[tuple[int, _Marker]] = []
        t = self.t
        matches = list(P.LABEL.finditer(t, s, e))
        if s > 0 and t[s - 1] != "\n" and t[s - 1] == ">":
            here = P.LABEL_HERE.match(t, s, e)
            if here is not None:
                matches.insert(0, here)
        matches = [m for m in matches if not any(a <= m.start() < b for a, b in skip)]
        roles = [_label_role(m.group(1)) for m in matches]
        learned = _learned_input(matches, roles)
        for m, role in zip(matches, roles, strict=True):
            if role is None and learned is not None and m.group(1).strip().lower() == learned:
                role = "user"
            if role is None:
                continue
            c = m.end()
            while c < e and t[c] in " \t\r":
                c += 1
            if c < e and t[c] == "\n":
                c += 1
            head = m.group(0)
            label = m.group(1).strip().lower()
            found.append((len(head) - len(head.lstrip(" \t>")), _Marker(role, m.start(), c, label=label)))
        if not found:
            return []
        # an indented "prompt:" inside an assistant's code is content, not a new turn
        least = min(indent for indent, _ in found)
        return [mk for indent, mk in found if indent == least]

    def _speaker_markers(self, s: int, e: int, skip: list[tuple[int, int]]) -> list[_Marker]:
        """Inside an <example>, two alternating speakers with other names (Student:/Tutor:)."""
        found: list[tuple[str, int, int]] = []
        t = self.t
        for m in re.finditer(
            r"^[ \t\r]*([A-Z][A-Za-z]{1,20}(?: [A-Z][A-Za-z]{1,20})?)[ \t\r]*:[ \t\r]*", t[s:e], re.M
        ):
            a = s + m.start()
            if any(x <= a < y for x, y in skip):
                continue
            found.append((m.group(1), a, s + m.end()))
        names = list(dict.fromkeys(name for name, _, _ in found))
        if len(names) != 2 or len(found) < 2:
            return []
        roles = {names[0]: "user", names[1]: "assistant"}
        return [_Marker(roles[name], a, c) for name, a, c in found]

    def _build(
        self, markers: list[_Marker], end: int
    ) -> tuple[list[Turn], list[tuple[int, int]], str | None]:
        """Turns and rationale spans from ordered markers; a reject reason when they do not form an example."""
        t = self.t
        turns: list[Turn] = []
        rationale: list[tuple[int, int]] = []
        has_bad = False
        for i, mk in enumerate(markers):
            stop = mk.cend if mk.cend >= 0 else (markers[i + 1].start if i + 1 < len(markers) else end)
            a, b = mk.cstart, max(mk.cstart, stop)
            while a < b and t[a].isspace():
                a += 1
            while b > a and t[b - 1].isspace():
                b -= 1
            if mk.role == "bad":
                has_bad = True
            elif mk.role == "neutral":
                if b > a:
                    rationale.append((a, b))
            elif mk.role in ("user", "assistant"):
                if b <= a:
                    return [], [], "a turn with no text"
                turns.append(Turn(mk.role, t[a:b], (a, b)))  # type: ignore[arg-type]
        if has_bad:
            return [], [], "negative output (a 'Bad:'/'Don't' example must never become an assistant turn)"
        merged: list[Turn] = []
        for tr in turns:
            if merged and merged[-1].role == tr.role:
                # two assistant lines around a <commentary>: one turn, byte-exact from first to last
                a, b = _span(merged[-1])[0], _span(tr)[1]
                merged[-1] = Turn(tr.role, t[a:b], (a, b))
            else:
                merged.append(tr)
        turns = merged
        if len(turns) >= 3 and turns[-1].role == "user" and turns[0].role == "user":
            # a multi-turn example that ends on the user's reply ("Yes, proceed") demonstrates the
            # turns before it; the reply has no answer to pair with, so it stays markup
            turns = turns[:-1]
        roles = [tr.role for tr in turns]
        if "assistant" in roles and "user" not in roles:
            return [], [], "output-only exemplar (no input to pair it with; kept as a format illustration)"
        if "user" not in roles:
            return [], [], "no input/output turns"
        if "assistant" not in roles:
            return [], [], "input without a desired output"
        if roles[0] != "user" or roles[-1] != "assistant":
            return [], [], "turns do not start with the input and end with the output"
        for tr in turns:
            reason = _template_reason(tr.text)
            if reason:
                return [], [], reason
        return turns, rationale, None

    def _example_segments(
        self, s: int, e: int, turns: list[Turn], rationale: list[tuple[int, int]], idx: int
    ) -> list[Segment]:
        t = self.t
        parts: list[tuple[int, int, SegmentKind]] = [
            (*_span(tr), "example_user" if tr.role == "user" else "example_assistant") for tr in turns
        ]
        parts += [(a, b, "example_rationale") for a, b in rationale]
        parts.sort()
        out: list[Segment] = []
        pos = s
        for a, b, kind in parts:
            if a < pos:
                continue
            if a > pos:
                out.append(Segment(pos, a, t[pos:a], "example_markup", example=idx))
            out.append(Segment(a, b, t[a:b], kind, example=idx))
            pos = b
        if pos < e:
            out.append(Segment(pos, e, t[pos:e], "example_markup", example=idx))
        return out

    def _accept(
        self,
        s: int,
        e: int,
        turns: list[Turn],
        rationale: list[tuple[int, int]],
        note: str | None,
        label: str | None = None,
    ) -> None:
        label = label or note
        if len(turns) == 2 and len(turns[1].text) <= 40 and len(turns[1].text.split()) <= 4:
            label = _SHORT_LABEL + turns[1].text  # a class label if the prompt names it elsewhere
        elif len(turns) == 2 and (js := _JSON_HEAD.match(turns[1].text)) is not None:
            label = _SHORT_LABEL + js.group(1)  # {"state":"done", …}: the class is the first value
        idx = len(self.examples)
        section = self._heading_before(s)
        self.examples.append((s, Example(tuple(turns), (s, e), label=label, note=note, section=section)))
        self._claim(s, e, self._example_segments(s, e, turns, rationale, idx))

    def _reject(self, s: int, e: int, reason: str, *, claim: bool = True) -> None:
        self.rejected.append(RejectedExample((s, e), self.t[s:e], reason))
        if claim and self._free(s, e):
            segs: list[Segment] = []
            self._seg(segs, s, e, "non_example", output_format="format" in reason or "exemplar" in reason)
            self._claim(s, e, segs)

    def _element_example(self, el: _Element, note: str | None, heading_reject: str | None) -> None:
        if not self._free(el.os, el.ce):
            return
        if heading_reject or P.NEGATIVE_NAME.search(el.name):
            self._reject(el.os, el.ce, heading_reject or f"negative example (<{el.name}>)")
            return
        kids = [c for c in el.children]
        markers = [self._child_marker(c) for c in kids]
        typed = any(m.role in ("user", "assistant") for m in markers)
        if typed:
            self._answer_after_input(el, kids, markers)
            # Untyped children before the output (a <document> beside a <question>) belong to the input.
            first_out = next((i for i, m in enumerate(markers) if m.role == "assistant"), len(markers))
            before = [m for m in markers[:first_out] if m.role in ("user", "other")]
            if len(before) == 1:
                before[0].role = "user"  # a lone <posting> before the <answer> is the input
            elif len(before) > 1:
                # the input runs from the first child's open tag to the last one's close tag
                close_end = {c.os: c.ce for c in kids}
                merged = _Marker("user", before[0].start, before[0].start, close_end[before[-1].start])
                markers = [merged] + [m for m in markers if m not in before]
            markers = [m for m in markers if m.role not in ("other", "skip")]
        else:
            skip = [(c.os, c.ce) for c in kids]
            markers = self._label_markers(el.oe, el.cs, skip) + [
                _Marker("neutral", c.os, c.oe, c.cs) for c in kids if P.RATIONALE_CHILD.search(c.name)
            ]
            if not any(m.role in ("user", "assistant", "bad") for m in markers):
                markers += self._speaker_markers(el.oe, el.cs, skip)
            markers.sort(key=lambda m: m.start)
        turns, rationale, reason = self._build(markers, el.cs)
        if reason:
            self._reject(el.os, el.ce, reason)
            return
        self._accept(el.os, el.ce, turns, rationale, note)

    def _child_marker(self, c: _Element) -> _Marker:
        """A child of an example by its name: the prompt's own slots first (see :meth:`_slots`),
        then names that say bad, rationale, output or input; ``"other"`` for the rest."""
        inputs, answers = self._slots()
        if P.NEGATIVE_NAME.search(c.name):
            return _Marker("bad", c.os, c.oe, c.cs)
        if c.name in answers:
            # a tag the prompt asks the answer to be written in: the turn keeps the tags
            return _Marker("assistant", c.os, c.os, c.ce)
        if c.name in inputs:
            return _Marker("user", c.os, c.oe, c.cs)
        if P.RATIONALE_CHILD.search(c.name):
            return _Marker("neutral", c.os, c.oe, c.cs)
        if P.OUTPUT_CHILD.search(c.name):
            return _Marker("assistant", c.os, c.oe, c.cs)
        if P.INPUT_CHILD.search(c.name):
            return _Marker("user", c.os, c.oe, c.cs)
        return _Marker("other", c.os, c.oe, c.cs)

    def _answer_after_input(self, el: _Element, kids: list[_Element], markers: list[_Marker]) -> None:
        """An input child with no output child: what follows it is the answer.

        Untyped children after it (``<query>`` then ``<thought_process>`` and ``<sql>``)
        demonstrate an answer written in those tags, so the turn keeps them; children named as
        data (a ``<document>`` after the question) are no answer. Failing that, an output label
        after the children ("Your output:") and its text up to the end of the example are.
        """
        roles = [m.role for m in markers]
        if "assistant" in roles or "user" not in roles:
            return
        last = len(roles) - 1 - roles[::-1].index("user")
        tail = range(last + 1, len(kids))
        if any(roles[i] != "other" for i in tail):
            return
        if tail and not any(P.CONTEXT_NAME.search(kids[i].name) for i in tail):
            for i in tail:
                markers[i] = _Marker("assistant", kids[i].os, kids[i].os, kids[i].ce)
            return
        after = max(c.ce for c in kids[last:])
        found = [m for m in self._label_markers(kids[last].ce, el.cs, []) if m.start >= after]
        if len(found) == 1 and found[0].role == "assistant":
            markers.append(found[0])

    def _examples_from_elements(self) -> None:
        fm = self.front_matter
        # elements come parents first, so each one's answers build on its parent's
        inside: dict[int, bool] = {}  # el.os -> nested in an example (not in a container)
        top_of: dict[int, _Element] = {}  # el.os -> outermost example-named ancestor-or-self
        for el in self.elements:
            par = el.parent
            inside[el.os] = par is not None and (
                inside[par.os] or (bool(P.EXAMPLE_NAME.search(par.name)) and not self._is_container(par))
            )
            if P.EXAMPLE_NAME.search(el.name):
                top_of[el.os] = top_of.get(par.os, el) if par is not None else el
        for el in self.example_elements:
            if (fm and el.os < fm[1]) or P.EXAMPLE_META.search(el.name):
                continue
            if inside[el.os] or self._is_container(el):
                continue
            top = top_of[el.os]
            note, heading_reject = self._heading_verdict(top.os)
            if P.NEGATIVE_NAME.search(top.name):
                heading_reject = heading_reject or f"negative example (inside <{top.name}>)"
            quoted = self._quoting_ancestor(el)
            if quoted is not None:
                heading_reject = (
                    f"example inside <{quoted}>, which is data or a quoted prompt, not a demonstration"
                )
            self._element_example(el, note, heading_reject)
        self._example_descriptions()
        # containers without <example> children hold bare pairs ("Text: …\nCategory: …")
        for el in self.example_elements:
            if not self._is_container(el) or (fm and el.os < fm[1]) or self._quoting_ancestor(el):
                continue
            if any(P.EXAMPLE_NAME.search(c.name) and not P.EXAMPLE_META.search(c.name) for c in el.children):
                continue
            note, heading_reject = self._heading_verdict(el.os)
            if P.NEGATIVE_NAME.search(el.name):
                heading_reject = f"negative example (inside <{el.name}>)"
            if self._slot_items(el, note, heading_reject):
                continue
            self._pairs(el.oe, el.cs, forced=True, note=note, reject=heading_reject)

    def _slots(self) -> tuple[frozenset[str], frozenset[str]]:
        """Element names the prompt itself marks as its input and as its answer (computed once).

        An input slot is an element outside every example that holds a placeholder or a bracketed
        note for the caller (``<transcript>{{TRANSCRIPT}}</transcript>``, ``<email>[PASTE
        HERE]</email>``); an answer tag is one the instructions ask
        the answer to be written in ("provide your JSON output in <json> tags", "think in
        <thinking> tags first"). Inside examples, children with those names are the input and the
        desired output even when their names say neither (``<transcript>``, ``<json>``).
        """
        if self._slot_names is not None:
            return self._slot_names
        t = self.t
        spans = self.example_spans
        starts = [a for a, _ in spans]

        def in_example(i: int) -> bool:
            k = bisect.bisect_right(starts, i) - 1
            return k >= 0 and spans[k][1] > i

        inputs = frozenset(
            el.name
            for el in self.elements
            if el.cs - el.oe <= 200
            and (P.PLACEHOLDER.search(t, el.oe, el.cs) or _SLOT_BODY.fullmatch(t, el.oe, el.cs))
            and not P.EXAMPLE_NAME.search(el.name)
            and not in_example(el.os)
        )
        answers = frozenset(
            name
            for m in _ANSWER_TAG.finditer(t)
            if (
                _ANSWER_BEFORE.search(t, max(0, m.start() - 40), m.start()) or _ANSWER_AFTER.match(t, m.end())
            )
            and not in_example(m.start())
            # "wrap each one in <example> tags" names example markup, not an answer
            and not P.EXAMPLE_NAME.search(name := m.group(1).lower())
        )
        # a tag the answer is asked to be written in is the answer, even where it is also a slot
        self._slot_names = (inputs - answers, answers)
        return self._slot_names

    def _slot_markers(self, kids: list[_Element]) -> list[_Marker] | None:
        """Each child's role from the prompt's own slots (see :meth:`_slots`) and the child names
        that say input or output; None unless the prompt has slots and every child has a role."""
        if not any(self._slots()):
            return None
        out = [self._child_marker(c) for c in kids]
        return out if all(m.role in ("user", "assistant") for m in out) else None

    def _repeated_markers(self, kids: list[_Element]) -> list[_Marker] | None:
        """Roles from a repeated shape: ``<transcript>``, ``<thinking>``, ``<json>``, then again,
        two or more times. The first child of each repeat is the input (it must be named as data or
        input), the rest the desired output, tags included unless named as output; a child named
        as a rationale is commentary. None when the children do not repeat so."""
        if not kids:
            return None
        first = kids[0].name
        if (
            not (P.CONTEXT_NAME.search(first) or P.INPUT_CHILD.search(first))
            or P.OUTPUT_CHILD.search(first)
            or any(P.NEGATIVE_NAME.search(c.name) for c in kids)
        ):
            return None
        shape: list[str] = []
        for i, c in enumerate(kids):
            if i and c.name == first:
                break
            shape.append(c.name)
        names = [c.name for c in kids]
        if len(shape) < 2 or len(names) < 2 * len(shape) or names != shape * (len(names) // len(shape)):
            return None
        out: list[_Marker] = []
        for c in kids:
            if c.name == first:
                out.append(_Marker("user", c.os, c.oe, c.cs))
            elif P.OUTPUT_CHILD.search(c.name):
                out.append(_Marker("assistant", c.os, c.oe, c.cs))
            elif P.RATIONALE_CHILD.search(c.name):
                out.append(_Marker("neutral", c.os, c.oe, c.cs))
            else:
                out.append(_Marker("assistant", c.os, c.os, c.ce))
        return out

    def _slot_items(self, el: _Element, note: str | None, reject: str | None) -> bool:
        """Worked examples in a container of bare elements, one item per input:
        ``1. Title:`` / ``<transcript>…</transcript>`` / ``<thinking>…</thinking>`` / ``<json>…</json>``.

        Every child must be the prompt's input slot, an answer tag, or a child named as an input
        or output (:meth:`_slot_markers`), or the children must repeat one shape
        (:meth:`_repeated_markers`); between them only blank lines and short title lines. The
        answer keeps its tags; a title ("Interaction requiring follow-up:") is the example's label.
        False when the container is not of this shape.
        """
        t = self.t
        markers = self._slot_markers(el.children) or self._repeated_markers(el.children)
        if not markers:
            return False
        items: list[list[_Marker]] = []
        for mk in markers:
            if not items or (mk.role == "user" and items[-1][-1].role != "user"):
                items.append([])
            items[-1].append(mk)
        # the text before each item: nothing, or a title line ("2. Interaction requiring follow-up:")
        titles: list[tuple[int, str | None]] = []
        pos = el.oe
        for item in items:
            gap = t[pos : item[0].start]
            title = gap.strip()
            if title and ("\n" in title or len(title) > 80 or not title.endswith(":")):
                return False
            start = pos + len(gap) - len(gap.lstrip()) if title else item[0].start
            titles.append((start, re.sub(r"^(?:\d+[.)]|[-*#]+)\s*", "", title).rstrip(":").strip() or None))
            pos = max(m.cend for m in item)
        if t[pos : el.cs].strip():
            return False
        built = []
        for item, (start, heading) in zip(items, titles, strict=True):
            end = max(m.cend for m in item)
            turns, rationale, why = self._build(item, end)
            if why:
                return False
            built.append((start, end, turns, rationale, heading))
        for start, end, turns, rationale, heading in built:
            if reject:
                self._reject(start, end, reject)
            else:
                # the title names the case ("Insufficient data"): a label for choosing examples,
                # not a note to carry into the turn, which stays byte-exact
                self._accept(start, end, turns, rationale, note, label=heading)
        return True

    def _quoting_ancestor(self, el: _Element) -> str | None:
        """The name of an enclosing document, transcript or quoted prompt, if any."""
        anc = el.parent
        while anc is not None:
            if _QUOTING.search(anc.name) and not P.EXAMPLE_NAME.search(anc.name):
                return anc.name
            anc = anc.parent
        return None

    def _example_descriptions(self) -> None:
        """An <example_docstring> goes with the example that follows it."""
        starts = sorted((s, i) for i, (s, _) in enumerate(self.examples))
        for el in self.example_elements:
            if not P.EXAMPLE_META.search(el.name) or not self._free(el.os, el.ce):
                continue
            k = bisect.bisect_left(starts, (el.ce, -1))
            if k == len(starts) or self.t[el.ce : starts[k][0]].strip():
                continue
            segs: list[Segment] = []
            self._seg(segs, el.os, el.ce, "example_rationale")
            idx = starts[k][1]
            self._claim(el.os, el.ce, [Segment(x.start, x.end, x.text, x.kind, example=idx) for x in segs])

    def _is_container(self, el: _Element) -> bool:
        if re.search(r"(?:example|sample)s$", el.name):
            return True
        cached = self._containers.get(el.os)
        if cached is not None:
            return cached
        kids = [
            c
            for c in el.children
            if P.EXAMPLE_NAME.search(c.name) and not P.EXAMPLE_META.search(c.name) and not _typed_part(c.name)
        ]
        result = False
        if kids:
            # an example whose own turns surround a nested <example> is an example, not a container;
            # only the text between children is scanned, so deep nesting stays linear
            roles: set[str] = set()
            pos = el.oe
            for c in [*el.children, None]:
                stop = el.cs if c is None else c.os
                if stop > pos:
                    roles |= {m.role for m in self._label_markers(pos, stop, [])}
                if c is not None:
                    pos = max(pos, c.ce)
            result = not ({"user", "assistant"} & roles)
        self._containers[el.os] = result
        return result

    def _pairs(
        self, s: int, e: int, *, forced: bool, note: str | None = None, reject: str | None = None
    ) -> None:
        """Find label-pair examples (``Input:/Output:``, ``Q:/A:``, ``User:/Assistant:``) in ``[s, e)``."""
        t = self.t
        markers = [m for m in self._label_markers(s, e, self.fences) if self._free(m.start, m.start + 1)]
        if not markers:
            return
        # Each turn ends at the end of its paragraph, the next label, or e.
        groups: list[list[_Marker]] = []
        cur: list[_Marker] = []
        for i, mk in enumerate(markers):
            nxt = markers[i + 1].start if i + 1 < len(markers) else e
            mk.cend = self._turn_end(mk, nxt)
            if cur:
                gap = t[cur[-1].cend : mk.start]
                has_text = bool(gap.strip())
                blank = gap.count("\n") >= 2
                if (
                    has_text
                    or not self._free(cur[-1].cend, mk.start)
                    or (
                        blank
                        and mk.role == "user"
                        and any(m.role == "assistant" for m in cur)
                        # "User:" alone on its line over an indented block: the next turn of a
                        # session, not a new example
                        and not (
                            t[mk.start : mk.cstart].count("\n") == 1
                            and t[mk.cstart : mk.cstart + 1] in (" ", "\t")
                            and mk.label in _CHAT_LABELS
                        )
                    )
                ):
                    groups.append(cur)
                    cur = []
            cur.append(mk)
        if cur:
            groups.append(cur)
        prev_accepted_end = -1
        accepted_labels: set[str] = set()
        for g in groups:
            gs, ge = g[0].start, g[-1].cend
            roles = {m.role for m in g}
            if not ({"user", "assistant"} <= roles or "bad" in roles):
                # an item of the run whose input label is misspelt ('6. Complaint "…"' then
                # "Classification: …") is no example, but the run goes on after it
                if (
                    prev_accepted_end >= 0
                    and roles == {"assistant"}
                    and {m.label for m in g} <= accepted_labels
                    and not t[prev_accepted_end:gs].count("\n\n") > 1
                ):
                    prev_accepted_end = ge
                continue
            if not self._free(gs, ge):
                continue
            g_note, g_reject = note, reject
            if not forced:
                g_note, g_reject = self._heading_verdict(gs)
                context = g_note is not None or g_reject is not None
                title = self._heading_before(gs)
                if title and P.EXAMPLE_WORD.search(title):
                    context = True
                before = t[max(s, gs - 400) : gs].rstrip()
                last_line = P.INLINE_CODE.sub("", before[before.rfind("\n") + 1 :])
                if last_line and P.EXAMPLE_WORD.search(last_line):
                    context = True
                    if _BAD_HEADING.search(last_line):
                        g_reject = g_reject or f"negative example (introduced by {last_line.strip()!r})"
                if prev_accepted_end >= 0 and not t[prev_accepted_end:gs].strip():
                    context = True
                if not context and not self._completion_pattern(g, last_line):
                    if {"user", "assistant"} <= roles:
                        self._reject(
                            gs,
                            ge,
                            "transcript outside any example context (treated as input data)",
                            claim=False,
                        )
                    continue
            if g_reject:
                self._reject(gs, ge, g_reject)
                continue
            for sub in self._split_pairs(g):
                ss, se = sub[0].start, sub[-1].cend
                turns, rationale, reason = self._build(sub, se)
                # a rejected pair ("Bad: …") inside an example run does not end the run
                prev_accepted_end = se
                if reason:
                    self._reject(ss, se, reason)
                    continue
                self._accept(ss, se, turns, rationale, g_note)
                accepted_labels.update(m.label for m in sub if m.role == "assistant")

    def _title_before(self, pos: int) -> tuple[int, str] | None:
        """The nearest section title before ``pos``: a markdown heading or a line in capitals."""
        k = bisect.bisect_left(self.heading_starts, pos) - 1
        c = bisect.bisect_left(self.caps_starts, pos) - 1
        best = self.headings[k] if k >= 0 else None
        if c >= 0 and (best is None or self.caps_titles[c][0] > best[0]):
            best = self.caps_titles[c]
        return best

    def _enclosing(self, s: int, e: int) -> list[_Element]:
        """The elements whose content holds ``[s, e)``, innermost first.

        The element that opens last before ``s`` is either one of them or nested in one, so its
        chain of parents holds them all (elements nest properly).
        """
        k = bisect.bisect_right(self.element_starts, s) - 1
        el = self.elements[k] if k >= 0 else None
        out: list[_Element] = []
        while el is not None:
            if el.oe <= s and e <= el.cs:
                out.append(el)
            el = el.parent
        return out

    def _arrow_examples(self, s: int, e: int) -> None:
        """Arrow examples under an examples title: input line(s), then a line "→ output".

        ``"Reading the config files."`` on one line and ``→ {"state": "working"}`` on the next form
        a worked example when the nearest title (a markdown heading or a line in capitals such as
        "EXAMPLES (tail → classification)") names examples; parenthesised lines after the output
        ("(no re-poll → blocked)") are its rationale. One-line mappings ("ls → List files") and
        arrows inside sentences are rules, not examples, and stay in the instructions.
        """
        t = self.t
        for m in _ARROW_LINE.finditer(t, s, e):
            a = m.start()
            if not self._free(a, a + 1) or any(x <= a < y for x, y in self.fences):
                continue
            ps = a  # walk up to the blank line (or the start of the gap) above the arrow
            while ps > s:
                prev = max(s, t.rfind("\n", s, ps - 1) + 1)
                above = t[prev : ps - 1]
                if not above.strip() or P.TAG_LINE.match(above):
                    break  # a blank line or a line of tags (<examples>) opens the paragraph
                ps = prev
            if ps >= a:
                continue  # no input line above the arrow
            pe = self._paragraph_end(a, e)
            inputs = t[ps:a].rstrip("\r\n").split("\n")
            own_title: str | None = None
            first = inputs[0].strip()
            if len(inputs) > 1 and (
                _CAPS_TITLE.match(inputs[0])
                or (first.endswith(":") and len(first) <= 80 and P.EXAMPLE_WORD.search(first))
            ):
                # "Examples:" right above the first input heads the run
                own_title = first
                ps += len(inputs[0]) + 1
                inputs = inputs[1:]
            if any(
                not ln.strip()
                or P.LIST_ITEM.match(ln)
                or P.HEADING.match(ln)
                or _CAPS_TITLE.match(ln)
                or _ARROW_LINE.match(ln)
                or P.TAG_LINE.match(ln)
                for ln in inputs
            ):
                continue
            line_end = t.find("\n", m.end(), pe)
            line_end = pe if line_end == -1 else line_end
            tag: re.Match[str] | None = None
            for tl in re.finditer(r"^.*$", t[line_end:pe], re.M):
                if P.TAG_LINE.match(tl.group(0)) and tl.group(0).strip():
                    tag = tl
                    break
            if tag is not None:  # a closing tag right below the output ends the example
                pe = line_end + tag.start()
                while pe > line_end and t[pe - 1].isspace():
                    pe -= 1
            rest = t[line_end:pe]
            if any(ln.strip() and not ln.strip().startswith("(") for ln in rest.split("\n")):
                continue  # more than an output line and its parenthesised rationale
            if not self._free(ps, pe):
                continue
            title = (ps, own_title) if own_title is not None else self._title_before(ps)
            if title is None or not P.EXAMPLE_WORD.search(title[1]):
                continue
            if _BAD_HEADING.search(title[1]):
                self._reject(ps, pe, f"negative example (under the heading {title[1].strip()!r})")
                continue
            around = self._enclosing(ps, pe)
            if (bad := next((el for el in around if P.NEGATIVE_NAME.search(el.name)), None)) is not None:
                self._reject(ps, pe, f"negative example (inside <{bad.name}>)")
                continue
            if any(_QUOTING.search(el.name) and not P.EXAMPLE_NAME.search(el.name) for el in around):
                continue  # inside a document or a quoted prompt: data, not a demonstration
            # a single quoted input ("…") is the input without its quotes
            us, ue = ps, a
            while ue > us and t[ue - 1].isspace():
                ue -= 1
            while us < ue and t[us].isspace():
                us += 1
            q = t[us]
            closing = {'"': '"', "“": "”"}.get(q)
            if closing and ue - us >= 2 and t[ue - 1] == closing and closing not in t[us + 1 : ue - 1]:
                us, ue = us + 1, ue - 1
            markers = [_Marker("user", ps, us, ue), _Marker("assistant", a, m.end(), line_end)]
            for r in re.finditer(r"^[ \t]*(\(.*)$", rest, re.M):
                markers.append(
                    _Marker("neutral", line_end + r.start(), line_end + r.start(1), line_end + r.end())
                )
            turns, rationale, reason = self._build(markers, pe)
            if reason:
                self._reject(ps, pe, reason)
                continue
            clean = title[1].strip("#*_ :")
            note = None if re.fullmatch(r"(?i)(?:worked\s+)?examples?(?:\s*\(.*\))?", clean) else clean
            self._accept(ps, pe, turns, rationale, note)

    def _open_input(self, g: list[_Marker]) -> int:
        """How many trailing markers are the open input ("Q: {question}" / an empty "A:") to leave."""
        t = self.t
        n = len(g)
        if n and g[-1].role == "assistant" and not t[g[-1].cstart : g[-1].cend].strip():
            n -= 1
        if n and g[n - 1].role == "user":
            n -= 1
        return len(g) - n

    def _completion_pattern(self, g: list[_Marker], intro: str) -> bool:
        """Q/A pairs followed by an unanswered question: few-shot by completion, unless it is a chat log."""
        if _DATA_INTRO.search(intro):
            return False
        drop = self._open_input(g)
        body = [m.role for m in g[: len(g) - drop] if m.role != "neutral"]
        return drop > 0 and len(body) >= 4 and body == ["user", "assistant"] * (len(body) // 2)

    def _split_pairs(self, g: list[_Marker]) -> list[list[_Marker]]:
        """Independent pairs (Q/A, Input/Output) become one example each; a chat stays one example."""
        g = g[: len(g) - self._open_input(g)] if self._open_input(g) < len(g) else g
        if all(m.label in _CHAT_LABELS for m in g if m.role in ("user", "assistant")):
            return [g]
        out: list[list[_Marker]] = []
        for m in g:
            after_output = bool(out) and any(x.role == "assistant" for x in out[-1])
            # a bare "Bad:" line heads the pair below it, not the one above
            bare_bad = m.role == "bad" and not self.t[m.cstart : max(m.cstart, m.cend)].strip()
            if (m.role == "user" or bare_bad) and after_output:
                out.append([m])
            elif out:
                out[-1].append(m)
            else:
                out.append([m])
        return out

    def _in_indented_turn(self, pos: int) -> bool:
        """True when ``pos`` opens an indented line of a block under a chat label alone on its line
        ("User:" then "  <helper-report>…")."""
        t = self.t
        ls = t.rfind("\n", 0, pos) + 1
        if t[ls:pos].strip() or pos == ls:
            return False
        depth = pos - ls
        for _ in range(60):  # walk up to the line that is less indented
            if ls == 0:
                return False
            ls = t.rfind("\n", 0, ls - 1) + 1
            line = t[ls : t.find("\n", ls)]
            if not line.strip():
                continue
            if len(line) - len(line.lstrip(" \t")) >= depth:
                continue
            m = P.LABEL.match(line)
            return bool(m and m.end() == len(line.rstrip()) and m.group(1).strip().lower() in _CHAT_LABELS)
        return False

    def _turn_end(self, mk: _Marker, limit: int) -> int:
        """End of a label's turn: its paragraph, or, for a label alone on its line ("You:") over an
        indented block, every following paragraph indented at least as deep."""
        t = self.t
        end = self._paragraph_end(mk.cstart, limit)
        if t[mk.start : mk.cstart].count("\n") != 1 or mk.cstart >= end:
            return end  # the content starts on the label's own line
        label_line = t[t.rfind("\n", 0, mk.start + 1) + 1 : mk.cstart]
        label_indent = len(label_line) - len(label_line.lstrip(" \t"))
        nl = t.find("\n", mk.cstart, end)
        first = t[mk.cstart : end if nl == -1 else nl]
        depth = len(first) - len(first.lstrip(" \t"))
        if depth <= label_indent:
            return end
        while end < limit:
            m = _BLANK_LINES.match(t, end)
            nxt = m.end() if m else end
            if nxt >= limit or nxt == end:
                break
            line_end = t.find("\n", nxt, limit)
            line = t[nxt : limit if line_end == -1 else line_end]
            if not line.strip() or len(line) - len(line.lstrip(" \t")) < depth:
                break
            end = self._paragraph_end(nxt, limit)
        return end

    def _paragraph_end(self, start: int, limit: int) -> int:
        """End of the paragraph that starts at ``start`` (a fenced block does not end it)."""
        pos = start
        while True:
            m = _BLANK.search(self.t, pos, limit)
            if m is None:
                return limit
            fence = next(((a, b) for a, b in self.fences if a <= m.start() < b), None)
            if fence is None:
                return m.start()
            pos = fence[1]

    # -- tool definitions -------------------------------------------------------------------------
    def _tool_definitions(self) -> None:
        """Claim tool definitions written into the prompt, and Claude's own tool-call syntax.

        A ``<functions>``/``<tools>`` element whose body is JSON tools, or whose children are
        ``<function>{json}</function>`` elements and nothing else, becomes one ``"tool"`` segment;
        so does a lone ``<function>`` element. The JSON inside may quote tags and examples (a tool
        description with ``<example>`` in it), so this runs before the example passes.
        A ``<function_calls>`` skeleton with ``$PLACEHOLDER`` names is Claude's call syntax, which
        the target's template replaces with its own: it becomes a ``"tool_syntax"`` segment.
        """
        t = self.t
        for el in self.elements:  # parents first: a wrapper claims its children
            local = el.name.rsplit(":", 1)[-1]
            if not self._free(el.os, el.ce):
                continue
            if local == "function_calls":
                body = t[el.oe : el.cs]
                if _INVOKE.search(body) and _CALL_PLACEHOLDER.search(body):
                    segs: list[Segment] = []
                    self._seg(segs, el.os, el.ce, "tool_syntax")
                    self._claim(el.os, el.ce, segs)
                continue
            if local not in TOOL_CONTAINERS:
                continue
            found = self._tools_in(el)
            if not found:
                continue
            segs = []
            self._seg(segs, el.os, el.ce, "tool")
            self._claim(el.os, el.ce, segs)
            self.tools.extend(found)

    def _tools_in(self, el: _Element) -> list[ToolDefinition]:
        t = self.t
        tools = parse_tools(t[el.oe : el.cs])
        if tools is not None:
            return [ToolDefinition(x["function"]["name"], x, (el.os, el.ce)) for x in tools]
        kids = el.children
        if not kids or any(c.name.rsplit(":", 1)[-1] not in TOOL_CONTAINERS for c in kids):
            return []
        gaps = [
            t[a:b]
            for a, b in zip([el.oe] + [c.ce for c in kids], [c.os for c in kids] + [el.cs], strict=True)
        ]
        if any(g.strip() for g in gaps):
            return []
        out: list[ToolDefinition] = []
        for c in kids:
            found = parse_tools(t[c.oe : c.cs])
            if found is None:
                return []
            out.extend(ToolDefinition(x["function"]["name"], x, (c.os, c.ce)) for x in found)
        return out

    def _fenced_tools(self) -> None:
        """Claim code blocks (and the sections around them) that define the prompt's own tools.

        A code block of JSON tools in a ``{"functions": [...]}`` wrapper is one. So is a
        tool listing written as sections, one per tool, as Claude's consumer and Claude Code
        prompts print theirs: a heading that is the tool's name (``## bash_tool``, ``## Bash``),
        its description, and a code block that closes the section with the tool's JSON (naming
        it) or its bare input schema. The whole section becomes the tool, the prose its
        description. Bare schemas count only when two or more sections read so, and a lone tool
        definition anywhere else stays code: it is more likely an illustration (API documentation
        showing how to define a tool).
        """
        t = self.t
        bare: list[tuple[int, int, str, dict[str, object], str]] = []
        for a, b in self.fences:
            if not self._free(a, b):
                continue
            inner = t[a:b]
            first, last = inner.find("\n"), inner.rstrip().rfind("\n")
            if first == -1 or last <= first:
                continue
            body = inner[first + 1 : last]
            if not body.lstrip().startswith("{"):
                continue
            found = parse_tools(body)
            # {"functions": [...]} is how Claude's prompts print their tools; {"tools": [...]} in a
            # code block is far more often an API request shown in documentation
            if found and re.match(r'\s*\{\s*"functions"\s*:', body):
                self._claim_tools(a, b, [ToolDefinition(x["function"]["name"], x, (a, b)) for x in found])
                continue
            section = self._tool_section(a, b)
            if section is None:
                continue
            start, name, prose = section
            if found is not None:
                fn = found[0]["function"]
                if len(found) != 1 or fn["name"] != name:
                    continue
                if prose:
                    # the section's prose is part of the tool: nothing in the span may be lost
                    desc = fn.get("description", "")
                    full = prose if desc.strip() in prose else f"{desc}\n\n{prose}"
                    fn = {"name": name, "description": full, "parameters": fn["parameters"]}
                tool = {"type": "function", "function": fn}
                self._claim_tools(start, b, [ToolDefinition(name, tool, (start, b))])
                continue
            schema = load_json(body)
            if isinstance(schema, dict) and (
                schema.get("type") == "object" or isinstance(schema.get("properties"), dict)
            ):
                bare.append((start, b, name, schema, prose))
        if len(bare) >= 2:
            for start, b, name, schema, prose in bare:
                fn = (
                    {"name": name, "description": prose, "parameters": schema}
                    if prose
                    else {"name": name, "parameters": schema}
                )
                self._claim_tools(
                    start, b, [ToolDefinition(name, {"type": "function", "function": fn}, (start, b))]
                )

    def _claim_tools(self, a: int, b: int, tools: list[ToolDefinition]) -> None:
        if not self._free(a, b):
            return
        segs: list[Segment] = []
        self._seg(segs, a, b, "tool")
        self._claim(a, b, segs)
        self.tools.extend(tools)

    def _tool_section(self, a: int, b: int) -> tuple[int, str, str] | None:
        """``(heading start, tool name, description)`` when the code block at ``a:b`` closes a
        section whose heading is a tool name, else None."""
        t = self.t
        k = bisect.bisect_left(self.heading_starts, a) - 1
        if k < 0:
            return None
        nxt = bisect.bisect_left(self.heading_starts, b)
        follow = self.headings[nxt][0] if nxt < len(self.headings) else self.n
        if t[b:follow].strip():
            return None  # the section goes on after the code block
        next_level = _level(t, follow) if nxt < len(self.headings) else 0
        # the outermost enclosing heading that names a tool and whose section the block closes
        # ("## TaskGet" over its "### Tips", not the "# Tools" over every tool)
        level = 7
        best: int | None = None
        while k >= 0:
            hs, title = self.headings[k]
            lv = _level(t, hs)
            if lv < level:
                level = lv
                name = title.strip("`*_ ")
                if _TOOL_NAME.fullmatch(name) and name.lower() not in _NOT_TOOL_NAMES and next_level <= level:
                    best = k
                if level == 1:
                    break  # no heading encloses a top-level one
            k -= 1
        if best is None:
            return None
        hs, title = self.headings[best]
        line_end = t.find("\n", hs)
        return hs, title.strip("`*_ "), t[line_end:a].strip() if line_end != -1 else ""

    def _context_elements(self) -> None:
        for el in self.elements:
            if not self._free(el.os, el.ce):
                continue
            if P.EXAMPLE_NAME.search(el.name) or P.NON_CONTEXT_NAME.search(el.name):
                continue
            if not P.CONTEXT_NAME.search(el.name):
                continue
            if self._in_indented_turn(el.os):
                continue  # the content of a "User:" turn in a session, not data beside the rules
            inner = self._label_markers(el.oe, el.cs, [])
            if {"user", "assistant"} <= {m.role for m in inner}:
                self.rejected.append(
                    RejectedExample(
                        (el.os, el.ce), self.t[el.os : el.ce], f"transcript inside <{el.name}> is input data"
                    )
                )
            segs: list[Segment] = []
            self._seg(segs, el.os, el.ce, "context", hard=True)
            self._claim(el.os, el.ce, segs)

    # -- prose ----------------------------------------------------------------------------------
    def _prose(self, s: int, e: int, out: list[Segment]) -> None:
        t = self.t
        para: list[tuple[int, int]] = []

        def flush() -> None:
            if not para:
                return
            ps, pe = para[0][0], para[-1][1]
            lines = [t[a:b] for a, b in para]
            if any(_CODEISH.search(ln) for ln in lines) or (
                len(para) > 1
                and all(
                    len(ln.strip()) < 60 and not ln.rstrip().endswith((".", "!", "?", ":")) for ln in lines
                )
            ):
                for a, b in para:
                    self._seg(out, a, b, "line")
            else:
                self._sentences(ps, pe, out)
            para.clear()

        i = s
        item: tuple[int, int, int] | None = None  # (start, end, indent) of an open list item
        while i < e:
            nl = t.find("\n", i, e)
            le = e if nl == -1 else nl + 1
            body_end = le - 1 if nl != -1 else le
            line = t[i:body_end]
            if item is not None:
                ind = len(line) - len(line.lstrip(" \t"))
                if (
                    line.strip()
                    and ind > item[2]
                    and not P.LIST_ITEM.match(line)
                    and not P.HEADING.match(line)
                ):
                    item = (item[0], body_end, item[2])
                    i = le
                    continue
                self._seg(out, item[0], item[1], "rule", hard=True)
                self._seg(out, item[1], i, "whitespace")
                item = None
            if not line.strip():
                flush()
                self._seg(out, i, le, "whitespace")
            elif P.HEADING.match(line):
                flush()
                self._seg(out, i, le, "heading")
            elif (lm := P.LIST_ITEM.match(line)) is not None:
                flush()
                item = (i, body_end, len(lm.group(1)))
                if nl != -1:
                    i = le
                    continue
            elif P.TAG_LINE.match(line):
                flush()
                self._seg(out, i, le, "tag", hard=True)
            elif P.TABLE_LINE.match(line):
                flush()
                self._seg(out, i, le, "line", hard=True)
            else:
                para.append((i, le))
            i = le
        if item is not None:
            self._seg(out, item[0], e, "rule", hard=True)
        flush()

    def _sentences(self, s: int, e: int, out: list[Segment]) -> None:
        t = self.t
        pos = s
        for m in _SENT_END.finditer(t, s, e):
            nxt = t[m.end() : m.end() + 1]
            if not nxt or not (nxt.isupper() or nxt.isdigit() or nxt in "\"'“(*[<`_#-"):
                continue
            word = re.search(r"([\w.]+)[.!?]?$", t[max(pos, m.start() - 12) : m.start() + 1])
            if word and word.group(1).lower().rstrip(".") in P.ABBREVIATIONS:
                continue
            if (
                t[m.start()] == "."
                and m.start() > 0
                and t[m.start() - 1].isdigit()
                and "\n" not in m.group(1)
            ):
                continue
            self._seg(out, pos, m.start(1), "sentence")
            pos = m.start(1)
        self._seg(out, pos, e, "sentence")

    # -- classification -------------------------------------------------------------------------
    def _classify(self, segs: list[Segment]) -> list[Segment]:
        out: list[Segment] = []
        seen: set[str] = set()
        role_done = False
        persona: re.Pattern[str] | None = None  # the assistant's name from the role line ("Wayfarer")
        in_role_paragraph = True  # the opening paragraph states the task, whatever its grammar
        newlines = 0  # in the current run of whitespace segments
        for seg in segs:
            if seg.kind == "whitespace":
                newlines += seg.text.count("\n")
                if newlines >= 2:
                    in_role_paragraph = False
            else:
                newlines = 0
                if seg.kind not in ("sentence", "role"):
                    in_role_paragraph = False
            if seg.kind not in ("sentence", "line", "rule", "heading", "tag", "non_example"):
                out.append(seg)
                continue
            text = seg.text
            kind: SegmentKind = seg.kind
            strong = kind in ("sentence", "line") and bool(
                P.STRONG.search(text)
                or P.CAPS_WORD.search(text)
                or P.LITERAL.search(text)
                or P.PLACEHOLDER.search(text)
            )
            hard = seg.hard or (strong and kind in ("sentence", "line"))
            if kind == "tag" and P.EXAMPLE_NAME.search(text):
                hard = False  # example wrappers: emptied containers may go
            filler: str | None = None
            if kind == "sentence" and not role_done and P.ROLE.match(text):
                kind, hard, role_done, in_role_paragraph = "role", True, True, True
                named = _PERSONA.search(text)
                if named and named.group(1).lower() not in P.STATEMENT_OPENERS:
                    persona = re.compile(r"\b" + re.escape(named.group(1)) + r"\b")
            elif kind in ("sentence", "line") and _EXAMPLE_LINE.match(text):
                kind = "example_intro"
            elif kind == "sentence" and not hard:
                if P.POLITE.search(text):
                    filler = "politeness"
                elif P.RATIONALE.search(text) or P.BETTER_OFF.search(text):
                    filler = "rationale (explains why; carries no instruction)"
                elif not in_role_paragraph and _is_background(text, persona):
                    filler = BACKGROUND
            elif (
                kind == "sentence"
                and P.RATIONALE.match(text)
                and not re.search(
                    r"\b(?:must|never|always|only|exactly|not|no|cannot|should)\b|\d|\"|`|\{", text, re.I
                )
            ):
                hard = False
                filler = "rationale (explains why; carries no instruction)"
            # a hard sentence may be part of a longer rule quoted elsewhere; only whole lines merge
            if (kind == "sentence" and not hard and len(text) >= 12) or (
                kind in ("line", "rule") and len(text) >= 40
            ):
                key = _norm(text)
                if key in seen:
                    filler = "duplicate of an earlier sentence"
                seen.add(key)
            fmt = seg.output_format or (
                kind in ("sentence", "line", "rule") and bool(P.OUTPUT_FORMAT.search(text))
            )
            out.append(
                Segment(
                    seg.start,
                    seg.end,
                    text,
                    kind,
                    hard=hard,
                    filler=filler,
                    output_format=fmt,
                    example=seg.example,
                )
            )
        self._merge_duplicate_lines(out)
        # an intro line ("Here are some examples:") directly before an example
        for i, seg in enumerate(out):
            # "Here are some examples:", or a title in capitals ("EXAMPLES (input → label)")
            title = _CAPS_TITLE.fullmatch(seg.text) is not None
            if seg.kind not in ("sentence", "line") or (
                seg.hard and not seg.text.rstrip().endswith(":") and not title
            ):
                continue
            if not ((seg.text.rstrip().endswith(":") or title) and P.EXAMPLE_WORD.search(seg.text)):
                continue
            j = i + 1
            while j < len(out) and out[j].kind in ("whitespace", "tag") and out[j].example is None:
                j += 1
            if (
                j < len(out)
                and out[j].example is not None
                and not P.STRONG.search(seg.text.replace("examples", ""))
            ):
                out[i] = Segment(seg.start, seg.end, seg.text, "example_intro", example=None)
        return out

    def _merge_duplicate_lines(self, out: list[Segment]) -> None:
        """Mark every sentence of a line that repeats an earlier line word for word."""
        seen: set[str] = set()
        i = 0
        while i < len(out):
            if out[i].kind not in ("sentence", "role"):
                i += 1
                continue
            j = i
            group = [i]
            while j + 2 < len(out) and out[j + 1].kind == "whitespace" and "\n" not in out[j + 1].text:
                if out[j + 2].kind != "sentence":
                    break
                j += 2
                group.append(j)
            key = _norm(self.t[out[i].start : out[j].end])
            if len(key) >= 20 and key in seen:
                for k in group:
                    s = out[k]
                    out[k] = Segment(
                        s.start,
                        s.end,
                        s.text,
                        s.kind,
                        s.hard,
                        "duplicate of an earlier sentence",
                        s.output_format,
                    )
            seen.add(key)
            i = j + 1

    def _settle_labels(self) -> None:
        """A short output is a label ("BLOCK") only if another example or the instructions use it too."""
        t = self.t
        outputs = Counter(
            ex.label for _, ex in self.examples if ex.label and ex.label.startswith(_SHORT_LABEL)
        )
        found = _occurrences(t, [label[len(_SHORT_LABEL) :] for label in outputs])
        for i, (s, ex) in enumerate(self.examples):
            if not ex.label or not ex.label.startswith(_SHORT_LABEL):
                continue
            value = ex.label[len(_SHORT_LABEL) :]
            end = ex.source_span[1] if ex.source_span else s
            named = any(not s <= at < end for at in found[value])
            label = value if named or outputs[ex.label] > 1 else ex.note
            self.examples[i] = (
                s,
                Example(ex.turns, ex.source_span, label=label, note=ex.note, section=ex.section),
            )

    # -- driver ---------------------------------------------------------------------------------
    def run(self) -> ParsedPrompt:
        t = self.t
        self._scan()
        if self.front_matter:
            fs, fe = self.front_matter
            seg: list[Segment] = []
            self._seg(seg, fs, fe, "front_matter", hard=True)
            self._claim(fs, fe, seg)
            body = t[fs:fe]
            if re.search(r"<example", body, re.I) and re.search(r"(?i)\b(?:user|assistant)\s*:", body):
                self.rejected.append(
                    RejectedExample(
                        (fs, fe),
                        body,
                        "routing examples in front matter (they describe when to use an agent)",
                    )
                )
        self._tool_definitions()
        self._fenced_tools()
        self._examples_from_elements()
        self._context_elements()
        # label pairs in the gaps between claims
        gaps: list[tuple[int, int]] = []
        pos = 0
        for c in list(self.claims):
            if c.start > pos:
                gaps.append((pos, c.start))
            pos = max(pos, c.end)
        if pos < self.n:
            gaps.append((pos, self.n))
        for a, b in gaps:
            self._pairs(a, b, forced=False)
        for a, b in gaps:
            self._arrow_examples(a, b)
        for a, b in self.fences:
            if self._free(a, b):
                seg = []
                self._seg(seg, a, b, "code", hard=True)
                self._claim(a, b, seg)
        segments: list[Segment] = []
        pos = 0
        for c in self.claims:
            if c.start > pos:
                self._prose(pos, c.start, segments)
            segments.extend(c.segments)
            pos = c.end
        if pos < self.n:
            self._prose(pos, self.n, segments)
        self._settle_labels()
        # renumber examples in source order
        order = sorted(range(len(self.examples)), key=lambda i: self.examples[i][0])
        new_index = {old: new for new, old in enumerate(order)}
        segments = [
            s
            if s.example is None
            else Segment(
                s.start, s.end, s.text, s.kind, s.hard, s.filler, s.output_format, new_index[s.example]
            )
            for s in segments
        ]
        segments = self._classify(segments)
        if "".join(s.text for s in segments) != t:  # pragma: no cover - an internal invariant
            raise PromptError(
                "split_prompt lost text while parsing.", hint="please report this prompt as a bug"
            )
        return ParsedPrompt(
            text=t,
            segments=tuple(segments),
            examples=tuple(self.examples[i][1] for i in order),
            rejected=tuple(sorted(self.rejected, key=lambda r: r.span)),
            placeholders=tuple((m.group(0), (m.start(), m.end())) for m in P.PLACEHOLDER.finditer(t)),
            tools=tuple(sorted(self.tools, key=lambda x: x.span)),
        )
