"""Opcode-level reading of pickle streams, never unpickling: which globals a pickle would import and call.

The walk follows the pickle machine's stack closely enough to resolve `STACK_GLOBAL` operands that come from
string opcodes or the memo (the usual way to hide an import from scanners that look only at the previous
opcodes). Arguments are skipped, not held, so a multi-GB tensor pickled inline costs no memory; a deadline and
an opcode budget bound the time.
"""

from __future__ import annotations

import pickletools
import struct
import time
from dataclasses import dataclass, field
from typing import IO

from package.core import pyast

MAX_KEPT_STRING = 4096  # longer strings cannot be module or attribute names worth resolving
MAX_LINE = 65536  # protocol-0 arguments end at a newline; a longer line is not a real pickle
MAX_MEMO = 1_000_000
MAX_STACK = 1_000_000
MAX_PICKLES = 16  # legacy PyTorch files hold 5 pickles back to back
SKIP_CHUNK = 1 << 20

_OPS = {op.code.encode("latin-1"): op for op in pickletools.opcodes}
_STRINGS = {
    "STRING",
    "BINSTRING",
    "SHORT_BINSTRING",
    "UNICODE",
    "SHORT_BINUNICODE",
    "BINUNICODE",
    "BINUNICODE8",
}
_CALLS = {"REDUCE", "OBJ", "NEWOBJ", "NEWOBJ_EX", "INST", "BUILD"}
_LENGTH_BYTES = {-2: ("<B", 1), -3: ("<i", 4), -4: ("<I", 4), -5: ("<Q", 8)}
_MARK = object()
_OPAQUE = object()
_SPECIAL = {
    *_STRINGS, "PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE", "GET", "BINGET", "LONG_BINGET", "DUP", "MARK",
    "GLOBAL", "STACK_GLOBAL", "EXT1", "EXT2", "EXT4", "INST", "STOP",
}  # fmt: skip


def _fast_plan(op: pickletools.OpcodeInfo) -> tuple[int, bool, int, int, int, bool]:
    """(argument bytes, pops to a MARK, pops below it, pops, pushes, is a call) of a plain opcode."""
    before = [item.name for item in op.stack_before]
    width = op.arg.n if op.arg is not None else 0
    to_mark = "mark" in before
    below = before.index("mark") if to_mark else 0
    return width, to_mark, below, 0 if to_mark else len(before), len(op.stack_after), op.name in _CALLS


# Opcodes that only move opaque values around and have a fixed-size (or no) argument: the walk's hot path.
_FAST = {
    code: _fast_plan(op)
    for code, op in _OPS.items()
    if op.name not in _SPECIAL and (op.arg is None or op.arg.n >= 0)
}


class PickleError(Exception):
    """The bytes are not a well-formed pickle."""


class ScanLimit(Exception):
    """The scan ran out of time or opcode budget."""


@dataclass
class PickleFacts:
    """What a pickle stream would do when loaded."""

    imports: list[tuple[str, str]] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    calls: int = 0
    opcodes: int = 0
    pickles: int = 0
    error: str | None = None
    limit: str | None = None
    trailing_bytes: bool = False

    def add_import(self, module: str, name: str) -> None:
        """Remember an import once, in order of appearance."""
        if (module, name) not in self.imports:
            self.imports.append((module, name))


def analyse(stream: IO[bytes], *, deadline: float, max_opcodes: int = 200_000_000) -> PickleFacts:
    """Walk every pickle in `stream` (back to back, as legacy PyTorch writes them) without loading any."""
    facts = PickleFacts()
    while facts.pickles < MAX_PICKLES:
        first = stream.read(1)
        if not first:
            break
        try:
            _walk_one(stream, first, facts, deadline=deadline, max_opcodes=max_opcodes)
        except ScanLimit as exc:
            facts.limit = str(exc)
            break
        except PickleError as exc:
            if facts.pickles == 0:
                facts.error = str(exc)
            else:  # data after the pickles (a legacy PyTorch file's raw tensor bytes)
                facts.trailing_bytes = True
            break
        facts.pickles += 1
    return facts


class _Machine:
    """The parts of the unpickler's state that decide which names get imported."""

    def __init__(self, facts: PickleFacts) -> None:
        self.facts = facts
        self.stack: list[object] = []
        self.memo: dict[int, object] = {}

    def push(self, value: object) -> None:
        if len(self.stack) >= MAX_STACK:
            raise PickleError("stack deeper than any real pickle")
        self.stack.append(value)

    def pop(self) -> object:
        if not self.stack or self.stack[-1] is _MARK:
            raise PickleError("stack underflow")
        return self.stack.pop()

    def pop_mark(self) -> None:
        while self.stack:
            if self.stack.pop() is _MARK:
                return
        raise PickleError("no MARK on the stack")

    def remember(self, index: int) -> None:
        if not self.stack:
            raise PickleError("memo write with an empty stack")
        if len(self.memo) < MAX_MEMO or index in self.memo:
            self.memo[index] = self.stack[-1]


def _walk_one(
    stream: IO[bytes], first: bytes, facts: PickleFacts, *, deadline: float, max_opcodes: int
) -> None:
    machine = _Machine(facts)
    code = first
    while True:
        facts.opcodes += 1
        if facts.opcodes % 4096 == 0:
            if time.monotonic() > deadline:
                raise ScanLimit("time limit reached")
            if facts.opcodes > max_opcodes:
                raise ScanLimit("opcode budget exhausted")
        fast = _FAST.get(code)
        if fast is not None:
            _plain(machine, stream, fast)
        else:
            op = _OPS.get(code)
            if op is None:
                raise PickleError(f"byte {code!r} at opcode {facts.opcodes} is no pickle opcode")
            arg = _read_arg(stream, op)
            if op.name == "STOP":
                return
            _step(machine, op, arg)
        code = stream.read(1)
        if not code:
            raise PickleError("stream ends before STOP")


