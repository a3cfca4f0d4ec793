"""The few-shot layer: long Claude system prompts into trimmed instructions plus example turns.

``split_prompt(text)`` parses a prompt into a structured view; ``port_instructions(parsed,
target=...)`` trims it, turns its worked examples into user/assistant turns, fits a token budget
measured with the target's own tokenizer and reports every dropped span.
"""

from __future__ import annotations

from portkit.fewshot._model import (
    DroppedSpan,
    Example,
    ParsedPrompt,
    PortedInstructions,
    RejectedExample,
    Segment,
    ToolDefinition,
    Turn,
)
from portkit.fewshot._parse import split_prompt
from portkit.fewshot._port import port_instructions

__all__ = [
    "DroppedSpan",
    "Example",
    "ParsedPrompt",
    "PortedInstructions",
    "RejectedExample",
    "Segment",
    "ToolDefinition",
    "Turn",
    "port_instructions",
    "split_prompt",
]
