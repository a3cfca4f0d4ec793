"""Port a Claude invoice-extraction prompt (nested line items, dates, maxLength) to Qwen3 and Llama 3.1.

Run: python examples/port_invoice.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from schemas import Invoice

from portkit import port_prompt

PROMPT = Path(__file__).parent / "prompts" / "invoice_extraction.txt"
DOCUMENT = (
    "Globex Corporation — Invoice G-118, 14 January 2025, payment due 13 February 2025. "
    "3 × Safety helmet @ 19.90 GBP; 12 × Work gloves @ 4.50 GBP. Total: 113.70 GBP"
)
ANSWER = (
    '{"vendor": "Globex Corporation", "invoice_number": "G-118", "issue_date": "2025-01-14", '
    '"due_date": "2025-02-13", "currency": "GBP", "line_items": ['
    '{"description": "Safety helmet", "quantity": 3, "unit_price": 19.9}, '
    '{"description": "Work gloves", "quantity": 12, "unit_price": 4.5}], "total": 113.7}'
)


def main() -> None:
    for target in ("qwen3", "llama-3.1"):
        ported = port_prompt(PROMPT, target=target, schema=Invoice, user=DOCUMENT)
        print(
            f"===== {target}: {len(ported.token_ids or ())} prompt tokens, max_tokens {ported.max_tokens} ====="
        )
        print(ported.report)
        print("--- Ollama request (raw: no second templating) ---")
        body = ported.to_ollama(model=target)
        print(json.dumps({k: v for k, v in body.items() if k != "prompt"}, indent=2)[:1200])
        invoice = ported.parse(ANSWER)
        assert invoice.total == 113.7
        assert len(invoice.line_items) == 2
        print(invoice)


if __name__ == "__main__":
    main()
