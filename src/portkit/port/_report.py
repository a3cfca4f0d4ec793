"""The report of a port: what portkit changed and found, as data, text and JSON."""

from __future__ import annotations

import dataclasses
import enum
import json
from dataclasses import dataclass, field
from typing import Any

from portkit.port._policy import ThinkingDecision

__all__ = ["PortReport", "TokenCounts", "to_data"]


def to_data(value: Any) -> Any:
    """Plain JSON-able data from the layers' frozen dataclasses, enums and tuples."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_data(getattr(value, f.name))
            for f in dataclasses.fields(value)
            # A Target inside a result is named, not serialised (it holds the tokenizer).
            if not f.name.startswith("_") and (f.name != "target" or isinstance(getattr(value, f.name), str))
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_data(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


@dataclass(frozen=True, slots=True)
class TokenCounts:
    """Token counts in the target's own vocabulary (None without one).

    Attributes:
        system_before: the original system prompt.
        system_after: the trimmed instructions plus the example turns.
        prompt: the whole rendered prompt.
    """

    system_before: int | None
    system_after: int | None
    prompt: int | None


@dataclass(frozen=True, slots=True)
class PortReport:
    """Everything a port changed and found. ``str(report)`` is for people; ``to_json()`` for tools.

    Attributes:
        target / target_source: the target and where it came from.
        origin: where the prompt came from (``"text"``, ``"request"`` or a file path).
        adaptations: what the template layer adapted (each with what, why and the message index).
        neutralised: request text whose control tokens were encoded as plain text.
        instructions: the few-shot layer's result (kept spans, examples, dropped spans), or None.
        tokens: token counts before/after.
        thinking: the reasoning-budget decision.
        findings: ``(where, Finding)`` control tokens written by hand in the input, judged for the
            target (computed on first access from ``lint_inputs``).
        schema_report: what the constraint layer's normalisation did, or None.
        max_tokens: the answer's length bound, or None.
        warnings: anything else the user should know.
    """

    target: str
    target_source: str
    origin: str
    adaptations: tuple[Any, ...]
    neutralised: tuple[Any, ...]
    instructions: Any
    tokens: TokenCounts
    thinking: ThinkingDecision
    lint_inputs: tuple[tuple[str, str], ...] = field(repr=False)
    schema_report: Any
    max_tokens: int | None
    warnings: tuple[str, ...]
    _target: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def findings(self) -> tuple[tuple[str, Any], ...]:
        if "findings" not in self._cache:
            from portkit.template import find_special_tokens

            self._cache["findings"] = tuple(
                (where, f)
                for where, text in self.lint_inputs
                for f in find_special_tokens(text, self._target)
            )
        return self._cache["findings"]  # type: ignore[no-any-return]

    @property
    def dropped(self) -> tuple[Any, ...]:
        return tuple(self.instructions.dropped) if self.instructions is not None else ()

    @property
    def examples(self) -> tuple[Any, ...]:
        return tuple(self.instructions.examples) if self.instructions is not None else ()

    def to_dict(self) -> dict[str, Any]:
        ins = self.instructions
        return {
            "target": self.target,
            "target_source": self.target_source,
            "origin": self.origin,
            "adaptations": to_data(self.adaptations),
            "neutralised": to_data(self.neutralised),
            "examples": [
                {"user": e.user, "assistant": e.assistant, "source_span": list(e.source_span)}
                for e in self.examples
            ],
            "dropped": [{"text": d.text, "span": list(d.span), "reason": d.reason} for d in self.dropped],
            "kept": [list(s) for s in ins.kept] if ins is not None else [],
            "moved_tools": [t["function"]["name"] for t in ins.tools] if ins is not None else [],
            "tokens": to_data(self.tokens),
            "thinking": to_data(self.thinking),
            "findings": [{"where": where, **to_data(f)} for where, f in self.findings],
            "schema": to_data(self.schema_report),
            "max_tokens": self.max_tokens,
            "warnings": list(self.warnings),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_text(self) -> str:
        lines = [f"portkit report — target {self.target} ({self.target_source})"]
        t = self.tokens
        if t.system_before is not None and t.system_after is not None:
            change = (t.system_after - t.system_before) / t.system_before * 100 if t.system_before else 0.0
            lines.append(
                f"tokens: system prompt {t.system_before} -> {t.system_after} ({change:+.0f}%), whole prompt {t.prompt}"
            )
        elif t.prompt is not None:
            lines.append(f"tokens: whole prompt {t.prompt}")
        d = self.thinking
        state = {True: "on", False: "off", None: "template default"}[d.enabled]
        budget = f", budget {d.budget}" if d.budget else ""
        lines.append(f"thinking: {state}{budget} — task {d.task} ({d.task_source}); {d.reason}")
        if self.max_tokens is not None:
            lines.append(f"max_tokens: {self.max_tokens}")
        if self.examples:
            lines.append(f"examples turned into turns ({len(self.examples)}):")
            for e in self.examples:
                s, end = e.source_span
                lines.append(f"  - chars {s}-{end}: {_short(e.user)} -> {_short(e.assistant)}")
        if self.instructions is not None and self.instructions.tools:
            moved = self.instructions.tools
            size = (
                f", {self.instructions.tokens_tools} tokens as JSON" if self.instructions.tokens_tools else ""
            )
            lines.append(
                f"tools moved out of the system prompt into the request's tools ({len(moved)}{size}): "
                + ", ".join(t["function"]["name"] for t in moved)
            )
        if self.dropped:
            visible = [dr for dr in self.dropped if dr.text.strip()]
            lines.append(f"dropped ({len(self.dropped)}; whitespace-only spans are in the JSON report):")
            for dr in visible:
                lines.append(f"  - chars {dr.span[0]}-{dr.span[1]} [{dr.reason}]: {_short(dr.text)}")
        if self.adaptations:
            lines.append(f"adaptations ({len(self.adaptations)}):")
            for a in self.adaptations:
                where = f" (message {a.message_index})" if a.message_index is not None else ""
                lines.append(f"  - {a.kind}{where}: {a.what} — {a.why}")
        if self.neutralised:
            lines.append(f"neutralised control tokens in request text ({len(self.neutralised)}):")
            for n in self.neutralised:
                lines.append(f"  - {to_data(n)}")
        if self.findings:
            lines.append(f"lint findings for {self.target} ({len(self.findings)}):")
            for where, f in self.findings:
                lines.append(
                    f"  - {where} chars {f.span[0]}-{f.span[1]}: {f.text!r} {getattr(f.verdict, 'value', f.verdict)} — {f.message}"
                )
        if self.schema_report is not None:
            lines.append(f"schema: {_short(str(to_data(self.schema_report)), 300)}")
        for w in self.warnings:
            lines.append(f"warning: {w}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def _short(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
