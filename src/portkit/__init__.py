"""portkit: port prompts written for Claude to open-weight models.

The top level is lazy: ``import portkit`` loads none of transformers, tokenizers, jinja2,
pydantic or outlines; each public name is imported on first access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0.dev0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "PortReport": "portkit.port",
    "PortedPrompt": "portkit.port",
    "PortkitError": "portkit.errors",
    "Target": "portkit.targets",
    "compile_schema": "portkit.constrain",
    "find_special_tokens": "portkit.template",
    "load_target": "portkit.targets",
    "port_instructions": "portkit.fewshot",
    "port_prompt": "portkit.port",
    "render": "portkit.template",
    "split_prompt": "portkit.fewshot",
}

__all__ = sorted([*_EXPORTS, "__version__"])

if TYPE_CHECKING:
    from portkit.constrain import compile_schema as compile_schema
    from portkit.errors import PortkitError as PortkitError
    from portkit.fewshot import port_instructions as port_instructions
    from portkit.fewshot import split_prompt as split_prompt
    from portkit.port import PortedPrompt as PortedPrompt
    from portkit.port import PortReport as PortReport
    from portkit.port import port_prompt as port_prompt
    from portkit.targets import Target as Target
    from portkit.targets import load_target as load_target
    from portkit.template import find_special_tokens as find_special_tokens
    from portkit.template import render as render


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'portkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
