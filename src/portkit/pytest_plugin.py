"""pytest plugin (entry point ``pytest11: portkit``): a ``portkit`` fixture over :mod:`portkit.testing`.

Costs nothing at import: no heavy imports, no autouse fixtures. The default target comes from
``--portkit-target`` or the ``portkit_target`` ini option; each call may pass its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from portkit.targets import Target
    from portkit.template._detect import Finding

__all__ = ["PortkitChecker"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("portkit")
    group.addoption(
        "--portkit-target", default=None, help="default target of the portkit fixture (e.g. llama-3.1)"
    )
    parser.addini("portkit_target", "default target of the portkit fixture", default="")


class PortkitChecker:
    """The ``portkit`` fixture: portkit's assertions with a default target."""

    def __init__(self, target: str | None) -> None:
        self._target_name = target or None

    @property
    def target(self) -> Target | None:
        """The default target (loaded on first use), or None."""
        if self._target_name is None:
            return None
        from portkit.targets import load_target

        return load_target(self._target_name)

    def _pick(self, target: Target | str | None) -> Target | str | None:
        return target if target is not None else self.target

    def find_special_tokens(self, text: str, target: Target | str | None = None) -> list[Finding]:
        from portkit.template._detect import find_special_tokens

        return find_special_tokens(text, self._pick(target))

    def assert_no_foreign_tokens(
        self, prompt: Any, target: Target | str | None = None, **kwargs: Any
    ) -> None:
        from portkit.testing import assert_no_foreign_tokens

        assert_no_foreign_tokens(prompt, self._pick(target), **kwargs)

    def assert_renders_cleanly(self, messages: Any, target: Target | str | None = None, **kwargs: Any) -> str:
        from portkit.testing import assert_renders_cleanly

        chosen = self._pick(target)
        if chosen is None:
            raise pytest.UsageError("assert_renders_cleanly needs a target: pass one or set --portkit-target")
        return assert_renders_cleanly(messages, chosen, **kwargs)


@pytest.fixture
def portkit(request: pytest.FixtureRequest) -> PortkitChecker:
    """portkit's prompt assertions, bound to ``--portkit-target`` / ``portkit_target`` when set."""
    name = request.config.getoption("--portkit-target") or request.config.getini("portkit_target") or None
    return PortkitChecker(name)
