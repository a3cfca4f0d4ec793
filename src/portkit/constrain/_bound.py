"""An upper bound on the bytes of any JSON text a normalised schema accepts.

Every token of a byte-level vocabulary carries at least one byte, so the byte bound (plus one for the
end-of-turn token) bounds the tokens of any complete output, however the model splits it. The bound
follows the grammar portkit compiles: compact separators, at most ``max_whitespace`` whitespace
characters per gap, string escapes limited to ``\\n \\r \\t \\b \\f \\" \\\\`` (so a character costs at
most 4 bytes).
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

__all__ = ["max_bytes"]

_INF = math.inf


def _dumps_len(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _structural(value: Any) -> int:
    if isinstance(value, dict):
        return 2 + 2 * len(value) + sum(_structural(v) for v in value.values())
    if isinstance(value, list):
        return 2 + len(value) + sum(_structural(v) for v in value)
    return 0


def _resolve(root: Any, ref: str) -> Any:
    """The subschema a local JSON pointer (``#/a/b``) names, or None."""
    if not ref.startswith("#"):
        return None
    node = root
    for part in ref[1:].split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


class _Bounder:
    def __init__(self, root: dict[str, Any], ws: int, char_bytes: int = 4) -> None:
        self.char_bytes = char_bytes
        self.root = root
        self.defs: dict[str, Any] = root.get("$defs", {}) if isinstance(root, dict) else {}
        self.ws = ws
        self.memo: dict[str, float] = {}
        self.active: set[str] = set()

    def literal(self, value: Any) -> float:
        return _dumps_len(value) + self.ws * 2 * _structural(value)

    def ref(self, ref: str) -> float:
        if ref in self.memo:
            return self.memo[ref]
        if ref in self.active:
            return _INF
        target = _resolve(self.root, ref)
        if target is None:
            return _INF
        self.active.add(ref)
        try:
            value = self.bound(target)
        finally:
            self.active.discard(ref)
        self.memo[ref] = value
        return value

    def bound(self, node: Any) -> float:
        if node is False:
            return 0
        if node is True or not isinstance(node, dict):
            return _INF
        limits: list[float] = []
        if "const" in node:
            limits.append(self.literal(node["const"]))
        if isinstance(node.get("enum"), list):
            limits.append(max((self.literal(v) for v in node["enum"]), default=0))
        if isinstance(node.get("$ref"), str):
            limits.append(self.ref(node["$ref"]))
        for key in ("anyOf", "oneOf"):
            if isinstance(node.get(key), list):
                limits.append(max((self.bound(b) for b in node[key]), default=0))
        if isinstance(node.get("allOf"), list):
            limits.extend(self.bound(b) for b in node["allOf"])
        limits.append(self.by_type(node))
        return min(limits)

    def by_type(self, node: dict[str, Any]) -> float:
        t = node.get("type")
        types = [t] if isinstance(t, str) else t if isinstance(t, list) else None
        if types is None:
            if any(k in node for k in ("const", "enum", "$ref")):
                return _INF  # the other keywords bound it
            # a value of any type that meets this node's own keywords (capped for every type when
            # it stands alone; otherwise a branch beside it bounds it)
            types = ["null", "boolean", "integer", "number", "string", "array", "object"]
        return max((self.one_type(node, ty) for ty in types), default=_INF)

    def one_type(self, node: dict[str, Any], ty: str) -> float:
        if ty == "null":
            return 4
        if ty == "boolean":
            return 5
        if ty in ("integer", "number"):
            lo = node.get("minimum", node.get("exclusiveMinimum"))
            hi = node.get("maximum", node.get("exclusiveMaximum"))
            if not isinstance(lo, (int, float)) or not isinstance(hi, (int, float)):
                return _INF
            digits = len(str(int(max(abs(lo), abs(hi))))) + 1
            if ty == "integer":
                return digits
            step = node.get("multipleOf")
            if not isinstance(step, (int, float)):
                return _INF
            exponent = Decimal(repr(step)).normalize().as_tuple().exponent
            frac = max(0, -int(exponent)) if isinstance(exponent, int) else 0
            return digits + 1 + frac
        if ty == "string":
            from portkit.constrain._normalize import FIXED_FORMATS

            fmt = node.get("format")
            fixed = FIXED_FORMATS.get(fmt) if isinstance(fmt, str) else None
            if fixed is not None:
                return 2 + fixed
            length = node.get("maxLength")
            return 2 + self.char_bytes * length if isinstance(length, int) else _INF
        if ty == "array":
            return self.array(node)
        if ty == "object":
            return self.obj(node)
        return _INF

    def array(self, node: dict[str, Any]) -> float:
        prefix = node.get("prefixItems")
        items = node.get("items")
        if isinstance(items, list):  # draft 2019 tuple form
            prefix, items = items, node.get("additionalItems", True)
        prefix = prefix if isinstance(prefix, list) else []
        most = node.get("maxItems")
        if items is False or (items is None and prefix and node.get("additionalItems") is False):
            most = len(prefix) if most is None else min(most, len(prefix))
        if not isinstance(most, int):
            return _INF
        total = sum(self.bound(p) for p in prefix[:most])
        rest = most - min(most, len(prefix))
        if rest:
            total += rest * self.bound(items if items is not None else True)
        return total + 2 + max(0, most - 1) + self.ws * (2 * most + 2)

    def obj(self, node: dict[str, Any]) -> float:
        props = node.get("properties") or {}
        total: float = 0
        for name, sub in props.items():
            total += _dumps_len(name) + 2 + self.bound(sub)
        count = len(props)
        extra = node.get("additionalProperties", True)
        patterns = node.get("patternProperties") or {}
        if extra is not False or patterns:
            most = node.get("maxProperties")
            key_len = _key_length(patterns) if extra is False else None
            if not isinstance(most, int) or key_len is None:
                return _INF
            value = max(
                [self.bound(extra) if extra is not False else 0, *(self.bound(p) for p in patterns.values())]
            )
            total += most * (2 + self.char_bytes * key_len + 2 + value)
            count += most
        return total + 2 + self.ws * (4 * count + 2)


def _key_length(patterns: dict[str, Any]) -> int | None:
    """Longest key the patterns allow (each must be an anchored ``^(?:X)$`` of bounded width)."""
    from portkit.constrain._normalize import pattern_width

    widths = [pattern_width(p) for p in patterns]
    if not widths or any(w is None for w in widths):
        return None
    return max(w for w in widths if w is not None)


def max_bytes(schema: dict[str, Any], *, max_whitespace: int) -> float:
    """Most bytes of any JSON text ``schema`` accepts in portkit's grammar, or ``math.inf``."""
    from portkit.constrain._engines import needs_unicode_escapes

    char_bytes = 6 if needs_unicode_escapes(schema) else 4
    return _Bounder(schema, max_whitespace, char_bytes).bound(schema)


def unbounded_at(schema: dict[str, Any], *, max_whitespace: int) -> str:
    """The JSON pointer of the deepest subschema without a bound (for error messages)."""
    from portkit.constrain._normalize import iter_subschemas

    b = _Bounder(schema, max_whitespace)
    worst = "/"
    for path, sub in iter_subschemas(schema):
        if "/not" in path or "/if" in path or "/contains" in path:
            continue
        if isinstance(sub, dict) and math.isinf(b.bound(sub)) and len(path) >= len(worst):
            worst = path or "/"
    return worst
