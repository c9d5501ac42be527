"""Formats that wrap others: zip archives (PyTorch, NumPy .npz, Keras 3) and HDF5 Keras models."""

from __future__ import annotations

import json
import re
import time
import zipfile
from collections.abc import Callable
from typing import IO, Any

from package.routers.safety.interface import FileFormat, FindingKind, Verdict
from package.routers.safety.outcome import Outcome
from package.routers.safety.pickles import ScanLimit

MAX_MEMBERS = 100_000
MAX_CONFIG_BYTES = 64 * 1024 * 1024
HDF5_CHUNK = 1 << 20
_LAMBDA = re.compile(rb'"class_name"\s*:\s*"Lambda"')
_OVERLAP = 256

PickleScan = Callable[[IO[bytes], str, Outcome], None]


def scan_zip(stream: IO[bytes], name: str, out: Outcome, scan_pickle: PickleScan) -> None:
    """Scan every pickle, .npy and Keras config inside a zip; member paths must stay inside the archive."""
    out.used("registry-zip")
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, f"not a readable zip archive: {exc}")
        return
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            out.add(
                FindingKind.SCAN_LIMIT,
                Verdict.UNSCANNED,
                f"{len(members)} archive members (over {MAX_MEMBERS})",
            )
            return
        out.format = _zip_kind(name, [m.filename for m in members])
        for member in members:
            _member(archive, member, out, scan_pickle)


def _zip_kind(name: str, names: list[str]) -> FileFormat:
    if name.endswith(".keras") or ("config.json" in names and "metadata.json" in names):
        return FileFormat.KERAS_ZIP
    if any(n.endswith("data.pkl") for n in names):
        return FileFormat.PYTORCH_ZIP
    if names and all(n.endswith(".npy") for n in names):
        return FileFormat.NUMPY_ZIP
    return FileFormat.ZIP


def _member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, out: Outcome, scan_pickle: PickleScan) -> None:
    label = member.filename
    parts = label.replace("\\", "/").split("/")
    if label.startswith(("/", "\\")) or ".." in parts or label[1:2] == ":":
        out.add(
            FindingKind.ARCHIVE_PATH,
            Verdict.SUSPICIOUS,
            f"archive member {label!r} points outside the archive",
        )
    if member.is_dir():
        return
    try:
        with archive.open(member) as head_stream:
            head = head_stream.read(8)
        if label.endswith((".pkl", ".pickle")) or head[:1] == b"\x80":
            with archive.open(member) as inner:
                scan_pickle(inner, label, out)
        elif head.startswith(b"\x93NUMPY"):
            from package.routers.safety.headers import numpy_header

            with archive.open(member) as inner:
                if numpy_header(inner, out):
                    scan_pickle(inner, label, out)
        elif out.format is FileFormat.KERAS_ZIP and label == "config.json":
            if member.file_size > MAX_CONFIG_BYTES:
                out.add(FindingKind.SCAN_LIMIT, Verdict.UNSCANNED, "Keras config.json too large to read")
                return
            keras_config(archive.read(member), out)
    except (zipfile.BadZipFile, RuntimeError, OSError, NotImplementedError, EOFError) as exc:
        # encrypted, unsupported compression or a corrupt member: nothing a loader should accept either
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, f"archive member {label!r} cannot be read: {exc}")


def keras_config(raw: bytes, out: Outcome) -> None:
    """Report Lambda layers in a Keras model config (their Python bytecode runs when the model loads)."""
    try:
        config = json.loads(raw)
    except (ValueError, RecursionError):
        out.add(FindingKind.MALFORMED, Verdict.SUSPICIOUS, "Keras config is not valid JSON")
        return
    for layer in _lambda_layers(config, depth=0):
        out.add(
            FindingKind.KERAS_LAMBDA,
            Verdict.DANGEROUS,
            f"Keras Lambda layer {layer!r}: its Python function is deserialised and run when the model loads",
        )


def _lambda_layers(node: Any, *, depth: int) -> list[str]:
    if depth > 64:
        return []
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("class_name") == "Lambda":
            inner = node.get("config")
            found.append(str(inner.get("name", "?")) if isinstance(inner, dict) else "?")
        for value in node.values():
            found.extend(_lambda_layers(value, depth=depth + 1))
    elif isinstance(node, list):
        for value in node:
            found.extend(_lambda_layers(value, depth=depth + 1))
    return found


def scan_hdf5(stream: IO[bytes], out: Outcome, *, deadline: float) -> None:
    """Find Lambda layers in a Keras HDF5 file's `model_config` JSON, which HDF5 stores as plain bytes."""
    out.used("registry-hdf5")
    tail = b""
    count = 0
    while True:
        if time.monotonic() > deadline:
            raise ScanLimit("time limit reached in the HDF5 file")
        chunk = stream.read(HDF5_CHUNK)
        if not chunk:
            break
        window = tail + chunk
        # count matches that end in the new bytes, so one straddling two chunks counts once
        count += sum(1 for m in _LAMBDA.finditer(window) if m.end() > len(tail))
        tail = window[-_OVERLAP:]
    if count:
        out.add(
            FindingKind.KERAS_LAMBDA,
            Verdict.DANGEROUS,
            f"{count} Keras Lambda layer(s) in the model config: their Python functions run when the "
            "model loads",
        )
