"""Time and peak memory of a pickle scan on large files: our opcode walk beside picklescan, in the same run.

Two files are written to a temporary folder: one pickle holding a single large bytes object (what a tensor
pickled inline looks like) and one with millions of small opcodes (a long list). The baseline is hashing the
file (reading every byte once). Peak memory is Python's own allocations as tracemalloc sees them, measured in
a separate pass from the timing (tracemalloc slows code down).

    python -m bench.safety_scan_memory [--megabytes 256] [--opcodes 5000000] [--smoke]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from bench import results

CHUNK = 1 << 20


def big_bytes_pickle(path: Path, megabytes: int) -> None:
    """Protocol 4: one BINBYTES8 of `megabytes` MiB, then STOP."""
    with path.open("wb") as out:
        out.write(b"\x80\x04\x8e" + (megabytes * CHUNK).to_bytes(8, "little"))
        for _ in range(megabytes):
            out.write(bytes(CHUNK))
        out.write(b".")


def many_ops_pickle(path: Path, opcodes: int) -> None:
    """Protocol 4: a list of small ints, appended 1,000 at a time as the pickler batches them."""
    with path.open("wb") as out:
        out.write(b"\x80\x04]")
        batch = b"(" + b"K\x01" * 1000 + b"e"
        for _ in range(opcodes // 1002):
            out.write(batch)
        out.write(b".")


def ours(path: Path) -> None:
    """Our scanner on the file."""
    from package.routers.safety import pickles

    with path.open("rb") as stream:
        facts = pickles.analyse(stream, deadline=time.monotonic() + 600, max_opcodes=10**9)
    assert facts.error is None and facts.limit is None, facts


def picklescan(path: Path) -> None:
    """picklescan's scan of the same file."""
    from picklescan.scanner import scan_file_path

    scan_file_path(str(path))


def sha256(path: Path) -> None:
    """The baseline: read and hash every byte."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)


def measure(task: Callable[[Path], None], path: Path) -> tuple[float, float]:
    """(seconds, peak MiB of Python allocations)."""
    started = time.perf_counter()
    task(path)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    task(path)
    peak = tracemalloc.get_traced_memory()[1] / CHUNK
    tracemalloc.stop()
    return seconds, peak


def main() -> None:
    """Print time and peak memory per scanner and file; write bench/results/safety_scan_memory.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=256)
    parser.add_argument("--opcodes", type=int, default=5_000_000)
    parser.add_argument("--smoke", action="store_true", help="a 4 MiB file and 50,000 opcodes")
    args = parser.parse_args()
    if args.smoke:
        args.megabytes, args.opcodes = 4, 50_000
    rows: list[dict[str, Any]] = []
    logging.disable(logging.CRITICAL)
    with TemporaryDirectory() as tmp:
        files = {
            f"one {args.megabytes} MiB bytes object": Path(tmp) / "big.pkl",
            f"{args.opcodes:,} small opcodes": Path(tmp) / "ops.pkl",
        }
        big_bytes_pickle(files[f"one {args.megabytes} MiB bytes object"], args.megabytes)
        many_ops_pickle(files[f"{args.opcodes:,} small opcodes"], args.opcodes)
        print("| file | size | scanner | seconds | peak Python memory |")
        print("| --- | --- | --- | --- | --- |")
        for label, path in files.items():
            size = path.stat().st_size / CHUNK
            for name, task in (("sha256 (baseline)", sha256), ("registry", ours), ("picklescan", picklescan)):
                seconds, peak = measure(task, path)
                print(f"| {label} | {size:.0f} MiB | {name} | {seconds:.2f} | {peak:.1f} MiB |")
                rows.append(
                    {"file": label, "mib": size, "scanner": name, "seconds": seconds, "peak_python_mib": peak}
                )
    options = {"megabytes": args.megabytes, "opcodes": args.opcodes}
    results.write("safety_scan_memory", {"rows": rows}, options=options)


if __name__ == "__main__":
    main()
