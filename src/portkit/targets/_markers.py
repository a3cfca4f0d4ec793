"""Small facts about control tokens that a template-only target (no vocabulary) still needs."""

from __future__ import annotations

import re

# A control-token shape at the start of a string: <|eot_id|>, <end_of_turn>, <turn|>, <｜end▁of▁sentence｜>, </s>, [/INST].
_LEADING_TOKEN = re.compile(
    r"<\|[^|<>\s]{1,40}\|>|<｜[^｜<>]{1,40}｜>|<[a-z_]{1,30}\|>|<[a-z_]{1,30}>|</s>|\[/?[A-Z_]{2,30}\]"
)

# (marker the template writes, BOS, EOS): the conventions of the families whose vocabulary is absent.
_CONVENTIONS: tuple[tuple[str, str | None, str | None], ...] = (
    ("<|start|>", None, "<|return|>"),  # gpt-oss Harmony: no BOS; <|return|> ends the final answer
    ("<start_of_turn>", "<bos>", "<eos>"),  # Gemma 2/3
    ("<|turn>", "<bos>", "<eos>"),  # Gemma 4
    ("<|im_start|>", None, "<|im_end|>"),
    ("<|start_header_id|>", "<|begin_of_text|>", "<|eot_id|>"),
    ("<｜User｜>", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    ("[INST]", "<s>", "</s>"),
    ("<|START_OF_TURN_TOKEN|>", "<BOS_TOKEN>", "<|END_OF_TURN_TOKEN|>"),
    ("<|user|>", "<s>", "<|endoftext|>"),
)


def template_bos_eos(template: str) -> tuple[str | None, str | None]:
    """Best-known BOS/EOS for a template whose vocabulary is not available."""
    for marker, bos, eos in _CONVENTIONS:
        if marker in template:
            return bos, eos
    return None, None


def end_of_turn_marker(tail: str) -> str | None:
    """The control token at the start of ``tail`` (text right after an assistant message), if any."""
    m = _LEADING_TOKEN.match(tail)
    return m.group(0) if m else None
