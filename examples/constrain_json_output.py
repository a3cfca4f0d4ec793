"""Port a Claude "respond only with JSON" prompt to a constrained one for Qwen3.

Claude follows "Respond only with JSON in this shape" reliably; open-weight models drop brackets,
rename fields and wrap the JSON in prose. Instead of asking, constrain: describe the answer as a
Pydantic model, compile it for the target's vocabulary, and send the engine the payload (or drive
the token-level matcher yourself). Runs offline, without torch.

    .venv/bin/python examples/constrain_json_output.py
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from portkit.constrain import Uncertain, compile_schema
from portkit.targets import load_target

# The prompt as written for Claude: the output format lives in prose.
CLAUDE_SYSTEM = """You triage customer support tickets.
Respond only with JSON in this shape, and nothing else:
{"category": "billing" | "bug" | "how-to" | "other", "urgency": 1-5, "summary": "<one sentence>"}"""


# The same contract as a type. The reasoning-free shape keeps the answer short; `uncertain=True`
# below lets the model abstain instead of inventing a category.
class Triage(BaseModel):
    category: Literal["billing", "bug", "how-to", "other"]
    urgency: Annotated[int, Field(ge=1, le=5)]
    summary: Annotated[str, Field(max_length=160)]


def main() -> None:
    target = load_target("qwen3")
    constraint = compile_schema(Triage, target=target, uncertain=True)

    print("Claude system prompt:", CLAUDE_SYSTEM.splitlines()[0], "[+ a JSON format paragraph]")
    # The ported system prompt keeps the task and drops the format paragraph: the grammar enforces it.
    ported_system = "You triage customer support tickets. Answer with the triage of the user's ticket."
    print("ported system prompt:", ported_system)
    print("max_tokens for the request:", constraint.max_tokens)
    print("what normalisation did:")
    for change in constraint.report.changes:
        print(f"  {change.kind:15} {change.path:28} {change.detail}")

    # Engine payloads: merge into the request body (extra_body with the openai client).
    print("vLLM >= 0.12 fields:", sorted(constraint.to_vllm(version="0.12")))
    print("Ollama fields:", sorted(constraint.to_ollama()))

    # Drive the matcher as an inference loop would, with a canned answer standing in for the model.
    answer = '{"category":"billing","urgency":4,"summary":"Customer was charged twice for March."}'
    matcher = constraint.matcher()
    for token in target.encode(answer, parse_special=False):
        assert matcher.is_allowed(token), "the grammar would have masked this token"
        matcher.advance(token)
    assert matcher.is_accepting()
    print("parsed:", constraint.parse(answer))

    # The escape hatch: the model may decline instead of guessing.
    declined = constraint.parse('{"uncertain":true,"reason":"The ticket is empty."}')
    assert isinstance(declined, Uncertain)
    print("abstained:", declined.reason)

    # What an unconstrained endpoint tends to return: rejected by the grammar, recoverable by repair.
    drifted = 'Sure! Here is the triage:\n```json\n{"category": "bug", "urgency": 2, "summary": "App crashes."}\n```'
    assert not constraint.accepts(drifted)
    print("repaired:", constraint.parse(drifted, repair=True))
    print("JSON Schema sent to engines:", json.dumps(constraint.json_schema)[:120], "...")


if __name__ == "__main__":
    main()
