"""``port_prompt``: compose the three layers into one ported request. Composition only — the work
happens in :mod:`portkit.fewshot`, :mod:`portkit.template` and :mod:`portkit.constrain`."""

from __future__ import annotations

import copy
import functools
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from portkit.errors import MissingDependencyError, PromptError, RequestError
from portkit.port._policy import TASKS, ThinkingDecision, decide_thinking, infer_task
from portkit.port._report import PortReport, TokenCounts
from portkit.targets import Target, load_target

if TYPE_CHECKING:
    from portkit.constrain import Constraint
    from portkit.fewshot import PortedInstructions
    from portkit.template import Capabilities, RenderResult

__all__ = ["PortedPrompt", "port_prompt"]

T = TypeVar("T")

_PROMPT_SUFFIXES = (".txt", ".md", ".prompt", ".json", ".xml")
_REBUILT_KEYS = frozenset({"system", "messages", "thinking"})


@dataclass(frozen=True, slots=True, eq=False)
class PortedPrompt(Generic[T]):
    """A Claude prompt ported to one open model: everything needed to run it, and a report.

    Attributes:
        target: the target it was ported for.
        messages: OpenAI-style messages sent to the template (system, example turns, the request's turns).
        tools: tool definitions in OpenAI shape (empty without tools).
        text: the prompt rendered by the target's official chat template.
        token_ids: the rendered prompt's token ids, with request text encoded so it cannot become a
            control token (None for a target without vocabulary).
        stop_token_ids: ids that end the assistant turn.
        stop: stop strings (the request's ``stop_sequences`` and the target's stop tokens).
        constraint: the compiled schema when ``schema=`` (or a must-call tool choice) was given.
        max_tokens: a bound on the answer's length: the constraint's bound plus any thinking budget,
            else the request's ``max_tokens``.
        template_kwargs: extra template variables (``enable_thinking``, …) the text was rendered with.
        report: everything portkit changed and found (``str(report)`` for people, ``report.to_json()``).
    """

    target: Target = field(repr=False)
    messages: tuple[dict[str, Any], ...]
    tools: tuple[dict[str, Any], ...]
    text: str = field(repr=False)
    token_ids: tuple[int, ...] | None = field(repr=False)
    stop_token_ids: tuple[int, ...]
    stop: tuple[str, ...]
    constraint: Constraint[T] | None = field(repr=False)
    max_tokens: int | None
    template_kwargs: Mapping[str, Any]
    report: PortReport = field(repr=False)
    _render: RenderResult | None = field(default=None, repr=False)

    # -- results ----------------------------------------------------------------------------------
    def parse(self, output: str, *, repair: bool = False) -> T:
        """Parse and validate the model's output against the schema.

        Raises:
            OutputValidationError: the output does not validate (``.raw`` holds it).
            PromptError: the prompt was ported without a schema.
        """
        if self.constraint is None:
            raise PromptError(
                "This prompt was ported without a schema, so there is nothing to parse against.",
                hint="pass schema=YourModel to port_prompt",
            )
        return self.constraint.parse(output, repair=repair)

    # -- request builders -------------------------------------------------------------------------
    def _prompt_for_engine(self) -> list[int] | str:
        # Token ids carry the injection-safe encoding and exactly one BOS; text is the fallback.
        return list(self.token_ids) if self.token_ids is not None else self.text

    def to_openai(self, *, model: str | None = None) -> dict[str, Any]:
        """Keyword arguments for ``client.chat.completions.create`` on an OpenAI-compatible server.

        The server applies the model's template itself, so only ``messages`` travel; template
        variables go in ``extra_body.chat_template_kwargs`` (vLLM, SGLang). Use :meth:`to_vllm` and
        friends to send the prompt exactly as portkit rendered it.
        """
        body: dict[str, Any] = {
            "model": model or self.target.name,
            "messages": [dict(m) for m in self.messages],
        }
        if self.tools:
            body["tools"] = [dict(t) for t in self.tools]
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if self.stop:
            body["stop"] = list(self.stop)[:4]  # the OpenAI API accepts at most 4 stop strings
        if self.constraint is not None:
            body.update(self.constraint.to_openai())
        if self.template_kwargs:
            body["extra_body"] = {"chat_template_kwargs": dict(self.template_kwargs)}
        return body

    def to_vllm(self, *, model: str | None = None, version: str = "0.12") -> dict[str, Any]:
        """Body for vLLM's ``/v1/completions`` with the prompt exactly as rendered.

        The prompt goes as token ids when the target has a vocabulary (no second BOS, no control
        token smuggled through user text); the schema goes as ``structured_outputs`` (vLLM ≥ 0.12;
        pass ``version="0.11"`` for the older ``guided_json`` field).
        """
        body: dict[str, Any] = {"model": model or self.target.name, "prompt": self._prompt_for_engine()}
        if self.token_ids is None:
            body["add_special_tokens"] = False  # the text already starts with the template's BOS
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if self.stop_token_ids:
            body["stop_token_ids"] = list(self.stop_token_ids)
        if self.stop:
            body["stop"] = list(self.stop)
        if self.constraint is not None:
            body.update(self.constraint.to_vllm(version=version))
        return body

    def to_sglang(self) -> dict[str, Any]:
        """Body for SGLang's native ``/generate`` endpoint (``input_ids`` or ``text`` + ``sampling_params``)."""
        prompt = self._prompt_for_engine()
        body: dict[str, Any] = {"input_ids": prompt} if isinstance(prompt, list) else {"text": prompt}
        params: dict[str, Any] = {}
        if self.max_tokens is not None:
            params["max_new_tokens"] = self.max_tokens
        if self.stop_token_ids:
            params["stop_token_ids"] = list(self.stop_token_ids)
        if self.stop:
            params["stop"] = list(self.stop)
        if self.constraint is not None:
            params.update(self.constraint.to_sglang())
        body["sampling_params"] = params
        return body

    def to_ollama(self, *, model: str | None = None) -> dict[str, Any]:
        """Body for Ollama's ``/api/generate`` with ``raw: true``.

        ``raw`` stops Ollama from wrapping the already-rendered prompt in its Modelfile template a
        second time (double templating).
        """
        body: dict[str, Any] = {
            "model": model or self.target.name,
            "prompt": self.text,
            "raw": True,
            "stream": False,
        }
        options: dict[str, Any] = {}
        if self.max_tokens is not None:
            options["num_predict"] = self.max_tokens
        if self.stop:
            options["stop"] = list(self.stop)
        if options:
            body["options"] = options
        if self.constraint is not None:
            body.update(self.constraint.to_ollama())
        return body

    def to_llama_cpp(self) -> dict[str, Any]:
        """Body for llama.cpp server's ``/completion``.

        The prompt goes as token ids when available: llama.cpp tokenizes a string prompt with BOS
        added, which would double the BOS the template already wrote.
        """
        body: dict[str, Any] = {"prompt": self._prompt_for_engine(), "cache_prompt": True}
        if self.max_tokens is not None:
            body["n_predict"] = self.max_tokens
        if self.stop:
            body["stop"] = list(self.stop)
        if self.constraint is not None:
            body.update(self.constraint.to_llama_cpp())
        return body

    def to_transformers(self) -> dict[str, Any]:
        """Keyword arguments for ``model.generate(**kwargs)`` with transformers, constrained through Outlines.

        Needs the ``torch`` extra. Returns ``input_ids``, ``attention_mask``, ``max_new_tokens``,
        ``eos_token_id`` and, with a schema, ``logits_processor``.

        Raises:
            MissingDependencyError: torch is not installed.
            MissingTokenizerError: the target has no vocabulary.
        """
        try:
            import torch
        except ImportError as exc:
            raise MissingDependencyError(
                "torch", extra="torch", feature="Local generation with transformers"
            ) from exc
        if self.token_ids is None:
            self.target.encode("")  # raises MissingTokenizerError with its hint
        ids = torch.tensor([list(self.token_ids or ())], dtype=torch.long)
        kwargs: dict[str, Any] = {
            "input_ids": ids,
            "attention_mask": torch.ones_like(ids),
            "eos_token_id": list(self.stop_token_ids) or None,
        }
        if self.max_tokens is not None:
            kwargs["max_new_tokens"] = self.max_tokens
        if self.constraint is not None:
            from transformers import LogitsProcessorList

            kwargs["logits_processor"] = LogitsProcessorList([self.constraint.logits_processor()])
        return kwargs

    def with_user(self, text: str) -> PortedPrompt[T]:
        """The same port with one more user message, rendered again (few-shot and schema are reused)."""
        from portkit.template import render

        messages = [*self.messages, {"role": "user", "content": text}]
        result = render(
            {"messages": messages, "tools": [dict(t) for t in self.tools]} if self.tools else messages,
            target=self.target,
            thinking=self.report.thinking.enabled,
        )
        return replace(
            self,
            messages=tuple(dict(m) for m in result.messages),
            text=result.text,
            token_ids=tuple(result.token_ids) if result.token_ids is not None else None,
            _render=result,
        )


