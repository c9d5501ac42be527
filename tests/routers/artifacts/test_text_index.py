"""The trigram prefilter: which trigrams a text holds, which a pattern requires; it never loses a match."""

from __future__ import annotations

import contextlib
import re

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from package.routers.artifacts.search import compile_pattern
from package.routers.artifacts.text_index import (
    ALL,
    MAX_QUERY_TRIGRAMS,
    MAX_RUN_TRIGRAMS,
    Query,
    pattern_query,
    text_trigrams,
)


def accepts(pattern: str, text: str) -> bool:
    return pattern_query(pattern).accepts(text_trigrams(text))


class TestTextTrigrams:
    def test_lowercased_windows_of_letter_and_digit_runs(self):
        assert text_trigrams("BERT-base v12") == {"ber", "ert", "bas", "ase", "v12"}

    def test_other_characters_end_a_run(self):
        assert text_trigrams("ab-cd ef_gh") == set()
        assert text_trigrams("café") == {"caf"}

    def test_non_ascii_letters_never_become_ascii(self):
        # U+212A (Kelvin) lowercases to 'k' in Python: it must not stand for the ASCII letter.
        assert text_trigrams("\u212aab") == set()
        assert text_trigrams("İab") == set()


class TestPatternQuery:
    def test_plain_word(self):
        assert pattern_query("bert") == Query(frozenset({"ber", "ert"}))

    def test_wildcards_around_a_word(self):
        # Every third window and the last cover the word: boo|kco|rpu + pus.
        assert pattern_query(".*bookcorpus.*").trigrams == {"boo", "kco", "pus", "rpu"}

    def test_punctuation_splits_runs(self):
        assert pattern_query("google-research-bert").trigrams == {
            "goo",
            "gle",
            "res",
            "ear",
            "rch",
            "ber",
            "ert",
        }

    def test_case_sensitive_literals_are_lowercased(self):
        assert pattern_query("BeRT").trigrams == {"ber", "ert"}

    def test_ignorecase_drops_letters_with_non_ascii_folds(self):
        assert pattern_query("(?i)bookcorpus").trigrams == {"boo", "cor", "rpu"}
        assert pattern_query("(?i:ks)bert").trigrams == {"ber", "ert"}

    def test_alternation_becomes_a_choice(self):
        query = pattern_query("(bert|gpt2)-base")
        assert query.trigrams == {"bas", "ase"}
        assert query.any_of == ((Query(frozenset({"ber", "ert"})), Query(frozenset({"gpt", "pt2"}))),)
        assert accepts("(bert|gpt2)-base", "a gpt2-base model")
        assert not accepts("(bert|gpt2)-base", "a t5-base model")

    def test_alternation_with_an_unconstrained_branch_constrains_nothing(self):
        assert pattern_query("bert|.").matches_all

    @pytest.mark.parametrize(
        "pattern",
        [
            "(a|aa)*$",
            "ber?t",
            "(bert)?",
            "(bert)*",
            "[[:alpha:]bcd]xyz",
            r"\pLbert",
            "b.e.r.t",
            "x{,3}",
            "(?=bert)",
            "",
            "(",
        ],
    )
    def test_nothing_certain_or_unknown_syntax_matches_all(self, pattern):
        query = pattern_query(pattern)
        assert query.matches_all or query.trigrams <= {"xyz"}  # POSIX class: nothing before it is trusted

    def test_posix_classes_are_not_trusted(self):
        assert pattern_query("[[:alpha:]bcd]xyz") is ALL

    def test_required_repeats_and_groups_keep_their_literals(self):
        assert pattern_query("(bert)+x").trigrams == {"ber", "ert"}
        assert pattern_query("(?:ber)t").trigrams == {"ber", "ert"}
        assert pattern_query("^bert$").trigrams == {"ber", "ert"}

    def test_long_literals_are_sampled(self):
        assert len(pattern_query("a" * 10 + "".join(chr(97 + i % 26) for i in range(500))).trigrams) <= (
            MAX_RUN_TRIGRAMS
        )

    def test_non_ascii_literals_break_runs(self):
        assert pattern_query("caféine").trigrams == {"caf", "ine"}
        assert pattern_query("\u212aab").matches_all


def test_re2_folds_no_other_non_ascii_character_onto_an_ascii_letter_or_digit():
    """The reason only k and s are unsure under (?i): checked against RE2 itself, every code point."""
    others = "".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF)
    folded = {
        char
        for char in "abcdefghijklmnopqrstuvwxyz0123456789"
        if re2.search(f"(?i){char}", others) is not None
    }
    assert folded == {"k", "s"}


