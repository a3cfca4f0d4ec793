"""Shared fixtures: real offline data from the pinned sdist (downloaded once into the cache)."""

from __future__ import annotations

import pytest

from portkit.targets import Target, fetch_data, load_target


@pytest.fixture(scope="session")
def offline_data():
    """The data directory of the pinned llama-cpp-python sdist (fetched on first use, then cached)."""
    return fetch_data()


@pytest.fixture(scope="session")
def load(offline_data):
    """``load(name) -> Target`` for offline targets; each is converted once per session."""

    def _load(name: str) -> Target:
        return load_target(name)

    return _load


@pytest.fixture(scope="session")
def qwen3(load) -> Target:
    return load("qwen3")


@pytest.fixture(scope="session")
def llama31(load) -> Target:
    return load("llama-3.1")
