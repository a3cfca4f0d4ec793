"""What normalisation did to a schema, as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Caps", "Change", "SchemaOrderWarning", "SchemaReport"]

ChangeKind = Literal[
    "closed-object", "cap", "ascii-class", "recursion-unrolled", "annotation", "dropped", "warning"
]


class SchemaOrderWarning(UserWarning):
    """A free-text reasoning field comes after the answer it should lead to.

    Constrained decoding writes fields in schema order, so the model commits to the answer before it
    reasons; put the reasoning field first.
    """


@dataclass(frozen=True, slots=True)
class Caps:
    """Default bounds applied where a schema has none, so that every accepted output is finite.

    They only ever narrow what the schema accepts (never widen), and every one applied is listed in
    :attr:`SchemaReport.changes`. ``None`` switches one off — then the matching part of the schema
    must carry its own bound, or :func:`~portkit.constrain.compile_schema` raises
    :class:`~portkit.errors.SchemaError`, because termination could no longer be guaranteed.

    Attributes:
        max_string_length: ``maxLength`` for strings without one (characters).
        max_array_items: ``maxItems`` for arrays without one.
        max_object_properties: ``maxProperties`` for objects that accept extra keys.
        max_key_length: length of the extra keys such objects accept.
        integer_digits: integers are kept within ``±(10**integer_digits - 1)``.
        fraction_digits: digits after the decimal point of a ``number`` (``multipleOf 10**-n``).
        max_whitespace: whitespace characters allowed between two JSON tokens (0: compact JSON).
        recursion_depth: how deep a recursive ``$ref`` may nest before only its base case remains.
        any_depth: nesting depth of values allowed where a schema says "any JSON value".
        unique_items: what to do with ``uniqueItems: true`` over items no grammar can compare
            (free strings, objects): ``"one"`` (default) narrows such arrays to at most one item,
            the only length at which uniqueness is guaranteed (listed in the report as a cap);
            ``"refuse"`` raises :class:`~portkit.errors.UnsupportedSchemaFeatureError` instead.
            Arrays of a few listed values are enforced exactly either way.
    """

    max_string_length: int | None = 512
    max_array_items: int | None = 64
    max_object_properties: int | None = 32
    max_key_length: int = 64
    integer_digits: int | None = 15
    fraction_digits: int | None = 6
    max_whitespace: int = 1
    recursion_depth: int = 4
    any_depth: int = 2
    unique_items: Literal["refuse", "one"] = "one"


@dataclass(frozen=True, slots=True)
class Change:
    """One edit normalisation made. ``path`` is a JSON pointer into the schema as given."""

    kind: ChangeKind
    path: str
    keyword: str
    detail: str


@dataclass(frozen=True, slots=True)
class SchemaReport:
    """Everything normalisation and degradation did, so that nothing is weakened silently.

    Attributes:
        changes: every edit, in the order made.
        engine: the engine the schema was checked against.
    """

    changes: tuple[Change, ...] = ()
    engine: str = ""
    caps: Caps = field(default_factory=Caps)

    @property
    def dropped(self) -> tuple[Change, ...]:
        """Keywords removed because the engine cannot enforce them (only with ``on_unsupported="drop"``)."""
        return tuple(c for c in self.changes if c.kind == "dropped")

    @property
    def warnings(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind == "warning")

    @property
    def weakened(self) -> bool:
        """True when the compiled grammar accepts more than the schema (something was dropped)."""
        return bool(self.dropped)
