"""The twelve schema shapes of the random-walk test, each with a Pydantic model to validate against."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter


class Colour(str, Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Flat(BaseModel):
    colour: Colour
    score: float


class Address(BaseModel):
    street: str
    city: str
    zip_code: Annotated[str, Field(max_length=10)]


class Person(BaseModel):
    name: str
    age: Annotated[int, Field(ge=0, le=150)]
    address: Address


class Bounded(BaseModel):
    tags: Annotated[list[str], Field(min_length=1, max_length=4)]
    scores: Annotated[list[Annotated[int, Field(ge=0, le=10)]], Field(max_length=3)]


class Optional_(BaseModel):
    nickname: str | None = None
    value: int | str
    ratio: float | None = None


class Lit(BaseModel):
    sentiment: Literal["positive", "negative", "neutral"]
    confident: bool
    version: Literal[1, 2]


class Pattern(BaseModel):
    sku: Annotated[str, Field(pattern=r"^[A-Z]{3}-\d{4}$")]
    email_like: Annotated[str, Field(pattern=r"^[a-z]+@[a-z]+\.com$", max_length=40)]


class Node(BaseModel):
    label: str
    children: list[Node] = []


class Mapping_(BaseModel):
    counts: dict[str, int]
    meta: dict[str, str] = {}


class Many(BaseModel):
    f01: str | None = None
    f02: int | None = None
    f03: float | None = None
    f04: bool | None = None
    f05: str | None = None
    f06: list[int] | None = None
    f07: str | None = None
    f08: int | None = None
    f09: Literal["x", "y"] | None = None
    f10: str | None = None
    f11: float | None = None
    f12: str | None = None


class LineItem(BaseModel):
    description: Annotated[str, Field(max_length=80)]
    quantity: Annotated[int, Field(ge=1, le=1000)]
    unit_price: Annotated[float, Field(ge=0)]


class Invoice(BaseModel):
    invoice_number: Annotated[str, Field(max_length=20, pattern=r"^INV-[0-9]+$")]
    issued: dt.date
    due: dt.date
    customer: Annotated[str, Field(max_length=120)]
    items: Annotated[list[LineItem], Field(min_length=1, max_length=5)]
    notes: Annotated[str | None, Field(max_length=200)] = None


class WeatherInput(BaseModel):
    location: str
    unit: Literal["celsius", "fahrenheit"] = "celsius"


class SearchInput(BaseModel):
    query: Annotated[str, Field(max_length=100)]
    limit: Annotated[int, Field(ge=1, le=20)] = 5


class EmailInput(BaseModel):
    to: list[str]
    subject: str
    urgent: bool = False


def claude_tool(name: str, description: str, model: type[BaseModel]) -> dict[str, Any]:
    return {"name": name, "description": description, "input_schema": model.model_json_schema()}


WEATHER = claude_tool("get_weather", "Get the current weather for a location.", WeatherInput)
TOOLS3 = [
    WEATHER,
    claude_tool("search", "Search the knowledge base.", SearchInput),
    claude_tool("send_email", "Send an email.", EmailInput),
]
TOOL_MODELS: dict[str, type[BaseModel]] = {
    "get_weather": WeatherInput,
    "search": SearchInput,
    "send_email": EmailInput,
}


@dataclass(frozen=True)
class Shape:
    name: str
    schema: Any
    validate: Callable[[str], Any]


def _model(m: type[BaseModel]) -> Callable[[str], Any]:
    return m.model_validate_json


def _tool(text: str) -> Any:
    call = TypeAdapter(dict[str, Any]).validate_json(text)
    assert set(call) == {"name", "arguments"}
    return TOOL_MODELS[call["name"]].model_validate(call["arguments"])


SHAPES = [
    Shape("flat-enum-number", Flat, _model(Flat)),
    Shape("nested", Person, _model(Person)),
    Shape("bounded-lists", Bounded, _model(Bounded)),
    Shape("optional-union", Optional_, _model(Optional_)),
    Shape("literal", Lit, _model(Lit)),
    Shape("pattern", Pattern, _model(Pattern)),
    Shape("recursive", Node, _model(Node)),
    Shape("dict", Mapping_, _model(Mapping_)),
    Shape("claude-tool", [WEATHER], _tool),
    Shape("three-tools-must-call-one", TOOLS3, _tool),
    Shape("twelve-optional", Many, _model(Many)),
    Shape("invoice", Invoice, _model(Invoice)),
]
