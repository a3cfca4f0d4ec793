"""Tool definitions written into a prompt: found, moved to ``tools``, reported, and kept in place
where the target's template cannot render tools."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from portkit import port_prompt
from portkit.cli import main
from portkit.fewshot import port_instructions, split_prompt
from portkit.fewshot._tools import as_tool, parse_tools

from ._helpers import rebuild

WEATHER = {
    "description": "Current weather for a city. Use it only when the user names a city.",
    "name": "get_weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name"}},
        "required": ["city"],
    },
}
CLOCK = {
    "name": "get_time",
    "description": "Current time in a time zone.",
    "input_schema": {"type": "object"},
}


def _d(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


def _functions_prompt() -> str:
    # Claude's consumer prompts print their tools this way, one JSON object per <function> line
    return _d(
        f"""
        In this environment you have access to a set of tools you can use to answer the user's question.
        You can invoke functions by writing a "<function_calls>" block like the following as part of your reply:
        <function_calls>
        <invoke name="$FUNCTION_NAME">
        <parameter name="$PARAMETER_NAME">$PARAMETER_VALUE</parameter>
        </invoke>
        </function_calls>

        Here are the functions available in JSONSchema format:
        <functions>
        <function>{json.dumps(WEATHER)}</function>
        <function>{json.dumps(CLOCK)}</function>
        </functions>

        You are a weather assistant. Never guess a temperature.
        Answer in at most two sentences.
        """
    )


def test_functions_block_becomes_tools_in_openai_shape() -> None:
    text = _functions_prompt()
    parsed = split_prompt(text)
    assert [t.name for t in parsed.tools] == ["get_weather", "get_time"]
    weather, clock = (t.definition for t in parsed.tools)
    assert weather == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": WEATHER["description"],
            "parameters": WEATHER["parameters"],
        },
    }
    assert clock["function"]["parameters"] == {"type": "object"}  # Claude's input_schema
    for tool in parsed.tools:
        a, b = tool.span
        assert text[a:b].startswith("<function>") and text[a:b].endswith("</function>")
    assert [s.kind for s in parsed.segments if s.kind in ("tool", "tool_syntax")] == ["tool_syntax", "tool"]


def test_port_moves_tools_and_claude_call_syntax_out_with_reasons(qwen3) -> None:
    text = _functions_prompt()
    ported = port_instructions(text, target=qwen3)
    assert [t["function"]["name"] for t in ported.tools] == ["get_weather", "get_time"]
    assert "<functions>" not in ported.instructions
    assert "$FUNCTION_NAME" not in ported.instructions
    assert "Here are the functions available" not in ported.instructions
    assert "Never guess a temperature." in ported.instructions
    assert "Answer in at most two sentences." in ported.instructions
    reasons = {d.reason.split(" (")[0] for d in ported.dropped if d.text.strip()}
    assert "tool definition, moved to tools" in reasons
    assert "Claude's tool-call syntax" in reasons
    assert rebuild(text, ported) == text
    tools_json = "\n".join(json.dumps(t, ensure_ascii=False) for t in ported.tools)
    assert ported.tokens_tools == qwen3.count_tokens(tools_json)
    # tokens_after counts what stays in the instructions and the example turns, not the tools
    assert ported.tokens_after == qwen3.count_tokens(ported.instructions)


def test_move_tools_false_keeps_everything_in_place() -> None:
    text = _functions_prompt()
    ported = port_instructions(text, target=None, move_tools=False)
    assert ported.tools == ()
    assert "<functions>" in ported.instructions
    assert json.dumps(WEATHER) in ported.instructions
    assert "$FUNCTION_NAME" in ported.instructions


def test_json_body_of_functions_element() -> None:
    text = (
        "Use tools.\n<functions>\n"
        + json.dumps({"functions": [WEATHER, CLOCK]}, indent=2)
        + "\n</functions>\n"
    )
    parsed = split_prompt(text)
    assert [t.name for t in parsed.tools] == ["get_weather", "get_time"]
    assert port_instructions(parsed, target=None).instructions == "Use tools."


def test_tool_description_quoting_example_tags_yields_no_example_turns() -> None:
    # a tool's description may quote <example> blocks; they belong to the tool, not to the prompt
    tool = dict(
        WEATHER,
        description="Weather.\n<examples><example>\nUser: hi\nAssistant: hello\n</example></examples>",
    )
    text = f"Be brief.\n<functions>\n<function>{json.dumps(tool)}</function>\n</functions>\n"
    parsed = split_prompt(text)
    assert parsed.examples == ()
    assert parsed.tools[0].definition["function"]["description"] == tool["description"]


def test_markdown_tool_sections_with_bare_schemas() -> None:
    # the way Claude Code prompt dumps list tools: "## Name", the description, then the input schema
    schema = {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}
    read = {"type": "object", "properties": {"path": {"type": "string"}}}
    text = (
        "# Rules\nNever run destructive commands.\n\n# Tools\n## Bash\n\nRuns a shell command.\n\n"
        "### Notes\n- Quote paths with spaces.\n\n```json\n" + json.dumps(schema, indent=2) + "\n```\n\n"
        "## Read\n\nReads a file.\n\n```json\n" + json.dumps(read) + "\n```\n"
    )
    parsed = split_prompt(text)
    assert [t.name for t in parsed.tools] == ["Bash", "Read"]
    bash = parsed.tools[0].definition["function"]
    assert bash["parameters"] == schema
    assert bash["description"] == "Runs a shell command.\n\n### Notes\n- Quote paths with spaces."
    ported = port_instructions(parsed, target=None)
    assert "Never run destructive commands." in ported.instructions
    assert "Runs a shell command." not in ported.instructions
    assert rebuild(text, ported) == text


def test_section_with_tool_json_naming_itself() -> None:
    text = _d(
        f"""
        ## get_weather

        Looks up the weather.

        ```yaml
        {json.dumps({"name": "get_weather", "parameters": WEATHER["parameters"]})}
        ```
        """
    )
    (tool,) = split_prompt(text).tools
    assert tool.definition["function"]["description"] == "Looks up the weather."
    assert tool.span == (0, len(text.rstrip("\n")))


@pytest.mark.parametrize(
    "text",
    [
        # API documentation showing how to define a tool: a lone definition is an illustration
        "Define tools like this:\n\n```json\n" + json.dumps(CLOCK) + "\n```\n",
        # one section with a bare schema is an output format, not a tool listing
        "## Reply\n\nAnswer with this object.\n\n```json\n"
        + json.dumps({"type": "object", "properties": {}})
        + "\n```\n",
        # an output schema under an "Output" heading, twice, is still no tool
        '## Output\n\n```json\n{"type": "object"}\n```\n\n## Format\n\n```json\n{"type": "object"}\n```\n',
        # JSON that has a name but no schema
        '<functions>\n<function>{"name": "Ada", "age": 36}</function>\n</functions>\n',
        # an API request body shown in documentation
        "Send this:\n\n```json\n" + json.dumps({"tools": [CLOCK]}) + "\n```\n",
        # a tool-like object without an input schema
        "<function>" + json.dumps({"name": "get_time", "description": "x"}) + "</function>\n",
    ],
)
def test_look_alikes_stay_in_the_prompt(text: str) -> None:
    parsed = split_prompt(text)
    assert parsed.tools == ()
    assert port_instructions(parsed, target=None, aggressive=False).tools == ()


def test_parse_tools_shapes() -> None:
    openai = {"type": "function", "function": {"name": "f", "parameters": {}}}
    assert parse_tools(json.dumps(openai)) == [openai]
    assert parse_tools(json.dumps([CLOCK, WEATHER])) is not None
    assert parse_tools(json.dumps([CLOCK, {"name": "x"}])) is None  # one item is not a tool
    assert parse_tools('{"name": "f", "parameters": {"description": "a\nb"}}') is not None  # raw newline
    assert parse_tools("not json") is None
    assert as_tool({"name": "has space", "parameters": {}}) is None


def test_port_prompt_sends_moved_tools_through_the_template(qwen3) -> None:
    ported = port_prompt(
        {"system": _functions_prompt(), "messages": [{"role": "user", "content": "Oslo?"}]}, target=qwen3
    )
    assert [t["function"]["name"] for t in ported.tools] == ["get_weather", "get_time"]
    # Qwen3's template writes the tools into its own <tools> block
    assert "<tools>" in ported.text and '"name": "get_weather"' in ported.text
    assert "<functions>" not in ported.text
    assert ported.report.tokens.system_after < ported.report.tokens.system_before
    assert "tools moved out of the system prompt into the request's tools (2, " in str(ported.report)
    assert ported.report.to_dict()["moved_tools"] == ["get_weather", "get_time"]


def test_port_prompt_request_tools_win_over_same_named_prompt_tools(qwen3) -> None:
    own = {
        "name": "get_weather",
        "description": "The request's own weather tool.",
        "input_schema": {"type": "object"},
    }
    ported = port_prompt(
        {"system": _functions_prompt(), "tools": [own], "messages": [{"role": "user", "content": "Oslo?"}]},
        target=qwen3,
    )
    names = [t["function"]["name"] for t in ported.tools]
    assert names == ["get_weather", "get_time"]
    assert ported.tools[0]["function"]["description"] == "The request's own weather tool."


def test_port_prompt_keeps_tools_inline_where_the_template_renders_none(load) -> None:
    phi = load("phi-3.5")
    ported = port_prompt(
        {"system": _functions_prompt(), "messages": [{"role": "user", "content": "Oslo?"}]}, target=phi
    )
    assert ported.tools == ()
    assert '"name": "get_weather"' in ported.text  # still in the system prompt, verbatim
    assert "$FUNCTION_NAME" in ported.text


def test_cli_json_has_tools_and_their_tokens(
    offline_data, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "prompt.txt"
    path.write_text(_functions_prompt(), encoding="utf-8")
    assert main(["fewshot", str(path), "--target", "qwen3", "--output-format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [t["function"]["name"] for t in doc["tools"]] == ["get_weather", "get_time"]
    assert doc["tokens_tools"] > 0
    assert "<functions>" not in doc["instructions"]
    assert (
        main(["fewshot", str(path), "--target", "qwen3", "--no-move-tools", "--output-format", "json"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["tools"] == [] and doc["tokens_tools"] is None
    assert "<functions>" in doc["instructions"]
    assert main(["fewshot", str(path), "--target", "qwen3"]) == 0
    assert "# tools (2, " in capsys.readouterr().out


def test_prose_inside_a_functions_element_stays_and_its_function_moves() -> None:
    text = (
        "<functions>\nCall at most one tool.\n<function>" + json.dumps(CLOCK) + "</function>\n</functions>\n"
    )
    parsed = split_prompt(text)
    assert [t.name for t in parsed.tools] == ["get_time"]
    ported = port_instructions(parsed, target=None)
    assert "Call at most one tool." in ported.instructions
    assert "get_time" not in ported.instructions


def test_code_block_of_functions_is_the_prompts_tool_list() -> None:
    text = "Answer briefly.\n\n```json\n" + json.dumps({"functions": [WEATHER, CLOCK]}, indent=2) + "\n```\n"
    parsed = split_prompt(text)
    assert [t.name for t in parsed.tools] == ["get_weather", "get_time"]
    assert port_instructions(parsed, target=None).instructions == "Answer briefly."


def test_section_prose_beside_a_json_description_is_kept_in_the_tool() -> None:
    tool = {"name": "get_weather", "description": "Looks up the weather.", "parameters": {"type": "object"}}
    text = "## get_weather\n\nUse it only for cities.\n\n```json\n" + json.dumps(tool) + "\n```\n"
    (found,) = split_prompt(text).tools
    assert found.definition["function"]["description"] == "Looks up the weather.\n\nUse it only for cities."
    same = "## get_weather\n\nLooks up the weather.\n\n```json\n" + json.dumps(tool) + "\n```\n"
    assert split_prompt(same).tools[0].definition["function"]["description"] == "Looks up the weather."


def test_port_prompt_sends_a_tool_written_twice_once(qwen3) -> None:
    block = "<functions>\n<function>" + json.dumps(CLOCK) + "</function>\n</functions>"
    ported = port_prompt(
        {"system": f"{block}\n\nBe brief.\n\n{block}", "messages": [{"role": "user", "content": "Time?"}]},
        target=qwen3,
    )
    assert [t["function"]["name"] for t in ported.tools] == ["get_time"]
