"""Normalise a JSON Schema before compiling: closed objects, finite recursion, caps, ASCII classes.

Every edit narrows what the schema accepts, never widens it, and is recorded as a :class:`Change`.
Keywords that are predicates (``not``, ``if``, ``contains``, ``propertyNames``) are never capped,
because narrowing inside a negation would widen the whole.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
import warnings
from collections.abc import Iterator
from typing import Any

from portkit.constrain._report import Caps, Change
from portkit.errors import SchemaError

__all__ = [
    "ANY_PREFIX",
    "bound_pattern",
    "iter_subschemas",
    "key_pattern",
    "normalize",
    "pattern_width",
    "pointer_escape",
    "rewrite_ascii_classes",
]

ANY_PREFIX = "portkit_any_"
# most arrays a uniqueItems over listed values is spelled as
_MAX_UNIQUE_ARRAYS = 256
# definitions copied into allOf branches so that their keys can be listed on one object
_MAX_INLINED_CHARS = 60_000
# An exact calendar date (leap years included, year 0000 excluded): engines' "date" formats accept
# 2023-02-29 and 0000-01-01, which no date library can hold.
_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_LEAP = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_CALENDAR_DATE = f"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP}-02-29)"
# formats whose values have a fixed length (the bound reads it from here, no cap needed)
FIXED_FORMATS = {"date": 10, "uuid": 36}
# the shortest cap that still leaves room for ordinary values of a format
FORMAT_FLOOR = {
    "date-time": 40,
    "time": 32,
    "duration": 32,
    "email": 64,
    "hostname": 64,
    "uri": 128,
    "ipv4": 15,
    "ipv6": 45,
}
# the longest value of a format worth writing: ipv4/ipv6 exactly, date-time/time with nanoseconds
# and a numeric offset, with room to spare
FORMAT_CEILING = {"ipv4": 15, "ipv6": 45, "date-time": 64, "time": 48, "duration": 64}
# string formats llguidance has a grammar for (llguidance 1.9)
KNOWN_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid", "uri"}
)
_ASSERTIONS = frozenset(
    {
        "type",
        "enum",
        "const",
        "properties",
        "patternProperties",
        "additionalProperties",
        "required",
        "items",
        "prefixItems",
        "additionalItems",
        "contains",
        "minContains",
        "maxContains",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minProperties",
        "maxProperties",
        "propertyNames",
        "dependentRequired",
        "dependentSchemas",
        "dependencies",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
        "if",
        "then",
        "else",
        "$ref",
        "$dynamicRef",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)
_APPLICATORS = frozenset(
    {"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "$ref", "$dynamicRef", "dependentSchemas"}
)
# keywords whose meaning depends on the sibling "properties" (moving properties would change it)
_READS_PROPERTIES = frozenset({"additionalProperties", "unevaluatedProperties"})
_ALL_TYPES = frozenset({"null", "boolean", "integer", "number", "string", "array", "object"})
_REASONING = re.compile(
    r"reason|rationale|explanation|explain|thinking|thought|analysis|justif|scratch|chain_of", re.I
)
# Keywords whose value is one subschema / a list of them / a name -> subschema map.
_ONE = ("additionalProperties", "items", "additionalItems", "unevaluatedItems", "unevaluatedProperties")
_PREDICATE_ONE = ("not", "if", "then", "else", "contains", "propertyNames")
_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_MAPS = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")


def key_pattern(max_length: int) -> str:
    """The pattern portkit gives the keys of a map, so that their length is bounded."""
    return f"^(?:.{{0,{max_length}}})$"


def _search(pattern: str, text: str) -> Any:
    try:
        with warnings.catch_warnings():
            # Python's re warns about ECMA-262 patterns such as "[[a]" (a future set syntax)
            warnings.simplefilter("ignore", FutureWarning)
            return re.search(pattern, text)
    except re.error:
        return None


def _readable(pattern: str) -> bool:
    """Whether Python's ``re`` reads the pattern (``_search`` answers None for both "no match"
    and "unreadable", so callers that must tell them apart ask this first)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            re.compile(pattern)
    except re.error:
        return False
    return True


def _fullmatch(pattern: str, text: str) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return re.fullmatch(pattern, text)
    except re.error:
        return None


def pattern_width(pattern: str) -> int | None:
    """Longest match of a pattern of the form ``^(?:X)$``, or None when unbounded or unreadable."""
    if not (pattern.startswith("^(?:") and pattern.endswith(")$")):
        return None
    try:
        import re._parser as sre_parse  # the stdlib's own regex parser, for getwidth()

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            width = sre_parse.parse(pattern[4:-2]).getwidth()[1]
    except (re.error, ImportError, OverflowError, RecursionError, ValueError):
        return None
    return int(width) if width < 10_000 else None


def _anchored_width(pattern: Any) -> int | None:
    """Longest string a ``^...$`` pattern without top-level alternation matches, if bounded."""
    if not isinstance(pattern, str) or not pattern.startswith("^") or not pattern.endswith("$"):
        return None
    if pattern.endswith("\\$") or _top_level_bar(pattern):
        return None  # "^a|b$" is not "^(?:a|b)$"
    return pattern_width(f"^(?:{pattern[1:-1]})$")


def _min_width(pattern: Any) -> int:
    """Shortest string that contains a match of ``pattern`` (0 when unreadable)."""
    if not isinstance(pattern, str):
        return 0
    try:
        import re._parser as sre_parse

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return min(int(sre_parse.parse(pattern).getwidth()[0]), 10_000)
    except (re.error, ImportError, OverflowError, RecursionError, ValueError):
        return 0


def _top_level_bar(pattern: str) -> bool:
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
        i += 1
    return False


