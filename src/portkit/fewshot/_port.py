"""``port_instructions``: trim a parsed prompt, pick example turns, fit a token budget, report drops."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from portkit.errors import BudgetExceededError, PromptError
from portkit.fewshot._model import DroppedSpan, Example, ParsedPrompt, PortedInstructions, Segment, Turn
from portkit.fewshot._parse import BACKGROUND, split_prompt
from portkit.fewshot._patterns import EXAMPLE_WORD, IMPERATIVE

if TYPE_CHECKING:
    from portkit.targets import Target

__all__ = ["port_instructions"]

ExampleLike = Example | tuple[str, str] | Mapping[str, Any]

_NO_EXAMPLES = (
    "The prompt has no worked examples; open models follow 2-3 worked examples better than rules. "
    "Pass examples=[(user, assistant), ...] to port_instructions to add your own."
)
# Prompts longer than this get the stronger trimming unless ``aggressive`` says otherwise: they are
# the long, prose-heavy rule books (Anthropic's published system prompts run 1,700-6,000 words)
# whose descriptive sentences cost an open model the most context and attention.
LONG_PROMPT_WORDS = 1500
# The strict reading of "hard constraint" that aggressive trimming keeps: a sentence stays when it
# carries one of these markers, the issue's own definition of a hard constraint. Only strong ones
# count: a prohibition or obligation (must, never, always, only, exactly, do not, not, no, cannot,
# refuse, decline, required, forbidden), emphasis (important, critical, strictly), a bound (at
# least, at most, up to, maximum, limit, except), a number or a spelled quantity, a quote (double or
# single), a URL, code, a placeholder or a tag. The soft modals and connectives (should, shall, if,
# unless, ensure, make sure, instead, once) do not: "If the person asks about X, Claude can tell
# them Y." is guidance a long rule book states by the hundred, and most of the words an open model
# can be spared. "avoid" does not count either. It is the soft counterpart of "do not", and on
# Anthropic's published claude.ai prompts it keeps a fifth of the prose ("Claude avoids being
# heavy-handed", "… to avoid overwhelming the person"), holding the median reduction at 30% instead
# of 37%; the rules those prompts mean as prohibitions say never/does not/must/decline ("Claude
# NEVER creates …"), and an imperative "Avoid …" still stays. "does not need to" grants a
# permission: no prohibition.
# (matched against the lower-cased sentence: four times faster than re.I on this alternation)
# the literals among the markers (numbers, quotes, URLs, code, placeholders, tags): they count
# anywhere, inside a leading condition too
_LITERALS = r"\d|\"|“|https?://|\{|`|<[A-Za-z/]|'(?<![\w'’]')[^'\n]{1,60}'(?![\w'’])"
_STRICT_HARD = re.compile(
    r"\b(?:must|never|always|only|exactly|(?:do not|don't|does not|doesn't|not)(?! (?:need|have) to\b)|"
    r"cannot|can't|no|none|nothing|"
    r"refus(?:e|es|ed|ing|als?)|declin(?:e|es|ed|ing)|required?|"
    r"forbidden|prohibited|important|critical|at (?:least|most)|no more than|up to|maximum|minimum|"
    r"limit(?:s|ed|ing)?|except|strictly|in (?:that|this) order|(?:one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|twenty|hundred|thousand|twice))\b|" + _LITERALS,
)
# what makes a sentence the parser marked as output format one under aggressive trimming: it names
# a format, not only "output" or "structure" in passing ("the cumulative output of the conversation")
_FORMAT = re.compile(
    r"\b(?:format\w*|respond (?:with|in)|reply with|json|xml|yaml|csv|markdown|schema|bullet(?: points?)?|"
    r"headers?|headings?|tables?|lists?|code blocks?|in the form|wrap\w*|enclose\w*|prose|paragraphs?|"
    r"sentences?|words?|emojis?|bold|italics?|asterisks?)\b",
    re.I,
)
# an ALL-CAPS word is a label ("BLOCK", "FRAUD") or emphasis ("NOTE"), unless it is a common acronym
_CAPS = re.compile(r"\b[A-Z]{3,}\b")
_ACRONYMS = frozenset(["API", "APIS", "FAQ", "PDF", "CSV", "LLM", "GPU", "CPU", "SDK", "CLI", "USA", "CEO"])
# a label set written in prose: "Added, Changed, Fixed and Removed"
_LABEL_SET = re.compile(r"\b[A-Z][\w-]*(?:, [A-Z][\w-]*)+,? (?:and|or) [A-Z][\w-]*")
# the words that make even an illustration or a rationale a rule
_STRONG_WORDS = r"must|never|always|only|exactly|do not|don't|don’t|does not|doesn't|doesn’t|cannot|under no circumstances"
_EMPHASIS = r"(?-i:\b(?:MUST|NEVER|ALWAYS|ONLY|IMPORTANT|CRITICAL|NOTE)\b)"
_RULE_WORD = re.compile(rf"\b(?:{_STRONG_WORDS})\b|{_EMPHASIS}", re.I)
_ILLUSTRATION = re.compile(r"^(?:[*_]{1,2})?(?:for example|for instance|e\.g\.|as an example)\b", re.I)
_RATIONALE_LEAD = re.compile(
    r"^(?:this|that|these|doing so|it)\b[^.!?:]{0,30}?\b(?:is|are|was)\s+(?:\w+ly\s+)?"
    r"(?:because|important|crucial|critical|essential|key|why|helpful|useful)\b|"
    r"^(?:the reason\b|this (?:helps|ensures|allows|prevents|means|way)\b|that way\b|this way\b|"
    # "Otherwise, the model may …" is a consequence; "Otherwise it writes in short paragraphs." a rule
    r"otherwise,? (?:the \w+|it|they|users?|people) (?:might|may|could|would|will|can|risks?)\b)",
    re.I,
)
# "Claude is now being connected with a person." / "The following are the instructions."
_META = re.compile(
    r"^(?:the assistant|claude|you|the model) (?:is|are) now (?:being )?connected\b|"
    r"^(?:the following|below) (?:is|are) (?:the |some )?(?:instructions|guidelines|rules|information)\b[^:]*\.$|"
    r"^(?:this section|this part|the following (?:section|examples?)|these examples|the examples (?:below|above))\b[^:]*\.$",
    re.I,
)
_AGGRESSIVE = (
    "not a hard constraint under aggressive trimming (no MUST/NEVER/ALWAYS/only/exactly/not/no, "
    "number, quantity, label set, quote, URL, code or imperative; should/if/avoid alone do not count)"
)
_ILLUSTRATIVE = (
    'illustration inside instruction prose under aggressive trimming ("For example, …"; not a worked '
    "example, and the rule it illustrates stays)"
)
_RATIONALE_AGGR = "rationale under aggressive trimming (explains why a rule exists; the rule itself stays)"
# literals that make a sentence worth keeping even when it only illustrates: URLs, code, placeholders, tags
_LITERAL = re.compile(r"https?://|`|\{|<[A-Za-z/]|\$\{")
# the strong words that count inside a leading condition too ("If you cannot …, …", "If … and you
# don't use the tool, …"); a plain not/no there only narrows when the rule applies
_LEAD_STRONG = re.compile(rf"\b(?:{_STRONG_WORDS}|can't|can’t)\b|{_EMPHASIS}", re.I)
_LITERAL_ANY = re.compile(_LITERALS)
# a leading condition or circumstance ("If the person asks about X, …", "For reports, …"): the main
# clause after it may be an imperative
_CONDITION_LEAD = re.compile(
    r"^(?:[*_]{1,2})?(?:if|when|whenever|unless|once|after|before|while|where|for|in|during|as soon as)\b"
    r"[^,;:.!?]{0,200},\s*(?:then\s+)?",
    re.I,
)
# a sentence that opens by pointing back at the one before it
_ANAPHOR = re.compile(
    r"^(?:[*_]{1,2})?(?:this|these|those|that|such|doing so|then|(?:[A-Z][\w'’-]*|it|they) then\b|"
    r"in (?:this|that|these|such) (?:case|cases|situation|situations)|otherwise)\b|"
    # or refers back further in ("… only after they have confirmed these three details.")
    r"\b(?:these|those|the above|(?:all|both) (?:two|three|four|five|of them))\b",
    re.I,
)
# a sentence that points ahead at what follows it
_FORWARD = re.compile(r"\b(?:the following|as follows|below)\b", re.I)
_META_AGGR = "meta-commentary about the prompt itself under aggressive trimming"
# the drop reasons a dependant sentence can override: aggressive trimming's, and background (a
# statement that neither instructs nor constrains, yet is what "Ask for all three." points at)
_ANTECEDENT_REASONS = frozenset([_AGGRESSIVE, _ILLUSTRATIVE, _RATIONALE_AGGR, _META_AGGR, BACKGROUND])
TOOLS_MOVED = (
    "tool definition, moved to tools (send them as the request's tools: the target's chat template "
    "renders them in the format its model was trained on)"
)
TOOL_SYNTAX = (
    "Claude's tool-call syntax (<function_calls>/<invoke>); the target's chat template defines its own"
)
_TAG_NAME = re.compile(r"^\s*`?<(/?)([A-Za-z_][\w.:\-]*)[^<>`]*>`?\s*$")


def port_instructions(
    parsed: ParsedPrompt | str,
    *,
    target: Target | str | None,
    budget: int | None = None,
    max_examples: int | None = 3,
    examples: Iterable[ExampleLike] | None = None,
    drop_filler: bool = True,
    drop_background: bool = True,
    aggressive: bool | None = None,
    move_tools: bool = True,
) -> PortedInstructions:
    """Turn a parsed Claude prompt into trimmed instructions plus worked-example turns.

    Filler (politeness, rationale, duplicates), example markup and the examples themselves leave
    the instructions; every hard constraint stays verbatim. Worked examples become user/assistant
    turns whose text is byte-exact to the source. When there are more than ``max_examples``, the
    choice covers every label/branch first. Every left-out span is reported in ``dropped``.

    Args:
        parsed: the result of :func:`split_prompt`, or the prompt text itself.
        target: the target whose tokenizer measures the counts (a :class:`~portkit.targets.Target`
            or a name for :func:`~portkit.targets.load_target`), or None for no counts.
        budget: the most tokens the instructions plus example turns may take; soft sentences,
            then surplus examples are dropped to fit.
        max_examples: how many worked examples to keep as turns (None: all of them).
        examples: a pool of your own examples (``Example``, ``(user, assistant)`` or a mapping with
            ``user``/``assistant`` and an optional ``label``), chosen from together with the prompt's.
        drop_filler: drop politeness, rationale and duplicate sentences (default True).
        drop_background: drop background sentences that neither instruct nor constrain (no
            imperative, no "you", no constraint word), outside the role paragraph (default True).
        aggressive: keep only the sentences that carry a strong constraint word (MUST/NEVER/
            ALWAYS/only/exactly/do not/not/no/cannot/refuse/required/important/at most/…), an
            ALL-CAPS word, a number or spelled quantity, a label set, a quote, a URL, code, a
            placeholder or a tag, that name an output format, or that are imperatives ("Return …",
            "If none match, return …"), plus the role line, headings, lists, tags, code and context;
            sentences whose only markers are should/shall/if/unless/ensure/make sure/instead/once/
            avoid, descriptive and persona sentences ("Claude is accessible via an API."),
            illustrations inside the prose ("For example, …"), rationale ("This is important
            because …") and meta-commentary go to the drop report. A dropped sentence comes back
            when a kept one depends on it ("This includes: …" after it, or it ends with a
            colon). None (the default) turns it on for prompts of more than 1,500 words outside
            documents, context elements and code blocks (the long rule books where it pays) and
            off for shorter ones; True or False force it.
        move_tools: move tool definitions written into the prompt (Claude's ``<functions>``
            block, JSON tool definitions in a code block) out of the instructions into
            ``tools``, and drop Claude's own ``<function_calls>`` syntax with them (default True).
            False keeps both verbatim, for a target whose template cannot render tools.

    Returns:
        A :class:`PortedInstructions`; ``to_messages()`` gives OpenAI-style messages.

    Raises:
        PromptError: a budget without a target (or a target without a vocabulary), or a malformed
            user example.
        BudgetExceededError: the hard constraints alone do not fit ``budget``; ``would_drop`` lists
            what would have to go.

    Examples:
        >>> ported = port_instructions(
        ...     "Classify as ALLOW or BLOCK.\\n<examples>\\nText: buy now\\nCategory: BLOCK\\n</examples>",
        ...     target=None,
        ... )
        >>> ported.instructions
        'Classify as ALLOW or BLOCK.'
        >>> [m["role"] for m in ported.to_messages()]
        ['system', 'user', 'assistant']
    """
    if isinstance(parsed, str):
        parsed = split_prompt(parsed)
    elif not isinstance(parsed, ParsedPrompt):
        raise PromptError(
            f"port_instructions() needs a ParsedPrompt or the prompt text, not {type(parsed).__name__!r}.",
            hint="call split_prompt(text) first, or pass the text itself",
        )
    if max_examples is not None and max_examples < 0:
        raise PromptError(
            f"max_examples must be 0 or more, not {max_examples!r}.", hint="use None to keep all"
        )
    tgt = _resolve_target(target, budget)
    if aggressive is None:
        # documents and code are kept whole, so a short instruction over a long document is not a
        # rule book: only the words around them count
        data = sum(len(s.text.split()) for s in parsed.segments if s.kind in ("context", "code"))
        aggressive = len(parsed.text.split()) - data > LONG_PROMPT_WORDS
    pool = list(parsed.examples)
    user_pool = [_coerce_example(e, i) for i, e in enumerate(examples or ())]
    warnings: list[str] = []
    chosen = _choose([*pool, *user_pool], max_examples, warnings)
    if not pool and not user_pool:
        warnings.append(_NO_EXAMPLES)

    count = tgt.count_tokens if tgt is not None else None
    plan = _Plan(
        parsed,
        chosen,
        drop_filler=drop_filler,
        drop_background=drop_background,
        aggressive=aggressive,
        move_tools=move_tools,
    )
    result = plan.build()
    tokens_before = count(parsed.text) if count else None
    tokens_after = _tokens_after(result[0], chosen, count) if count else None
    if budget is not None and count is not None and tokens_after is not None and tokens_after > budget:
        result, chosen, tokens_after = _fit(plan, chosen, budget, count, tokens_after, warnings)
    instructions, kept, dropped = result
    tools = tuple(t.definition for t in parsed.tools) if move_tools else ()
    if tokens_before and tokens_after and tokens_after > tokens_before * 1.05:
        warnings.append(
            f"The ported prompt has {tokens_after} tokens, more than the original {tokens_before}; "
            "the examples you supplied add to it."
        )
    return PortedInstructions(
        instructions=instructions,
        examples=tuple(chosen),
        dropped=tuple(dropped),
        kept=tuple(kept),
        tokens_before=tokens_before,
        tokens_after=tokens_after,
        warnings=tuple(warnings),
        target=tgt.name if tgt is not None else None,
        tools=tools,
        tokens_tools=_tokens_tools(tools, count) if count and tools else None,
    )


def _resolve_target(target: Target | str | None, budget: int | None) -> Target | None:
    if budget is not None and (not isinstance(budget, int) or budget <= 0):
        raise PromptError(f"budget must be a positive number of tokens, not {budget!r}.")
    if target is None:
        if budget is not None:
            raise PromptError(
                "A token budget needs a target to count tokens with.",
                hint="pass target='qwen3' (or any target with a vocabulary) together with budget=",
            )
        return None
    if isinstance(target, str):
        from portkit.targets import load_target

        target = load_target(target)
    if not target.has_tokenizer:
        if budget is not None:
            raise PromptError(
                f"Target {target.name!r} has no vocabulary, so a token budget cannot be measured.",
                hint="use a target with a vocabulary (see `portkit data`), or leave out the budget",
            )
        return None
    return target


def _coerce_example(e: ExampleLike, i: int) -> Example:
    if isinstance(e, Example):
        return e
    if isinstance(e, tuple) and len(e) == 2 and all(isinstance(x, str) for x in e):
        return Example((Turn("user", e[0], None), Turn("assistant", e[1], None)), None)
    if isinstance(e, Mapping) and isinstance(e.get("user"), str) and isinstance(e.get("assistant"), str):
        label = e.get("label")
        return Example(
            (Turn("user", e["user"], None), Turn("assistant", e["assistant"], None)),
            None,
            label=label if isinstance(label, str) else None,
            note=e.get("note") if isinstance(e.get("note"), str) else None,
        )
    raise PromptError(
        f"examples[{i}] is {e!r}, which is not an example.",
        hint="give (user, assistant) pairs, {'user': ..., 'assistant': ..., 'label': ...} or Example objects",
    )


def _choose(pool: list[Example], max_examples: int | None, warnings: list[str]) -> list[Example]:
    """Pick up to ``max_examples``, round-robin over labels so every label/branch is covered first."""
    if max_examples is None or len(pool) <= max_examples:
        return pool
    # a label is a class ("BLOCK") or the branch a heading gives ("When NOT to use"); within a
    # label the author's order stands, since the first example is usually the canonical one
    groups: dict[str | None, list[int]] = {}
    for i, ex in enumerate(pool):
        groups.setdefault(ex.label, []).append(i)
    picked: list[int] = []
    rnd = 0
    while len(picked) < max_examples:
        for members in groups.values():
            if rnd < len(members) and len(picked) < max_examples:
                picked.append(members[rnd])
        rnd += 1
    labels = [k for k in groups if k is not None]
    covered = {pool[i].label for i in picked}
    missing = [k for k in labels if k not in covered]
    if missing:
        warnings.append(
            f"max_examples={max_examples} leaves labels without an example: {', '.join(map(repr, missing))}; "
            "raise max_examples to cover them."
        )
    return [pool[i] for i in sorted(picked)]


def _tokens_after(instructions: str, chosen: Sequence[Example], count: Any) -> int:
    return int(count(instructions)) + sum(int(count(t.text)) for ex in chosen for t in ex.turns)


def _tokens_tools(tools: Sequence[Mapping[str, Any]], count: Any) -> int:
    return int(count("\n".join(json.dumps(t, ensure_ascii=False) for t in tools)))


def _aggressive_reason(seg: Segment) -> str | None:
    """Why aggressive trimming drops this sentence, or None to keep it.

    A sentence stays when it carries a strong constraint word (``_STRICT_HARD``: not should/if/
    avoid), an ALL-CAPS word, a number or spelled quantity, a label set, a quote, a URL or code, or
    is an imperative (an instruction, whatever its words), also after a leading condition ("If none
    match, return …"). A plain not/no inside that leading condition does not count ("If the person
    asks about anything not listed, Claude can …"): it says when, not what; the strongest words
    (must/never/do not/cannot …) and literals count anywhere. Of those, an illustration ("For
    example, …"), a rationale ("This is important because …") and meta-commentary still go unless
    they hold a rule word (must/never/always/only/exactly/do not) or a literal (URL, code,
    placeholder, tag), since the rule they serve is kept on its own.
    A sentence about the output format ("Claude uses markdown for code.") always stays.
    """
    text = seg.text
    body = text.rstrip()
    # the anchored patterns first: few sentences open like this, so the rule-word scan is rare
    soft = (
        _ILLUSTRATIVE
        if _ILLUSTRATION.match(text)
        else _RATIONALE_AGGR
        if _RATIONALE_LEAD.match(text)
        else _META_AGGR
        if _META.match(text)
        else None
    )
    if soft and not body.endswith(":") and not _RULE_WORD.search(text) and not _LITERAL.search(text):
        return soft
    lead = _CONDITION_LEAD.match(text)
    # a constraint word inside the leading condition ("If the person asks about anything not listed
    # here, …") says when, not what: only the main clause counts; literals count anywhere
    rule = text[lead.end() :] if lead else text
    if (
        (seg.output_format and _FORMAT.search(text))
        or _STRICT_HARD.search(rule.lower())
        or (lead and (_LITERAL_ANY.search(text) or _LEAD_STRONG.search(text, 0, lead.end())))
        or _LABEL_SET.search(text)
    ):
        return None
    if any(m.group(0) not in _ACRONYMS for m in _CAPS.finditer(text)):
        return None
    if _imperative(text):
        return None
    if lead and _imperative(text[lead.end() :]):  # "If no category matches, return an empty array."
        return None
    return _AGGRESSIVE


def _imperative(text: str) -> bool:
    words = re.findall(r"[A-Za-z'’]+", text[:60])
    return bool(words) and words[0].lower().replace("’", "'") in IMPERATIVE


class _Plan:
    """Decides, segment by segment, what stays in the instructions and why the rest goes."""

    def __init__(
        self,
        parsed: ParsedPrompt,
        chosen: Sequence[Example],
        *,
        drop_filler: bool,
        drop_background: bool,
        aggressive: bool = False,
        move_tools: bool = True,
    ) -> None:
        self.parsed = parsed
        self.move_tools = move_tools
        self.segs = parsed.segments
        self.drop_filler = drop_filler
        self.drop_background = drop_background
        self.aggressive = aggressive
        self.chosen_spans = {ex.source_span for ex in chosen if ex.source_span is not None}
        self.extra: dict[int, str] = {}  # segment index -> reason, added to fit a budget

    def soft_candidates(self) -> list[int]:
        return [
            i
            for i, s in enumerate(self.segs)
            if s.kind == "sentence"
            and not s.hard
            and i not in self.extra
            and (s.filler is None or (s.filler == BACKGROUND and not self.drop_background))
            and not (self.aggressive and _aggressive_reason(s) is not None)
        ]

    def build(self) -> tuple[str, list[tuple[int, int]], list[DroppedSpan]]:
        segs = self.segs
        examples = self.parsed.examples
        chosen = [ex.source_span in self.chosen_spans for ex in examples]
        n_chosen = sum(chosen)
        # reason per segment: None = kept in the instructions, "" = kept as an example turn
        why: list[str | None] = []
        for i, s in enumerate(segs):
            if s.example is not None:
                if not chosen[s.example]:
                    why.append(
                        f"worked example not chosen (max_examples kept {n_chosen} of {len(examples)}, covering each label)"
                    )
                elif s.kind in ("example_user", "example_assistant"):
                    why.append("")
                elif s.kind == "example_rationale":
                    why.append(
                        "example rationale (commentary around a worked example that became chat turns)"
                    )
                else:
                    why.append("example markup (tags and labels around turns that became chat messages)")
            elif s.kind in ("tool", "tool_syntax"):
                why.append((TOOLS_MOVED if s.kind == "tool" else TOOL_SYNTAX) if self.move_tools else None)
            elif i in self.extra:
                why.append(self.extra[i])
            elif s.filler is not None and (
                self.drop_background if s.filler == BACKGROUND else self.drop_filler
            ):
                why.append(s.filler)
            elif self.aggressive and s.kind == "sentence" and (reason := _aggressive_reason(s)):
                why.append(reason)
            else:
                why.append(None)
        if self.move_tools:
            self._tool_intros(why)
        self._antecedents(why)
        self._restated_lines(why)
        self._empty_sections(why)
        self._empty_containers(why)
        for i, s in enumerate(segs):
            if s.kind == "example_intro" and why[i] is None:
                j = i + 1
                while j < len(segs) and (
                    segs[j].kind == "whitespace" or (segs[j].kind == "tag" and why[j] is not None)
                ):
                    j += 1
                if j < len(segs) and segs[j].example is not None:
                    why[i] = "example intro (the examples it introduces became chat turns)"
        return self._assemble(why)

    def _tool_intros(self, why: list[str | None]) -> None:
        """A sentence that introduces moved tools or Claude's call syntax ("Here are the functions
        available in JSONSchema format:") goes with what it introduces."""
        segs = self.segs
        for i, seg in enumerate(segs):
            if seg.kind not in ("tool", "tool_syntax"):
                continue
            j = i - 1
            while j >= 0 and segs[j].kind == "whitespace":
                j -= 1
            if j >= 0 and segs[j].kind == "sentence" and segs[j].text.rstrip().endswith(":"):
                why[j] = f"introduces what left with it: {why[i]}"

    def _antecedents(self, why: list[str | None]) -> None:
        """Bring back a dropped sentence that a kept neighbour depends on.

        Only sentences aggressive trimming or the background filter dropped come back. A kept
        sentence that points back ("This includes: …", "These …", "That way …", "Tally then …",
        "… only after they have confirmed these three details") reads wrong without the sentence
        right before it in the same paragraph; a sentence that ends with a colon ("… Claude can tell
        the person the following information:") or points ahead ("the following products", "as
        follows") is the head of what follows it, across a blank line too. Either way the antecedent
        shares the fate of its kept dependant. Runs backwards, so a chain of pointing sentences
        brings back the sentence that opens it.
        """
        segs = self.segs
        for i in range(len(segs) - 1, -1, -1):
            seg = segs[i]
            if why[i] is not None or seg.kind not in ("sentence", "rule", "line", "tag", "code", "context"):
                continue
            j = i - 1
            newlines = 0
            while j >= 0 and segs[j].kind == "whitespace":
                newlines += segs[j].text.count("\n")
                j -= 1
            if j < 0 or segs[j].kind != "sentence" or why[j] not in _ANTECEDENT_REASONS:
                continue
            prev = segs[j].text.rstrip()
            if (
                prev.endswith(":")
                or _FORWARD.search(prev)
                or (seg.kind == "sentence" and newlines <= 1 and _ANAPHOR.search(seg.text))
            ):
                why[j] = None

    def _restated_lines(self, why: list[str | None]) -> None:
        """Drop a line that repeats, character for character, text kept earlier (a summary at the end).

        The earlier copy must lie inside kept hard segments, which no budget can drop, so every
        sentence of the later line still reads verbatim in the instructions.
        """
        segs = self.segs
        text = self.parsed.text
        starts = [s.start for s in segs]
        i = 0
        while i < len(segs):
            if segs[i].kind not in ("sentence", "rule", "line") or why[i] is not None:
                i += 1
                continue
            group = [i]
            j = i
            while (
                j + 2 < len(segs)
                and segs[j + 1].kind == "whitespace"
                and "\n" not in segs[j + 1].text
                and segs[j + 2].kind == "sentence"
                and why[j + 2] is None
            ):
                j += 2
                group.append(j)
            line = text[segs[i].start : segs[j].end]
            if len(line) >= 30 and self._kept_earlier(line, segs[i].start, starts, why):
                for k in group:
                    why[k] = "restates a rule kept verbatim earlier in the prompt"
            i = j + 1

    def _kept_earlier(self, line: str, before: int, starts: list[int], why: list[str | None]) -> bool:
        text = self.parsed.text
        at = text.find(line, 0, before)
        while at != -1:
            k = bisect.bisect_right(starts, at) - 1
            end = at + len(line)
            ok = True
            while k < len(self.segs) and self.segs[k].start < end:
                seg = self.segs[k]
                if (
                    why[k] is not None
                    or (seg.kind != "whitespace" and not seg.hard)
                    or seg.example is not None
                ):
                    ok = False
                    break
                k += 1
            if ok:
                return True
            at = text.find(line, at + 1, before)
        return False

    def _counts(self, why: list[str | None]) -> tuple[_Fenwick, list[int]]:
        """Kept non-whitespace segments (updatable) and example segments (prefix sums), by index."""
        kept = _Fenwick([why[k] is None and s.kind != "whitespace" for k, s in enumerate(self.segs)])
        examples = [0]
        for seg in self.segs:
            examples.append(examples[-1] + (seg.example is not None))
        return kept, examples

    def _empty_sections(self, why: list[str | None]) -> None:
        segs = self.segs
        kept, examples = self._counts(why)
        gone = [0]  # prose dropped as filler (not examples), by prefix
        for k, seg in enumerate(segs):
            gone.append(gone[-1] + (seg.kind != "whitespace" and seg.example is None and bool(why[k])))
        heads = [
            (i, len(s.text) - len(s.text.lstrip("#"))) for i, s in enumerate(segs) if s.kind == "heading"
        ]
        # a section runs to the next heading of the same or a higher level
        ends = [len(segs)] * len(heads)
        open_heads: list[int] = []
        for n, (i, level) in enumerate(heads):
            while open_heads and heads[open_heads[-1]][1] >= level:
                ends[open_heads.pop()] = i
            open_heads.append(n)
        for n, (i, _level) in reversed(list(enumerate(heads))):
            if why[i] is not None:
                continue
            end = ends[n]
            has_kept = kept.range(i + 1, end) > 0
            had_example = examples[end] > examples[i + 1]
            j = i + 1
            while j < end and segs[j].kind == "whitespace":
                j += 1
            # an "Examples of …" heading right above examples that left goes with them
            leads_to_examples = j < end and segs[j].example is not None and EXAMPLE_WORD.search(segs[i].text)
            if had_example and (not has_kept or leads_to_examples):
                why[i] = "heading of a section whose examples became chat turns"
                kept.add(i, -1)
            elif not has_kept and gone[end] > gone[i + 1]:
                # a heading over nothing tells the model nothing, and the drop report keeps it
                why[i] = "heading of a section left empty once its content was dropped"
                kept.add(i, -1)

    def _empty_containers(self, why: list[str | None]) -> None:
        segs = self.segs
        kept, examples = self._counts(why)
        gone = [0]
        for k, seg in enumerate(segs):
            gone.append(gone[-1] + (seg.kind != "whitespace" and seg.example is None and bool(why[k])))
        stack: list[tuple[str, int]] = []
        open_at: dict[str, list[int]] = {}
        pairs: list[tuple[int, int]] = []
        for i, s in enumerate(segs):
            if s.kind != "tag":
                continue
            m = _TAG_NAME.match(s.text)
            if m is None:
                continue
            name = m.group(2).lower()
            if m.group(1):
                where = open_at.get(name)
                if where:
                    k = where[-1]
                    pairs.append((stack[k][1], i))
                    for popped, _ in stack[k:]:
                        open_at[popped].pop()
                    del stack[k:]
            else:
                open_at.setdefault(name, []).append(len(stack))
                stack.append((name, i))
        for a, b in sorted(pairs, key=lambda p: p[1] - p[0]):
            has_kept = kept.range(a + 1, b) > 0
            had_example = examples[b] > examples[a + 1]
            if has_kept or why[a] is not None or why[b] is not None:
                continue
            if had_example:
                why[a] = why[b] = "example container left empty once its examples became chat turns"
            elif gone[b] > gone[a + 1]:
                why[a] = why[b] = "container left empty once its content was dropped"
            else:
                continue
            kept.add(a, -1)
            kept.add(b, -1)

    def _assemble(self, why: list[str | None]) -> tuple[str, list[tuple[int, int]], list[DroppedSpan]]:
        text = self.parsed.text
        kept: list[tuple[int, int]] = []
        dropped: list[DroppedSpan] = []
        ws_at: int | None = None  # index in kept of a whitespace piece not yet followed by text
        ws_nl = 0

        def drop(a: int, b: int, reason: str) -> None:
            if a < b:
                dropped.append(DroppedSpan(text[a:b], (a, b), reason))

        # consecutive whitespace segments (a newline, then an indent) form one piece
        items: list[tuple[int, int, bool, str | None]] = []
        for i, s in enumerate(self.segs):
            ws = s.kind == "whitespace" and why[i] is None
            if ws and items and items[-1][2] and items[-1][1] == s.start:
                items[-1] = (items[-1][0], s.end, True, None)
            else:
                items.append((s.start, s.end, ws, why[i]))
        for a, b, ws, reason in items:
            if reason == "":
                continue
            if reason is not None:
                drop(a, b, reason)
                continue
            if not ws:
                kept.append((a, b))
                ws_at = None
                continue
            if not kept:
                drop(a, b, "leading whitespace")
                continue
            nl = text.count("\n", a, b)
            if nl > 2:  # keep one blank line, drop the rest
                cut = a + _nth(text[a:b], "\n", 2) + 1
                drop(cut, b, "extra blank lines")
                b, nl = cut, 2
            if ws_at is None:
                kept.append((a, b))
                ws_at, ws_nl = len(kept) - 1, nl
            elif nl > ws_nl:
                old = kept[ws_at]
                drop(old[0], old[1], "whitespace left by a dropped span")
                kept[ws_at] = (a, b)
                ws_nl = nl
            else:
                drop(a, b, "whitespace left by a dropped span")
        if ws_at is not None and kept:
            old = kept.pop(ws_at)
            drop(old[0], old[1], "trailing whitespace")
        kept.sort()
        dropped.sort(key=lambda d: d.span)
        return "".join(text[a:b] for a, b in kept), kept, _merge(dropped)


class _Fenwick:
    """Prefix sums with point updates, so nested sections and containers stay O(n log n)."""

    def __init__(self, flags: Sequence[bool]) -> None:
        n = len(flags)
        self.tree = [0] * (n + 1)
        for i, flag in enumerate(flags, 1):
            self.tree[i] += int(flag)
            parent = i + (i & -i)
            if parent <= n:
                self.tree[parent] += self.tree[i]

    def add(self, index: int, delta: int) -> None:
        i = index + 1
        while i < len(self.tree):
            self.tree[i] += delta
            i += i & -i

    def prefix(self, end: int) -> int:
        total, i = 0, end
        while i > 0:
            total += self.tree[i]
            i -= i & -i
        return total

    def range(self, start: int, end: int) -> int:
        return self.prefix(end) - self.prefix(start) if end > start else 0


def _nth(s: str, ch: str, n: int) -> int:
    pos = -1
    for _ in range(n):
        pos = s.index(ch, pos + 1)
    return pos


def _merge(dropped: list[DroppedSpan]) -> list[DroppedSpan]:
    """Merge adjacent drops with the same reason, so a dropped example is one entry."""
    out: list[DroppedSpan] = []
    for d in dropped:
        if out and out[-1].span[1] == d.span[0] and out[-1].reason == d.reason:
            prev = out[-1]
            out[-1] = DroppedSpan(prev.text + d.text, (prev.span[0], d.span[1]), d.reason)
        else:
            out.append(d)
    return out


def _fit(
    plan: _Plan, chosen: list[Example], budget: int, count: Any, tokens: int, warnings: list[str]
) -> tuple[tuple[str, list[tuple[int, int]], list[DroppedSpan]], list[Example], int]:
    """Drop soft sentences, then surplus examples, until the port fits ``budget``."""
    segs = plan.segs
    soft = sorted(plan.soft_candidates(), key=lambda i: (-len(segs[i].text), i))
    cost = {i: int(count(segs[i].text)) for i in soft}
    result = plan.build()
    while tokens > budget and soft:
        need = tokens - budget
        freed = 0
        while soft and freed < need:
            i = soft.pop(0)
            plan.extra[i] = "soft sentence dropped to fit the token budget"
            freed += cost[i]
        result = plan.build()
        tokens = _tokens_after(result[0], chosen, count)
    while tokens > budget and len(chosen) > 1:
        gone = chosen.pop()
        if gone.source_span is not None:
            plan.chosen_spans.discard(gone.source_span)
        result = plan.build()
        tokens = _tokens_after(result[0], chosen, count)
        warnings.append(f"An example was dropped to fit the budget of {budget} tokens.")
    if tokens > budget:
        hard = sorted(
            (s for s in segs if s.hard and s.example is None), key=lambda s: (-len(s.text), s.start)
        )
        would: list[str] = []
        freed = 0
        for s in hard:
            if freed >= tokens - budget:
                break
            would.append(s.text)
            freed += int(count(s.text))
        raise BudgetExceededError(
            f"The ported prompt needs {tokens} tokens even without filler, soft sentences and all but "
            f"one example, over the budget of {budget}; {len(would)} hard constraint(s) would have to go.",
            budget=budget,
            needed=tokens,
            would_drop=tuple(would),
            hint=f"raise the budget to at least {tokens}, or shorten the rules listed in would_drop",
        )
    return result, chosen, tokens
