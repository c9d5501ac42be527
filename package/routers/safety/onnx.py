"""ONNX external-data paths, read from the protobuf wire format without the onnx package.

A tensor stored outside the model names a file `location`; loaders join it to the model's folder, so
`../../home/user/.ssh/id_rsa` or an absolute path reads any file of the loading machine into the model.
Only the fields on the way to tensors are walked: ModelProto.graph -> GraphProto.initializer / node
attributes / sub-graphs -> TensorProto.external_data.
"""

from __future__ import annotations

import io
import mmap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO

from package.routers.safety.interface import FindingKind, Verdict
from package.routers.safety.outcome import Outcome
from package.routers.safety.pickles import ScanLimit

MAX_DEPTH = 16
_scan = threading.local()
MAX_FINDINGS = 20
_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5
# (message, field number) -> message the field holds
_MODEL_GRAPH = 7
_GRAPH_NODE, _GRAPH_INITIALIZER, _GRAPH_SPARSE = 1, 5, 15
_NODE_ATTRIBUTE = 5
_ATTR_TENSOR, _ATTR_GRAPH, _ATTR_TENSORS, _ATTR_GRAPHS = 5, 6, 9, 10
_SPARSE_VALUES, _SPARSE_INDICES = 1, 2
_TENSOR_NAME, _TENSOR_EXTERNAL = 8, 13


class WireError(ValueError):
    """The bytes are not a protobuf message of the expected shape."""


def _varint(buf: memoryview, pos: int, end: int) -> tuple[int, int]:
    value, shift = 0, 0
    while pos < end and shift < 70:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise WireError("truncated or overlong varint")


def _fields(buf: memoryview, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field, wire type, value start, value end) of every field in buf[start:end]; varints as (value, -1)."""
    pos = start
    count = 0
    while pos < end:
        count += 1
        if count % 65536 == 0 and time.monotonic() > getattr(_scan, "deadline", float("inf")):
            raise ScanLimit("time limit reached in the ONNX model")
        key, pos = _varint(buf, pos, end)
        field, wire = key >> 3, key & 7
        if wire == _VARINT:
            value, pos = _varint(buf, pos, end)
            yield field, wire, value, -1
        elif wire == _LENGTH:
            length, pos = _varint(buf, pos, end)
            if pos + length > end:
                raise WireError("a field runs past its message")
            yield field, wire, pos, pos + length
            pos += length
        elif wire in (_FIXED64, _FIXED32):
            pos += 8 if wire == _FIXED64 else 4
        else:
            raise WireError(f"wire type {wire} is not used by ONNX")
    if pos != end:
        raise WireError("a fixed-width field runs past its message")


def check_onnx(stream: IO[bytes], out: Outcome, *, deadline: float) -> None:
    """Report external-data locations that leave the model's folder; malformed models are suspicious."""
    out.used("registry-onnx")
    _scan.deadline = deadline  # read by _fields, several generators deep
    try:
        with _mapped(stream) as data:
            view = memoryview(data)
            try:
                locations = list(_model_locations(view)) if len(view) else None
            finally:
                view.release()
    except WireError as exc:
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, f"not a well-formed ONNX model: {exc}")
        return
    if locations is None:
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, "empty ONNX file")
        return
    for tensor, location in locations[:MAX_FINDINGS]:
        problem = escaping(location)
        if problem:
            out.add(
                FindingKind.EXTERNAL_DATA_PATH,
                Verdict.DANGEROUS,
                f"tensor {tensor!r} reads its data from {location!r}, {problem}",
            )


@contextmanager
def _mapped(stream: IO[bytes]) -> Iterator[bytes | mmap.mmap]:
    """The file's bytes without reading them into memory when it is a real file (a spooled one is)."""
    try:
        fileno = stream.fileno()
    except (io.UnsupportedOperation, AttributeError):
        yield stream.read()  # an in-memory stream is small already
        return
    try:
        mapped = mmap.mmap(fileno, 0, access=mmap.ACCESS_READ)
    except ValueError:  # an empty file cannot be mapped
        yield b""
        return
    with mapped:
        yield mapped


def escaping(location: str) -> str | None:
    """Why an external-data location leaves the model's folder, or None when it stays inside."""
    if "\x00" in location or "://" in location:
        return "which is no plain relative file name"
    if (
        PurePosixPath(location).is_absolute()
        or PureWindowsPath(location).is_absolute()
        or location[1:2] == ":"
    ):
        return "an absolute path outside the model's folder"
    if ".." in location.replace("\\", "/").split("/"):
        return "a path that climbs out of the model's folder"
    return None


def _model_locations(buf: memoryview) -> Iterator[tuple[str, str]]:
    for field, wire, start, end in _fields(buf, 0, len(buf)):
        if field == _MODEL_GRAPH and wire == _LENGTH:
            yield from _graph(buf, start, end, 0)


def _graph(buf: memoryview, start: int, end: int, depth: int) -> Iterator[tuple[str, str]]:
    if depth > MAX_DEPTH:
        raise WireError("sub-graphs nested too deep")
    for field, wire, s, e in _fields(buf, start, end):
        if wire != _LENGTH:
            continue
        if field == _GRAPH_INITIALIZER:
            yield from _tensor(buf, s, e)
        elif field == _GRAPH_SPARSE:
            for sub, sub_wire, ss, se in _fields(buf, s, e):
                if sub in (_SPARSE_VALUES, _SPARSE_INDICES) and sub_wire == _LENGTH:
                    yield from _tensor(buf, ss, se)
        elif field == _GRAPH_NODE:
            for sub, sub_wire, ss, se in _fields(buf, s, e):
                if sub == _NODE_ATTRIBUTE and sub_wire == _LENGTH:
                    yield from _attribute(buf, ss, se, depth)


def _attribute(buf: memoryview, start: int, end: int, depth: int) -> Iterator[tuple[str, str]]:
    for field, wire, s, e in _fields(buf, start, end):
        if wire != _LENGTH:
            continue
        if field in (_ATTR_TENSOR, _ATTR_TENSORS):
            yield from _tensor(buf, s, e)
        elif field in (_ATTR_GRAPH, _ATTR_GRAPHS):
            yield from _graph(buf, s, e, depth + 1)


def _tensor(buf: memoryview, start: int, end: int) -> Iterator[tuple[str, str]]:
    name = ""
    found = []
    for field, wire, s, e in _fields(buf, start, end):
        if field == _TENSOR_NAME and wire == _LENGTH:
            name = bytes(buf[s:e]).decode("utf-8", "replace")
        elif field == _TENSOR_EXTERNAL and wire == _LENGTH:
            entry = {
                f: bytes(buf[fs:fe]).decode("utf-8", "replace")
                for f, w, fs, fe in _fields(buf, s, e)
                if w == _LENGTH
            }
            if entry.get(1) == "location" and 2 in entry:
                found.append(entry[2])
    for location in found:
        yield name, location
