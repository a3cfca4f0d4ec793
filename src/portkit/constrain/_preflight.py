"""What each engine really enforces, per version, checked before compiling.

The table lists, for each engine, the JSON Schema keywords it does *not* enforce: either it rejects
them (llguidance), or it compiles and silently ignores them (outlines_core, xgrammar). Both are
refused the same way here, so a schema never loses a constraint without the caller knowing. The
entries were measured against the versions named in ``tested``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from portkit.constrain._normalize import iter_subschemas
from portkit.constrain._report import Change
from portkit.errors import UnsupportedSchemaFeatureError

__all__ = ["ENGINES", "EngineSupport", "preflight"]


@dataclass(frozen=True, slots=True)
class EngineSupport:
    """One row of the preflight table.

    Attributes:
        engine: ``"llguidance"``, ``"outlines_core"`` or ``"xgrammar"``.
        tested: the engine versions the row was measured on.
        unsupported: keywords the engine rejects or ignores.
        ignored_silently: the subset it compiles without enforcing (the dangerous ones).
        ignored_together: pairs that each work alone but not on one subschema.
    """

    engine: str
    tested: str
    unsupported: frozenset[str]
    ignored_silently: frozenset[str] = frozenset()
    ignored_together: tuple[tuple[str, str], ...] = ()


_ALWAYS = frozenset(
    {
        "not",
        "if",
        "then",
        "else",
        "contains",
        "minContains",
        "maxContains",
        "uniqueItems",
        "dependentSchemas",
        "dependentRequired",
        "dependencies",
        "unevaluatedProperties",
        "unevaluatedItems",
        "$dynamicRef",
    }
)

ENGINES: dict[str, EngineSupport] = {
    "llguidance": EngineSupport(
        engine="llguidance",
        tested="llguidance 1.9.1",
        unsupported=_ALWAYS,
    ),
    "outlines_core": EngineSupport(
        engine="outlines_core",
        tested="outlines_core 0.2.14",
        unsupported=_ALWAYS
        | {
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "minProperties",
            "maxProperties",
            "propertyNames",
            "patternProperties",
        },
        ignored_silently=frozenset(
            {
                "minimum",
                "maximum",
                "exclusiveMinimum",
                "exclusiveMaximum",
                "multipleOf",
                "uniqueItems",
                "not",
                "minProperties",
                "maxProperties",
                "propertyNames",
            }
        ),
        # with a pattern, outlines_core builds the regex from the pattern alone
        ignored_together=(("maxLength", "pattern"), ("minLength", "pattern")),
    ),
    "xgrammar": EngineSupport(
        engine="xgrammar",
        tested="xgrammar 0.2.8",
        # measured: it enforces minProperties, maxProperties, propertyNames and an integer
        # multipleOf; allOf with several branches, not, uniqueItems, if/then, contains, a
        # non-exclusive oneOf and a number's multipleOf compile and are not enforced; the rest of
        # _ALWAYS is refused for every engine (portkit's bound does not follow unevaluatedItems
        # or $dynamicRef, which xgrammar handled in the simple cases tried)
        unsupported=_ALWAYS | {"allOf", "oneOf", "multipleOf"},
        ignored_silently=frozenset(
            {"allOf", "oneOf", "multipleOf", "not", "uniqueItems", "if", "then", "else", "contains"}
        ),
        # with a pattern or a format, xgrammar drops the string's length bounds; with a format, the pattern
        ignored_together=(
            ("pattern", "maxLength"),
            ("pattern", "minLength"),
            ("format", "maxLength"),
            ("format", "minLength"),
            ("format", "pattern"),
        ),
    ),
}


def _enforced_here(engine: str, sub: dict[str, Any], keyword: str) -> bool:
    """Whether a keyword of ``engine``'s row is enforced in this subschema all the same."""
    if engine != "xgrammar":
        return False
    from portkit.constrain._normalize import _anchored_width, _min_width

    if keyword == "multipleOf":
        step = sub.get("multipleOf")
        if sub.get("type") == "integer":
            return isinstance(step, int) or (isinstance(step, float) and step.is_integer())
        # xgrammar writes at most 6 fraction digits of a number with both bounds (and ignores
        # multipleOf), which is exactly multipleOf 1e-6 and narrower than any finer power of ten
        if sub.get("type") != "number" or not isinstance(step, (int, float)) or step <= 0:
            return False
        bounded = all(isinstance(sub.get(k), (int, float)) for k in ("minimum", "maximum"))
        import math

        exponent = math.log10(step)
        return bounded and abs(exponent - round(exponent)) < 1e-9 and round(exponent) <= -6
    if keyword == "maxLength" and "format" not in sub:
        width = _anchored_width(sub.get("pattern"))
        return width is not None and isinstance(sub.get("maxLength"), int) and width <= sub["maxLength"]
    if keyword == "minLength" and "format" not in sub:
        low = sub.get("minLength")
        return isinstance(low, int) and _min_width(sub.get("pattern")) >= low
    if keyword == "pattern":
        from portkit.constrain._xgrammar import _date_pattern

        # portkit drops the format for xgrammar, whose own date grammar is looser than the pattern
        return sub.get("format") == "date" and sub.get("pattern") == _date_pattern()
    return False


def _what(keyword: str, support: EngineSupport) -> str:
    if keyword in support.ignored_silently:
        return f"{support.engine} ({support.tested}) would compile it and silently not enforce it"
    return f"{support.engine} ({support.tested}) cannot enforce it"


def preflight(
    schema: dict[str, Any], *, engine: str, drop: bool, added: frozenset[tuple[str, str]] = frozenset()
) -> tuple[dict[str, Any], list[Change]]:
    """Refuse (or, with ``drop``, remove and report) every keyword ``engine`` would not enforce.

    Raises:
        UnsupportedSchemaFeatureError: the first unsupported keyword, with its JSON pointer.
    """
    support = ENGINES[engine]
    changes: list[Change] = []
    work = copy.deepcopy(schema) if drop else schema
    for path, sub in list(iter_subschemas(work)):
        if not isinstance(sub, dict):
            continue
        found = [k for k in sub if k in support.unsupported]
        found += [b for a, b in support.ignored_together if a in sub and b in sub and b not in found]
        found = [k for k in found if not _enforced_here(engine, sub, k)]
        for keyword in found:
            if not drop:
                who = (
                    f"portkit's default cap added {keyword!r} at {path or '/'!r} so that the output is bounded"
                    if (path or "/", keyword) in added
                    else f"The schema uses {keyword!r} at {path or '/'!r}"
                )
                raise UnsupportedSchemaFeatureError(
                    f"{who}, and {_what(keyword, support)}.",
                    keyword=keyword,
                    schema_path=path or "/",
                    engine=engine,
                    hint="remove the keyword, choose another backend, or pass on_unsupported='drop' "
                    "to compile without it (the report lists what was dropped)",
                )
            changes.append(Change("dropped", path or "/", keyword, _what(keyword, support)))
        if drop:
            for keyword in found:
                sub.pop(keyword, None)
    return work, changes
