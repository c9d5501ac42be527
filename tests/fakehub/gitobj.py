"""Git object ids and Git LFS pointers, computed the way git does."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from tests.fakehub.blobs import Blob, StaticBlob

LFS_SUFFIXES = (
    ".7z", ".arrow", ".bin", ".bz2", ".ckpt", ".ftz", ".gguf", ".gz", ".h5", ".joblib", ".mlmodel",
    ".model", ".msgpack", ".npy", ".npz", ".onnx", ".ot", ".parquet", ".pb", ".pickle", ".pkl", ".pt",
    ".pth", ".rar", ".safetensors", ".tar", ".tflite", ".tgz", ".wasm", ".xz", ".zip", ".zst",
)  # fmt: skip
LFS_SIZE_THRESHOLD = 10 * 1024 * 1024


def git_object_sha(kind: str, payload: bytes) -> str:
    header = b"%s %d\0" % (kind.encode("ascii"), len(payload))
    return hashlib.sha1(header + payload).hexdigest()


def git_blob_sha(data: bytes) -> str:
    """sha1(b"blob <len>\\0" + content), exactly like `git hash-object`."""
    return git_object_sha("blob", data)


def blob_git_sha(blob: Blob) -> str:
    if isinstance(blob, StaticBlob):
        return git_blob_sha(blob.data)
    header = b"blob %d\0" % blob.size
    digest = hashlib.sha1(header)
    for chunk in blob.iter_range(0, blob.size, chunk_size=1024 * 1024):
        digest.update(chunk)
    return digest.hexdigest()


def is_lfs_path(path: str, size: int) -> bool:
    """Whether the Hub's default .gitattributes (or the size limit) would put the file in LFS."""
    return path.lower().endswith(LFS_SUFFIXES) or size >= LFS_SIZE_THRESHOLD


def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode("ascii")


def git_tree_sha(files: Mapping[str, str]) -> str:
    """Root tree id of a repository given {path: blob sha} (all files mode 100644)."""
    return _tree_sha(_nest(files))


def git_tree_shas(files: Mapping[str, str]) -> dict[str, str]:
    """Tree id of every directory ("" for the root) given {path: blob sha}."""
    result: dict[str, str] = {}
    _collect(_nest(files), "", result)
    return result


Nested = dict[str, "Nested | str"]


def _nest(files: Mapping[str, str]) -> Nested:
    root: Nested = {}
    for path, sha in files.items():
        node = root
        *folders, name = path.split("/")
        for folder in folders:
            child = node.setdefault(folder, {})
            assert isinstance(child, dict)
            node = child
        node[name] = sha
    return root


def _tree_sha(node: Nested) -> str:
    entries: list[tuple[str, bytes]] = []
    for name, child in node.items():
        if isinstance(child, dict):
            entries.append((name + "/", b"40000 %s\0" % name.encode() + bytes.fromhex(_tree_sha(child))))
        else:
            entries.append((name, b"100644 %s\0" % name.encode() + bytes.fromhex(child)))
    payload = b"".join(entry for _, entry in sorted(entries))
    return git_object_sha("tree", payload)


def _collect(node: Nested, prefix: str, result: dict[str, str]) -> None:
    result[prefix] = _tree_sha(node)
    for name, child in node.items():
        if isinstance(child, dict):
            _collect(child, f"{prefix}/{name}" if prefix else name, result)
