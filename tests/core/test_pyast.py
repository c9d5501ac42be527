"""Parsing untrusted Python: one thread at a time, and hostile nesting is a SyntaxError, never a crash."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from package.core import pyast


def test_parses_and_reads_literals():
    assert pyast.parse("import os\nos.getcwd()").body
    assert pyast.literal("{'descr': '<f4', 'shape': (2,)}") == {"descr": "<f4", "shape": (2,)}


@pytest.mark.parametrize("text", ["(" * 100_000 + ")" * 100_000, "[" * 50_000 + "]" * 50_000])
def test_deep_nesting_is_a_syntax_error(text):
    with pytest.raises(SyntaxError):
        pyast.parse(text)
    with pytest.raises((SyntaxError, ValueError)):
        pyast.literal(text)


def test_many_threads_parse_nested_code_at_once():
    nested = "x = " + "f(" * 150 + ")" * 150 + "\n"

    def parse(_: int) -> int:
        return len(pyast.parse(nested * 20).body)

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(parse, range(400))) == {20}
