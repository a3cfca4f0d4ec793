"""Regular expressions and word lists the parser classifies with (stdlib ``re`` only)."""

from __future__ import annotations

import re

# An XML-ish tag: namespaced (`a:b`), with attributes, or with a space in its name (`<parties involved>`).
TAG = re.compile(r"<(/?)([A-Za-z_][\w.:\-]{0,60})((?:\s[^<>\n]{0,200})?)(/?)>")
INLINE_CODE = re.compile(r"`[^`\n]+`")
FENCE = re.compile(r"^[ \t\r]{0,3}(`{3,}|~{3,})", re.M)
FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t\r]*\n.*?\n---[ \t\r]*(?:\n|\Z)", re.S)
HEADING = re.compile(r"^[ \t\r]{0,3}(#{1,6})[ \t\r]+(.*?)[ \t\r#]*$")
LIST_ITEM = re.compile(r"^([ \t\r]*)(?:[-*+•]|\d{1,3}[.)]|[a-zA-Z][.)])[ \t\r]+\S")
# a line of tags, or one tag in backticks ("`<example>`  ": markdown that shows the tags)
TAG_LINE = re.compile(r"^[ \t\r]*(?:(?:</?[A-Za-z_][^<>\n]*>[ \t\r]*)+|`</?[A-Za-z_][^<>`\n]*>`[ \t\r]*)$")
TABLE_LINE = re.compile(r"^[ \t\r]*\|")
PLACEHOLDER = re.compile(
    r"\{\{\s*[A-Za-z_][\w.\- ]{0,60}\s*\}\}|\$\{[A-Za-z_]\w{0,60}\}|(?<![{\w$])\{[A-Za-z_][\w.\-]{0,60}\}(?!\})"
)
# A turn label at the start of a line: `User:`, `**Assistant**:`, `Text:`, `H:`.
# (after an optional item number: "1. Complaint: …")
_LABEL_BODY = (
    r"[ \t\r]*(?:>[ \t\r]*)?(?:\d{1,2}[.)][ \t]+)?(?:[*_]{1,2})?([A-Za-z][A-Za-z '’\-]{0,28}?)(?:[*_]{1,2})?[ \t\r]*:(?:[*_]{1,2})?"
    r"(?=[ \t\r]|\n|$)"
)
LABEL = re.compile("^" + _LABEL_BODY, re.M)
# the same, right after an opening tag on the same line: "<example>User: hi"
LABEL_HERE = re.compile(_LABEL_BODY)


def _words(text: str, *phrases: str) -> frozenset[str]:
    return frozenset([*text.split(), *phrases])


# Labels are compared lower-cased with single spaces.
USER_LABELS = _words(
    """user human customer client question input text query prompt request message email ticket review
    sentence statement problem task article passage document snippet comment post tweet headline""",
    "user input", "user query", "user message", "user request", "user prompt", "example input",
    "sample input", "input text", "customer message", "customer query", "example user", "human message",
    "user says", "user said", "customer says", "user asks",
)  # fmt: skip
ASSISTANT_LABELS = _words(
    """assistant ai answer output response category label classification claude bot agent chatbot model
    result reply completion translation sentiment rating score intent topic tags verdict sql labels
    categories you""",
    "example output", "sample output", "ideal response", "ideal output", "good response", "good output",
    "good", "correct", "correct response", "correct output", "expected output", "expected response",
    "assistant response", "ai response", "model response", "desired output", "good answer",
    "your output", "your response", "your answer", "ideal answer", "model output", "assistant says",
)  # fmt: skip
UPPER_ONLY_USER = frozenset({"H", "Q"})
UPPER_ONLY_ASSISTANT = frozenset({"A"})
BAD_LABEL = re.compile(r"^(?:bad|wrong|incorrect|don'?t|do not|avoid|negative|poor|not this|never)\b", re.I)
NEUTRAL_LABELS = frozenset(
    [
        "context",
        "explanation",
        "reasoning",
        "rationale",
        "commentary",
        "note",
        "notes",
        "why",
        "analysis",
        "thinking",
        "scenario",
        "situation",
        "background",
    ]
)

