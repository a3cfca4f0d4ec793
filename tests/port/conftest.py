from __future__ import annotations

import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="session")
def schemas():
    """The example Pydantic models (examples/schemas.py), imported as a module."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        import schemas as module
    finally:
        sys.path.remove(str(EXAMPLES))
    return module


@pytest.fixture(scope="session")
def sentiment_prompt() -> Path:
    return EXAMPLES / "prompts" / "review_sentiment.txt"


@pytest.fixture(scope="session")
def invoice_prompt() -> Path:
    return EXAMPLES / "prompts" / "invoice_extraction.txt"
