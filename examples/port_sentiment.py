"""Port a Claude review-classification prompt (embedded examples, "respond only with JSON") to Qwen3 and Llama 3.1.

Shows: example turns, trimmed instructions, the thinking decision, the "uncertain" escape hatch,
and a request body for each serving engine. Run: python examples/port_sentiment.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from schemas import ReviewSentiment

from portkit import port_prompt
from portkit.constrain import Uncertain

PROMPT = Path(__file__).parent / "prompts" / "review_sentiment.txt"
REVIEW = "Arrived two days late, but honestly the keyboard feels fantastic."


def main() -> None:
    for target in ("qwen3", "llama-3.1"):
        # uncertain=True lets the model say it cannot judge instead of inventing a label.
        ported = port_prompt(PROMPT, target=target, schema=ReviewSentiment, user=REVIEW, uncertain=True)
        print(f"===== {target} =====")
        print(ported.text)
        print("--- report ---")
        print(ported.report)
        print("--- vLLM request (prompt as token ids) ---")
        body = ported.to_vllm(model=f"my-{target}")
        body["prompt"] = f"<{len(body['prompt'])} token ids>"
        print(json.dumps(body, indent=2)[:1500])
        # What a model might answer, parsed and validated:
        print(ported.parse('{"sentiment": "mixed", "score": 0.4}'))
        abstained = ported.parse('{"uncertain": true, "reason": "The review is about delivery only."}')
        assert isinstance(abstained, Uncertain)
        print(abstained)


if __name__ == "__main__":
    main()
