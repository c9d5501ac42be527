"""Where blob bytes should live: the file blob store beside a database BLOB and S3 (moto), same bytes and run.

One blob of `--megabytes` random bytes is written through each store and read back whole, `--rounds` times:
- files: the embedded driver (package/core/storage/files.py), `read_chunks` in Python, and `os.sendfile` of
  its `local_path` into a socket (what a pathsend-capable server or nginx does: no bytes through Python);
- sqlite: the same bytes as a BLOB row in SQLite (the embedded record store's engine), read with `blobopen` in
  1 MiB chunks (a database cannot hand a file to the kernel);
- s3 (moto): the S3 driver against moto's in-process emulator. moto keeps objects in this process's memory and
  answers through botocore's stubs: its figure measures botocore's own cost, NOT S3's latency or throughput,
  and is not a performance proxy for S3 (a real download is a presigned redirect straight to S3 anyway).
The baseline is reading the file with plain `open().read()` in the same run (page cache hot for all).

    python -m bench.blob_storage [--megabytes 64] [--rounds 5] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import results
from package.core.storage.files import FileBlobStore

CHUNK = 1 << 20


def _fill(write: Callable[[bytes], None], megabytes: int) -> None:
    chunk = os.urandom(CHUNK)
    for index in range(megabytes):
        write(index.to_bytes(8, "little") + chunk[8:])  # every MiB different, incompressible


def _drain(sock: socket.socket, total: int) -> None:
    received = 0
    while received < total:
        data = sock.recv(CHUNK)
        if not data:
            return
        received += len(data)


def sendfile(path: Path) -> int:
    """Send the file into a connected socket with os.sendfile (a reader thread drains the other end)."""
    size = path.stat().st_size
    left, right = socket.socketpair()
    reader = threading.Thread(target=_drain, args=(right, size))
    reader.start()
    sent = 0
    with path.open("rb") as source, left:
        while sent < size:
            sent += os.sendfile(left.fileno(), source.fileno(), sent, size - sent)
    reader.join()
    right.close()
    return sent


def sqlite_reader(folder: Path, megabytes: int) -> Callable[[], int]:
    """Store the blob as one SQLite row; return a function reading it back in 1 MiB chunks."""
    database = sqlite3.connect(folder / "blobs.sqlite3", check_same_thread=False)
    database.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    database.execute("INSERT INTO blobs (id, data) VALUES (1, zeroblob(?))", (megabytes * CHUNK,))
    with database.blobopen("blobs", "data", 1) as blob:
        _fill(blob.write, megabytes)
    database.commit()

    def read() -> int:
        total = 0
        with database.blobopen("blobs", "data", 1, readonly=True) as blob:
            while chunk := blob.read(CHUNK):
                total += len(chunk)
        return total

    return read


@contextmanager
def s3_reader(megabytes: int) -> Iterator[Callable[[], int]]:
    """The S3 blob driver on moto's in-process emulator; yields a function reading the blob back."""
    import boto3
    from moto import mock_aws

    from package.core.storage.s3 import S3BlobStore

    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="bench")
        store = S3BlobStore(client, "bench")
        with store.writer() as writer:
            _fill(writer.write, megabytes)
        assert writer.info is not None
        sha256 = writer.info.sha256
        yield lambda: sum(len(chunk) for chunk in store.read_chunks(sha256))


def _median_s(read: Callable[[], int], rounds: int, expected: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        assert read() == expected
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(folder: Path, megabytes: int, rounds: int) -> dict[str, dict[str, float]]:
    """Median seconds and MiB/s of each way of reading the same blob."""
    files = FileBlobStore(folder / "files")
    with files.writer() as writer:
        _fill(writer.write, megabytes)
    assert writer.info is not None
    sha256, size = writer.info.sha256, writer.info.size
    path = files.local_path(sha256)
    assert path is not None

    def plain() -> int:
        with path.open("rb") as source:
            return sum(len(chunk) for chunk in iter(lambda: source.read(CHUNK), b""))

    readers: dict[str, Callable[[], int]] = {
        "baseline: open().read()": plain,
        "files: read_chunks (Python)": lambda: sum(len(c) for c in files.read_chunks(sha256)),
        "files: os.sendfile into a socket": lambda: sendfile(path),
        "sqlite: BLOB row, blobopen": sqlite_reader(folder, megabytes),
    }
    timed = {label: _median_s(read, rounds, size) for label, read in readers.items()}
    with s3_reader(megabytes) as read_s3:
        timed["s3 via moto (NOT a proxy for S3)"] = _median_s(read_s3, rounds, size)
    return {label: {"ms": s * 1000, "mib_per_s": megabytes / s} for label, s in timed.items()}


def main() -> None:
    """Measure, print and write bench/results/blob_storage.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="4 MiB, one round")
    args = parser.parse_args()
    megabytes, rounds = (4, 1) if args.smoke else (args.megabytes, args.rounds)
    with tempfile.TemporaryDirectory(prefix="bench-blobs-") as tmp:
        figures: dict[str, Any] = {"reads": measure(Path(tmp), megabytes, rounds), "megabytes": megabytes}
    print(f"reading one {megabytes} MiB blob, median of {rounds} (page cache hot)")
    for label, row in figures["reads"].items():
        print(f"  {label:<36} {row['ms']:8.1f} ms {row['mib_per_s']:9.0f} MiB/s")
    results.write("blob_storage", figures, options={"megabytes": megabytes, "rounds": rounds})


if __name__ == "__main__":
    main()
