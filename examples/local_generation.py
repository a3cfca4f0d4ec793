"""Constrained local generation with transformers + Outlines: the output always parses.

A DEMONSTRATION OF FORM, NOT QUALITY. The model here is a tiny Qwen2-architecture network with random
weights over Qwen's real 151,936-token vocabulary — the worst possible model. It "answers" with
random tokens, yet every answer validates against the schema, because the grammar compiled by
portkit admits nothing else and bounds the answer's length (`max_tokens`).

Needs the torch extra: pip install 'portkit[torch]'. Run: python examples/local_generation.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import torch
from schemas import ReviewSentiment
from transformers import Qwen2Config, Qwen2ForCausalLM

from portkit import port_prompt

PROMPT = Path(__file__).parent / "prompts" / "review_sentiment.txt"
RUNS = 5


def tiny_random_model(vocab_size: int, seed: int) -> Qwen2ForCausalLM:
    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=4096,
    )
    return Qwen2ForCausalLM(config).eval()


def main() -> None:
    ported = port_prompt(
        PROMPT, target="qwen3", schema=ReviewSentiment, user="Loud, clear, and the battery lasts."
    )
    tokenizer = ported.target.tokenizer
    for seed in range(RUNS):
        model = tiny_random_model(len(tokenizer), seed)
        kwargs = (
            ported.to_transformers()
        )  # input_ids, attention_mask, max_new_tokens, eos ids, logits_processor
        with torch.no_grad():
            out = model.generate(**kwargs, do_sample=True, top_k=0, pad_token_id=ported.stop_token_ids[0])
        new = out[0, kwargs["input_ids"].shape[1] :].tolist()
        text = tokenizer.decode([t for t in new if t not in ported.stop_token_ids])
        answer = ported.parse(text)  # raises OutputValidationError if the form were wrong
        assert len(new) <= ported.max_tokens
        print(f"seed {seed}: {len(new):3d} tokens -> {answer!r}")
    print(f"{RUNS}/{RUNS} random-weight generations parsed as ReviewSentiment (form, not quality).")


if __name__ == "__main__":
    main()
