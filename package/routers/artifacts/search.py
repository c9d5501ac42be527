"""Regular-expression search over artifact names and READMEs that no pattern can stall.

Patterns run on RE2 (linear time in the text, whatever the pattern). The few patterns RE2 cannot take
(look-around, back-references, counted repetitions above 1000) run on the `regex` engine under a hard
time budget per text and per request: a text that takes longer counts as not matching.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import re2
import regex

from package.core.errors import BadRequest

PER_TEXT_SECONDS = 0.05
PER_REQUEST_SECONDS = 1.0

Matcher = Callable[[str], bool]


@dataclass(frozen=True)
class CompiledPattern:
    """A pattern ready to search texts, with the engine that runs it."""

    engine: str
    search: Matcher


def compile_pattern(pattern: str) -> CompiledPattern:
    """Compile on RE2, or on the time-bounded fallback; BadRequest when neither engine accepts it."""
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 64 << 20
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as re2_error:
        return _fallback(pattern, str(re2_error))
    return CompiledPattern("re2", lambda text: compiled.search(text) is not None)


def _fallback(pattern: str, re2_reason: str) -> CompiledPattern:
    try:
        compiled = regex.compile(pattern)
    except (regex.error, OverflowError, RecursionError, ValueError) as exc:
        raise BadRequest(f"Invalid regular expression {pattern!r}: {exc}") from exc
    deadline = time.monotonic() + PER_REQUEST_SECONDS

    def search(text: str) -> bool:
        budget = min(PER_TEXT_SECONDS, deadline - time.monotonic())
        if budget <= 0:
            return False
        try:
            return compiled.search(text, timeout=budget) is not None
        except TimeoutError:
            return False

    return CompiledPattern(f"regex (bounded; RE2 refused: {re2_reason})", search)
