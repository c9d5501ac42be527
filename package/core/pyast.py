"""Python's `ast` for untrusted text, one call at a time.

CPython 3.11 keeps the AST converter's recursion depth in module-wide state, so two threads parsing at once
can fail with `SystemError: AST constructor recursion depth mismatch` (python/cpython gh-106905). Ratings
and scans run in thread pools; every parse goes through this lock. Deeply nested hostile input surfaces as
`SyntaxError` here, whatever the parser raised.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

_LOCK = threading.Lock()


def parse(code: str) -> ast.Module:
    """The module `code` parses to; SyntaxError for anything that does not parse (too deep included)."""
    with _LOCK:
        try:
            return ast.parse(code)
        except (RecursionError, MemoryError) as exc:
            raise SyntaxError(f"too deeply nested to parse: {type(exc).__name__}") from None


def literal(text: str) -> Any:
    """The Python literal `text` spells (ast.literal_eval: evaluates no code); SyntaxError/ValueError else."""
    with _LOCK:
        try:
            return ast.literal_eval(text)
        except (RecursionError, MemoryError) as exc:
            raise SyntaxError(f"too deeply nested to read: {type(exc).__name__}") from None
