"""Each payload against the engine's documented request fields (the openai client's types where they apply)."""

from __future__ import annotations

import json
import typing
from typing import Any

import pytest
from constrain_shapes import TOOLS3, WEATHER, Invoice
from openai.types.chat import ChatCompletionFunctionToolParam, ChatCompletionNamedToolChoiceParam
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import TypeAdapter

from portkit.constrain import compile_schema
from portkit.errors import SchemaError


def conforms(value: dict[str, Any], typed_dict: Any) -> None:
    """``value`` has only the TypedDict's keys, all its required ones, and validates against it."""
    hints = typing.get_type_hints(typed_dict)
    assert set(value) <= set(hints), set(value) - set(hints)
    assert typed_dict.__required_keys__ <= set(value)
    TypeAdapter(typed_dict).validate_python(value)


@pytest.fixture(scope="module")
def invoice(qwen3):
    return compile_schema(Invoice, target=qwen3)


@pytest.fixture(scope="module")
def tools3(qwen3):
    return compile_schema(TOOLS3, target=qwen3)


def test_openai_response_format(invoice) -> None:
    body = invoice.to_openai()
    assert set(body) == {"response_format"}
    conforms(body["response_format"], ResponseFormatJSONSchema)
    assert body["response_format"]["json_schema"]["schema"] == invoice.json_schema
    assert body["response_format"]["json_schema"]["name"] == "Invoice"


def test_openai_three_tools_must_call_one(tools3) -> None:
    body = tools3.to_openai()
    assert body["tool_choice"] == "required"
    assert [t["function"]["name"] for t in body["tools"]] == ["get_weather", "search", "send_email"]
    for tool in body["tools"]:
        conforms(tool, ChatCompletionFunctionToolParam)
        assert tool["function"]["parameters"]["additionalProperties"] is False


def test_openai_single_tool_is_forced_by_name(qwen3) -> None:
    body = compile_schema([WEATHER], target=qwen3).to_openai()
    conforms(body["tool_choice"], ChatCompletionNamedToolChoiceParam)
    assert body["tool_choice"]["function"]["name"] == "get_weather"


def test_openai_tools_refused_for_plain_schema(invoice) -> None:
    with pytest.raises(SchemaError, match="not from tools"):
        invoice.to_openai_tools()


@pytest.mark.parametrize("version", ["0.12", "0.12.1", "0.10.2", "v0.11.0"])
def test_vllm_structured_outputs(invoice, version: str) -> None:
    body = invoice.to_vllm(version=version)
    assert set(body) == {"structured_outputs"}
    params = body["structured_outputs"]
    assert set(params) <= {"json", "regex", "choice", "grammar", "whitespace_pattern", "structural_tag"}
    assert params["json"]["properties"] == invoice.json_schema["properties"]
    assert params["json"]["x-guidance"]["whitespace_pattern"] == params["whitespace_pattern"]
    assert "guided_json" not in body  # vLLM 0.12 ignores it and returns unconstrained text


@pytest.mark.parametrize("version", ["0.6.3", "0.9.2", "0.10.1"])
def test_vllm_before_structured_outputs_uses_guided_json(invoice, version: str) -> None:
    body = invoice.to_vllm(version=version)
    assert set(body) == {"guided_json", "guided_whitespace_pattern"}


def test_vllm_rejects_unreadable_version(invoice) -> None:
    with pytest.raises(SchemaError, match="version"):
        invoice.to_vllm(version="latest")


def test_sglang_native_json_schema(invoice, tools3) -> None:
    params = invoice.to_sglang()
    assert set(params) == {"json_schema"}  # a sampling parameter of SGLang's /generate
    schema = json.loads(params["json_schema"])  # SGLang takes the schema as a string
    assert schema["properties"] == invoice.json_schema["properties"]
    assert json.loads(tools3.to_sglang()["json_schema"])["anyOf"][1]["properties"]["name"] == {
        "const": "search"
    }


def test_vllm_tools_constrain_the_call_envelopes(tools3) -> None:
    params = tools3.to_vllm()["structured_outputs"]
    assert [b["properties"]["name"]["const"] for b in params["json"]["anyOf"]] == [
        "get_weather",
        "search",
        "send_email",
    ]


def test_ollama_format_is_the_schema(invoice, tools3) -> None:
    assert invoice.to_ollama() == {"format": invoice.json_schema}
    assert tools3.to_ollama()["format"]["anyOf"][0]["properties"]["name"] == {"const": "get_weather"}


def test_llama_cpp_json_schema(invoice) -> None:
    assert invoice.to_llama_cpp() == {"json_schema": invoice.json_schema}
