"""Generated, structurally valid safetensors files (real header, pseudo-random tensor data)."""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tests.fakehub.blobs import GeneratedBlob

DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I8": 1, "U8": 1, "BOOL": 1}


@dataclass(frozen=True)
class Tensor:
    name: str
    dtype: str
    shape: tuple[int, ...]

    @property
    def count(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.count * DTYPE_BYTES[self.dtype]


class SafetensorsBlob(GeneratedBlob):
    """A generated blob that also knows its tensors (for the Hub's `safetensors` parameter summary)."""

    def __init__(self, size: int, seed: int, prefix: bytes, tensors: Sequence[Tensor]) -> None:
        super().__init__(size, seed, prefix)
        self.tensors = tuple(tensors)

    def parameters(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for tensor in self.tensors:
            counts[tensor.dtype] = counts.get(tensor.dtype, 0) + tensor.count
        return counts


def safetensors_blob(
    tensors: Sequence[Tensor],
    seed: int,
    *,
    total_size: int | None = None,
    metadata: Mapping[str, str] | None = None,
) -> SafetensorsBlob:
    """Build the file: u64 header length + JSON header (space padded) + tensor data.

    With `total_size`, the header is padded so that the file is exactly that many bytes.
    """
    header: dict[str, object] = {"__metadata__": dict(metadata or {"format": "pt"})}
    offset = 0
    for tensor in tensors:
        header[tensor.name] = {
            "dtype": tensor.dtype,
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + tensor.nbytes],
        }
        offset += tensor.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_len = len(raw) + (-len(raw) % 8)
    if total_size is not None:
        header_len = total_size - 8 - offset
        if header_len < len(raw) or header_len % 8:
            raise ValueError(f"cannot pad a {len(raw)}-byte header to make a {total_size}-byte file")
    prefix = struct.pack("<Q", header_len) + raw.ljust(header_len, b" ")
    return SafetensorsBlob(8 + header_len + offset, seed, prefix, tensors)
