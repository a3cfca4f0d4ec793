"""Every error portkit raises on purpose derives from :class:`PortkitError`.

The tree::

    PortkitError
    ├── MissingDependencyError (ImportError)      an optional extra is not installed
    ├── TargetError (ValueError)                   a target cannot be resolved or loaded
    │   ├── DataUnavailableError                   the offline data set is missing or corrupt
    │   ├── GGUFError                              a .gguf file is unreadable
    │   └── MissingTokenizerError                  the operation needs a vocabulary the target lacks
    ├── RequestError (ValueError)                  a malformed Anthropic/OpenAI request
    │   └── UnsupportedContentError                a content block portkit cannot convert (image, …)
    ├── ChatTemplateError                          the target's template cannot express the request
    │   ├── UnsupportedRoleError                   e.g. a tool turn on a template without tools
    │   ├── TemplateRenderError                    the template raised while rendering
    │   └── UnsafeTemplateError                    the template tried to escape the sandbox
    ├── ForeignTokenError (AssertionError)         raised by portkit.testing helpers
    ├── SchemaError (ValueError)                   a schema portkit cannot compile
    │   ├── UnsupportedSchemaFeatureError          a keyword the engine would not enforce
    │   └── SchemaCompileTimeout (TimeoutError)    compilation ran past its time limit
    ├── OutputValidationError (ValueError)         model output that does not match the schema
    ├── PromptError (ValueError)                   a prompt the few-shot layer cannot handle
    │   └── BudgetExceededError                    the prompt cannot fit the token budget
    └── LintConfigError (ValueError)               bad ``[tool.portkit]`` configuration

Errors carry their context as attributes and say what to do next in their message.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BudgetExceededError",
    "ChatTemplateError",
    "DataUnavailableError",
    "ForeignTokenError",
    "GGUFError",
    "LintConfigError",
    "MissingDependencyError",
    "MissingTokenizerError",
    "OutputValidationError",
    "PortkitError",
    "PromptError",
    "RequestError",
    "SchemaCompileTimeout",
    "SchemaError",
    "TargetError",
    "TemplateRenderError",
    "UnsafeTemplateError",
    "UnsupportedContentError",
    "UnsupportedRoleError",
    "UnsupportedSchemaFeatureError",
]


class PortkitError(Exception):
    """Root of every error portkit raises on purpose.

    ``hint`` says what to do next; the CLI prints ``message`` and ``hint`` on one line each.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message if hint is None else f"{message} Hint: {hint}")
        self.message = message
        self.hint = hint


class MissingDependencyError(PortkitError, ImportError):
    """An optional dependency is needed; the message names the extra to install."""

    def __init__(self, package: str, *, extra: str, feature: str) -> None:
        super().__init__(
            f"{feature} needs the optional package {package!r}, which is not installed.",
            hint=f"pip install 'portkit[{extra}]'",
        )
        self.package = package
        self.extra = extra


class TargetError(PortkitError, ValueError):
    """A target cannot be resolved or loaded."""

    def __init__(self, message: str, *, target: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.target = target


class DataUnavailableError(TargetError):
    """The offline data set (the pinned llama-cpp-python sdist) is missing, or its hash is wrong."""


class GGUFError(TargetError):
    """A .gguf file cannot be read (not GGUF, truncated, or without a vocabulary)."""

    def __init__(self, message: str, *, path: str, hint: str | None = None) -> None:
        super().__init__(message, target=path, hint=hint)
        self.path = path


class MissingTokenizerError(TargetError):
    """The operation needs token ids, but the target was built from a chat template alone."""


class RequestError(PortkitError, ValueError):
    """A request is malformed. ``path`` locates the offending part (``messages[2].content[0]``)."""

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = path


class UnsupportedContentError(RequestError):
    """A content block (image, document, …) that portkit cannot convert to the target's format."""

    def __init__(self, message: str, *, block_type: str, path: str | None = None, hint: str | None = None):
        super().__init__(message, path=path, hint=hint)
        self.block_type = block_type


class ChatTemplateError(PortkitError):
    """The target's chat template cannot express the request as given."""

    def __init__(
        self,
        message: str,
        *,
        model: str | None = None,
        feature: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.model = model
        self.feature = feature


class UnsupportedRoleError(ChatTemplateError):
    """A role (system, tool, …) the template rejects and portkit cannot fold away."""

    def __init__(self, message: str, *, role: str, model: str | None = None, hint: str | None = None):
        super().__init__(message, model=model, feature=f"role:{role}", hint=hint)
        self.role = role


class TemplateRenderError(ChatTemplateError):
    """The template raised while rendering (its own ``raise_exception`` or a jinja error)."""


class UnsafeTemplateError(ChatTemplateError):
    """The template tried to reach Python internals; the sandbox stopped it and nothing ran."""


class ForeignTokenError(PortkitError, AssertionError):
    """Raised by :mod:`portkit.testing` when a prompt carries control tokens it should not."""

    def __init__(self, message: str, *, findings: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings


class SchemaError(PortkitError, ValueError):
    """A schema portkit cannot compile. ``schema_path`` is a JSON pointer into the schema."""

    def __init__(self, message: str, *, schema_path: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.schema_path = schema_path


class UnsupportedSchemaFeatureError(SchemaError):
    """A schema keyword the chosen engine would not enforce (portkit never weakens silently)."""

    def __init__(
        self, message: str, *, keyword: str, schema_path: str, engine: str, hint: str | None = None
    ) -> None:
        super().__init__(message, schema_path=schema_path, hint=hint)
        self.keyword = keyword
        self.engine = engine


class SchemaCompileTimeout(SchemaError, TimeoutError):
    """Compiling the grammar ran past the configured time limit."""


class OutputValidationError(PortkitError, ValueError):
    """Model output that does not parse or validate. ``raw`` holds the output as received."""

    def __init__(self, message: str, *, raw: str, errors: Any = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.raw = raw
        self.errors = errors


class PromptError(PortkitError, ValueError):
    """A prompt the few-shot layer cannot handle."""


class BudgetExceededError(PromptError):
    """The ported prompt cannot fit the token budget; ``would_drop`` lists what would have to go."""

    def __init__(
        self,
        message: str,
        *,
        budget: int,
        needed: int,
        would_drop: tuple[str, ...] = (),
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.budget = budget
        self.needed = needed
        self.would_drop = would_drop


class LintConfigError(PortkitError, ValueError):
    """Bad ``[tool.portkit]`` / ``portkit.toml`` configuration or an unknown rule code."""
