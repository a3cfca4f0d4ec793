"""Constrained output: Pydantic models, JSON Schemas and Claude tools compiled to grammars.

``compile_schema`` normalises the schema, checks it against what the engine really enforces,
bounds every output, and returns a :class:`Constraint` that drives a token-level matcher, builds
request payloads for vLLM, SGLang, Ollama, llama.cpp and OpenAI-compatible servers, and validates
outputs. Importing this package is cheap: pydantic, llguidance and outlines load on first use.
"""

from portkit.constrain._constraint import Constraint, ToolCall, Uncertain, compile_schema
from portkit.constrain._matcher import Matcher
from portkit.constrain._preflight import ENGINES, EngineSupport
from portkit.constrain._report import Caps, Change, SchemaOrderWarning, SchemaReport

__all__ = [
    "ENGINES",
    "Caps",
    "Change",
    "Constraint",
    "EngineSupport",
    "Matcher",
    "SchemaOrderWarning",
    "SchemaReport",
    "ToolCall",
    "Uncertain",
    "compile_schema",
]
