"""Every official template of the pinned sdist, and every template×vocabulary pair offered offline.

A Claude request (system + user + assistant + user; the same with a prefill; with two tools; with
a tool_use/tool_result round trip) either renders with every original text present and every change
reported, or fails with a named PortkitError — never an unexplained jinja exception, never a silent
drop. Each template×vocabulary pair offered offline encodes to at most one BOS, and a user message
stuffed with every control token of the target adds no control token id.
"""

from __future__ import annotations

import copy

import pytest

from portkit.errors import ChatTemplateError, PortkitError, TemplateRenderError
from portkit.targets import OFFLINE_MODELS, fetch_data, load_target
from portkit.template import render
from portkit.template._encode import control_tokens
from portkit.template._probe import probe

TEMPLATES = sorted(
    p.stem for p in fetch_data(progress=lambda _msg: None).joinpath("templates").glob("*.jinja")
)
PAIRS = [m.name for m in OFFLINE_MODELS if m.vocab is not None]

SYSTEM = "You are Sweepbot. Answer in one sentence."
USER_1 = "What is the capital of France?"
ASSISTANT = "The capital of France is Paris."
USER_2 = "And of Italy?"
PREFILL = "The capital of Italy is"
TOOLS = [
    {
        "name": "lookup_capital",
        "description": "Look up the capital city of a country.",
        "input_schema": {
            "type": "object",
            "properties": {"country": {"type": "string"}},
            "required": ["country"],
        },
    },
    {
        "name": "country_population",
        "description": "Population of a country in millions.",
        "input_schema": {
            "type": "object",
            "properties": {"country": {"type": "string"}},
            "required": ["country"],
        },
    },
]

# Templates that index a description on every tool parameter (Command R+'s tool-use template).
NEEDS_PARAMETER_DESCRIPTIONS = {"CohereForAI-c4ai-command-r-plus-tool_use"}

CANONICAL = {
    "system": SYSTEM,
    "messages": [
        {"role": "user", "content": USER_1},
        {"role": "assistant", "content": ASSISTANT},
        {"role": "user", "content": USER_2},
    ],
}


def _with_prefill() -> dict:
    req = copy.deepcopy(CANONICAL)
    req["messages"].append({"role": "assistant", "content": PREFILL})
    return req


def _with_tools() -> dict:
    req = copy.deepcopy(CANONICAL)
    req["tools"] = copy.deepcopy(TOOLS)  # each request owns its tools: the round trip edits them
    return req


def _tool_round_trip() -> dict:
    req = _with_tools()
    for tool in req["tools"]:
        tool["input_schema"]["properties"]["country"]["description"] = "The country's English name."
    req["messages"][1] = {
        "role": "assistant",
        "content": [
            {"type": "text", "text": ASSISTANT},
            {
                "type": "tool_use",
                "id": "toolu_01SweepAbc",
                "name": "lookup_capital",
                "input": {"country": "Italy"},
            },
        ],
    }
    req["messages"][2] = {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "toolu_01SweepAbc", "content": TOOL_RESULT},
            {"type": "text", "text": USER_2},
        ],
    }
    return req


TOOL_RESULT = "Rome is the capital of Italy."
REQUESTS = {
    "canonical": lambda: copy.deepcopy(CANONICAL),
    "prefill": _with_prefill,
    "two-tools": _with_tools,
    "tool-round-trip": _tool_round_trip,
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(REQUESTS))
@pytest.mark.parametrize("stem", TEMPLATES)
def test_every_template_renders_or_names_the_problem(stem: str, kind: str) -> None:
    target = load_target(f"template:{stem}")
    caps = probe(target)
    request = REQUESTS[kind]()
    if not caps.renders_user:
        with pytest.raises(ChatTemplateError) as info:
            render(request, target=target)
        assert info.value.feature == "user-message"
        return
    if kind == "tool-round-trip" and not (caps.tools and caps.tool_calls and caps.tool_role):
        with pytest.raises(PortkitError) as refused:
            render(request, target=target)
        assert refused.value.hint
        return
    if kind == "two-tools" and not caps.tools:
        # Tools the template would drop silently are a named refusal, never a silent drop.
        with pytest.raises(ChatTemplateError) as refused:
            render(request, target=target)
        assert refused.value.feature == "tools"
        assert refused.value.hint
        return
    if kind == "two-tools" and stem in NEEDS_PARAMETER_DESCRIPTIONS:
        # The two-tools request has no parameter descriptions: a named refusal with the fix.
        with pytest.raises(TemplateRenderError) as refused:
            render(request, target=target)
        assert "description" in (refused.value.hint or "")
        return
    result = render(request, target=target)
    texts = [SYSTEM, USER_1, USER_2] + ([PREFILL] if kind == "prefill" else [])
    if kind == "tool-round-trip":
        texts.append(TOOL_RESULT)
        assert "Italy" in result.text
    kinds = result.kinds()
    if kind != "tool-round-trip" or "assistant-text-dropped-with-tool-call" not in kinds:
        texts.append(ASSISTANT)  # only text beside a tool call may go, and only when reported
    for text in texts:
        assert text in result.text, f"{text!r} missing from the {stem} render"
    if caps.system_role != "supported":
        assert "system-merged-into-user" in kinds
    if kind == "prefill":
        assert "prefill" in kinds
        assert result.continue_final_message
        assert result.text.rstrip().endswith(PREFILL)
    if kind in ("two-tools", "tool-round-trip"):
        for tool in TOOLS:
            assert tool["name"] in result.text
    if caps.thinking_switch or caps.thinking_forced_open:
        assert "thinking-template-default" in kinds


@pytest.mark.slow
@pytest.mark.parametrize("name", PAIRS)
def test_offline_pair_one_bos_and_no_injected_control_ids(name: str) -> None:
    target = load_target(name)
    tokens = sorted(control_tokens(target))
    added = target.tokenizer.get_added_vocab()
    control_ids = {added[t] for t in tokens if t in added}
    stuffed = "Look: " + " ".join(tokens) + " end."
    base_req = {"system": SYSTEM, "messages": [{"role": "user", "content": "Look: plain words end."}]}
    stuffed_req = {"system": SYSTEM, "messages": [{"role": "user", "content": stuffed}]}

    base = render(base_req, target=target)
    result = render(stuffed_req, target=target)
    assert result.token_ids is not None
    assert base.token_ids is not None

    bos = target.bos_token_id
    if bos is not None:
        assert result.token_ids.count(bos) <= 1
        assert base.token_ids.count(bos) <= 1

    def control_counts(ids: tuple[int, ...]) -> dict[int, int]:
        out: dict[int, int] = {}
        for i in ids:
            if i in control_ids:
                out[i] = out.get(i, 0) + 1
        return out

    assert control_counts(result.token_ids) == control_counts(base.token_ids)
    assert {n.token for n in result.neutralised} == set(tokens)
    assert stuffed in result.text
