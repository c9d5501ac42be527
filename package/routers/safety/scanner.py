"""Scan one file: recognise its format, run the format's checks and, for pickles, two scanners.

Every file is read as bytes and nothing is ever loaded: pickles are walked opcode by opcode (pickles.py) and
cross-checked with picklescan, whose list of dangerous globals the community keeps current.
"""

from __future__ import annotations

import bz2
import gzip
import logging
import lzma
import time
from typing import IO, cast

from picklescan import scanner as picklescan

from package.routers.safety import archives, headers, onnx, pickles, rules
from package.routers.safety.interface import FileFormat, FindingKind, Verdict
from package.routers.safety.outcome import Outcome

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".dill", ".sav", ".pkl.gz")
HEADER_ONLY = frozenset({FileFormat.SAFETENSORS, FileFormat.GGUF, FileFormat.OTHER})
HEADER_BUDGET = 128 * 1024 * 1024  # bytes of a header-only format kept for its check
SNIFF_BYTES = 16  # what sniff() reads
PICKLESCAN_MAX_BYTES = 256 * 1024 * 1024  # picklescan holds a pickle's opcodes in memory

logging.getLogger("picklescan").setLevel(logging.CRITICAL)  # its findings come back through ours


def sniff(path: str, head: bytes) -> FileFormat:
    """The format of a file, by its first bytes (what a loader trusts) and then by its name."""
    name = path.lower()
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return FileFormat.ZIP  # refined once the member names are read
    if head.startswith(b"\x93NUMPY"):
        return FileFormat.NUMPY
    if head.startswith(b"GGUF"):
        return FileFormat.GGUF
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return FileFormat.HDF5
    if name.endswith(".safetensors") or (len(head) > 9 and head[8:10] in (b'{"', b"{ ")):
        return FileFormat.SAFETENSORS
    if name.endswith(".onnx"):
        return FileFormat.ONNX
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return FileFormat.PICKLE
    if name.endswith(PICKLE_SUFFIXES) or name.endswith((".npy", ".h5", ".hdf5", ".keras", ".gguf")):
        return FileFormat.PICKLE if name.endswith(PICKLE_SUFFIXES) else _by_suffix(name)
    return FileFormat.OTHER


def _by_suffix(name: str) -> FileFormat:
    if name.endswith(".npy"):
        return FileFormat.NUMPY
    if name.endswith(".gguf"):
        return FileFormat.GGUF
    return FileFormat.HDF5 if name.endswith((".h5", ".hdf5")) else FileFormat.KERAS_ZIP


def scan_file(path: str, stream: IO[bytes], size: int, *, complete: bool, deadline: float) -> Outcome:
    """Every finding of one file. `stream` is seekable; `complete` says whether it holds the whole file."""
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    out = Outcome(path=path, format=sniff(path, head))
    if not complete and out.format not in HEADER_ONLY:
        out.add(FindingKind.SCAN_LIMIT, Verdict.UNSCANNED, f"{size} bytes: over the scan size limit")
        return out
    try:
        _dispatch(out, stream, size, head, deadline)
    except headers.Truncated as exc:
        detail = (
            f"{exc} extends past the {HEADER_BUDGET} bytes read" if not complete else f"{exc} is truncated"
        )
        out.add(FindingKind.SCAN_LIMIT if not complete else FindingKind.MALFORMED,
                Verdict.UNSCANNED if not complete else Verdict.SUSPICIOUS, detail)  # fmt: skip
    except pickles.ScanLimit as exc:
        out.add(FindingKind.SCAN_LIMIT, Verdict.UNSCANNED, str(exc))
    return out