# Element names.
EXAMPLE_NAME = re.compile(r"example|sample", re.I)
NEGATIVE_NAME = re.compile(r"bad|wrong|incorrect|negative|avoid|dont|don_t|not_|anti", re.I)
INPUT_CHILD = re.compile(
    r"input|user|query|question|request|prompt|human|customer|message|email|ticket|^text$|problem|task", re.I
)
OUTPUT_CHILD = re.compile(
    r"output|assistant|response|answer|reply|completion|result|category|label|classification|ideal", re.I
)
RATIONALE_CHILD = re.compile(
    r"reason|commentary|explanation|rationale|analysis|note|why|comment|docstring|description|title", re.I
)
# example-named elements that describe an example rather than being one (<example_docstring>)
EXAMPLE_META = re.compile(
    r"docstring|description|desc$|note|comment|title|explanation|rationale|reason", re.I
)
CONTEXT_NAME = re.compile(
    r"document|context|transcript|conversation|history|data|article|email|search_result|retriev|source|file|"
    r"code|text|input|query|question|report|contract|passage|content|log|record|knowledge|faq|policy",
    re.I,
)
# names of instruction sections, even with a data word in them (<query_complexity_categories>,
# <harmful_content_safety>, <long_conversation_reminder>, <file_creation_advice>): these are rules
# to trim, not data to keep whole
NON_CONTEXT_NAME = re.compile(
    r"instruction|rule|guideline|format|example|sample|task|constraint|step|policy_rule|cutoff|behaviou?r|"
    r"categor|safety|requirement|handling|guidance|protocol|principle|strateg|priorit|complexity|usage|"
    r"tool|advice|management|reminder|restriction|authori[sz]|resources|acknowledge|register|"
    r"configuration|parameters|summari[sz]|sharing|creation|notes_on|mounted",
    re.I,
)

# Sentence classification.
STRONG = re.compile(
    r"\b(?:must|never|always|only|exactly|not|no|none|nothing|cannot|can't|can’t|don't|don’t|dont|doesn't|"
    r"doesn’t|won't|shouldn't|should|shall|required?|requires|mandatory|important|critical|essential|"
    r"forbidden|prohibited|at least|at most|no more than|maximum|minimum|limit|unless|except|refuse|strictly|"
    r"avoid|ensure that|make sure|under no circumstances|if|whenever|otherwise|instead|nor)\b",
    re.I,
)
CAPS_WORD = re.compile(r"\b[A-Z][A-Z_]{2,}\b")
LITERAL = re.compile(
    r"\d|\"[^\"\n]+\"|“[^”\n]+”|`[^`\n]+`|https?://|www\.|<[A-Za-z_/]|\{|\}|\[|\]|\w+\.\w{2,4}\b|\*\*"
)
ROLE = re.compile(
    r"^(?:You are|You're|You’re|You will (?:be|act)|As an? |Act as|Your role|Your job|Your task|The assistant is)\b"
)
POLITE = re.compile(
    r"\b(?:please|thank(?:s| you)|kindly|feel free|appreciate|i hope|hope (?:this|that)|good luck|happy to help|"
    r"glad to|you'?re welcome|have fun|enjoy)\b",
    re.I,
)
RATIONALE = re.compile(
    r"^(?:this|that|it|these|those|doing so|which|such|being|by doing (?:so|this)|[A-Z][a-z]+ing\b)\b"
    # the verb comes within a few words of the subject: "It then asks if there is anything else it
    # can help with." is an instruction whose "help" belongs to a later clause
    r"(?:\s+[^\s.!?]+){0,5}?\s+(?:also\s+)?"
    r"(?:helps?|allows?|ensures?|makes?|means|enables?|demonstrates?|improves?|keeps|lets|gives|shows|"
    r"is (?:\w+ly )?(?:important|helpful|useful|crucial|key|essential|valuable|because)|will help|can help|matters)\b",
    re.I,
)
BETTER_OFF = re.compile(r"\b(?:you are|you're) better off\b", re.I)
OUTPUT_FORMAT = re.compile(
    r"\b(?:format|formatted|respond with|respond in|reply with|response should|output|return|json|xml|"
    r"structure|in the form|bullet points?|markdown|schema|wrap|enclose)\b",
    re.I,
)
EXAMPLE_WORD = re.compile(
    r"\b(?:examples?|for instance|e\.g\.|samples?|demonstrat\w*|illustrat\w*|sample)\b", re.I
)
NEGATIVE_HEADING = re.compile(
    r"\bnot\b|n't\b|\bnever\b|\bavoid\b|\bbad\b|\bwrong\b|\bincorrect\b|\bdon’t\b", re.I
)
ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "vs",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "no",
        "approx",
        "fig",
        "cf",
        "al",
        "inc",
        "ltd",
        "jr",
        "sr",
        "u.s",
        "eq",
        "resp",
    ]
)