# -- input resolution ------------------------------------------------------------------------------


def _read_prompt(prompt: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
    """``(anthropic_request, origin)``: a system prompt, a request dict, or a file holding either.

    A request is returned as given (never edited: every step below builds new dicts from it)."""
    if type(prompt) is dict or isinstance(prompt, Mapping):
        return prompt, "request"
    text = os.fspath(prompt)
    path = Path(text)
    looks_like_path = isinstance(prompt, os.PathLike) or (
        "\n" not in text and len(text) < 1024 and path.suffix.lower() in _PROMPT_SUFFIXES
    )
    if looks_like_path:
        try:
            raw = path.read_text("utf-8")
        except FileNotFoundError as exc:
            raise PromptError(
                f"Prompt file {text!r} does not exist.",
                hint="pass the prompt text itself, a request dict, or an existing file",
            ) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise PromptError(f"Cannot read prompt file {text!r}: {exc}.") from exc
        if path.suffix.lower() == ".json":
            try:
                data = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise RequestError(
                    f"{text!r} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
                    hint="a .json prompt file holds an Anthropic Messages request",
                ) from exc
            if not isinstance(data, dict):
                raise RequestError(f"{text!r} holds a JSON {type(data).__name__}, not a request object.")
            return data, str(path)
        return {"system": raw, "messages": []}, str(path)
    return {"system": text, "messages": []}, "text"


def _system_text(request: Mapping[str, Any]) -> str | None:
    system = request.get("system")
    if system is None or isinstance(system, str):
        return system
    if isinstance(system, Sequence):
        texts = [b.get("text") for b in system if isinstance(b, Mapping) and b.get("type") == "text"]
        if len(texts) == len(system) and all(isinstance(t, str) for t in texts):
            return "\n\n".join(t for t in texts if t is not None)
    return None  # unusual shapes are left to the template layer, which reports them


def _tool_choice_forces(request: Mapping[str, Any]) -> bool:
    choice = request.get("tool_choice")
    return isinstance(choice, Mapping) and choice.get("type") in ("any", "tool")


def _decide(
    thinking: bool | int | None,
    req_on: bool | None,
    req_budget: Any,
    task: str,
    task_source: str,
    has_switch: bool,
) -> ThinkingDecision:
    """The policy's decision, memoised: it depends on these values alone and is frozen."""
    try:
        return _decide_cached(thinking, req_on, req_budget, task, task_source, has_switch)
    except TypeError:  # an unhashable budget from the request: decide without the cache
        return decide_thinking(
            thinking=thinking,
            request_thinking=req_on,
            request_budget=req_budget,
            task=task,
            task_source=task_source,
            has_switch=has_switch,
        )


# typed: thinking=True (on, default budget) and thinking=1 (a budget of 1) are different decisions.
@functools.lru_cache(maxsize=256, typed=True)
def _decide_cached(
    thinking: bool | int | None,
    req_on: bool | None,
    req_budget: Any,
    task: str,
    task_source: str,
    has_switch: bool,
) -> ThinkingDecision:
    return decide_thinking(
        thinking=thinking,
        request_thinking=req_on,
        request_budget=req_budget,
        task=task,
        task_source=task_source,
        has_switch=has_switch,
    )


def _copies(views: tuple[Mapping[str, Any], ...]) -> tuple[dict[str, Any], ...]:
    """Plain dicts of the render's read-only message views (``.copy()`` of a mappingproxy copies
    the dict underneath in C; ``dict(view)`` would go through the mapping protocol)."""
    try:
        return tuple(map(_PROXY_COPY, views))
    except TypeError:  # not views made by render(): copy them the general way
        return tuple([dict(v) for v in views])


_PROXY_COPY: Callable[[Any], dict[str, Any]] = MappingProxyType.copy


_NO_COUNTS = TokenCounts(system_before=None, system_after=None, prompt=None)


def _render_fn() -> Callable[..., RenderResult]:
    """``portkit.template.render``, imported once, on first use (the template layer loads lazily;
    an import statement in the hot path would cost an import-machinery call on every port)."""
    global _RENDER
    if _RENDER is None:
        from portkit.template import render

        _RENDER = render
    return _RENDER


_RENDER: Callable[..., RenderResult] | None = None


def _has_switch(target: Target) -> bool:
    return _capabilities(target).thinking_switch is not None


def _capabilities(target: Target) -> Capabilities:
    """The template's probed capabilities (cached by the probe), imported on first use."""
    global _PROBE
    if _PROBE is None:
        from portkit.template._probe import probe

        _PROBE = probe
    return _PROBE(target)


_PROBE: Callable[[Target], Capabilities] | None = None


@functools.lru_cache(maxsize=256)
def _port_system(
    system: str,
    target: Target,
    budget: int | None,
    max_examples: int,
    examples: tuple[tuple[tuple[str, str], ...], ...] | None,
) -> PortedInstructions:
    """The few-shot port of a system prompt, memoised: an application ports the same system prompt
    for every user message, and the result is deterministic and frozen."""
    from portkit.fewshot import port_instructions, split_prompt

    pool = [dict(e) for e in examples] if examples is not None else None
    parsed = split_prompt(system)
    counter = target if target.has_tokenizer else None
    # tools written into the prompt move to the request's tools only where the template renders them
    move_tools = bool(parsed.tools) and _capabilities(target).tools
    return port_instructions(
        parsed,
        target=counter,
        budget=budget,
        max_examples=max_examples,
        examples=pool,
        move_tools=move_tools,
    )


def _with_moved_tools(own: Any, moved: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The request's own tools, then those moved out of its system prompt; a tool the request
    defines itself wins over a same-named one written in the prompt, and an earlier one over a
    later one."""
    mine: list[Any] = list(own) if isinstance(own, list) else []
    names = {t.get("name") or (t.get("function") or {}).get("name") for t in mine if isinstance(t, Mapping)}
    for tool in moved:  # the first of two same-named tools wins, as the request's own do
        if tool["function"]["name"] not in names:
            names.add(tool["function"]["name"])
            mine.append(copy.deepcopy(dict(tool)))
    return mine


def _freeze_examples(
    examples: Sequence[Mapping[str, str]] | None,
) -> tuple[tuple[tuple[str, str], ...], ...] | None:
    if examples is None:
        return None
    if not all(isinstance(e, Mapping) for e in examples):
        raise PromptError(
            "examples must be a list of {'user': ..., 'assistant': ...} mappings.",
            hint="e.g. examples=[{'user': 'Great phone!', 'assistant': '{\"sentiment\": \"positive\"}'}]",
        )
    return tuple(tuple(sorted((str(k), str(v)) for k, v in e.items())) for e in examples)


# -- the front door ----------------------------------------------------------------------------------


@overload
def port_prompt(
    prompt: str | os.PathLike[str] | Mapping[str, Any],
    *,
    target: str | os.PathLike[str] | Target,
    schema: type[T],
    user: str | None = None,
    examples: Sequence[Mapping[str, str]] | None = None,
    budget: int | None = None,
    max_examples: int = 3,
    thinking: bool | int | None = None,
    task: str | None = None,
    uncertain: bool = False,
    fewshot: bool = True,
    tokenize: bool = True,
    chat_template: str | os.PathLike[str] | None = None,
) -> PortedPrompt[T]: ...


@overload
def port_prompt(
    prompt: str | os.PathLike[str] | Mapping[str, Any],
    *,
    target: str | os.PathLike[str] | Target,
    schema: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    user: str | None = None,
    examples: Sequence[Mapping[str, str]] | None = None,
    budget: int | None = None,
    max_examples: int = 3,
    thinking: bool | int | None = None,
    task: str | None = None,
    uncertain: bool = False,
    fewshot: bool = True,
    tokenize: bool = True,
    chat_template: str | os.PathLike[str] | None = None,
) -> PortedPrompt[Any]: ...


def port_prompt(
    prompt: str | os.PathLike[str] | Mapping[str, Any],
    *,
    target: str | os.PathLike[str] | Target,
    schema: Any = None,
    user: str | None = None,
    examples: Sequence[Mapping[str, str]] | None = None,
    budget: int | None = None,
    max_examples: int = 3,
    thinking: bool | int | None = None,
    task: str | None = None,
    uncertain: bool = False,
    fewshot: bool = True,
    tokenize: bool = True,
    chat_template: str | os.PathLike[str] | None = None,
) -> PortedPrompt[Any]:
    """Port a Claude prompt to ``target``: few-shot, official template, constraint, report.

    Args:
        prompt: a Claude system prompt (str), an Anthropic Messages request (dict), or the path of a
            file holding either (``.json`` for a request).
        target: an offline target name, a ``.gguf`` file, a model directory, or a :class:`Target`.
        schema: a Pydantic model (then :meth:`PortedPrompt.parse` returns that model), a JSON Schema,
            or Claude tool definitions. Without it, a request whose ``tool_choice`` forces a tool is
            constrained to its tools.
        user: the user message for this call (appended after the example turns). Without it the
            prompt ends after the request's own messages; add one later with
            :meth:`PortedPrompt.with_user`.
        examples: a pool of ``{"user": ..., "assistant": ...}`` examples to choose from.
        budget: token budget for the system prompt and examples, in the target's tokenizer.
        max_examples: at most this many worked examples become turns.
        thinking: force thinking on/off (bool) or on with a token budget (int); None applies the policy.
        task: ``"classification"``, ``"extraction"``, ``"generation"`` or ``"reasoning"``; None infers it.
        uncertain: add the "uncertain" escape hatch to the schema.
        fewshot: run the few-shot layer on the system prompt (False keeps it verbatim).
        tokenize: compute ``token_ids`` (False renders text only, which is cheaper).
        chat_template: a template file overriding the target's.

    Returns:
        A frozen :class:`PortedPrompt`.

    Raises:
        PortkitError: a named subclass for every user mistake (bad prompt file, unknown target,
            unsupported content, a template that cannot express the request, an uncompilable schema,
            a budget that cannot be met).

    Examples:
        >>> ported = port_prompt("Classify the review as positive or negative.",
        ...                      target="qwen3", user="Great phone!")      # doctest: +SKIP
        >>> ported.text.endswith("<|im_start|>assistant\\n")                 # doctest: +SKIP
        True
    """
    render = _render_fn()
    if task is not None and task not in TASKS:
        raise PromptError(f"Unknown task {task!r}.", hint=f"use one of {', '.join(TASKS)}")
    tgt = (
        load_target(target, chat_template=chat_template)
        if chat_template or not isinstance(target, Target)
        else target
    )
    request, origin = (prompt, "request") if type(prompt) is dict else _read_prompt(prompt)
    messages_in = request.get("messages", [])
    if type(messages_in) is not list and not isinstance(messages_in, list):
        raise RequestError("The request's 'messages' must be a list.", path="messages")
    system = request.get("system")
    if system is not None and type(system) is not str:
        system = _system_text(request)

    # 1. Few-shot: trimmed instructions and example turns in place of the long system prompt.
    ported_instructions: PortedInstructions | None = None
    example_turns: list[dict[str, Any]] = []
    if fewshot and system and system.strip():
        ported_instructions = _port_system(system, tgt, budget, max_examples, _freeze_examples(examples))
        fs_messages = ported_instructions.to_messages()
        example_turns = fs_messages[1:]
        new_system: Any = ported_instructions.instructions
    else:
        new_system = request.get("system")

    # `thinking` is decided by the policy below and passed to render() on its own.
    new_request = {k: v for k, v in request.items() if k not in _REBUILT_KEYS}
    if new_system:
        new_request["system"] = new_system
    # The caller's list is only read (render converts it into new dicts), so it is not copied.
    tail = messages_in if user is None else [*messages_in, {"role": "user", "content": user}]
    new_request["messages"] = example_turns + tail if example_turns else tail
    if ported_instructions is not None and ported_instructions.tools:
        # tool definitions the system prompt carried inline travel as tools, rendered by the template
        new_request["tools"] = _with_moved_tools(request.get("tools"), ported_instructions.tools)

    # 2. Constraint (compiled before rendering: the policy reads the schema).
    constraint = None
    if schema is None and request.get("tools") and _tool_choice_forces(request):
        schema = list(request["tools"])
    if schema is not None:
        from portkit.constrain import compile_schema

        constraint = compile_schema(schema, target=tgt, uncertain=uncertain)

    # 3. Thinking policy, mapped onto the template's switch by the template layer.
    req_thinking = request.get("thinking")
    req_on: bool | None = None
    req_budget: int | None = None
    if req_thinking is not None and isinstance(req_thinking, Mapping):
        req_on = req_thinking.get("type") == "enabled"
        req_budget = req_thinking.get("budget_tokens") if req_on else None
    has_switch = _has_switch(tgt)
    if has_switch and thinking is None and req_on is None:
        task_name, task_source = infer_task(
            declared=task,
            json_schema=constraint.json_schema if constraint is not None else None,
            prompt_text=system or "",
        )
    else:  # the decision does not depend on the task: skip reading the prompt
        task_name, task_source = (task, "declared") if task else ("unknown", "not needed")
    decision = _decide(thinking, req_on, req_budget, task_name, task_source, has_switch)
    render_request = new_request

    # 4. Render through the official template.
    # Only the request's own turns (and `user=`) ask for an answer; example turns alone do not.
    has_user_turn = bool(tail)
    to_render: Any = render_request
    if not render_request["messages"]:
        # A system prompt alone (no turns yet): render it as a one-message conversation.
        sys_text = render_request.get("system")
        sys_text = _system_text(render_request) if not isinstance(sys_text, str) else sys_text
        to_render = [{"role": "system", "content": sys_text or ""}]
    result = render(
        to_render,
        target=tgt,
        thinking=decision.enabled,
        add_generation_prompt=has_user_turn,
        tokenize=tokenize and tgt.has_tokenizer,
        # Without a user turn the conversation ends on a worked example, which is no prefill.
        prefill=None if has_user_turn else False,
    )

    max_tokens: int | None = None
    if constraint is not None:
        max_tokens = constraint.max_tokens + (decision.budget or 0 if decision.enabled else 0)
    elif isinstance(request.get("max_tokens"), int):
        max_tokens = int(request["max_tokens"])

    # 5. Lint the input for the target (run when the report is read: it is not needed to send the request).
    lint_inputs: list[tuple[str, str]] = [("system", system)] if system else []
    user_at = len(tail) - 1 if user is not None else -1
    for i, m in enumerate(tail):
        content = m.get("content") if type(m) is dict or isinstance(m, Mapping) else None
        if isinstance(content, str):
            lint_inputs.append(("user" if i == user_at else f"messages[{i}]", content))

    tokens = (
        TokenCounts(
            system_before=ported_instructions.tokens_before if ported_instructions else None,
            system_after=ported_instructions.tokens_after if ported_instructions else None,
            prompt=len(result.token_ids) if result.token_ids is not None else None,
        )
        if ported_instructions is not None or result.token_ids is not None
        else _NO_COUNTS
    )
    warnings: list[str] = []
    if tgt.note:
        warnings.append(f"target {tgt.name}: {tgt.note}")
    if not has_user_turn:
        warnings.append(
            "no user message: the prompt ends after the example turns; add one with .with_user(text) or user="
        )
    if ported_instructions is not None:
        warnings.extend(ported_instructions.warnings)
    # Positional, in field order (named in the comments), as PortedPrompt below: keyword matching
    # costs about a microsecond per port. test_port_report_fields_in_construction_order pins it.
    report = PortReport(
        tgt.name,  # target
        tgt.source,  # target_source
        origin,  # origin
        result.adaptations,  # adaptations (a tuple)
        result.neutralised,  # neutralised (a tuple)
        ported_instructions,  # instructions
        tokens,  # tokens
        decision,  # thinking
        tuple(lint_inputs),  # lint_inputs
        constraint.report if constraint is not None else None,  # schema_report
        max_tokens,  # max_tokens
        tuple(warnings),  # warnings
        _target=tgt,
    )
    # Positional, in field order (named in the comments): matching twelve keywords costs about a
    # microsecond per port. test_ported_prompt_fields_in_construction_order pins the order.
    return PortedPrompt(
        tgt,  # target
        _copies(result.messages),  # messages
        _copies(result.tools),  # tools
        result.text,  # text
        result.token_ids,  # token_ids (already a tuple or None)
        result.stop_token_ids,  # stop_token_ids
        result.stop_sequences,  # stop
        constraint,  # constraint
        max_tokens,  # max_tokens
        dict(result.template_kwargs),  # template_kwargs
        report,  # report
        result,  # _render
    )
