"""Pydantic models of the two porting tasks every guide starts with (used by the examples and `scripts/demo`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field


class ReviewSentiment(BaseModel):
    """Overall sentiment of one product review."""

    sentiment: Literal["positive", "negative", "mixed"]
    score: float = Field(ge=-1.0, le=1.0)


class LineItem(BaseModel):
    description: str = Field(max_length=200)
    quantity: int = Field(ge=0, le=1_000_000)
    unit_price: float = Field(ge=0)


class Invoice(BaseModel):
    """Fields extracted from one invoice."""

    vendor: str = Field(max_length=200)
    invoice_number: str = Field(max_length=64)
    issue_date: dt.date
    due_date: dt.date | None = None
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    line_items: list[LineItem] = Field(min_length=1, max_length=50)
    total: float = Field(ge=0)
