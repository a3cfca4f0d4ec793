"""Parse and validate model outputs, with an optional repair for unconstrained endpoints."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from portkit.errors import OutputValidationError

if TYPE_CHECKING:
    from portkit.constrain._constraint import Constraint

__all__ = ["extract_json", "validate"]


def extract_json(text: str) -> str:
    """The first JSON object or array in ``text`` (after prose or inside a code fence), verbatim."""
    decoder = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch in "{[":
            try:
                _, end = decoder.raw_decode(text, i)
            except ValueError:
                continue
            return text[i:end]
    return text


def _fail(message: str, raw: str, errors: Any = None) -> OutputValidationError:
    return OutputValidationError(
        message,
        raw=raw,
        errors=errors,
        hint="constrain the endpoint with one of Constraint.to_*(), or parse with repair=True",
    )


def _schema_errors(schema: dict[str, Any], value: Any) -> list[dict[str, Any]]:
    import jsonschema

    validator_cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
    return [
        {"loc": "/" + "/".join(str(p) for p in e.absolute_path), "msg": e.message, "type": str(e.validator)}
        for e in validator.iter_errors(value)
    ]


def validate(constraint: Constraint[Any], raw: str, *, repair: bool) -> Any:
    from portkit.constrain._constraint import ToolCall, Uncertain

    text = extract_json(raw) if repair else raw
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise _fail(f"The output is not valid JSON ({exc}): {raw[:80]!r}", raw, [{"msg": str(exc)}]) from exc
    if constraint.uncertain and isinstance(value, dict) and value.get("uncertain") is True:
        reason = value.get("reason")
        if set(value) == {"uncertain", "reason"} and isinstance(reason, str):
            return Uncertain(reason)
    if constraint.kind == "model":
        from pydantic import ValidationError

        try:
            return constraint._python_type.validate_json(text)
        except ValidationError as exc:
            details = exc.errors(include_url=False)
            raise _fail(
                f"The output does not validate: {len(details)} error(s), first: {details[0]['msg']}",
                raw,
                details,
            ) from exc
    errors = _schema_errors(constraint.source_schema, value)
    if errors:
        raise _fail(
            f"The output does not match the schema: {errors[0]['msg']} at {errors[0]['loc']}", raw, errors
        )
    if constraint.kind == "tools":
        return ToolCall(name=value["name"], arguments=value["arguments"])
    return value
