"""Template layer: render Anthropic-style requests with the target's official chat template,
adapt to what that template accepts, and find hand-written or foreign control tokens.

Public names are imported lazily so ``portkit lint`` can use the detector without jinja2.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    # rendering (portkit.template._render)
    "render": "portkit.template._render",
    "RenderResult": "portkit.template._render",
    "Adaptation": "portkit.template._render",
    "Neutralised": "portkit.template._render",
    "convert_request": "portkit.template._render",
    "Conversation": "portkit.template._render",
    "probe": "portkit.template._render",
    "Capabilities": "portkit.template._render",
    # special-token detection (portkit.template._detect)
    "find_special_tokens": "portkit.template._detect",
    "Finding": "portkit.template._detect",
    "Verdict": "portkit.template._detect",
    # targets live below every layer; re-exported for convenience
    "Target": "portkit.targets",
    "load_target": "portkit.targets",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from portkit.targets import Target as Target
    from portkit.targets import load_target as load_target
    from portkit.template._detect import Finding as Finding
    from portkit.template._detect import Verdict as Verdict
    from portkit.template._detect import find_special_tokens as find_special_tokens
    from portkit.template._render import Adaptation as Adaptation
    from portkit.template._render import Capabilities as Capabilities
    from portkit.template._render import Conversation as Conversation
    from portkit.template._render import Neutralised as Neutralised
    from portkit.template._render import RenderResult as RenderResult
    from portkit.template._render import convert_request as convert_request
    from portkit.template._render import probe as probe
    from portkit.template._render import render as render


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'portkit.template' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