def _bound_quantifiers(core: str, limit: int) -> str:
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(core):
        ch = core[i]
        if ch == "\\" and i + 1 < len(core):
            out.append(core[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "*":
            ch = f"{{0,{limit}}}"
        elif ch == "+" and not (out and out[-1].endswith("}") and out[-1].startswith("{")):
            ch = f"{{1,{limit}}}"
        elif ch == "{":
            m = re.match(r"\{(\d+),\}", core[i:])
            if m:
                n = int(m.group(1))
                out.append(f"{{{n},{max(n, limit)}}}")
                i += m.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def bound_pattern(pattern: str, limit: int) -> str | None:
    """``pattern`` narrowed to keys of at most about ``limit`` characters, as ``^(?:X)$``; None if impossible."""
    bar = _top_level_bar(pattern)
    head = pattern.startswith("^") and not bar
    tail = pattern.endswith("$") and not pattern.endswith("\\$") and not bar
    # JSON Schema searches: an unanchored end may be followed or preceded by anything; an anchor
    # left inside the wrapped pattern would read as a look-around to engines
    middle = pattern[1 if head else 0 : -1 if tail else None]
    core = (
        ("" if head else ".*") + (f"(?:{middle})" if not (head and tail) else middle) + ("" if tail else ".*")
    )
    bounded = f"^(?:{_bound_quantifiers(core, limit)})$"
    return bounded if pattern_width(bounded) is not None else None


def pointer_escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def iter_subschemas(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every ``(json_pointer, subschema)`` of ``node``, ``node`` itself first."""
    yield path, node
    if not isinstance(node, dict):
        return
    for key in (*_ONE, *_PREDICATE_ONE):
        if key in node and isinstance(node[key], (dict, bool)):
            yield from iter_subschemas(node[key], f"{path}/{key}")
    for key in (*_LISTS, "items"):
        if isinstance(node.get(key), list):
            for i, sub in enumerate(node[key]):
                yield from iter_subschemas(sub, f"{path}/{key}/{i}")
    for key in _MAPS:
        if isinstance(node.get(key), dict):
            for name, sub in node[key].items():
                yield from iter_subschemas(sub, f"{path}/{key}/{pointer_escape(name)}")


# -- regex: ECMA-262 reads \d and \w as ASCII; some engines read them as Unicode ----------------------

_CLASS_MAP = {"d": "0-9", "w": "0-9A-Za-z_"}


def rewrite_ascii_classes(pattern: str) -> str:
    r"""Spell ``\d``/``\w`` (and ``\D``/``\W``) as explicit ASCII ranges, as JSON Schema means them."""
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt.lower() in _CLASS_MAP:
                rng = _CLASS_MAP[nxt.lower()]
                if in_class:
                    # a negated class inside a set cannot be spelled as a range; keep it
                    out.append(rng if nxt.islower() else pattern[i : i + 2])
                else:
                    out.append(f"[{rng}]" if nxt.islower() else f"[^{rng}]")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


# -- recursion ---------------------------------------------------------------------------------------


def _ref_holders(node: Any, *, names: bool = False) -> Iterator[dict[str, Any]]:
    """Every dict under ``node`` that could hold a ``$ref``, including groups of definitions
    nested in plain objects (``{"definitions": {"group": {"a": {...}}}}``), which
    :func:`iter_subschemas` does not enter. ``names``: ``node`` maps names to schemas (a property
    may be called "default")."""
    if isinstance(node, dict):
        if not names:
            yield node
        for key, value in node.items():
            if names or key not in ("const", "enum", "default", "examples"):
                yield from _ref_holders(value, names=not names and key in _MAPS)
    elif isinstance(node, list):
        for value in node:
            yield from _ref_holders(value)


def _def_name(ref: str) -> str | None:
    for prefix in ("#/$defs/", "#/definitions/"):
        if ref.startswith(prefix) and "/" not in ref[len(prefix) :]:
            return ref[len(prefix) :].replace("~1", "/").replace("~0", "~")
    return None


def _def_head(ref: str) -> str | None:
    """The definition a reference points into (``#/$defs/A/properties/b`` -> ``A``)."""
    for prefix in ("#/$defs/", "#/definitions/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :].partition("/")[0].replace("~1", "/").replace("~0", "~")
    return None


def _refs_in(node: Any) -> set[str]:
    found: set[str] = set()
    for _, sub in iter_subschemas(node):
        if isinstance(sub, dict) and isinstance(sub.get("$ref"), str):
            found.add(sub["$ref"])
    return found


def _hoist_pointer_refs(root: dict[str, Any]) -> dict[str, str]:
    """Give each reference into the body of the document (``#/properties/a``, ``#/defs/b``) a
    definition of its own, so that recursion through it is found and unrolled like any other.

    Targets are read from the document as given; returns ``{pointer: definition name}``.
    """
    from portkit.constrain._bound import _resolve

    snapshot = copy.deepcopy(root)
    names: dict[str, str] = {}
    hoisted: dict[str, Any] = {}
    pending: list[Any] = [root]
    while pending:
        for holder in _ref_holders(pending.pop()):
            ref = holder.get("$ref")
            if (
                not isinstance(ref, str)
                or not ref.startswith("#/")
                or ref.startswith(("#/$defs/", "#/definitions/"))
            ):
                continue
            if ref not in names:
                target = _resolve(snapshot, ref)
                if target is None:
                    continue  # left for the engine's error about an unresolvable reference
                names[ref] = f"portkit_at{len(names)}"
                hoisted[names[ref]] = copy.deepcopy(target)
                pending.append(hoisted[names[ref]])
            holder["$ref"] = f"#/$defs/{names[ref]}"
    if hoisted:
        defs = root.get("$defs")
        root["$defs"] = {**(defs if isinstance(defs, dict) else {}), **hoisted}
    return {ref[1:]: name for ref, name in names.items()}


def _recursive_defs(defs: dict[str, Any]) -> set[str]:
    """Definitions that can reach themselves through references.

    A reference deep into a definition (``#/$defs/A/properties/b``) is followed into the part it
    names, so a definition that only points into its own nested parts is not recursive.
    """
    from portkit.constrain._bound import _resolve

    pseudo_root = {"$defs": defs}
    refs_of: dict[str, set[str]] = {}

    def refs(ref: str) -> set[str]:
        if ref not in refs_of:
            target = _resolve(pseudo_root, ref)
            refs_of[ref] = (
                {r for r in _refs_in(target) if r.startswith("#/$defs/")} if target is not None else set()
            )
        return refs_of[ref]

    cyclic: set[str] = set()
    for name in defs:
        own = f"#/$defs/{pointer_escape(name)}"
        stack, seen = list(refs(own)), set()
        while stack:
            cur = stack.pop()
            if cur == own:
                cyclic.add(name)
                break
            if cur in seen:
                continue
            seen.add(cur)
            stack.extend(refs(cur))
    return cyclic


class _Normalizer:
    def __init__(self, caps: Caps, close_objects: bool) -> None:
        self.caps = caps
        self.close = close_objects
        self.changes: list[Change] = []
        self.any_used = False
        self.root_moved = False
        # the properties of the nearest enclosing object schema, read through allOf/anyOf/oneOf and
        # then/else, so that a condition on a property can find the values it may take
        self.scope: dict[str, Any] | None = None
        self.defs: dict[str, Any] = {}
        self.raw_defs: dict[str, Any] = {}
        self.inlined_chars = 0

    def note(self, kind: Any, path: str, keyword: str, detail: str) -> None:
        self.changes.append(Change(kind, path or "/", keyword, detail))

    # -- entry -------------------------------------------------------------------------------------
    def run(self, schema: dict[str, Any]) -> dict[str, Any]:
        root = copy.deepcopy(schema)
        for pointer, name in _hoist_pointer_refs(root).items():
            self.note(
                "annotation", "", "$ref", f"the part at {pointer!r} is referenced; it is also $defs/{name}"
            )
        defs_key = "$defs" if "$defs" in root or "definitions" not in root else "definitions"
        defs: dict[str, Any] = {**root.pop("definitions", {}), **root.pop("$defs", {})}
        self.root_moved = "#" in _refs_in(root) or any("#" in _refs_in(body) for body in defs.values())
        if self.root_moved:
            defs["portkit_root"] = root
            root = {"$ref": "#/$defs/portkit_root"}
        self._rewrite_refs(root, defs_key)
        for body in defs.values():
            self._rewrite_refs(body, defs_key)
        recursive = _recursive_defs(defs)
        new_defs: dict[str, Any] = {}
        depth = self.caps.recursion_depth
        for name, body in defs.items():
            if name in recursive:
                for level in range(depth + 1):
                    new_defs[f"{name}__depth{level}"] = self._relevel(copy.deepcopy(body), recursive, level)
                self.note(
                    "recursion-unrolled",
                    f"/$defs/{pointer_escape(name)}",
                    "$ref",
                    f"recursive definition {name!r} nests at most {depth} levels deep",
                )
            else:
                new_defs[name] = self._relevel(body, recursive, depth)
        root = self._relevel(root, recursive, depth + 1)
        self.defs = new_defs
        # as written (recursion levels aside): proofs about the schema as given read these
        self.raw_defs = copy.deepcopy(new_defs)
        root = self.walk(root, "", generative=True, in_all_of=False)
        for name in list(new_defs):
            new_defs[name] = self.walk(
                new_defs[name], f"/$defs/{pointer_escape(name)}", generative=True, in_all_of=False
            )
        if self.any_used:
            new_defs.update(self._any_defs())
        root, new_defs = _prune_false(root, new_defs)
        if root is False:
            raise SchemaError(
                "The schema accepts no value once recursion is limited to "
                f"{depth} levels (a recursive field is required at every level).",
                schema_path="",
                hint="make the recursive field optional, a list, or nullable, or raise Caps.recursion_depth",
            )
        if new_defs:
            if not isinstance(root, dict):
                root = {"allOf": [root]}
            root["$defs"] = new_defs
        return root  # type: ignore[no-any-return]

    def _rewrite_refs(self, node: Any, defs_key: str) -> None:
        for _, sub in iter_subschemas(node):
            if isinstance(sub, dict):
                # an identifier changes the base that engines resolve "#/..." against; every
                # reference here is local to the whole document, so identifiers only get in the way
                sub.pop("$id", None)
                if isinstance(sub.get("id"), str):
                    del sub["id"]
        for sub in _ref_holders(node):
            if isinstance(sub.get("$ref"), str):
                ref = sub["$ref"]
                if ref == "#":
                    sub["$ref"] = "#/$defs/portkit_root"
                elif ref.startswith("#/definitions/"):
                    sub["$ref"] = "#/$defs/" + ref[len("#/definitions/") :]
                elif ref.startswith("#/") and not ref.startswith("#/$defs/") and self.root_moved:
                    sub["$ref"] = "#/$defs/portkit_root" + ref[1:]
                elif not ref.startswith("#"):
                    raise SchemaError(
                        f"The schema refers to {ref!r}, outside itself; portkit only follows local references.",
                        schema_path="",
                        hint="inline the referenced schema, or put it under $defs",
                    )

    def _relevel(self, node: Any, recursive: set[str], level: int) -> Any:
        """Point references to recursive definitions one level down; below level 0 nothing is left."""
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                head, _, rest = ref[len("#/$defs/") :].partition("/")
                name = head.replace("~1", "/").replace("~0", "~")
                if name in recursive:
                    if level == 0:
                        return False
                    tail = f"/{rest}" if rest else ""
                    node = {**node, "$ref": f"#/$defs/{pointer_escape(name + f'__depth{level - 1}')}{tail}"}
            return {k: self._relevel_value(k, v, recursive, level) for k, v in node.items()}
        return node

    def _relevel_value(self, key: str, value: Any, recursive: set[str], level: int) -> Any:
        if key in ("const", "enum", "examples", "default", "$defs"):
            return value
        if isinstance(value, dict):
            if key in _MAPS:
                return {k: self._relevel(v, recursive, level) for k, v in value.items()}
            return self._relevel(value, recursive, level)
        if isinstance(value, list) and key in (*_LISTS, "items"):
            return [self._relevel(v, recursive, level) for v in value]
        return value

    # -- the walk ----------------------------------------------------------------------------------
    def walk(self, node: Any, path: str, *, generative: bool, in_all_of: bool, branch: bool = False) -> Any:
        if node is True or (isinstance(node, dict) and not any(k in node for k in _ASSERTIONS)):
            if not generative or in_all_of:
                return node
            self.any_used = True
            self.note(
                "cap", path, "type", f"'any value' is limited to {self.caps.any_depth} levels of nesting"
            )
            kept = {k: v for k, v in node.items()} if isinstance(node, dict) else {}
            return {**kept, "$ref": f"#/$defs/{ANY_PREFIX}{self.caps.any_depth}"}
        if not isinstance(node, dict):
            return node
        if _is_trivial(node.get("not", None)):
            # "not anything" accepts no value, whatever else the subschema says
            self.note("annotation", path, "not", "'not {}' accepts no value; the subschema is false")
            return False
        node = dict(node)
        self._no_ops(node, path)
        if isinstance(node.get("pattern"), str):
            fixed = rewrite_ascii_classes(node["pattern"])
            if fixed != node["pattern"]:
                self.note(
                    "ascii-class", path, "pattern", r"\d and \w read as ASCII, as JSON Schema defines them"
                )
                node["pattern"] = fixed
        raw_one_of = node.get("oneOf")
        # children first
        saved_scope = self.scope
        self.scope = None
        for key in _ONE:
            if isinstance(node.get(key), (dict, bool)):
                node[key] = self.walk(node[key], f"{path}/{key}", generative=generative, in_all_of=False)
        self.scope = node["properties"] if isinstance(node.get("properties"), dict) else saved_scope
        for key in _PREDICATE_ONE:
            if isinstance(node.get(key), (dict, bool)):
                gen = generative and key in ("then", "else")
                # then/else hold together with their parent, as allOf branches do
                node[key] = self.walk(
                    node[key],
                    f"{path}/{key}",
                    generative=gen,
                    in_all_of=key in ("then", "else"),
                    branch=key in ("then", "else"),
                )
        for key in _LISTS:
            if isinstance(node.get(key), list):
                # beside a $ref, an anyOf branch narrows the referenced schema, as allOf would;
                # capping it on its own (a map of any keys) would clash with the reference's keys
                joint = key == "allOf" or (key in ("anyOf", "oneOf") and "$ref" in node)
                node[key] = [
                    self.walk(s, f"{path}/{key}/{i}", generative=generative, in_all_of=joint, branch=True)
                    for i, s in enumerate(node[key])
                ]
        self.scope = None
        if isinstance(node.get("items"), list):
            node["items"] = [
                self.walk(s, f"{path}/items/{i}", generative=generative, in_all_of=False)
                for i, s in enumerate(node["items"])
            ]
        for key in ("properties", "patternProperties", "$defs", "definitions"):
            if isinstance(node.get(key), dict):
                node[key] = {
                    name: self.walk(
                        s, f"{path}/{key}/{pointer_escape(name)}", generative=generative, in_all_of=False
                    )
                    for name, s in node[key].items()
                }
        for key in ("dependentSchemas", "dependencies"):
            # a dependent schema narrows the object it sits in, as an allOf branch does: its
            # logic is spelled out, but it is neither capped nor closed on its own
            if isinstance(node.get(key), dict):
                node[key] = {
                    name: self.walk(
                        s, f"{path}/{key}/{pointer_escape(name)}", generative=False, in_all_of=True
                    )
                    if isinstance(s, (dict, bool))
                    else s
                    for name, s in node[key].items()
                }
        self.scope = saved_scope
        # after the children (their caps are in place), before this node's own caps (which read
        # the branches added here)
        self._rewrite_logic(node, path, saved_scope)
        self._exclusive_one_of(node, path, raw_one_of)
        if generative:
            self._cap(node, path, in_all_of=in_all_of, standalone=not (in_all_of or branch))
            self._property_names(node, path)
            self._object_counts(node, path)
        return node

    def _no_ops(self, node: dict[str, Any], path: str) -> None:
        """Remove keywords that assert nothing here, so engines that refuse them do not need to."""
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt not in KNOWN_FORMATS:
            # JSON Schema makes format an annotation unless a validator opts in; keep it out of the
            # grammar (the engine would refuse an unknown one) and say so
            del node["format"]
            self.note("annotation", path, "format", f"format {fmt!r} has no grammar; it is not enforced")
        self._hoist_all_of(node, path)
        self._unevaluated(node, path)
        for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if isinstance(node.get(flag), bool):
                # draft-04 spelling: a boolean that makes the sibling bound exclusive
                if node.pop(flag) and isinstance(node.get(bound), (int, float)):
                    node[flag] = node.pop(bound)
                self.note("annotation", path, flag, f"draft-04 boolean {flag} spelled as a number")
        unique = node.get("uniqueItems")
        if unique is False or (
            unique is True and (isinstance(node.get("maxItems"), int) and node["maxItems"] <= 1)
        ):
            del node["uniqueItems"]
            self.note(
                "annotation", path, "uniqueItems", "uniqueItems cannot fail here (false, or at most one item)"
            )
        negated = node.get("not")
        if isinstance(negated, dict) and negated:
            self._rewrite_not(node, negated, path)

    def _unevaluated(self, node: dict[str, Any], path: str) -> None:
        """``unevaluated*`` with no applicator beside it: only this subschema's own keywords
        evaluate anything, so it is ``additionalProperties`` / the rest of the items."""
        if any(k in node for k in _APPLICATORS):
            return
        if "unevaluatedProperties" in node:
            if "additionalProperties" in node:
                del node["unevaluatedProperties"]
            else:
                node["additionalProperties"] = node.pop("unevaluatedProperties")
            self.note(
                "annotation",
                path,
                "unevaluatedProperties",
                "with nothing else evaluating keys, it is additionalProperties",
            )
        if "unevaluatedItems" in node and "contains" not in node:
            items = node.get("items")
            # draft 2019 tuples leave the rest to additionalItems; 2020 leaves it to items
            rest = "additionalItems" if isinstance(items, list) else "items"
            if rest in node:
                del node["unevaluatedItems"]
            else:
                node[rest] = node.pop("unevaluatedItems")
            self.note(
                "annotation", path, "unevaluatedItems", f"with nothing else evaluating items, it is {rest}"
            )

    def _hoist_all_of(self, node: dict[str, Any], path: str) -> None:
        """Move the ``properties``/``required`` of plain allOf branches up to their parent.

        Exact when the branch has neither ``additionalProperties`` nor ``unevaluatedProperties``
        (which read their sibling ``properties``) and, if the parent has ``additionalProperties``,
        it already lists every key that moves: each property constraint holds either way, and a
        parent's ``unevaluatedProperties`` sees the same keys evaluated. The parent then lists
        every key, so it can be closed and bounded like any object. Branches that only refer to a
        plain, non-recursive definition are first replaced by a copy of it.
        """
        # beside additionalProperties, only keys the object already lists may move up: then the
        # keys it calls "additional" stay the same
        fixed = set(node.get("properties") or {}) if "additionalProperties" in node else None
        # a key count beside optional keys is refused by engines: more listed keys would make it so
        splice = not any(k in node for k in ("minProperties", "maxProperties"))
        ref = node.get("$ref")
        if splice and isinstance(ref, str) and ("properties" in node or "required" in node):
            # keys beside a reference narrow the referenced object; when it is made of plain
            # pieces, they are listed on one object with the keys beside (read as draft 2019 reads
            # it; draft 7 would ignore the keys beside, so this only narrows)
            pieces = self._pieces(ref, fixed)
            if pieces is not None:
                del node["$ref"]
                existing = node.get("allOf")
                node["allOf"] = [*pieces, *(existing if isinstance(existing, list) else [])]
        branches = node.get("allOf")
        if not isinstance(branches, list):
            return
        spliced: list[Any] = []
        for branch in branches:
            keys = set(branch) - _ANNOTATIONS if isinstance(branch, dict) else set()
            # a branch that only refers to a definition made of plain object pieces is replaced
            # by those pieces, so that their keys move up too; otherwise the reference stays
            pieces = self._pieces(branch["$ref"], fixed) if splice and keys == {"$ref"} else None
            spliced.extend(pieces if pieces is not None else [branch])
        branches = node["allOf"] = spliced
        props = dict(node["properties"]) if isinstance(node.get("properties"), dict) else {}
        required = list(node["required"]) if isinstance(node.get("required"), list) else []
        kept: list[Any] = []
        moved = False
        for branch in branches:
            if (
                not isinstance(branch, dict)
                or not isinstance(branch.get("properties"), dict)
                or (fixed is not None and not set(branch["properties"]) <= fixed)
                or any(k in branch for k in _READS_PROPERTIES)
                or branch.get("type", "object") != "object"
                or "$ref" in branch
            ):
                kept.append(branch)
                continue
            for name, sub in branch["properties"].items():
                props[name] = {"allOf": [props[name], sub]} if name in props else sub
            required += [r for r in branch.get("required", []) if r not in required]
            if "type" in branch and "type" not in node:
                node["type"] = "object"
            # the branch's type moves only where the object's own type says the same
            moved_keys = (
                ("properties", "required", "type")
                if node.get("type") == "object"
                else ("properties", "required")
            )
            rest = {k: v for k, v in branch.items() if k not in moved_keys}
            if not _is_trivial(rest):
                kept.append(rest)
            moved = True
        if not moved:
            return
        node["properties"] = props
        if required:
            node["required"] = required
        if kept:
            node["allOf"] = kept
        else:
            del node["allOf"]
        self.note("annotation", path, "allOf", "the properties of allOf branches are listed on the object")

    def _pieces(self, ref: str, fixed: set[str] | None, depth: int = 0) -> list[Any] | None:
        """The definition ``ref`` names as a list of plain object pieces (its allOf flattened,
        references followed), each of which can be listed on the parent; else None."""
        body = self._inlined(ref) if depth < 8 else None
        if body is None:
            return None
        parts = body.pop("allOf", [])
        if not isinstance(parts, list):
            return None
        out: list[Any] = [body] if set(body) - _ANNOTATIONS - {"type"} else []
        for part in parts:
            keys = set(part) - _ANNOTATIONS if isinstance(part, dict) else set()
            if keys == {"$ref"}:
                nested = self._pieces(part["$ref"], fixed, depth + 1)
                if nested is None:
                    return None
                out.extend(nested)
            else:
                out.append(part)
        for piece in out:
            keys = set(piece) - _ANNOTATIONS if isinstance(piece, dict) else {"?"}
            if (
                not keys <= {"properties", "required", "type"}
                or not isinstance(piece.get("properties", {}), dict)
                or piece.get("type", "object") != "object"
                or (fixed is not None and not set(piece.get("properties", {})) <= fixed)
            ):
                return None
        return out

    def _inlined(self, ref: str) -> dict[str, Any] | None:
        """A copy of the plain object definition ``ref`` names, to splice into an allOf; else None.

        Only definitions that are not recursive and describe objects by their keys qualify, and
        only while the copies stay small (each is a copy of the schema text).
        """
        name = _def_name(ref)
        body = self.raw_defs.get(name) if name is not None else None
        if (
            not isinstance(body, dict)
            or "__depth" in str(name)
            or not (isinstance(body.get("properties"), dict) or isinstance(body.get("allOf"), list))
            or body.get("type", "object") != "object"
            or any(k in body for k in ("$ref", "$dynamicRef"))
        ):
            return None
        size = len(json.dumps(body))
        if self.inlined_chars + size > _MAX_INLINED_CHARS:
            return None
        self.inlined_chars += size
        return copy.deepcopy(body)

    def _rewrite_not(self, node: dict[str, Any], negated: dict[str, Any], path: str) -> None:
        """Spell the common, exactly expressible forms of ``not`` without it."""
        current_t = node.get("type")
        current = (
            [current_t]
            if isinstance(current_t, str)
            else list(current_t)
            if isinstance(current_t, list)
            else None
        )
        keys = set(negated) - {"description", "title", "$comment"}
        if keys == {"type"} and current is not None:
            banned = {negated["type"]} if isinstance(negated["type"], str) else set(negated["type"])
            if "integer" in banned and "number" in current:
                return  # "a number that is not an integer" has no type of its own
            kept = [t for t in current if t not in banned]
            if not kept:
                return
            node["type"] = kept[0] if len(kept) == 1 else kept
            detail = f"'not' of a type is the same as type {node['type']!r}"
        elif keys == {"required"} and isinstance(negated["required"], list) and len(negated["required"]) == 1:
            key = negated["required"][0]
            props = node.get("properties")
            if not isinstance(key, str) or key in (node.get("required") or []):
                return
            if current is not None and current != ["object"] and "object" not in current:
                return
            # not(required: [k]) holds for objects without k, and for nothing else
            node["type"] = "object"
            node["properties"] = {**(props if isinstance(props, dict) else {}), key: False}
            detail = f"'not required {key!r}' is the same as forbidding the key"
        elif keys <= {"enum", "const"} and isinstance(node.get("enum"), list):
            banned_values = list(negated.get("enum", [])) + ([negated["const"]] if "const" in negated else [])
            kept_values = [v for v in node["enum"] if v not in banned_values]
            if not kept_values:
                return
            node["enum"] = kept_values
            detail = "'not' of values is the same as a smaller enum"
        else:
            return
        del node["not"]
        self.note("annotation", path, "not", detail)

    def _rewrite_logic(self, node: dict[str, Any], path: str, scope: dict[str, Any] | None) -> None:
        """Spell ``if``/``then``/``else``, ``not`` and ``dependencies`` as anyOf/allOf, where exact.

        Runs after the children were walked, so the branches added here are not capped or closed
        again. A form without an exact spelling is left in place, and preflight names it.
        """
        props = node.get("properties")
        domains = props if isinstance(props, dict) else scope or {}
        added: list[Any] = []
        if "if" in node:
            cond = node["if"]
            negated = _complement(cond, domains)
            if negated is not None:
                yes = [b for b in (cond, node.get("then", True)) if not _is_trivial(b)]
                no = [b for b in (negated, node.get("else", True)) if not _is_trivial(b)]
                branches = [_conjoin(yes), _conjoin(no)]
                added.append({"anyOf": [b for b in branches if b is not False]})
                for key in ("if", "then", "else"):
                    node.pop(key, None)
                self.note("annotation", path, "if", "'if/then/else' spelled exactly as anyOf of two branches")
        elif ("then" in node or "else" in node) and "if" not in node:
            # without 'if', then/else assert nothing
            node.pop("then", None)
            node.pop("else", None)
            self.note("annotation", path, "then", "'then'/'else' without 'if' assert nothing")
        if "not" in node:
            negated = _complement(node["not"], domains)
            if negated is not None:
                added.append(negated)
                del node["not"]
                self.note("annotation", path, "not", "'not' spelled exactly as its complement")
        for key in ("dependencies", "dependentRequired", "dependentSchemas"):
            deps = node.get(key)
            if not isinstance(deps, dict):
                continue
            spelled: list[Any] = []
            for name, need in deps.items():
                # either the key is absent, or it comes with the keys it needs / meets the schema
                if isinstance(need, list) and key != "dependentSchemas":
                    if not all(isinstance(x, str) for x in need):
                        break
                    if need:
                        spelled.append(
                            {"anyOf": [{"properties": {name: False}}, {"required": [name, *need]}]}
                        )
                elif isinstance(need, (dict, bool)) and key != "dependentRequired":
                    if not _is_trivial(need):
                        present = _conjoin([{"required": [name]}, need])
                        spelled.append(
                            {"anyOf": [b for b in ({"properties": {name: False}}, present) if b is not False]}
                        )
                else:
                    break
            else:
                added.extend(spelled)
                del node[key]
                self.note("annotation", path, key, f"'{key}' spelled exactly as anyOf branches")
        if added:
            existing = node.get("allOf")
            node["allOf"] = [*(existing if isinstance(existing, list) else []), *added]

    def _property_names(self, node: dict[str, Any], path: str) -> None:
        """Apply ``propertyNames`` to a closed object's listed keys and key patterns (engines lack it)."""
        names = node.get("propertyNames")
        if not isinstance(names, dict) or node.get("additionalProperties") is not False:
            return
        keys = set(names) - _ANNOTATIONS - ({"type"} if names.get("type") == "string" else set())
        values = _value_set(names)
        pattern = names.get("pattern")
        if keys == {"pattern"} and isinstance(pattern, str):
            if not _readable(pattern):
                return

            def allowed(key: str) -> bool:
                return _search(pattern, key) is not None
        elif keys and keys <= {"enum", "const"} and values is not None:

            def allowed(key: str) -> bool:
                return key in values
        else:
            return
        props = dict(node.get("properties") or {})
        new_patterns: dict[str, Any] = {}
        for key_re, sub in (node.get("patternProperties") or {}).items():
            if values is not None:
                # a finite list of names: each name the pattern admits becomes a listed property
                for name in values:
                    if isinstance(name, str) and _search(key_re, name) is not None:
                        props[name] = {"allOf": [props[name], sub]} if name in props else sub
            elif key_re == key_pattern(self.caps.max_key_length) and isinstance(pattern, str):
                bounded = bound_pattern(rewrite_ascii_classes(pattern), self.caps.max_key_length)
                if bounded is None:
                    return
                new_patterns[bounded] = sub
            else:
                return  # two key patterns would have to be intersected
        for name in list(props):
            if not allowed(name) and props[name] is not False:
                props[name] = False
        node["properties"] = props
        if new_patterns or node.get("patternProperties"):
            if new_patterns:
                node["patternProperties"] = new_patterns
            else:
                del node["patternProperties"]
        del node["propertyNames"]
        self.note(
            "annotation", path, "propertyNames", "propertyNames applied to the listed keys and key patterns"
        )

    def _exclusive_one_of(self, node: dict[str, Any], path: str, raw: Any) -> None:
        """Spell ``oneOf`` as ``anyOf`` when no value can match two branches.

        The proof reads the branches as written (``raw``), so it holds for the schema as given: an
        output matching one (narrowed) branch of the grammar matches no other branch of the original.
        """
        branches = node.get("oneOf")
        if not isinstance(branches, list) or len(branches) < 2 or not isinstance(raw, list):
            return
        facts = [_Facts.of(b, self.raw_defs) for b in raw]
        outer = _Facts.of(node, self.raw_defs).types if "type" in node else None
        if outer is not None:
            for f in facts:  # a value of a branch is also a value of the node around it
                f.types &= outer
        as_written = all(a.disjoint(b, self.raw_defs) for i, a in enumerate(facts) for b in facts[i + 1 :])
        if not as_written and (
            len(branches) != len(raw)
            or not (
                self._narrowed_exclusive(node, branches, raw, facts, outer, path)
                or self._own_key_exclusive(branches, raw, outer, path)
            )
        ):
            return
        branches = [b for b in branches if b is not False]
        del node["oneOf"]
        if "anyOf" in node:
            existing = node.get("allOf")
            node["allOf"] = [*(existing if isinstance(existing, list) else []), {"anyOf": branches}]
        else:
            node["anyOf"] = branches
        self.note(
            "annotation",
            path,
            "oneOf",
            "the branches are mutually exclusive, so oneOf is anyOf"
            if as_written
            else "no value a branch generates (with objects closed) matches another branch, so oneOf is anyOf",
        )

    def _narrowed_exclusive(
        self,
        node: dict[str, Any],
        branches: list[Any],
        raw: list[Any],
        raw_facts: list[_Facts],
        outer: set[str] | None,
        path: str,
    ) -> bool:
        """Whether no value of a narrowed branch matches any other branch as written.

        Then every output of the grammar (a value of one narrowed branch, hence of that branch as
        written) matches exactly one branch of the original: closing objects often makes
        branches such as ``{"required": ["a"]}`` and ``{"required": ["b"]}`` exclusive.
        References are read as written, which only widens a narrowed branch, so the proof holds.
        """
        objects_only: list[int] = []
        forbidden = self._keys_to_forbid(node, branches, raw)
        for i, branch in enumerate(branches):
            if i in forbidden:
                props = {**branch.get("properties", {}), **dict.fromkeys(forbidden[i], False)}
                branch = {**branch, "properties": props}
            mine = _Facts.of(self._as_closed(branch), self.raw_defs)
            if outer is not None:
                mine.types &= outer
            if mine.types - {"object"} and _describes_objects(branch):
                # a value of another type matches every branch that only speaks of keys, so a
                # branch like that can only ever be the one match as an object
                mine.types = {"object"}
                objects_only.append(i)
            for j, other in enumerate(raw_facts):
                if i != j and not mine.disjoint(other, self.raw_defs):
                    return False
        for i, keys in forbidden.items():
            branches[i]["properties"] = {**branches[i].get("properties", {}), **dict.fromkeys(keys, False)}
            self.note(
                "cap",
                f"{path}/oneOf/{i}",
                "properties",
                f"this branch leaves out {sorted(keys)!r}, which other branches require, so that one branch matches",
            )
        for i in objects_only:
            branches[i]["type"] = "object"
            self.note(
                "cap", f"{path}/oneOf/{i}", "type", "this branch only speaks of keys; it generates objects"
            )
        return True

    def _as_closed(self, branch: Any) -> Any:
        """A reference to a plain object definition, as normalisation writes that definition:
        closed, listing its properties and required keys (read for the exclusivity proof)."""
        if not (self.close and isinstance(branch, dict) and set(branch) - _ANNOTATIONS == {"$ref"}):
            return branch
        name = _def_name(branch["$ref"])
        body = self.raw_defs.get(name) if name is not None else None
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("properties"), dict)
            or body.get("type", "object") != "object"
            or any(k in body for k in (*_APPLICATORS, "additionalProperties", "patternProperties", "$ref"))
        ):
            return branch
        listed = {**body["properties"]}
        for key in body.get("required") or []:
            if isinstance(key, str):
                listed.setdefault(key, True)
        return {**body, "properties": listed, "additionalProperties": False}

    def _own_key_exclusive(
        self, branches: list[Any], raw: list[Any], outer: set[str] | None, path: str
    ) -> bool:
        """oneOf over objects that are closed as written: each branch writes one key no other
        branch lists, so no other branch accepts its output.

        A branch that already requires such a key is unchanged; one that lists such keys gets
        "one of them is present"; one with no key of its own cannot be told apart and is left out
        (a narrowing: its values that fail every other branch are not generated).
        """
        bodies = [_deref(b, self.raw_defs) for b in raw]
        listed: list[set[str]] = []
        for body in bodies:
            if (
                not isinstance(body, dict)
                or body.get("additionalProperties") is not False
                or body.get("patternProperties")
                or not isinstance(body.get("properties", {}), dict)
                or body.get("type", "object") != "object"
                or any(k in body for k in ("anyOf", "oneOf", "allOf", "if", "not", "$ref"))
            ):
                return False
            listed.append({k for k, v in body.get("properties", {}).items() if v is not False})
        if outer != {"object"} and any(body.get("type") != "object" for body in bodies):
            return False  # a value of another type would match every typeless branch
        plan: list[Any] = []
        for i, b in enumerate(raw):
            others = set().union(*(keys for j, keys in enumerate(listed) if j != i))
            own = sorted(listed[i] - others)
            if _required_keys(b, self.raw_defs) & set(own):
                plan.append(None)
            elif own:
                plan.append(own)
            else:
                plan.append(False)
        if all(p is False for p in plan):
            return False
        for i, step in enumerate(plan):
            if step is None:
                continue
            if step is False:
                branches[i] = False
                self.note(
                    "cap", f"{path}/oneOf/{i}", "oneOf", "this branch lists no key of its own; it is left out"
                )
                continue
            one_of_own = {"anyOf": [{"required": [k]} for k in step]}
            branch = branches[i]
            if isinstance(branch, dict) and "anyOf" not in branch:
                branches[i] = {**branch, **one_of_own}
            else:
                branches[i] = {"allOf": [branch, one_of_own]}
            self.note(
                "cap",
                f"{path}/oneOf/{i}",
                "oneOf",
                f"this branch writes one of {step!r}, keys no other branch lists, so that one branch matches",
            )
        return True

    def _keys_to_forbid(
        self, node: dict[str, Any], branches: list[Any], raw: list[Any]
    ) -> dict[int, set[str]]:
        """For each oneOf branch, the keys other branches require and it does not: leaving them out
        of its objects keeps their values from matching those branches (``{"required": ["a"]}``
        beside ``{"required": ["b"]}``). Keys the object itself requires cannot be left out."""
        required = [_required_keys(b, self.raw_defs) for b in raw]
        always = {k for k in node.get("required") or [] if isinstance(k, str)}
        out: dict[int, set[str]] = {}
        for i, branch in enumerate(branches):
            if (
                not isinstance(branch, dict)
                or "$ref" in branch
                or not isinstance(branch.get("properties", {}), dict)
            ):
                continue
            others: set[str] = set()
            for j, keys in enumerate(required):
                if j != i:
                    others |= keys - required[i]
            keys = others - always - set(branch.get("properties", {}))
            if keys:
                out[i] = keys
        return out

    def _object_counts(self, node: dict[str, Any], path: str) -> None:
        """Spell min/maxProperties on a closed object with optional keys (llguidance refuses them)."""
        props = node.get("properties")
        if (
            not isinstance(props, dict)
            or node.get("additionalProperties") is not False
            or node.get("patternProperties")
            or not ({"minProperties", "maxProperties"} & set(node))
        ):
            return
        required = set(node.get("required") or []) & set(props)
        if required == set(props):
            return  # llguidance counts these itself
        allowed = [k for k, v in props.items() if v is not False]
        most, least = node.get("maxProperties"), node.get("minProperties")
        if isinstance(most, int) and most >= len(allowed):
            del node["maxProperties"]
            self.note("annotation", path, "maxProperties", "the closed object cannot hold more keys")
        if isinstance(least, int) and least <= len(required):
            del node["minProperties"]
            self.note("annotation", path, "minProperties", "the required keys already reach the minimum")
        elif isinstance(least, int) and least <= len(allowed):
            # at least k keys: the object holds all keys of one k-subset of the listed keys
            subsets = _subsets(allowed, least, required)
            if subsets is not None:
                self._conjoin_branch(node, {"anyOf": [{"required": list(c)} for c in subsets]})
                del node["minProperties"]
                self.note(
                    "annotation",
                    path,
                    "minProperties",
                    f"'at least {least} keys' spelled as anyOf of required",
                )
        most = node.get("maxProperties")
        if isinstance(most, int) and most >= len(required):
            # at most k keys: every key the object holds is in one k-subset of the listed keys
            subsets = _subsets(allowed, most, required)
            if subsets is not None:
                branches = [{"properties": {k: False for k in allowed if k not in c}} for c in subsets]
                self._conjoin_branch(node, {"anyOf": branches})
                del node["maxProperties"]
                self.note(
                    "annotation",
                    path,
                    "maxProperties",
                    f"'at most {most} keys' spelled as anyOf of allowed keys",
                )

    def _conjoin_branch(self, node: dict[str, Any], branch: dict[str, Any]) -> None:
        existing = node.get("allOf")
        node["allOf"] = [*(existing if isinstance(existing, list) else []), branch]

    def _types(self, node: dict[str, Any], *, standalone: bool = False) -> set[str]:
        if "const" in node or "enum" in node or "$ref" in node:
            return set()
        t = node.get("type")
        # an explicit type is capped even beside anyOf/oneOf: caps only narrow
        if isinstance(t, str):
            return {t}
        if isinstance(t, list):
            return {x for x in t if isinstance(x, str)}
        if any(k in node for k in ("anyOf", "oneOf")):
            return set()
        if any(
            k in node
            for k in ("properties", "patternProperties", "additionalProperties", "items", "prefixItems")
        ):
            return set(_ALL_TYPES)
        if any(k in node for k in _ASSERTIONS) and not standalone:
            # a typeless assertion ({"required": [...]}) in a branch narrows a sibling; capping it
            # as "any value" would narrow the sibling's values too. Standing alone (a property's
            # {"format": "date-time"}), it is a value of any type, and capped as one.
            return set()
        return set(_ALL_TYPES)

    def _cap(self, node: dict[str, Any], path: str, *, in_all_of: bool, standalone: bool = False) -> None:
        caps = self.caps
        types = self._types(node, standalone=standalone)
        fmt = node.get("format")
        if "string" in types and fmt in ("date", "date-time") and "pattern" not in node:
            node["pattern"] = f"^{_CALENDAR_DATE}" + ("$" if fmt == "date" else "T")
            self.note("cap", path, "pattern", "dates are real calendar dates from year 0001 (no 2023-02-29)")
        width = _anchored_width(node.get("pattern")) if "string" in types else None
        if width is not None and "maxLength" not in node and fmt not in FIXED_FORMATS:
            # the pattern already bounds the length: saying so narrows nothing, and a cap shorter
            # than the pattern's values could leave nothing to write
            node["maxLength"] = width
            self.note("annotation", path, "maxLength", f"the pattern allows at most {width} characters")
        if (
            "string" in types
            and "maxLength" not in node
            and caps.max_string_length is not None
            and fmt not in FIXED_FORMATS
        ):
            # a cap shorter than the format's own values would leave nothing to write
            floor = FORMAT_FLOOR.get(fmt, 0) if isinstance(fmt, str) else 0
            # likewise for a pattern whose shortest match is longer than the cap
            floor = max(floor, _min_width(node.get("pattern")))
            most = max(caps.max_string_length, int(node.get("minLength", 0)), floor)
            ceiling = FORMAT_CEILING.get(fmt) if isinstance(fmt, str) else None
            if ceiling is not None:
                # values of these formats are short; the general cap would let them run to it
                most = max(min(most, ceiling), int(node.get("minLength", 0)))
            node["maxLength"] = most
            self.note(
                "cap",
                path,
                "maxLength",
                f"strings without maxLength hold at most {node['maxLength']} characters",
            )
        if types & {"integer", "number"}:
            self._cap_number(node, path, types)
        if "array" in types and node.get("uniqueItems") is True:
            self._unique_over_values(node, path)
        if (
            "array" in types
            and node.get("uniqueItems") is True
            and caps.unique_items == "one"
            and int(node.get("minItems", 0)) <= 1
        ):
            node["maxItems"] = min(int(node.get("maxItems", 1)), 1)
            del node["uniqueItems"]
            self.note(
                "cap", path, "uniqueItems", "unique arrays hold at most one item (Caps.unique_items='one')"
            )
        if "array" in types:
            if "maxItems" not in node and caps.max_array_items is not None:
                node["maxItems"] = max(caps.max_array_items, int(node.get("minItems", 0)))
                self.note(
                    "cap", path, "maxItems", f"arrays without maxItems hold at most {node['maxItems']} items"
                )
            if "items" not in node and "prefixItems" not in node:
                node["items"] = self.walk(True, f"{path}/items", generative=True, in_all_of=False)
        if "object" in types:
            self._cap_object(node, path, in_all_of=in_all_of)

    def _unique_over_values(self, node: dict[str, Any], path: str) -> None:
        """Spell ``uniqueItems`` over a short list of values as the arrays it allows.

        Every ordering of every subset is listed (exact) while there are at most
        ``_MAX_UNIQUE_ARRAYS`` of them; with more, the items are written in the order the values
        are listed (a narrowing, recorded as a cap). Free-form items stay refused: no grammar can
        compare an item with the ones before it.
        """
        items = node.get("items")
        if isinstance(items, dict) and isinstance(items.get("$ref"), str) and len(items) == 1:
            name = _def_name(items["$ref"])
            items = self.defs.get(name) if name is not None else None
        values = _value_set(items)
        if values is None or "prefixItems" in node or isinstance(node.get("items"), list):
            return
        distinct: list[Any] = []
        for v in values:
            if not any(_same(v, d) for d in distinct):
                distinct.append(v)
        least = int(node.get("minItems", 0))
        most = min(int(node.get("maxItems", len(distinct))), len(distinct))
        from itertools import combinations, permutations

        count = sum(math.perm(len(distinct), n) for n in range(least, most + 1))
        exact = count <= _MAX_UNIQUE_ARRAYS
        if (
            not exact
            and sum(math.comb(len(distinct), n) for n in range(least, most + 1)) > _MAX_UNIQUE_ARRAYS
        ):
            return
        arrays: list[tuple[Any, ...]] = []
        for n in range(least, most + 1):
            arrays.extend(permutations(distinct, n) if exact else combinations(distinct, n))
        existing = node.get("allOf")
        node["allOf"] = [
            *(existing if isinstance(existing, list) else []),
            {"enum": [list(a) for a in arrays]},
        ]
        del node["uniqueItems"]
        if exact:
            self.note("annotation", path, "uniqueItems", f"unique arrays of {distinct!r} listed as an enum")
        else:
            self.note(
                "cap", path, "uniqueItems", f"items are written at most once each, in the order {distinct!r}"
            )

    def _cap_number(self, node: dict[str, Any], path: str, types: set[str]) -> None:
        caps = self.caps
        if caps.integer_digits is not None:
            limit = 10**caps.integer_digits - 1
            has_hi = "maximum" in node or "exclusiveMaximum" in node
            has_lo = "minimum" in node or "exclusiveMinimum" in node
            if not has_hi:
                lo = node.get("minimum", node.get("exclusiveMinimum", 0))
                node["maximum"] = max(limit, int(lo) + 1) if isinstance(lo, (int, float)) else limit
                self.note(
                    "cap", path, "maximum", f"numbers without a maximum stay at or below {node['maximum']}"
                )
            if not has_lo:
                hi = node.get("maximum", node.get("exclusiveMaximum", 0))
                node["minimum"] = min(-limit, int(hi) - 1) if isinstance(hi, (int, float)) else -limit
                self.note(
                    "cap", path, "minimum", f"numbers without a minimum stay at or above {node['minimum']}"
                )
        if "number" in types and "multipleOf" not in node and caps.fraction_digits is not None:
            node["multipleOf"] = float(f"1e-{caps.fraction_digits}") if caps.fraction_digits else 1
            self.note(
                "cap",
                path,
                "multipleOf",
                f"numbers carry at most {caps.fraction_digits} digits after the decimal point",
            )

    def _cap_object(self, node: dict[str, Any], path: str, *, in_all_of: bool) -> None:
        caps = self.caps
        if (
            "unevaluatedProperties" in node
            or in_all_of
            or any(
                _branches_declare_keys(node.get(k), node.get("properties"))
                for k in ("allOf", "anyOf", "oneOf")
            )
        ):
            # a branch of allOf is bounded by its siblings; narrowing it here would reject their keys
            return
        extra = node.get("additionalProperties")
        patterns = node.get("patternProperties") or {}
        if node.get("properties") or patterns:
            if extra is not False:
                if not self.close:
                    return
                self._list_required(node, path, extra, patterns)
                node["additionalProperties"] = False
                detail = "keys not listed in properties are rejected"
                if extra is not None:
                    detail += " (extra keys were allowed, but their length could not be bounded)"
                self.note("closed-object", path, "additionalProperties", detail)
            if patterns:
                self._bound_patterns(node, path)
                self._cap_count(node, path)
                if "maxProperties" not in node and caps.max_object_properties is not None:
                    self._drop_uncounted_patterns(node, path)
            return
        if extra is False:
            return
        # A pure map: keys go through a length-limited pattern, since engines lack propertyNames.
        value = (
            extra
            if isinstance(extra, dict)
            else self.walk(True, f"{path}/additionalProperties", generative=True, in_all_of=False)
        )
        node["patternProperties"] = {key_pattern(caps.max_key_length): value}
        node["additionalProperties"] = False
        self.note(
            "cap",
            path,
            "additionalProperties",
            f"keys of this map are at most {caps.max_key_length} characters",
        )
        self._cap_count(node, path)

    def _list_required(self, node: dict[str, Any], path: str, extra: Any, patterns: dict[str, Any]) -> None:
        """List the required keys that only extra keys could supply, before extra keys are closed off."""
        props = node["properties"] = dict(node.get("properties") or {})
        for key in node.get("required") or []:
            if not isinstance(key, str) or key in props or any(_search(p, key) for p in patterns):
                continue
            where = f"{path}/properties/{pointer_escape(key)}"
            props[key] = (
                extra if isinstance(extra, dict) else self.walk(True, where, generative=True, in_all_of=False)
            )
            self.note("annotation", path, "required", f"required key {key!r} is listed in properties")

    def _drop_uncounted_patterns(self, node: dict[str, Any], path: str) -> None:
        """Stop generating pattern keys when their number cannot be bounded.

        Engines count keys only when every listed property is required, so beside optional
        properties the keys that patternProperties allow are left out (a narrowing, like closing
        an object). A required key that only a pattern supplies is listed first.
        """
        props = node["properties"] = dict(node.get("properties") or {})
        patterns: dict[str, Any] = node["patternProperties"]
        listed = set(props)
        for key in node.get("required") or []:
            if isinstance(key, str) and key not in props:
                matching = [sub for p, sub in patterns.items() if _search(p, key)]
                if not matching:
                    return
                props[key] = matching[0] if len(matching) == 1 else {"allOf": matching}
        if int(node.get("minProperties", 0)) > sum(1 for v in props.values() if v is not False):
            return
        for key in listed:
            # a listed key that a pattern also matches must meet both schemas
            sub = props[key]
            also = [p_sub for p, p_sub in patterns.items() if _search(p, key)]
            if also and sub is not False:
                props[key] = {"allOf": [sub, *also]}
        del node["patternProperties"]
        self.note(
            "cap",
            path,
            "patternProperties",
            "keys matched only by patternProperties are not generated: beside optional properties their "
            "number cannot be bounded",
        )

    def _cap_count(self, node: dict[str, Any], path: str) -> None:
        caps = self.caps
        optional = set(node.get("properties") or {}) - set(node.get("required") or [])
        # llguidance counts keys only when every listed property is required
        if "maxProperties" not in node and caps.max_object_properties is not None and not optional:
            listed = len(node.get("properties") or {})
            node["maxProperties"] = max(caps.max_object_properties, listed, int(node.get("minProperties", 0)))
            self.note("cap", path, "maxProperties", f"objects hold at most {node['maxProperties']} keys")

    def _bound_patterns(self, node: dict[str, Any], path: str) -> None:
        """Rewrite each key pattern so that it only matches keys of bounded length."""
        listed = list(node.get("properties") or {})
        new: dict[str, Any] = {}
        for pattern, sub in node["patternProperties"].items():
            bounded = bound_pattern(rewrite_ascii_classes(pattern), self.caps.max_key_length)
            if bounded is None or any(
                (_search(pattern, name) is not None) != (_fullmatch(bounded, name) is not None)
                for name in listed
            ):
                new[pattern] = sub  # left unbounded: the output bound reports it
                continue
            if bounded != pattern:
                self.note(
                    "cap",
                    f"{path}/patternProperties/{pointer_escape(pattern)}",
                    "patternProperties",
                    f"keys matching {pattern!r} are at most {pattern_width(bounded)} characters",
                )
            new[bounded] = sub
        node["patternProperties"] = new

    def _any_defs(self) -> dict[str, Any]:
        caps = self.caps
        defs: dict[str, Any] = {}
        lim = 10 ** (caps.integer_digits or 15) - 1
        scalars: list[Any] = [
            {"type": "null"},
            {"type": "boolean"},
            {"type": "integer", "minimum": -lim, "maximum": lim},
            {
                "type": "number",
                "minimum": -lim,
                "maximum": lim,
                "multipleOf": float(f"1e-{caps.fraction_digits or 6}"),
            },
            {"type": "string", "maxLength": caps.max_string_length or 512},
        ]
        for depth in range(caps.any_depth + 1):
            branches = list(scalars)
            if depth > 0:
                inner = {"$ref": f"#/$defs/{ANY_PREFIX}{depth - 1}"}
                branches.append({"type": "array", "items": inner, "maxItems": caps.max_array_items or 64})
                branches.append(
                    {
                        "type": "object",
                        "patternProperties": {key_pattern(caps.max_key_length): inner},
                        "additionalProperties": False,
                        "maxProperties": caps.max_object_properties or 32,
                    }
                )
            defs[f"{ANY_PREFIX}{depth}"] = {"anyOf": branches}
        return defs


def _deref(node: Any, defs: dict[str, Any]) -> Any:
    for _ in range(16):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node
        name = _def_name(node["$ref"])
        if name is None or name not in defs:
            return None
        siblings = set(node) - _ANNOTATIONS - {"$ref"}
        if siblings:
            return None  # a $ref with its own assertions beside it: no simple reading
        node = defs[name]
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


class _Facts:
    """What a branch says for sure: its possible types, its values, its required discriminators."""

    __slots__ = ("node", "types", "values")

    def __init__(self, node: Any, types: set[str], values: list[Any] | None) -> None:
        self.node = node
        self.types = types
        self.values = values

    @classmethod
    def of(cls, branch: Any, defs: dict[str, Any], depth: int = 0) -> _Facts:
        node = _deref(branch, defs)
        if not isinstance(node, dict):
            # includes false: a recursion level cut here may hold values in the original
            return cls(None, set(_ALL_TYPES), None)
        values = _value_set(node) if ("const" in node or "enum" in node) else None
        types = set(_ALL_TYPES)
        t = node.get("type")
        if isinstance(t, str):
            types = {t}
        elif isinstance(t, list):
            types = {x for x in t if isinstance(x, str)}
        if "number" in types:
            types.add("integer")
        if values is not None:
            types &= {_json_type(v) for v in values} | ({"number"} if "integer" in types else set())
        for key in ("anyOf", "oneOf"):
            if isinstance(node.get(key), list) and node[key] and depth < 4:
                # a value of the node is a value of one branch
                union: set[str] = set()
                for sub in node[key]:
                    union |= cls.of(sub, defs, depth + 1).types
                types &= union
        return cls(node, types, values)

    def disjoint(self, other: _Facts, defs: dict[str, Any], depth: int = 0) -> bool:
        if not self.types & other.types:
            return True
        if self.values is not None and other.values is not None:
            return not any(_same(a, b) for a in self.values for b in other.values)
        if self.values is not None and not {_json_type(v) for v in self.values} & other.types:
            return True
        if other.values is not None and not {_json_type(v) for v in other.values} & self.types:
            return True
        if self.values is not None and all(_rejects(other.node, v) for v in self.values):
            return True
        if other.values is not None and all(_rejects(self.node, v) for v in other.values):
            return True
        if self.types & other.types <= {"object"} and depth < 3:
            return _discriminated(self.node, other.node, defs, depth) or _discriminated(
                other.node, self.node, defs, depth
            )
        return False


def _rejects(node: Any, value: Any) -> bool:
    """Whether ``node`` surely rejects ``value``, read from its own simple keywords only."""
    if not isinstance(node, dict):
        return False
    kinds = {_json_type(value)}
    if isinstance(value, float) and value.is_integer():
        kinds.add("integer")  # 1.0 is an integer to JSON Schema
    if "integer" in kinds:
        kinds.add("number")
    t = node.get("type")
    types = {t} if isinstance(t, str) else set(t) if isinstance(t, list) else None
    if types is not None and not kinds & types:
        return True
    if "const" in node and not _same(node["const"], value):
        return True
    if isinstance(node.get("enum"), list) and not any(_same(e, value) for e in node["enum"]):
        return True
    if isinstance(value, str):
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            if not _readable(pattern):
                return False
            if _search(pattern, value) is None:
                return True
        if isinstance(node.get("minLength"), int) and len(value) < node["minLength"]:
            return True
        if isinstance(node.get("maxLength"), int) and len(value) > node["maxLength"]:
            return True
    return False


def _discriminated(a: Any, b: Any, defs: dict[str, Any], depth: int) -> bool:
    """Whether a key ``a`` requires cannot appear in ``b``, or only with values ``a`` rejects."""
    if not isinstance(a, dict) or not isinstance(b, dict):
        return False
    raw_a, raw_b = a.get("properties"), b.get("properties")
    props_a: dict[str, Any] = raw_a if isinstance(raw_a, dict) else {}
    props_b: dict[str, Any] = raw_b if isinstance(raw_b, dict) else {}
    closed_b = b.get("additionalProperties") is False and not b.get("patternProperties")
    for key in a.get("required") or []:
        if props_b.get(key) is False:
            return True  # b never has the key a requires
        if key not in props_b:
            if closed_b:
                return True  # b, closed as written, never has the key a requires
            continue
        if key in props_a and _Facts.of(props_a[key], defs).disjoint(
            _Facts.of(props_b[key], defs), defs, depth + 1
        ):
            return True
    return False


# an exact key count over optional keys is spelled as one anyOf branch per subset of keys
_MAX_COUNT_SUBSETS = 64


def _subsets(keys: list[str], size: int, required: set[str]) -> list[tuple[str, ...]] | None:
    """The ``size``-subsets of ``keys`` that hold every required key, or None when too many."""
    optional = [k for k in keys if k not in required]
    free = size - len(required)
    if free < 0 or free > len(optional) or math.comb(len(optional), free) > _MAX_COUNT_SUBSETS:
        return None
    fixed = tuple(k for k in keys if k in required)
    return [fixed + c for c in itertools.combinations(optional, free)]


def _required_keys(branch: Any, defs: dict[str, Any]) -> set[str]:
    node = _deref(branch, defs)
    keys = node.get("required") if isinstance(node, dict) else None
    return {k for k in keys if isinstance(k, str)} if isinstance(keys, list) else set()


def _describes_objects(branch: Any) -> bool:
    """A typeless branch that only constrains objects (keys), so its other values are free."""
    return (
        isinstance(branch, dict)
        and "type" not in branch
        and not any(k in branch for k in ("$ref", "anyOf", "oneOf", "allOf", "enum", "const", "not", "if"))
        and any(k in branch for k in ("properties", "required", "additionalProperties", "patternProperties"))
    )


def _branches_declare_keys(branches: Any, listed: Any = None) -> bool:
    """Whether branches may declare object keys the parent does not list (then it cannot be closed).

    Only the branches' own level is read (and their allOf/anyOf/oneOf/then/else): the keys of a
    nested property's object are that object's business. A branch that names a listed key, or
    forbids a key with ``false``, declares nothing new.
    """
    if not isinstance(branches, list):
        return False
    known = set(listed) if isinstance(listed, dict) else set()
    for branch in branches:
        if not isinstance(branch, dict):
            continue
        if any(k in branch for k in ("patternProperties", "additionalProperties", "$ref")):
            return True
        props = branch.get("properties")
        if isinstance(props, dict) and any(v is not False and k not in known for k, v in props.items()):
            return True
        for key in ("allOf", "anyOf", "oneOf"):
            if _branches_declare_keys(branch.get(key), listed):
                return True
        if _branches_declare_keys([branch.get("then"), branch.get("else")], listed):
            return True
    return False


_ANNOTATIONS = frozenset({"title", "description", "$comment", "markdownDescription", "examples", "default"})


def _is_trivial(node: Any) -> bool:
    """Whether ``node`` accepts every value (``true``, ``{}``, or annotations only)."""
    return node is True or (isinstance(node, dict) and not set(node) - _ANNOTATIONS)


def _conjoin(parts: list[Any]) -> Any:
    if any(p is False for p in parts):
        return False
    if not parts:
        return True
    return parts[0] if len(parts) == 1 else {"allOf": parts}


def _value_set(sub: Any) -> list[Any] | None:
    """The values a property schema allows, when it lists them (const, enum, boolean)."""
    if not isinstance(sub, dict):
        return None
    if "const" in sub:
        return [sub["const"]]
    if isinstance(sub.get("enum"), list):
        return list(sub["enum"])
    if sub.get("type") == "boolean":
        return [True, False]
    return None


def _same(a: Any, b: Any) -> bool:
    # JSON equality: 1 == 1.0, but true is not 1
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


_META = set("\\.+*?()|[]{}^$#&-~")


def _regex_escape(text: str, *, in_class: bool = False) -> str:
    # Rust's regex (llguidance) refuses escapes of ordinary characters, so only metacharacters
    return "".join(f"\\{ch}" if ch in _META else ch for ch in text)


def _other_strings(word: str) -> str:
    """An anchored regex for every string except ``word``."""
    tail = "[\\s\\S]+"
    for i in range(len(word) - 1, -1, -1):
        # a proper prefix, or a different character at position i, or the word continued
        tail = f"(?:|[^{_regex_escape(word[i], in_class=True)}][\\s\\S]*|{_regex_escape(word[i])}{tail})"
    return f"^{tail}$"


def _not_values(values: list[Any]) -> Any:
    """A schema for every JSON value except ``values`` (strings, numbers, booleans, null), or None."""
    if any(isinstance(v, (list, dict)) for v in values):
        return None  # arrays and objects have no exact finite complement here
    branches: list[Any] = []
    free = sorted(_ALL_TYPES - {"string", "boolean", "null", "integer", "number"})
    numbers = sorted({float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)})
    if not numbers:
        free += ["integer", "number"]
    else:
        # the open intervals between the excluded numbers
        branches.append({"type": "number", "exclusiveMaximum": _plain(numbers[0])})
        for low, high in itertools.pairwise(numbers):
            branches.append(
                {"type": "number", "exclusiveMinimum": _plain(low), "exclusiveMaximum": _plain(high)}
            )
        branches.append({"type": "number", "exclusiveMinimum": _plain(numbers[-1])})
    if None not in values:
        free.append("null")
    bools = [b for b in (True, False) if not any(_same(b, v) for v in values)]
    if len(bools) == 2:
        free.append("boolean")
    elif bools:
        branches.append({"const": bools[0]})
    words = sorted({v for v in values if isinstance(v, str)})
    if not words:
        free.append("string")
    else:
        patterns = [{"pattern": _other_strings(w)} for w in words]
        branches.append({"type": "string", **(patterns[0] if len(patterns) == 1 else {"allOf": patterns})})
    return {"anyOf": [{"type": sorted(free)}, *branches]}


def _plain(x: float) -> int | float:
    return int(x) if x.is_integer() else x


def _complement(node: Any, domains: dict[str, Any]) -> Any:
    """A schema accepting exactly the values ``node`` rejects, or None when there is no exact one.

    ``domains`` are the properties of the enclosing object: a condition such as
    ``{"properties": {"k": {"const": v}}}`` is negated as "k takes one of its other values", which
    needs the values ``k`` may take.
    """
    if _is_trivial(node):
        return False
    if node is False:
        return True
    if not isinstance(node, dict):
        return None
    keys = set(node) - _ANNOTATIONS
    if keys == {"anyOf"} and isinstance(node["anyOf"], list):
        parts = [_complement(b, domains) for b in node["anyOf"]]
        return None if any(p is None for p in parts) else _conjoin(parts)
    if keys == {"allOf"} and isinstance(node["allOf"], list):
        parts = [_complement(b, domains) for b in node["allOf"]]
        if any(p is None for p in parts):
            return None
        kept = [p for p in parts if p is not False]
        return False if not kept else True if True in kept else {"anyOf": kept}
    if keys == {"type"}:
        banned = {node["type"]} if isinstance(node["type"], str) else set(node["type"])
        if "number" in banned:
            banned.add("integer")
        if "integer" in banned and "number" not in banned:
            return None  # "a number that is not an integer" has no type of its own
        kept_types = sorted(_ALL_TYPES - banned)
        return False if not kept_types else {"type": kept_types[0] if len(kept_types) == 1 else kept_types}
    if keys and keys <= {"const", "enum"}:
        return _not_values(_value_set(node) or [])
    if keys and keys <= {"const", "enum", "type"} and "type" in keys:
        # not (a type and a value) = another type, or one of the other values
        parts = [
            _complement({"type": node["type"]}, domains),
            _complement({k: node[k] for k in keys - {"type"}}, domains),
        ]
        if any(p is None for p in parts):
            return None
        kept = [p for p in parts if p is not False]
        return False if not kept else True if True in kept else {"anyOf": kept}
    if not keys <= {"type", "required", "properties"}:
        return None
    if "type" in keys and node["type"] != "object":
        return None
    required = node.get("required", [])
    props = node.get("properties", {})
    if not isinstance(required, list) or not isinstance(props, dict):
        return None
    # objects that miss a required key, or give a listed property a value it rejects
    ways: list[Any] = [{"properties": {k: False}} for k in required]
    for name, sub in props.items():
        if _is_trivial(sub):
            continue
        allowed = _value_set(sub)
        declared = domains.get(name)
        domain = _value_set(declared)
        if allowed is not None and domain is not None:
            others = [v for v in domain if not any(_same(v, a) for a in allowed)]
            if others:
                ways.append({"properties": {name: {"enum": others}}, "required": [name]})
            continue
        inner = declared.get("properties") if isinstance(declared, dict) else None
        value = (
            _not_values(allowed)
            if allowed is not None
            else _complement(sub, inner if isinstance(inner, dict) else {})
        )
        if value is None:
            return None
        if value is not False:
            ways.append({"properties": {name: value}, "required": [name]})
    branch: Any = False if not ways else ways[0] if len(ways) == 1 else {"anyOf": ways}
    if branch is not False:
        # a non-object passes required/properties, so it never fails the condition
        branch = {"type": "object", **branch}
    if "type" in keys:
        # with type object, every value of another type is outside the condition
        other = {"type": sorted(_ALL_TYPES - {"object"})}
        return other if branch is False else {"anyOf": [other, branch]}
    return branch


# -- `false` schemas left by recursion limits: drop what can be dropped -------------------------------


def _prune_false(root: Any, defs: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    for _ in range(len(defs) + 2):
        dead = {n for n, b in defs.items() if b is False}
        new_defs = {n: _simplify(b, dead) for n, b in defs.items()}
        new_root = _simplify(root, dead)
        if json.dumps(new_defs, sort_keys=True) == json.dumps(defs, sort_keys=True) and new_root == root:
            break
        root, defs = new_root, new_defs
    dead = {n for n, b in defs.items() if b is False}
    kept = {n: _cut_dead(b, dead) for n, b in defs.items() if b is not False}
    return _cut_dead(_simplify(root, dead), dead), kept


def _cut_dead(node: Any, dead: set[str]) -> Any:
    """Replace every remaining reference into a removed definition by ``false`` (it has no value)."""
    if not dead:
        return node
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and _def_head(ref) in dead:
            return False
        return {
            k: v if k in ("const", "enum", "default", "examples") else _cut_dead(v, dead)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_cut_dead(v, dead) for v in node]
    return node


def _simplify(node: Any, dead: set[str]) -> Any:
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and _def_head(ref) in dead:
        return False
    out = dict(node)
    for key in ("anyOf", "oneOf"):
        if isinstance(out.get(key), list):
            kept = [s for s in (_simplify(b, dead) for b in out[key]) if s is not False]
            if not kept:
                return False
            out[key] = kept
    if isinstance(out.get("allOf"), list):
        parts = [_simplify(b, dead) for b in out["allOf"]]
        if any(p is False for p in parts):
            return False
        out["allOf"] = parts
    if isinstance(out.get("properties"), dict):
        required = set(out.get("required", []))
        props = {}
        for name, sub in out["properties"].items():
            s = _simplify(sub, dead)
            if s is False and name in required:
                return False
            # a false property stays: it forbids the key (dropping it would allow the key again)
            props[name] = s
        out["properties"] = props
    for key in ("additionalProperties", "items"):
        if isinstance(out.get(key), dict):
            s = _simplify(out[key], dead)
            out[key] = s
            if s is False and key == "items":
                if out.get("minItems", 0) > len(out.get("prefixItems", [])):
                    return False
                out["maxItems"] = len(out.get("prefixItems", []))
    if isinstance(out.get("prefixItems"), list):
        parts = [_simplify(b, dead) for b in out["prefixItems"]]
        if False in parts:
            cut = parts.index(False)
            if out.get("minItems", 0) > cut:
                return False
            parts = parts[:cut]
            out["maxItems"] = min(out.get("maxItems", cut), cut)
        out["prefixItems"] = parts
    for key in ("then", "else", "not", "if", "contains", "propertyNames"):
        if isinstance(out.get(key), dict):
            out[key] = _simplify(out[key], dead)
    return out


def normalize(
    schema: dict[str, Any], *, caps: Caps, close_objects: bool = True
) -> tuple[dict[str, Any], list[Change]]:
    """Return the normalised schema and the edits made (see the module docstring)."""
    n = _Normalizer(caps, close_objects)
    out = n.run(schema)
    _reasoning_order(out, n)
    return out, n.changes


def _reasoning_order(schema: dict[str, Any], n: _Normalizer) -> None:
    for path, sub in iter_subschemas(schema):
        if not isinstance(sub, dict) or not isinstance(sub.get("properties"), dict):
            continue
        props = sub["properties"]
        # a const field (a discriminator such as the escape hatch's "uncertain") is not an answer
        names = [n for n in props if not (isinstance(props[n], dict) and "const" in props[n])]
        for i, name in enumerate(names):
            if _REASONING.search(name) and any(not _REASONING.search(prev) for prev in names[:i]):
                answer = next(prev for prev in names[:i] if not _REASONING.search(prev))
                n.note(
                    "warning",
                    f"{path}/properties/{pointer_escape(name)}",
                    "properties",
                    f"free-text field {name!r} comes after {answer!r}: the model answers before it reasons; "
                    "put it first",
                )
