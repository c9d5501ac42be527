"""Header checks of formats that carry no code: safetensors, GGUF and NumPy arrays.

A malformed header is suspicious rather than harmless: parser bugs in loaders are how such files attack.
"""

from __future__ import annotations

import json
import struct
from typing import IO

from package.core import pyast
from package.routers.safety.interface import FindingKind, Verdict
from package.routers.safety.outcome import Outcome

SAFETENSORS_MAX_HEADER = 100_000_000  # the safetensors library refuses larger headers
SAFETENSORS_DTYPES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8, "F4": 1, "F6_E2M3": 1, "F6_E3M2": 1,
    "E8M0": 1, "F8_E8M0": 1, "C64": 8,
}  # fmt: skip
GGUF_MAX_COUNT = 10_000_000
GGUF_MAX_VERSION = 3
NUMPY_MAX_HEADER = 65536


class Truncated(Exception):
    """The part of the file read so far ends before the header does."""


def check_safetensors(stream: IO[bytes], size: int, out: Outcome) -> None:
    """A valid header: bounded length, JSON object, known dtypes, offsets inside the file and consistent."""
    out.used("registry-headers")
    raw = stream.read(8)
    if len(raw) < 8:
        out.add(
            FindingKind.MALFORMED, Verdict.SUSPICIOUS, "safetensors file shorter than its 8-byte header size"
        )
        return
    (length,) = struct.unpack("<Q", raw)
    if length > SAFETENSORS_MAX_HEADER:
        out.add(
            FindingKind.MALFORMED,
            Verdict.SUSPICIOUS,
            f"safetensors header claims {length} bytes (over the format's limit of {SAFETENSORS_MAX_HEADER})",
        )
        return
    if 8 + length > size:
        out.add(
            FindingKind.MALFORMED,
            Verdict.SUSPICIOUS,
            f"safetensors header claims {length} bytes but the file has {size - 8} after the size field",
        )
        return
    text = stream.read(length)
    if len(text) < length:
        raise Truncated("safetensors header")
    try:
        header = json.loads(text)
    except (ValueError, RecursionError):
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, "safetensors header is not valid JSON")
        return
    problems = _tensor_problems(header, size - 8 - length)
    for problem in problems[:5]:
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, f"safetensors header: {problem}")


def _tensor_problems(header: object, data_bytes: int) -> list[str]:
    if not isinstance(header, dict):
        return ["not a JSON object"]
    problems = []
    for name, entry in header.items():
        if name == "__metadata__":
            if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
                problems.append("__metadata__ is not a map of strings")
            continue
        if not isinstance(entry, dict):
            problems.append(f"tensor {name!r} is not an object")
            continue
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if dtype not in SAFETENSORS_DTYPES:
            problems.append(f"tensor {name!r} has unknown dtype {dtype!r}")
        elif not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)):
            problems.append(f"tensor {name!r} has a malformed shape")
        elif not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and all(isinstance(o, int) for o in offsets)
            and 0 <= offsets[0] <= offsets[1] <= data_bytes
        ):
            problems.append(f"tensor {name!r} has data offsets outside the file's {data_bytes} data bytes")
        else:
            count = 1
            for dim in shape:
                count *= dim
            if dtype in {"F4", "F6_E2M3", "F6_E3M2"}:
                continue  # sub-byte types pack several values per byte
            if count * SAFETENSORS_DTYPES[str(dtype)] != offsets[1] - offsets[0]:
                problems.append(f"tensor {name!r}: shape and dtype disagree with its byte range")
    return problems


def check_gguf(stream: IO[bytes], size: int, out: Outcome) -> None:
    """Magic, version and counts plausible for the file's size; every metadata entry inside the file."""
    out.used("registry-headers")
    head = stream.read(8)
    if len(head) < 8 or head[:4] != b"GGUF":
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, "GGUF file without its magic and version")
        return
    version = struct.unpack("<I", head[4:])[0]
    if not 1 <= version <= GGUF_MAX_VERSION:
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, f"GGUF version {version} is unknown")
        return
    count_fmt = "<I" if version == 1 else "<Q"
    tensors, kvs = (_unpack(stream, count_fmt) for _ in range(2))
    if tensors > min(GGUF_MAX_COUNT, size) or kvs > min(GGUF_MAX_COUNT, size):
        out.add(
            FindingKind.MALFORMED,
            Verdict.SUSPICIOUS,
            f"GGUF header claims {tensors} tensors and {kvs} metadata entries, impossible in {size} bytes",
        )
        return
    from package.routers.safety.gguf import read_metadata  # the walk is long enough for its own module

    read_metadata(stream, kvs, size, out, wide=version > 1)


def _unpack(stream: IO[bytes], fmt: str) -> int:
    width = struct.calcsize(fmt)
    raw = stream.read(width)
    if len(raw) < width:
        raise Truncated("GGUF header")
    value: int = struct.unpack(fmt, raw)[0]
    return value


def numpy_header(stream: IO[bytes], out: Outcome) -> bool | None:
    """Read a .npy header: True when its dtype holds Python objects (a pickle follows); None if malformed."""
    out.used("registry-headers")
    magic = stream.read(8)
    if len(magic) < 8 or magic[:6] != b"\x93NUMPY":
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, "NumPy file without its magic")
        return None
    width = 2 if magic[6] == 1 else 4
    raw = stream.read(width)
    length = int.from_bytes(raw, "little") if len(raw) == width else -1
    if not 0 < length <= NUMPY_MAX_HEADER:
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, "NumPy header length is missing or oversized")
        return None
    text = stream.read(length).decode("latin-1")
    try:
        header = pyast.literal(text)  # literals only: evaluates no code
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        header = None
    if not isinstance(header, dict) or "descr" not in header:
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, "NumPy header is not a dictionary with a dtype")
        return None
    return _has_object(header["descr"])


def _has_object(descr: object) -> bool:
    if isinstance(descr, str):
        return descr.lstrip("<>|=").startswith("O")
    if isinstance(descr, tuple) and len(descr) >= 2 and isinstance(descr[0], str):
        return _has_object(descr[1])  # a structured field: (name, dtype[, shape])
    if isinstance(descr, list):
        return any(_has_object(part) for part in descr)
    return False
