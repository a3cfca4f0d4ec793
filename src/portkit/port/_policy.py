"""The reasoning-budget policy: when a hybrid model should think.

Short, closed tasks (classification, extraction) gain little from a reasoning trace and pay for it in
latency and in outputs that never reach the answer; open, multi-step tasks gain. The policy reads the
task from ``task=`` when declared, else from the schema and the prompt, and maps the decision onto the
template's own switch (Qwen3's ``enable_thinking``, gpt-oss's reasoning effort, …) through the
template layer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Task = Literal["classification", "extraction", "generation", "reasoning"]
TASKS: tuple[str, ...] = ("classification", "extraction", "generation", "reasoning")

# Cap on the reasoning trace when thinking is on and nobody said how long it may be.
DEFAULT_THINKING_BUDGET = 1024

_CLASSIFY = re.compile(
    r"\b(classif\w*|categori[sz]\w*|label\w*|sentiment|moderat\w*|triage|route|routing)\b", re.I
)
_EXTRACT = re.compile(r"\b(extract\w*|pars(e|ing)|fill (in|out) the fields|pull out)\b", re.I)
_REASON = re.compile(r"\b(step[- ]by[- ]step|prove|derive|plan|debug|multi-step|reason through)\b", re.I)


@dataclass(frozen=True, slots=True)
class ThinkingDecision:
    """Whether the model should think, and why.

    Attributes:
        enabled: True (on), False (off) or None (the template has no switch: left to the model).
        task: the task the decision was made for.
        task_source: ``"declared"`` (``task=``), ``"schema"``, ``"prompt"`` or ``"default"``.
        budget: cap on reasoning tokens when enabled (added to ``max_tokens``), else None.
        reason: one sentence for the report.
    """

    enabled: bool | None
    task: str
    task_source: str
    budget: int | None
    reason: str


def _schema_is_closed(schema: Mapping[str, Any]) -> bool:
    """True when every answer field is an enum/const/bool/number (a classification)."""
    props = schema.get("properties")
    if not isinstance(props, Mapping) or not props:
        return False
    defs = schema.get("$defs", {})
    for prop in props.values():
        if not isinstance(prop, Mapping):
            return False
        if "$ref" in prop:
            prop = defs.get(str(prop["$ref"]).rsplit("/", 1)[-1], {})
        options = prop.get("anyOf") or [prop]
        for opt in options:
            if not isinstance(opt, Mapping):
                return False
            if "enum" in opt or "const" in opt or opt.get("type") in ("boolean", "number", "integer", "null"):
                continue
            return False
    return True


def infer_task(
    *, declared: str | None, json_schema: Mapping[str, Any] | None, prompt_text: str
) -> tuple[str, str]:
    """``(task, source)`` for the policy."""
    if declared is not None:
        return declared, "declared"
    if json_schema is not None:
        return ("classification" if _schema_is_closed(json_schema) else "extraction"), "schema"
    return _task_from_prompt(prompt_text)


@functools.lru_cache(maxsize=256)
def _task_from_prompt(prompt_text: str) -> tuple[str, str]:
    # Memoised: an application asks about the same system prompt on every call.
    if _REASON.search(prompt_text):
        return "reasoning", "prompt"
    if _CLASSIFY.search(prompt_text):
        return "classification", "prompt"
    if _EXTRACT.search(prompt_text):
        return "extraction", "prompt"
    return "generation", "default"


def decide_thinking(
    *,
    thinking: bool | int | None,
    request_thinking: bool | None,
    request_budget: int | None,
    task: str,
    task_source: str,
    has_switch: bool,
) -> ThinkingDecision:
    """Apply the policy. An explicit ``thinking=`` wins, then the request's ``thinking``, then the task."""
    if not has_switch:
        return ThinkingDecision(
            None, task, task_source, None, "the template has no thinking switch; the model decides"
        )
    if thinking is not None:
        if isinstance(thinking, bool):
            budget = DEFAULT_THINKING_BUDGET if thinking else None
            return ThinkingDecision(
                thinking, task, task_source, budget, f"thinking={thinking} was passed explicitly"
            )
        return ThinkingDecision(
            True, task, task_source, int(thinking), f"thinking budget {thinking} was passed explicitly"
        )
    if request_thinking is not None:
        budget = (request_budget or DEFAULT_THINKING_BUDGET) if request_thinking else None
        state = "enabled" if request_thinking else "disabled"
        return ThinkingDecision(
            request_thinking, task, task_source, budget, f"the request has thinking {state}"
        )
    if task in ("classification", "extraction"):
        return ThinkingDecision(
            False,
            task,
            task_source,
            None,
            f"{task} is a short, closed task: thinking off saves latency and keeps the answer within max_tokens",
        )
    if task == "reasoning":
        return ThinkingDecision(
            True,
            task,
            task_source,
            DEFAULT_THINKING_BUDGET,
            f"a reasoning task: thinking on, capped at {DEFAULT_THINKING_BUDGET} tokens",
        )
    return ThinkingDecision(None, task, task_source, None, "open-ended task: the template's default is kept")