# Random patterns from pieces RE2 and Python both read: literals (some non-ASCII, some case-folding ones),
# classes, anchors, groups, alternations, repeats and inline flags.
_ATOMS = st.sampled_from(
    ["a", "b", "e", "r", "t", "k", "s", "B", "K", "S", "1", "-", " ", "é", "\u212a", ".", "[ab]", "[^a]",
     r"\d", r"\w", r"\b", "^", "$", "[b]", r"\.", "x", "bert", "ber", "ert", "BeRt", "ask", "sks", "kEr",
     "t1e"]
)  # fmt: skip


def _combine(parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(parts, parts)
    return st.one_of(
        pair.map("".join),
        pair.map(lambda p: f"(?:{p[0]}|{p[1]})"),
        parts.map(lambda p: f"({p})"),
        parts.map(lambda p: f"(?i:{p})"),
        st.tuples(parts, st.sampled_from(["*", "+", "?", "{2}", "{0,2}", "{1,3}", "*?", "+?"])).map(
            lambda p: f"(?:{p[0]}){p[1]}"
        ),
    )


PATTERNS = st.tuples(st.sampled_from(["", "(?i)"]), st.recursive(_ATOMS, _combine, max_leaves=12)).map(
    "".join
)
TEXTS = st.text(alphabet="abertksBERTKS1- é\u212a\u017fxX.", max_size=30)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(pattern=PATTERNS, data=st.data())
def test_prefilter_never_rejects_a_text_re2_matches(pattern: str, data: st.DataObject) -> None:
    try:
        compiled = re2.compile(pattern)
        re.compile(pattern)
    except (re2.error, re.error):
        return
    texts = [data.draw(TEXTS)]
    with contextlib.suppress(Exception):  # patterns hypothesis cannot generate from: random texts test them
        texts.append(data.draw(st.from_regex(pattern, fullmatch=False)))
    query = pattern_query(pattern)
    for text in texts:
        if compiled.search(text) is not None:
            assert query.accepts(text_trigrams(text)), (pattern, text)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(pattern=PATTERNS, data=st.data())
def test_a_query_without_stops_accepts_what_the_index_posts(pattern: str, data: st.DataObject) -> None:
    """Stop-trigrams are neither posted nor required: a matched text still passes the weakened query."""
    try:
        compiled = re2.compile(pattern)
        re.compile(pattern)
    except (re2.error, re.error):
        return
    text = data.draw(TEXTS)
    if compiled.search(text) is None:
        return
    held = sorted(text_trigrams(text) | set(_all_trigrams(pattern_query(pattern))))
    stops = set(data.draw(st.lists(st.sampled_from(held), unique=True))) if held else set()
    assert pattern_query(pattern).without(stops).accepts(text_trigrams(text) - stops), (pattern, text, stops)


def _all_trigrams(query: Query) -> list[str]:
    return [*query.trigrams, *(t for group in query.any_of for c in group for t in _all_trigrams(c))]


def test_without_drops_a_group_whose_choice_is_left_unconstrained():
    query = pattern_query("(bert|gpt2)-(base|large)")
    weaker = query.without({"bas", "ase", "ert"})
    assert len(weaker.any_of) == 1  # (base|large) can no longer be required: "base" has nothing left
    assert weaker.any_of[0][0].trigrams == {"ber"} and weaker.any_of[0][1] == query.any_of[0][1]
    assert query.without({"ber", "ert"}).without({"bas", "ase"}).matches_all
    assert pattern_query("bert").without({"ber"}).trigrams == {"ert"}
    assert query.without(set()) is query


def test_the_index_is_only_used_for_patterns_re2_runs():
    assert compile_pattern("bert").engine == "re2"
    assert compile_pattern("(?<=x)bert").engine != "re2"


def test_a_pattern_of_many_alternatives_costs_a_bounded_query():
    words = [f"w{i:03d}x" for i in range(400)]
    query = pattern_query("(" + "|".join(words) + ")")
    assert query.matches_all  # too many choices to read: dropped, not wrong
    query = pattern_query("needle-" + "".join(f"(?:{w}|{w}y)" for w in words[:100]))
    assert not query.matches_all
    assert len(query.trigrams) + sum(len(c.trigrams) for g in query.any_of for c in g) <= MAX_QUERY_TRIGRAMS