def _plain(machine: _Machine, stream: IO[bytes], plan: tuple[int, bool, int, int, int, bool]) -> None:
    width, to_mark, below, pops, pushes, call = plan
    if width and len(stream.read(width)) != width:
        raise PickleError("stream ends inside an opcode argument")
    if to_mark:
        machine.pop_mark()
        pops = below
    for _ in range(pops):
        machine.pop()
    for _ in range(pushes):
        machine.push(_OPAQUE)
    if call:
        machine.facts.calls += 1


def _step(machine: _Machine, op: pickletools.OpcodeInfo, arg: object) -> None:
    name = op.name
    facts = machine.facts
    if name in _STRINGS:
        machine.push(arg if isinstance(arg, str) else _OPAQUE)
    elif name in {"PUT", "BINPUT", "LONG_BINPUT"}:
        machine.remember(_index(arg))
    elif name == "MEMOIZE":
        machine.remember(len(machine.memo))
    elif name in {"GET", "BINGET", "LONG_BINGET"}:
        machine.push(machine.memo.get(_index(arg), _OPAQUE))
    elif name == "DUP":
        machine.push(machine.stack[-1] if machine.stack else _OPAQUE)
    elif name == "MARK":
        machine.push(_MARK)
    elif name == "GLOBAL":
        module, attr = _pair(arg)
        facts.add_import(module, attr)
        machine.push(_OPAQUE)
    elif name == "STACK_GLOBAL":
        attr_value, module_value = machine.pop(), machine.pop()
        if isinstance(module_value, str) and isinstance(attr_value, str):
            facts.add_import(module_value, attr_value)
        else:
            facts.unresolved.append("STACK_GLOBAL with operands computed at load time")
        machine.push(_OPAQUE)
    elif name in {"EXT1", "EXT2", "EXT4"}:
        facts.unresolved.append(f"{name} {arg}: an import through the copyreg extension registry")
        machine.push(_OPAQUE)
    else:
        if name == "INST":
            facts.add_import(*_pair(arg))
        if name in _CALLS:
            facts.calls += 1
        _generic(machine, op)


def _generic(machine: _Machine, op: pickletools.OpcodeInfo) -> None:
    before = [item.name for item in op.stack_before]
    if "mark" in before:
        machine.pop_mark()
        for _ in range(before.index("mark")):
            machine.pop()
    else:
        for _ in before:
            machine.pop()
    for _ in op.stack_after:
        machine.push(_OPAQUE)


def _index(arg: object) -> int:
    if isinstance(arg, int):
        return arg
    try:
        return int(str(arg))
    except ValueError as exc:
        raise PickleError(f"memo index {arg!r} is not a number") from exc


def _pair(arg: object) -> tuple[str, str]:
    module, _, attr = str(arg).partition(" ")
    return module, attr


def _read_arg(stream: IO[bytes], op: pickletools.OpcodeInfo) -> object:
    """The opcode's argument: small values decoded, long ones skipped (returned as None)."""
    if op.arg is None:
        return None
    n = op.arg.n
    if n > 0:
        data = _exactly(stream, n)
        if op.name in {"BINPUT", "BINGET", "EXT1"}:
            return data[0]
        if op.name in {"LONG_BINPUT", "LONG_BINGET"}:
            return struct.unpack("<I", data)[0]
        if op.name in {"EXT2", "EXT4"}:
            return int.from_bytes(data, "little", signed=op.name == "EXT4")
        return None
    if n == pickletools.UP_TO_NEWLINE:
        line = _line(stream)
        if op.arg.name == "stringnl_noescape_pair":
            return f"{line} {_line(stream)}"
        if op.name == "STRING":
            return _quoted(line)
        if op.name == "UNICODE":
            return line.encode("latin-1", "replace").decode("raw_unicode_escape", "replace")
        return line
    fmt, width = _LENGTH_BYTES[n]
    (length,) = struct.unpack(fmt, _exactly(stream, width))
    if length < 0:
        raise PickleError(f"{op.name} with a negative length")
    if op.name in _STRINGS and length <= MAX_KEPT_STRING:
        data = _exactly(stream, length)
        return data.decode("utf-8" if "UNICODE" in op.name else "latin-1", "replace")
    _skip(stream, length)
    return None


def _exactly(stream: IO[bytes], n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise PickleError("stream ends inside an opcode argument")
    return data


def _skip(stream: IO[bytes], n: int) -> None:
    while n > 0:
        chunk = stream.read(min(n, SKIP_CHUNK))
        if not chunk:
            raise PickleError("stream ends inside an opcode argument")
        n -= len(chunk)


def _line(stream: IO[bytes]) -> str:
    data = stream.readline(MAX_LINE)
    if not data.endswith(b"\n"):
        raise PickleError("protocol-0 argument without its newline")
    return data[:-1].decode("latin-1")


def _quoted(line: str) -> str | None:
    if len(line) > MAX_KEPT_STRING:
        return None
    try:
        value = pyast.literal(line)  # a quoted literal only; literal_eval evaluates nothing else
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise PickleError("STRING argument is not a quoted string") from None
    return value if isinstance(value, str) else value.decode("latin-1") if isinstance(value, bytes) else None
