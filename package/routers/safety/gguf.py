"""GGUF metadata walk: every entry must fit the file, and a chat template must not reach Python internals.

llama.cpp front ends render `tokenizer.chat_template` with Jinja; a template that climbs to `__globals__` or
`__subclasses__` escapes the sandbox-less renderers some of them use (a known attack on GGUF files).
"""

from __future__ import annotations

import re
import struct
from typing import IO

from package.routers.safety.headers import Truncated
from package.routers.safety.interface import FindingKind, Verdict
from package.routers.safety.outcome import Outcome

# value type -> fixed width in bytes (8: string, 9: array are variable)
_WIDTHS = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9
MAX_KEY = 65535
MAX_TEMPLATE = 1_000_000
TEMPLATE_ESCAPES = re.compile(
    r"__(class|globals|subclasses|builtins|import|mro|base|init|getattribute|code)__|\bos\.(system|popen)"
    r"|\bsubprocess\b|\beval\s*\(|\bexec\s*\(",
)


class _Reader:
    """Reads the metadata section, counting bytes so a claimed length is checked against the file."""

    def __init__(self, stream: IO[bytes], size: int, wide: bool) -> None:
        self.stream = stream
        self.left = size - 24 if wide else size - 16
        self.length_fmt = "<Q" if wide else "<I"

    def take(self, n: int) -> bytes:
        if n > self.left:
            raise ValueError(f"an entry claims {n} bytes, past the end of the file")
        data = self.stream.read(n)
        if len(data) < n:
            raise Truncated("GGUF metadata")
        self.left -= n
        return data

    def number(self, fmt: str) -> int:
        value: int = struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
        return value

    def string(self, keep: int) -> str | None:
        length = self.number(self.length_fmt)
        if length > keep:
            self.skip(length)
            return None
        return self.take(length).decode("utf-8", "replace")

    def skip(self, n: int) -> None:
        while n > 0:
            step = min(n, 1 << 20)
            self.take(step)
            n -= step


def read_metadata(stream: IO[bytes], count: int, size: int, out: Outcome, *, wide: bool) -> None:
    """Walk `count` metadata entries; report malformed ones and chat templates that escape Jinja."""
    reader = _Reader(stream, size, wide)
    try:
        for _ in range(count):
            key = reader.string(MAX_KEY)
            if key is None:
                raise ValueError("a metadata key is longer than 64 KiB")
            kind = reader.number("<I")
            if kind == _STRING:
                value = reader.string(MAX_TEMPLATE)
                if key.endswith("chat_template") and value and TEMPLATE_ESCAPES.search(value):
                    out.add(
                        FindingKind.TEMPLATE_INJECTION,
                        Verdict.DANGEROUS,
                        f"GGUF {key} reaches Python internals "
                        f"({TEMPLATE_ESCAPES.search(value).group(0)!r}): rendering it can run code",  # type: ignore[union-attr]
                    )
            else:
                _skip_value(reader, kind, depth=0)
    except ValueError as exc:
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, f"GGUF metadata: {exc}")


def _skip_value(reader: _Reader, kind: int, *, depth: int) -> None:
    if kind in _WIDTHS:
        reader.skip(_WIDTHS[kind])
    elif kind == _STRING:
        reader.string(0)
    elif kind == _ARRAY and depth < 4:
        item_kind = reader.number("<I")
        items = reader.number(reader.length_fmt)
        if item_kind in _WIDTHS:
            reader.skip(items * _WIDTHS[item_kind])
        else:
            for _ in range(items):
                _skip_value(reader, item_kind, depth=depth + 1)
    else:
        raise ValueError(f"unknown value type {kind}")
