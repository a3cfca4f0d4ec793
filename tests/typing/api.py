"""Never executed: mypy checks that the public API carries types through (see pyproject's [tool.mypy])."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from portkit import PortedPrompt, port_prompt


class Invoice(BaseModel):
    total: float


def typed_parse() -> Invoice:
    ported: PortedPrompt[Invoice] = port_prompt("Extract the invoice.", target="qwen3", schema=Invoice)
    invoice = ported.parse('{"total": 1.0}')
    reveal: Invoice = invoice  # fails type-checking if parse() were not typed Invoice
    return reveal


def untyped_schema() -> Any:
    return port_prompt("Extract.", target="qwen3", schema={"type": "object"}).parse("{}")
