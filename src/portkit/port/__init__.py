"""``port_prompt``: the front door that composes the template, constraint and few-shot layers."""

from portkit.port._policy import ThinkingDecision
from portkit.port._port import PortedPrompt, port_prompt
from portkit.port._report import PortReport, TokenCounts

__all__ = ["PortReport", "PortedPrompt", "ThinkingDecision", "TokenCounts", "port_prompt"]