def _dispatch(out: Outcome, stream: IO[bytes], size: int, head: bytes, deadline: float) -> None:
    fmt = out.format

    def pickle_scan(inner: IO[bytes], label: str, into: Outcome) -> None:
        scan_pickle(inner, label, into, deadline=deadline)

    if fmt is FileFormat.ZIP or (fmt is FileFormat.KERAS_ZIP and head.startswith(b"PK")):
        archives.scan_zip(stream, out.path.lower(), out, pickle_scan)
    elif fmt is FileFormat.KERAS_ZIP:
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, "a .keras file that is not a zip archive")
    elif fmt is FileFormat.NUMPY:
        if headers.numpy_header(stream, out):
            scan_pickle(stream, out.path, out, deadline=deadline)
    elif fmt is FileFormat.HDF5:
        archives.scan_hdf5(stream, out, deadline=deadline)
    elif fmt is FileFormat.SAFETENSORS:
        headers.check_safetensors(stream, size, out)
    elif fmt is FileFormat.GGUF:
        headers.check_gguf(stream, size, out)
    elif fmt is FileFormat.ONNX:
        onnx.check_onnx(stream, out, deadline=deadline)
    elif fmt is FileFormat.PICKLE:
        _scan_pickle_file(out, stream, size, head, deadline)
    if fmt in (FileFormat.PICKLE, FileFormat.ZIP) and size <= PICKLESCAN_MAX_BYTES:
        stream.seek(0)
        _picklescan(out, stream)


def _scan_pickle_file(out: Outcome, stream: IO[bytes], size: int, head: bytes, deadline: float) -> None:
    inner = _decompressed(head, stream)
    if inner is None:
        scan_pickle(stream, out.path, out, deadline=deadline)
        return
    with inner:  # joblib and friends compress whole pickles
        try:
            scan_pickle(inner, out.path, out, deadline=deadline)
        except (OSError, EOFError, lzma.LZMAError) as exc:
            out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, f"compressed stream is corrupt: {exc}")


def _decompressed(head: bytes, stream: IO[bytes]) -> IO[bytes] | None:
    if head.startswith(b"\x1f\x8b"):
        return cast(IO[bytes], gzip.GzipFile(fileobj=stream, mode="rb"))
    if head.startswith(b"BZh"):
        return bz2.BZ2File(stream)
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(stream)
    return None


def scan_pickle(stream: IO[bytes], label: str, out: Outcome, *, deadline: float) -> None:
    """Walk a pickle stream and turn what it would import into findings."""
    out.used("registry-opcodes")
    facts = pickles.analyse(stream, deadline=deadline)
    where = "" if label == out.path else f" (in {label})"
    for module, name in facts.imports:
        dotted = f"{module}.{name}"
        if dotted not in out.imports:
            out.imports.append(dotted)
        verdict = rules.classify(module, name)
        if verdict is Verdict.DANGEROUS:
            out.add(
                FindingKind.DANGEROUS_IMPORT,
                verdict,
                f"imports {dotted}{where}, which can run code when loaded",
            )
        elif verdict is Verdict.SUSPICIOUS:
            out.add(FindingKind.UNKNOWN_IMPORT, verdict, f"imports {dotted}{where}, not known to be harmless")
    for reason in facts.unresolved[:5]:
        out.add(FindingKind.UNRESOLVED_IMPORT, Verdict.SUSPICIOUS, f"{reason}{where}")
    if facts.error:
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, f"not a well-formed pickle{where}: {facts.error}")
    if facts.limit:
        raise pickles.ScanLimit(f"{facts.limit} after {facts.opcodes} opcodes{where}")


def _picklescan(out: Outcome, stream: IO[bytes]) -> None:
    """picklescan's verdict on the same bytes; its dangerous globals add to ours."""
    try:
        result = picklescan.scan_bytes(stream, out.path, _suffix(out.path))
    except Exception as exc:  # a third-party parser's failure must not fail the scan
        out.used(f"picklescan (failed: {type(exc).__name__})")
        return
    out.used("picklescan")
    for found in result.globals:
        if found.safety is not picklescan.SafetyLevel.Dangerous:
            continue
        if "unknown" in (found.module, found.name):
            continue  # its guess at an unresolved STACK_GLOBAL; our stack walk resolves or reports those
        if rules.classify(found.module, found.name) is Verdict.DANGEROUS:
            continue  # ours said so already
        dotted = f"{found.module}.{found.name}"
        if dotted not in out.imports:
            out.imports.append(dotted)
        out.add(FindingKind.DANGEROUS_IMPORT, Verdict.DANGEROUS, f"imports {dotted} (flagged by picklescan)")


def _suffix(path: str) -> str | None:
    dot = path.rfind(".")
    return path[dot:].lower() if dot > path.rfind("/") else None


def deadline_after(seconds: float) -> float:
    """The monotonic time a scan started now must end by."""
    return time.monotonic() + seconds
