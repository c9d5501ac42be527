"""Regular-expression search over artifact names and READMEs that no pattern can stall.

Patterns run on RE2 (linear time in the text, whatever the pattern). The few patterns RE2 cannot take
(look-around, back-references, counted repetitions above 1000) run on the `regex` engine under a hard
time budget per text and per request: a text that takes longer counts as not matching.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # type: ignore[import-not-found]  # the stdlib's own parser
import re._parser as sre_parser  # type: ignore[import-not-found]
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from package.core.errors import BadRequest

POSSESSIVE_REPEAT = getattr(sre_constants, "POSSESSIVE_REPEAT", None)
ATOMIC_GROUP = getattr(sre_constants, "ATOMIC_GROUP", None)

PER_TEXT_SECONDS = 0.05
PER_REQUEST_SECONDS = 1.0

MAX_EXPANDED_SIZE = 100_000
MAX_PATTERN_CHARS = 4096
Matcher = Callable[[str], bool]


def expanded_size(pattern: str) -> int:
    """How many pieces a pattern unrolls to when its counted repetitions are expanded."""
    try:
        tree = sre_parser.parse(pattern)
    except (re.error, OverflowError, RecursionError, ValueError):
        # Syntax only the `regex` engine knows (\p{L}, \X, ...): counting 0 here once let
        # \p{L}(((a{100}){100}){100}){3} through to take 1.1 GB; estimate it from the text instead.
        return rough_size(pattern)
    return max(_size(list(tree)), rough_size(pattern))


_COUNTED = re.compile(r"\{\s*([0-9]*)\s*(?:,\s*[0-9]*\s*)?\}")


def rough_size(pattern: str) -> int:
    """An upper estimate of the unrolled size from the text alone: counted repeats of a group multiply."""
    stack: list[int] = [0]
    last_atom = 0  # size of the atom a quantifier would repeat
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i = _skip_escape(pattern, i)
            last_atom = 1
            stack[-1] += 1
            continue
        if char == "[":
            i = _skip_class(pattern, i)
            last_atom = 1
            stack[-1] += 1
            continue
        if char == "(":
            stack.append(0)
        elif char == ")" and len(stack) > 1:
            last_atom = max(1, stack.pop())
            stack[-1] += last_atom
        elif char == "{" and (counted := _COUNTED.match(pattern, i)):
            times = int(counted.group(1) or 0) if len(counted.group(1)) <= 9 else MAX_EXPANDED_SIZE + 1
            grown = last_atom * max(1, min(times, MAX_EXPANDED_SIZE + 1))
            stack[-1] += grown - last_atom
            last_atom = grown
            i = counted.end()
            continue
        else:
            last_atom = 1
            stack[-1] += 1
        i += 1
    return sum(stack)


def _skip_escape(pattern: str, i: int) -> int:
    # \p{...}, \N{...} and the like are one atom, braces included.
    if i + 2 < len(pattern) and pattern[i + 2] == "{":
        close = pattern.find("}", i + 2)
        return len(pattern) if close < 0 else close + 1
    return i + 2


def _skip_class(pattern: str, i: int) -> int:
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    depth = 1
    while j < len(pattern) and depth:
        if pattern[j] == "\\":
            j += 2
            continue
        if pattern[j] == "[":
            depth += 1  # the `regex` engine's nested sets
        elif pattern[j] == "]":
            depth -= 1
        j += 1
    return j


def _size(items: list[Any]) -> int:
    total = 0
    for op, arg in items:
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, POSSESSIVE_REPEAT):
            low, _, body = arg
            total += max(1, low) * _size(list(body))
        elif op is sre_constants.SUBPATTERN:
            total += _size(list(arg[-1]))
        elif op is sre_constants.BRANCH:
            total += sum(_size(list(alternative)) for alternative in arg[1])
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT, ATOMIC_GROUP):
            total += _size(list(arg[-1])) if isinstance(arg, tuple) else _size(list(arg))
        else:
            total += 1
    return total


@dataclass(frozen=True)
class CompiledPattern:
    """A pattern ready to search texts, with the engine that runs it."""

    engine: str
    search: Matcher


def compile_pattern(pattern: str, *, budget_seconds: float = PER_REQUEST_SECONDS) -> CompiledPattern:
    """Compile on RE2, or on the time-bounded fallback (`budget_seconds` for all its texts together);
    BadRequest when neither engine accepts it."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise BadRequest(
            f"Regular expression is {len(pattern):,} characters long (at most {MAX_PATTERN_CHARS:,})."
        )
    import re2  # the regex engines load with the first regex query, not at a Lambda cold start

    options = re2.Options()
    options.log_errors = False
    options.max_mem = 64 << 20
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as re2_error:
        return _fallback(pattern, str(re2_error), budget_seconds)
    literal = plain_literal(pattern)
    if literal is not None:  # same answer as RE2's, without its per-call cost (a many-match search's bulk)
        return CompiledPattern("re2", lambda text: literal in text)
    return CompiledPattern("re2", lambda text: compiled.search(text) is not None)


