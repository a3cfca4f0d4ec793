"""Shared checks for the few-shot tests."""

from __future__ import annotations

from portkit.fewshot import PortedInstructions


def rebuild(original: str, ported: PortedInstructions) -> str:
    """Kept instruction spans + chosen example turn spans + dropped spans, in source order."""
    spans = list(ported.kept) + [d.span for d in ported.dropped]
    spans += [t.span for ex in ported.examples for t in ex.turns if t.span is not None]
    spans.sort()
    pos = 0
    for a, b in spans:
        assert a == pos, f"gap or overlap at {pos}..{a}"
        pos = b
    assert pos == len(original)
    return "".join(original[a:b] for a, b in spans)
