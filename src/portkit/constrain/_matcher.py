"""A token-level matcher any inference loop can drive."""

from __future__ import annotations

from typing import Any

__all__ = ["Matcher"]


class Matcher:
    """Which tokens may come next, for one generation.

    Drive it from any decoding loop::

        m = constraint.matcher()
        while not m.is_finished():
            ids = m.allowed_token_ids()      # or m.bitmask() to mask logits in place
            token = pick(logits, ids)
            m.advance(token)

    The end-of-turn tokens of the target are allowed exactly when the output is complete; advancing
    with one finishes the matcher. Not thread-safe: use one matcher per sequence.
    """

    __slots__ = ("_matcher", "_tokenizer", "_vocab_size")

    def __init__(self, grammar: str, tokenizer: Any) -> None:
        from llguidance import LLMatcher

        self._tokenizer = tokenizer
        self._matcher = LLMatcher(tokenizer, grammar, log_level=0)
        self._vocab_size = int(tokenizer.vocab_size)
        if self._matcher.is_error():
            from portkit.errors import SchemaError

            raise SchemaError(f"llguidance could not build a matcher: {self._matcher.get_error()}")

    @property
    def vocab_size(self) -> int:
        return self._vocab_size

    def _check(self) -> None:
        """Raise if the engine gave up mid-output (its mask would then be meaningless)."""
        if self._matcher.is_error():
            from portkit.errors import SchemaError

            detail = str(self._matcher.get_error())
            # the engine's report also dumps its state and the whole grammar; keep its verdict
            lines = [ln for ln in detail.splitlines() if ln.startswith(("Error:", "Stop:"))]
            raise SchemaError(
                f"llguidance stopped in the middle of the output: {'; '.join(lines) or detail[:200]}",
                hint="a pattern is too complex for the engine at this point (often a long maxLength "
                "over a repeated group); simplify it or lower its maxLength",
            )

    def bitmask(self) -> Any:
        """Allowed tokens as a packed ``numpy.int32`` array (bit ``i % 32`` of word ``i // 32``).

        The layout is the one llguidance, xgrammar and vLLM use for ``apply_token_bitmask``.
        """
        import numpy as np

        words = np.frombuffer(self._matcher.compute_bitmask(), dtype=np.int32)
        self._check()
        return words

    def allowed_token_ids(self) -> Any:
        """Ids of every token that may come next, as a sorted ``numpy`` int64 array (empty once finished)."""
        import numpy as np

        if self._matcher.is_stopped():
            return np.zeros(0, dtype=np.int64)
        bits = np.unpackbits(
            np.frombuffer(self._matcher.compute_bitmask(), dtype=np.uint8), bitorder="little"
        )
        self._check()
        return np.flatnonzero(bits[: self._vocab_size])

    def is_allowed(self, token_id: int) -> bool:
        words = self.bitmask()
        if not 0 <= token_id < self._vocab_size:
            return False
        return bool((int(words[token_id // 32]) >> (token_id % 32)) & 1)

    def advance(self, token_id: int) -> None:
        """Consume one sampled token.

        Raises:
            ValueError: the token is not allowed here; the matcher is left unchanged.
            SchemaError: the engine gave up on the grammar at this point.
        """
        if self._matcher.is_stopped() or self._matcher.validate_tokens([token_id]) != 1:
            self._check()
            raise ValueError(f"Token id {token_id!r} is not allowed at this point of the output.")
        self._matcher.consume_token(token_id)

    def is_finished(self) -> bool:
        """True once an end-of-turn token was consumed (or nothing else can follow)."""
        return bool(self._matcher.is_stopped())

    def is_accepting(self) -> bool:
        """True when the output so far is complete (the end-of-turn token would be allowed)."""
        return bool(self._matcher.is_accepting())

    def rollback(self, num_tokens: int) -> None:
        """Undo the last ``num_tokens`` advances (for speculative decoding)."""
        self._matcher.rollback(num_tokens)

    def reset(self) -> None:
        """Start again from an empty output."""
        self._matcher.reset()