# First words that make a sentence an instruction (imperative mood); a sentence that starts
# otherwise, has no constraint word and does not address the model is background.
IMPERATIVE = frozenset(
    [
        "act",
        "add",
        "adjust",
        "answer",
        "apologize",
        "apply",
        "ask",
        "assume",
        "avoid",
        "be",
        "begin",
        "break",
        "call",
        "check",
        "choose",
        "cite",
        "classify",
        "clarify",
        "collect",
        "combine",
        "compare",
        "confirm",
        "consider",
        "continue",
        "convert",
        "copy",
        "correct",
        "create",
        "decide",
        "define",
        "delete",
        "describe",
        "determine",
        "do",
        "don't",
        "double-check",
        "draft",
        "edit",
        "encourage",
        "end",
        "ensure",
        "estimate",
        "explain",
        "extract",
        "fill",
        "find",
        "finish",
        "fix",
        "focus",
        "follow",
        "format",
        "generate",
        "give",
        "go",
        "greet",
        "group",
        "guide",
        "help",
        "highlight",
        "identify",
        "ignore",
        "include",
        "indicate",
        "inform",
        "insert",
        "interpret",
        "keep",
        "label",
        "lead",
        "leave",
        "let",
        "limit",
        "list",
        "look",
        "make",
        "map",
        "mark",
        "match",
        "mention",
        "merge",
        "note",
        "offer",
        "omit",
        "open",
        "order",
        "organize",
        "output",
        "pay",
        "pick",
        "place",
        "point",
        "prefer",
        "prepare",
        "present",
        "prioritize",
        "produce",
        "provide",
        "put",
        "quote",
        "rank",
        "rate",
        "read",
        "recommend",
        "record",
        "redirect",
        "refer",
        "reference",
        "refuse",
        "remember",
        "remind",
        "remove",
        "rephrase",
        "replace",
        "reply",
        "report",
        "request",
        "respond",
        "restate",
        "return",
        "review",
        "rewrite",
        "run",
        "save",
        "say",
        "search",
        "select",
        "send",
        "separate",
        "set",
        "share",
        "show",
        "sign",
        "skip",
        "sort",
        "speak",
        "specify",
        "split",
        "start",
        "state",
        "stay",
        "stick",
        "stop",
        "structure",
        "suggest",
        "summarize",
        "support",
        "take",
        "tell",
        "test",
        "think",
        "translate",
        "treat",
        "try",
        "turn",
        "update",
        "use",
        "validate",
        "verify",
        "wait",
        "warn",
        "wrap",
        "write",
    ]
)
ADDRESSES_MODEL = re.compile(
    r"\b(?:you|your|yours|yourself|assistant|claude|the model|the ai|the agent|the bot|the chatbot)\b", re.I
)
# First words that open a statement rather than an instruction.
STATEMENT_OPENERS = _words(
    """the a an this that these those it its they their them we our us he she his her there here some many
    most all each every any one two three several such both either neither other another in on at for with
    without from by of about after before during when while once since because although though as so but and
    or also often sometimes usually typically generally however therefore thus meanwhile instead most much
    few my i"""
)
