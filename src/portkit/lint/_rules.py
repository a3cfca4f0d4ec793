"""The rules of ``portkit lint``: codes ``PK`` + 3 digits, each with a kebab-case name.

Ranges: PK1xx control tokens, PK2xx prompt layouts, PK3xx instructions, PK9xx files.
Every rule has an entry in ``docs/rules.md`` (what it detects, why it hurts, an example, what to do
instead); a test keeps the two in step.
"""

# portkit: ignore-file  (control tokens are this module's subject, written on purpose)
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from portkit.errors import LintConfigError

__all__ = ["RULES", "Rule", "Severity", "resolve_selection", "rule"]

Severity = str  # "error" | "warning" | "info"

DOCS_URL = "https://portkit.readthedocs.io/en/latest/rules/"


class Rule(NamedTuple):
    """One lint rule.

    Attributes:
        code: ``PK`` + 3 digits.
        name: kebab-case name, accepted wherever a code is.
        severity: ``"error"``, ``"warning"`` or ``"info"`` (info findings never fail a run).
        summary: one line for ``--help``, SARIF and the docs.
        default: selected when no ``select`` is given.
    """

    code: str
    name: str
    severity: Severity
    summary: str
    default: bool = True

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.code.lower()}-{self.name}"


RULES: tuple[Rule, ...] = (
    Rule("PK101", "hand-written-control-token", "warning", "A chat-format control token written by hand."),
    Rule(
        "PK102",
        "foreign-control-token",
        "error",
        "A control token of another model family, plain text for the target.",
    ),
    Rule(
        "PK103",
        "structural-token-in-text",
        "error",
        "Text the target's vocabulary turns into a control token.",
    ),
    Rule(
        "PK104", "runtime-control-token", "warning", 'A control token assembled at run time (f"<|{role}|>").'
    ),
    Rule("PK201", "claude-legacy-turns", "error", "Claude's legacy \\n\\nHuman:/\\n\\nAssistant: layout."),
    Rule("PK202", "double-bos", "warning", "A prompt that starts with a BOS token the tokenizer adds again."),
    Rule(
        "PK203",
        "textual-chat-layout",
        "warning",
        "An Alpaca/Vicuna text layout (### Instruction:, USER:) written by hand.",
    ),
    Rule(
        "PK301",
        "json-without-constraint",
        "info",
        "An instruction to answer only in JSON with no constraint attached.",
    ),
    Rule("PK901", "unreadable-file", "error", "A file that cannot be read or decoded as UTF-8."),
)

_BY_KEY: dict[str, Rule] = {**{r.code: r for r in RULES}, **{r.name: r for r in RULES}}


def rule(key: str) -> Rule:
    """The rule with code or name ``key``.

    Raises:
        LintConfigError: no rule has that code or name.
    """
    found = _BY_KEY.get(key.strip().upper() if key.strip().upper().startswith("PK") else key.strip())
    if found is None:
        raise LintConfigError(
            f"Unknown rule {key!r}.",
            hint="rule codes are PK101…PK901 (or their names); `portkit lint --help` lists them",
        )
    return found


def _expand(keys: Iterable[str]) -> set[str]:
    """Codes matching ``keys``: full codes, names, prefixes (``PK1``) or ``ALL``."""
    out: set[str] = set()
    for key in keys:
        k = key.strip()
        if not k:
            continue
        if k.upper() == "ALL":
            out.update(r.code for r in RULES)
            continue
        up = k.upper()
        if up.startswith("PK") and len(up) < 5 and (up == "PK" or up[2:].isdigit()):
            matched = {r.code for r in RULES if r.code.startswith(up)}
            if not matched:
                raise LintConfigError(f"No rule code starts with {key!r}.", hint="rule codes are PK101…PK901")
            out.update(matched)
            continue
        out.add(rule(k).code)
    return out


def resolve_selection(
    *,
    select: Iterable[str] | None,
    ignore: Iterable[str] | None,
    extend_select: Iterable[str] | None = None,
) -> frozenset[str]:
    """The enabled rule codes: ``select`` (default: the default rules) plus ``extend_select`` minus ``ignore``.

    Raises:
        LintConfigError: a code or name is unknown.
    """
    chosen = _expand(select) if select is not None else {r.code for r in RULES if r.default}
    chosen |= _expand(extend_select or [])
    chosen -= _expand(ignore or [])
    return frozenset(chosen)
