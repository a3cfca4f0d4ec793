"""outlines_core and xgrammar: checked by the preflight table, compiled under a time limit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from portkit.constrain._report import Caps
    from portkit.targets import Target

__all__ = ["check_backend", "compile_other"]


def check_backend(engine: str) -> None:
    from portkit.constrain._engines import require

    if engine == "xgrammar":
        require("xgrammar", extra="xgrammar", feature="The xgrammar backend")
    elif engine == "outlines_core":
        require("outlines_core", extra="outlines", feature="The outlines_core backend")


def compile_other(
    engine: str, schema: dict[str, Any], target: Target, *, caps: Caps, timeout: float | None
) -> str:
    raise NotImplementedError(engine)