def plain_literal(pattern: str) -> str | None:
    """The text a pattern finds exactly where it occurs (`bert`, `.*bookcorpus.*`), else None.

    Only letters, digits and escaped punctuation with no flags, optionally between `.*`s (which may match
    nothing, so they change no answer of a search): there, a substring test is the pattern's own answer.
    """
    try:
        tree = sre_parser.parse(pattern)
    except (re.error, OverflowError, RecursionError, ValueError):
        return None
    if tree.state.flags & ~re.UNICODE:  # (?i), (?x), (?s), ...: leave them to RE2
        return None
    items = list(tree)
    while items and _any_run(items[0]):
        items.pop(0)
    while items and _any_run(items[-1]):
        items.pop()
    if not items or any(op is not sre_constants.LITERAL for op, _ in items):
        return None
    return "".join(chr(arg) for _, arg in items)


def _any_run(item: tuple[Any, Any]) -> bool:
    """Whether a node is `.*` (any run of characters, possibly none)."""
    op, arg = item
    if op not in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
        return False
    low, _, body = arg
    return low == 0 and [node[0] for node in body] == [sre_constants.ANY]


def _fallback(pattern: str, re2_reason: str, budget_seconds: float) -> CompiledPattern:
    size = expanded_size(pattern)
    if size > MAX_EXPANDED_SIZE:
        # Backtracking engines unroll counted repetitions when compiling: ((a{100}){100}){100} is 10^6 nodes,
        # and one more level takes gigabytes before any time budget applies.
        raise BadRequest(
            f"Regular expression {pattern!r} is too large to evaluate: its counted repetitions unroll to "
            f"{size:,} pieces (at most {MAX_EXPANDED_SIZE:,})."
        )
    import regex

    try:
        compiled = regex.compile(pattern)
    except (regex.error, OverflowError, RecursionError, ValueError) as exc:
        raise BadRequest(f"Invalid regular expression {pattern!r}: {exc}") from exc
    deadline = time.monotonic() + budget_seconds

    def search(text: str) -> bool:
        budget = min(PER_TEXT_SECONDS, deadline - time.monotonic())
        if budget <= 0:
            return False
        try:
            return compiled.search(text, timeout=budget) is not None
        except TimeoutError:
            return False

    return CompiledPattern(f"regex (bounded; RE2 refused: {re2_reason})", search)


def parse_offset(offset: str | None) -> int:
    """The page start a listing's `offset` names (BadRequest unless a plain non-negative integer)."""
    if offset is None or offset == "":
        return 0
    # isdigit() also accepts '²' and other digits int() refuses; 18 digits is past any real page.
    if not (offset.isascii() and offset.isdigit()) or len(offset) > 18:
        raise BadRequest(f"Offset {offset[:40]!r} is not a non-negative integer.")
    return int(offset)
