"""Static typing checks for portkit.constrain (run by mypy, never executed)."""

from __future__ import annotations

from typing import Any, assert_type

from pydantic import BaseModel

from portkit.constrain import Constraint, ToolCall, Uncertain, compile_schema
from portkit.targets import Target


class Answer(BaseModel):
    label: str


def check(target: Target) -> None:
    by_model = compile_schema(Answer, target=target)
    assert_type(by_model, Constraint[Answer])
    assert_type(by_model.parse("{}"), Answer)

    with_hatch = compile_schema(Answer, target=target, uncertain=True)
    assert_type(with_hatch.parse("{}"), Answer | Uncertain)

    by_dict = compile_schema({"type": "boolean"}, target=target)
    assert_type(by_dict, Constraint[Any])

    tools = compile_schema([{"name": "t", "input_schema": {"type": "object"}}], target=target)
    assert_type(tools.parse("{}"), ToolCall)
