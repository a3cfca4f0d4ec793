"""Result types of the few-shot layer: frozen, slotted dataclasses that only hold data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "DroppedSpan",
    "Example",
    "ParsedPrompt",
    "PortedInstructions",
    "RejectedExample",
    "Segment",
    "ToolDefinition",
    "Turn",
]

SegmentKind = Literal[
    "whitespace",
    "role",
    "heading",
    "rule",
    "sentence",
    "line",
    "code",
    "tag",
    "context",
    "front_matter",
    "example_markup",
    "example_user",
    "example_assistant",
    "example_rationale",
    "example_intro",
    "non_example",
    "tool",
    "tool_syntax",
]


@dataclass(frozen=True, slots=True)
class Segment:
    """One contiguous piece of the prompt; the segments of a prompt tile it exactly.

    Attributes:
        start: offset of the first character in the original text.
        end: offset one past the last character.
        text: ``original[start:end]``.
        kind: what the parser saw (``"rule"``, ``"sentence"``, ``"example_user"``, …).
        hard: True for a hard constraint that must be kept verbatim (MUST/NEVER/ALWAYS/only/
            exactly/do not, numbers, label sets, JSON keys, tag names, URLs, placeholders, lists).
        filler: why the segment is filler (politeness, rationale, duplicate), or None.
        output_format: True when the segment describes the required output format.
        example: index into :attr:`ParsedPrompt.examples` for example segments, else None.
    """

    start: int
    end: int
    text: str
    kind: SegmentKind
    hard: bool = False
    filler: str | None = None
    output_format: bool = False
    example: int | None = None

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


@dataclass(frozen=True, slots=True)
class Turn:
    """One turn of a worked example, byte-exact to ``original[span[0]:span[1]]``.

    ``span`` is None for a turn of an example the user supplied.
    """

    role: Literal["user", "assistant"]
    text: str
    span: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class Example:
    """A worked example: input turns and the desired output, to be sent as real chat turns.

    Attributes:
        turns: alternating user/assistant turns, starting with a user turn and ending with an
            assistant turn (one pair for most examples).
        source_span: offsets of the whole example in the original prompt, or None for an example
            supplied by the user.
        label: the label/branch it demonstrates (a class such as ``"BLOCK"``, or the heading
            text that carries its polarity), or None.
        note: a short note that keeps the example's meaning when it is carried outside the
            example itself, e.g. ``"When NOT to Use the Todo List"``; None when there is none.
        section: the heading the example sits under, if any.
    """

    turns: tuple[Turn, ...]
    source_span: tuple[int, int] | None
    label: str | None = None
    note: str | None = None
    section: str | None = None

    @property
    def user(self) -> str:
        """The text of the first user turn."""
        return self.turns[0].text

    @property
    def assistant(self) -> str:
        """The text of the last assistant turn."""
        return self.turns[-1].text


@dataclass(frozen=True, slots=True)
class RejectedExample:
    """Something that looks like an example but must never become an assistant turn.

    ``reason`` says why: a negative ("Bad:") output, an output-format skeleton, a field template,
    an output-only exemplar, a transcript that is input data, routing examples in front matter, …
    """

    span: tuple[int, int]
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class ToolDefinition:
    """A tool definition written into the prompt (Claude's ``<functions>`` block, a JSON code block).

    Attributes:
        name: the tool's name.
        definition: the tool in OpenAI shape, ``{"type": "function", "function": {"name", "description",
            "parameters"}}``, which :func:`~portkit.port_prompt` and every serving engine accept.
        span: offsets of the whole definition (with its tags or code fence) in the original prompt.
    """

    name: str
    definition: dict[str, Any]
    span: tuple[int, int]


@dataclass(frozen=True, slots=True)
class ParsedPrompt:
    """The structured view of a Claude prompt that :func:`split_prompt` returns.

    Attributes:
        text: the original prompt.
        segments: contiguous pieces that tile ``text`` exactly (``"".join`` gives it back).
        examples: worked examples, in source order.
        rejected: example look-alikes that must not become turns, with the reason.
        placeholders: template variables (``{text}``, ``{{var}}``, ``${VAR}``) as ``(text, span)``.
        tools: tool definitions written into the prompt, in source order; their segments have kind
            ``"tool"``, and a port moves them to the request's ``tools``.
    """

    text: str
    segments: tuple[Segment, ...]
    examples: tuple[Example, ...]
    rejected: tuple[RejectedExample, ...]
    placeholders: tuple[tuple[str, tuple[int, int]], ...]
    tools: tuple[ToolDefinition, ...] = ()

    @property
    def role(self) -> Segment | None:
        """The role line ("You are …"), if the prompt has one."""
        return next((s for s in self.segments if s.kind == "role"), None)

    @property
    def hard_constraints(self) -> tuple[Segment, ...]:
        """Segments outside the examples that must be kept verbatim."""
        return tuple(s for s in self.segments if s.hard and s.example is None)

    @property
    def output_format(self) -> tuple[Segment, ...]:
        """Segments that describe the required output format."""
        return tuple(s for s in self.segments if s.output_format)

    @property
    def context(self) -> tuple[Segment, ...]:
        """Documents and context data (``<document>``, ``<context>``, transcripts) kept as they are."""
        return tuple(s for s in self.segments if s.kind == "context")


@dataclass(frozen=True, slots=True)
class DroppedSpan:
    """A span of the original prompt that the port left out, and why."""

    text: str
    span: tuple[int, int]
    reason: str


@dataclass(frozen=True, slots=True)
class PortedInstructions:
    """A Claude prompt ported for an open model: trimmed instructions plus example turns.

    Attributes:
        instructions: the trimmed system prompt.
        examples: the chosen worked examples, to send as user/assistant turns.
        dropped: every span of the original that is neither in ``instructions`` nor in a chosen
            example turn, with its offsets and the reason; kept plus dropped rebuild the original.
        kept: the spans of the original that make up ``instructions``, in order.
        tokens_before: tokens of the original prompt in the target's vocabulary (None without a
            target).
        tokens_after: tokens of ``instructions`` plus every example turn (None without a target).
        warnings: notes for the user (no worked examples, labels left uncovered, …).
        target: the name of the target the counts were measured with, or None.
        tools: the tool definitions the prompt carried inline, moved out of ``instructions`` in
            OpenAI shape: send them as the request's ``tools``, where the target's chat template
            renders them in its own format. Their spans are in ``dropped``, with that reason.
        tokens_tools: tokens of ``tools`` as JSON (None without a target or without tools); they
            are not part of ``tokens_after``, since the template renders them on its own.
    """

    instructions: str
    examples: tuple[Example, ...]
    dropped: tuple[DroppedSpan, ...]
    kept: tuple[tuple[int, int], ...]
    tokens_before: int | None
    tokens_after: int | None
    warnings: tuple[str, ...]
    target: str | None = None
    tools: tuple[dict[str, Any], ...] = ()
    tokens_tools: int | None = None

    def to_messages(self, *, notes: bool = True) -> list[dict[str, str]]:
        """OpenAI-style messages: the system prompt first, then each example's turns.

        Args:
            notes: when an example's meaning is carried by a heading outside it (``"When NOT to
                use …"``), prefix its first user message with that note so the turn keeps it.

        Returns:
            ``[{"role": "system", "content": ...}, {"role": "user", ...}, {"role": "assistant", ...}, ...]``.

        Examples:
            >>> ported.to_messages()[0]["role"]  # doctest: +SKIP
            'system'
        """
        messages: list[dict[str, str]] = [{"role": "system", "content": self.instructions}]
        for ex in self.examples:
            for i, turn in enumerate(ex.turns):
                content = turn.text
                if notes and i == 0 and ex.note:
                    content = f"[Example: {ex.note}]\n{content}"
                messages.append({"role": turn.role, "content": content})
        return messages
