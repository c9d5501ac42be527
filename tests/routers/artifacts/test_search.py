"""Pattern compilation: RE2 first, a time-bounded engine for what RE2 refuses, 400 for nonsense."""

from __future__ import annotations

import time

import pytest
import re2

from package.core.errors import BadRequest
from package.routers.artifacts.search import compile_pattern, plain_literal


def test_plain_patterns_run_on_re2():
    compiled = compile_pattern(".*bookcorpus.*")
    assert compiled.engine == "re2"
    assert compiled.search("trained on BookCorpus and bookcorpus") is True
    assert compiled.search("nothing here") is False


LITERAL_TEXTS = ["", "bert", "BERT", "roBERTa, bert-base", "be\nrt", "bert.base", "bertXbase", "café au lait"]


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        ("bert", "bert"),
        (".*bookcorpus.*", "bookcorpus"),
        (r"bert\.base", "bert.base"),
        ("café", "café"),
        (".*?bert.*?", "bert"),
        ("(?i)bert", None),
        ("bert.base", None),
        ("^bert", None),
        (".+bert", None),
        ("bert|gpt", None),
        (".*", None),
        ("", None),
    ],
)
def test_plain_literals_are_found_by_a_substring_test_with_re2s_answers(pattern, literal):
    assert plain_literal(pattern) == literal
    compiled = compile_pattern(pattern)
    expected = re2.compile(pattern)
    for text in LITERAL_TEXTS:
        assert compiled.search(text) is (expected.search(text) is not None), (pattern, text)


@pytest.mark.parametrize("pattern", ["(a|aa)*$", "(a+)+$"])
def test_catastrophic_backtracking_patterns_are_linear(pattern):
    compiled = compile_pattern(pattern)
    text = "a" * 50_000 + "!"
    started = time.monotonic()
    compiled.search(text)
    assert time.monotonic() - started < 1.0
    assert compiled.engine == "re2"


def test_patterns_re2_refuses_run_under_a_time_budget():
    compiled = compile_pattern("(a{1,99999}){1,99999}$")
    assert compiled.engine.startswith("regex")
    started = time.monotonic()
    for _ in range(100):
        compiled.search("a" * 20_000 + "b")
    assert time.monotonic() - started < 2.0  # the per-request budget caps the total


def test_lookaround_falls_back_and_still_matches():
    compiled = compile_pattern("bert(?=-base)")
    assert compiled.search("google-bert-base") is True
    assert compiled.search("bert-large") is False


@pytest.mark.parametrize("pattern", ["[", "(unclosed", "*", "a{2,1}"])
def test_invalid_patterns_are_bad_requests(pattern):
    with pytest.raises(BadRequest):
        compile_pattern(pattern)


@pytest.mark.parametrize("pattern", ["((((a{100}){100}){100}){100})", "(a{1000}){1000}"])
def test_patterns_that_would_unroll_to_gigabytes_are_refused_before_compiling(pattern):
    started = time.monotonic()
    with pytest.raises(BadRequest, match="too large"):
        compile_pattern(pattern)
    assert time.monotonic() - started < 0.5


def test_moderate_counted_repetitions_still_run():
    assert compile_pattern("(?=a)(ab){20}").search("x" + "ab" * 20) is True


@pytest.mark.parametrize(
    "pattern",
    [
        r"\p{L}(((a{100}){100}){100}){3}",  # the stdlib parser refuses \p{L}: once counted as size 0
        r"\p{L}(((a{100}){100}){100}){100}",
        r"(?<=\p{Lu})((b{1000}){1000})",
        r"\X(((((a{11}){11}){11}){11}){11})",
    ],
)
def test_regex_only_syntax_cannot_hide_a_huge_unrolling(pattern):
    with pytest.raises(BadRequest, match="too large"):
        compile_pattern(pattern)


def test_regex_only_syntax_with_small_repeats_still_runs():
    compiled = compile_pattern(r"(?<=\p{Lu})ert{1,3}")
    assert compiled.search("BERT base") is False and compiled.search("Bert base") is True


def test_overlong_patterns_are_refused():
    with pytest.raises(BadRequest, match="characters long"):
        compile_pattern("a" * 5000)
