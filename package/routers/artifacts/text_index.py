"""Trigram prefilter for regular-expression search: which trigrams a text holds, which a pattern requires.

A text's trigrams are the three-character windows of its ASCII letters and digits, lowercased, taken within
runs of such characters (any other character ends a run). A pattern's query is a boolean formula over
trigrams that every text the pattern matches satisfies: the trigrams of each literal run the pattern cannot
match without, ANDed along a sequence and ORed across alternatives. Whatever the analysis cannot vouch for
(optional or repeated-zero parts, classes, look-around, syntax only RE2 knows) adds no constraint, so a
pattern with nothing certain queries as ALL and the search falls back to reading every text.

Soundness is what matters here (a text the pattern matches must pass the prefilter); the candidates that pass
are always checked with the pattern itself.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # type: ignore[import-not-found]  # the stdlib's own parser
import re._parser as sre_parser  # type: ignore[import-not-found]
from dataclasses import dataclass
from typing import Any

_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_RUNS = re.compile(r"[A-Za-z0-9]{3,}")
# Under (?i), RE2 folds k with U+212A (Kelvin sign) and s with U+017F (long s): a text can match such a
# literal without holding the ASCII letter, so those letters end a run there.
_UNSURE_WHEN_FOLDED = frozenset("ks")
MAX_RUN_TRIGRAMS = 16  # a long literal needs no more than this many of its trigrams to be selective
# Each trigram of a query costs a read of its posting list: a pattern of thousands of alternatives keeps
# only this many (dropping a constraint keeps the prefilter sound, it just lets more candidates through).
MAX_QUERY_TRIGRAMS = 48


@dataclass(frozen=True)
class Query:
    """A formula over trigrams: all of `trigrams` and, for each group in `any_of`, one of its queries."""

    trigrams: frozenset[str] = frozenset()
    any_of: tuple[tuple[Query, ...], ...] = ()

    @property
    def matches_all(self) -> bool:
        """Whether the query constrains nothing (every text is a candidate)."""
        return not self.trigrams and not self.any_of

    def without(self, dropped: set[str] | frozenset[str]) -> Query:
        """The query with these trigrams no longer required (weaker, so still sound): a choice left with
        no constraint makes its whole group match anything, so the group goes too."""
        if not dropped:
            return self
        groups = []
        for group in self.any_of:
            choices = tuple(choice.without(dropped) for choice in group)
            if not any(choice.matches_all for choice in choices):
                groups.append(choices)
        return Query(self.trigrams - dropped, tuple(groups))

    def accepts(self, trigrams: set[str] | frozenset[str]) -> bool:
        """Whether a text holding these trigrams passes the prefilter."""
        return self.trigrams <= trigrams and all(
            any(choice.accepts(trigrams) for choice in group) for group in self.any_of
        )


ALL = Query()


def text_trigrams(text: str) -> set[str]:
    """The distinct trigrams of a text (ASCII letters and digits, lowercased)."""
    found: set[str] = set()
    for run in _RUNS.findall(text):
        lowered = run.lower()
        found.update(lowered[i : i + 3] for i in range(len(lowered) - 2))
    return found


def pattern_query(pattern: str) -> Query:
    """The trigram query every text the pattern matches satisfies (ALL when nothing is certain)."""
    if "[:" in pattern or "[=" in pattern or "[." in pattern:
        # POSIX classes: RE2 reads [[:alpha:]x] as one class, Python as a class then literals.
        return ALL
    try:
        tree = sre_parser.parse(pattern)
    except (re.error, OverflowError, RecursionError, ValueError):
        return ALL  # syntax the stdlib does not know: claim nothing
    folded = bool(tree.state.flags & re.IGNORECASE)
    try:
        return _trim(_sequence(list(tree), folded=folded), [MAX_QUERY_TRIGRAMS])
    except RecursionError:
        return ALL


def _size(query: Query) -> int:
    return len(query.trigrams) + sum(_size(choice) for group in query.any_of for choice in group)


def _trim(query: Query, budget: list[int]) -> Query:
    """The query with at most `budget[0]` trigrams in all (spent as it goes): weaker, never wrong."""
    kept = frozenset(sorted(query.trigrams)[: max(0, budget[0])])
    budget[0] -= len(kept)
    groups = []
    for group in query.any_of:
        if _size(Query(any_of=(group,))) <= budget[0]:
            groups.append(group)
            budget[0] -= _size(Query(any_of=(group,)))
    return Query(kept, tuple(groups))


def _sequence(items: list[Any], *, folded: bool) -> Query:
    trigrams: set[str] = set()
    groups: list[tuple[Query, ...]] = []
    run: list[str] = []

    def end_run() -> None:
        trigrams.update(_run_trigrams("".join(run)))
        run.clear()

    def require(query: Query) -> None:
        trigrams.update(query.trigrams)
        groups.extend(query.any_of)

    for op, arg in items:
        char = _literal(op, arg, folded=folded)
        if char is not None:
            run.append(char)
        elif op is sre_constants.AT:
            continue  # zero-width: the characters either side are adjacent in the text
        elif op is sre_constants.SUBPATTERN:
            _, add_flags, del_flags, body = arg
            inner = (folded or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
            chars = [_literal(o, a, folded=inner) for o, a in body]
            if chars and all(c is not None for c in chars):
                run.extend(c for c in chars if c is not None)  # a group of plain letters continues the run
                continue
            end_run()
            require(_sequence(list(body), folded=inner))
        elif op is sre_constants.BRANCH:
            end_run()
            choices = tuple(_sequence(list(alternative), folded=folded) for alternative in arg[1])
            if not any(choice.matches_all for choice in choices):
                groups.append(choices)
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and arg[0] >= 1:
            end_run()
            require(_sequence(list(arg[2]), folded=folded))
        else:
            end_run()  # a class, a wildcard, an optional part, look-around: no certain character
    end_run()
    return Query(frozenset(trigrams), tuple(groups))


def _literal(op: Any, arg: Any, *, folded: bool) -> str | None:
    """The lowercased character a node certainly matches when it is a usable literal, else None."""
    if op is sre_constants.IN and len(arg) == 1 and arg[0][0] is sre_constants.LITERAL:
        op, arg = arg[0]
    if op is not sre_constants.LITERAL or arg > 0x7F:
        return None  # outside ASCII: lowercasing could even land on an ASCII letter (U+212A is 'k')
    char = chr(arg).lower()
    if char not in _WORD or (folded and char in _UNSURE_WHEN_FOLDED):
        return None
    return char


def _run_trigrams(run: str) -> list[str]:
    """Trigrams that cover a literal run: every third window and the last (overlapping windows of one word
    are nearly as selective as each other, and each costs a posting-list read)."""
    windows = [run[i : i + 3] for i in range(len(run) - 2)]
    covering = windows[::3] + ([windows[-1]] if windows and (len(windows) - 1) % 3 else [])
    if len(covering) <= MAX_RUN_TRIGRAMS:
        return covering
    step = len(covering) / MAX_RUN_TRIGRAMS
    return [covering[int(i * step)] for i in range(MAX_RUN_TRIGRAMS)]
