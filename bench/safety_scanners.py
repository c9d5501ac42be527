"""Our scanner beside picklescan, modelscan and fickling on the safety fixtures: verdicts and time per file.

Every fixture is built from bytes and opcodes (tests/fakehub/fixtures/safety_files.py) and written to a
temporary folder; each scanner reads the files from disk, none of them loads a model. A canary file that the
payloads would create is checked at the end. Prints a Markdown table (docs/safety.md shows one run).

    python -m bench.safety_scanners [--repeat 5] [--smoke]
"""

from __future__ import annotations

import argparse
import gzip
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import results
from tests.fakehub.fixtures import safety_files as fx

Scanner = Callable[[Path], str]


def fixtures(folder: Path, canary: Path) -> list[tuple[str, str, str, bytes]]:
    """(what, file name, expected verdict, bytes) of every fixture."""
    return pickle_fixtures(canary) + format_fixtures(folder, canary)


def pickle_fixtures(canary: Path) -> list[tuple[str, str, str, bytes]]:
    """Pickles, bare and in PyTorch archives."""
    return [
        ("os.system by GLOBAL (legacy .bin)", "pytorch_model.bin", "dangerous", fx.os_system_pickle(canary)),
        (
            "subprocess.Popen by STACK_GLOBAL from the memo",
            "popen.pkl",
            "dangerous",
            fx.popen_stack_global_pickle(canary),
        ),
        (
            "the same inside a PyTorch zip",
            "model.pt",
            "dangerous",
            fx.pytorch_zip(fx.popen_stack_global_pickle(canary)),
        ),
        ("benign PyTorch zip (state dict)", "benign.pt", "safe", fx.pytorch_zip(fx.state_dict_pickle())),
        (
            "benign legacy state dict + raw tensor bytes",
            "legacy.bin",
            "safe",
            fx.state_dict_pickle() + bytes(64),
        ),
        (
            "unknown import (sklearn class)",
            "model.pkl",
            "suspicious",
            b"\x80\x02csklearn.linear_model\nLogisticRegression\n)R.",
        ),
    ]


def format_fixtures(folder: Path, canary: Path) -> list[tuple[str, str, str, bytes]]:
    """Keras, NumPy, joblib, safetensors, ONNX and GGUF files, and a disguised pickle."""
    blob = fx.weights()
    valid = blob.read(0, blob.size)  # type: ignore[attr-defined]
    template = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"
    return [
        ("Keras 3 archive with a Lambda layer", "model.keras", "dangerous", fx.keras_zip(with_lambda=True)),
        (
            "Keras 2 HDF5 with a Lambda layer",
            "model.h5",
            "dangerous",
            fx.keras_h5(folder / "scratch.h5", True),
        ),
        (
            "NumPy object array carrying os.system",
            "array.npy",
            "dangerous",
            fx.numpy_object_array(fx.os_system_pickle(canary)),
        ),
        (
            "gzip-compressed joblib carrying os.system",
            "model.joblib",
            "dangerous",
            gzip.compress(fx.os_system_pickle(canary)),
        ),
        ("pickle named config.json", "config.json", "dangerous", fx.os_system_pickle(canary)),
        ("safetensors, truncated header", "truncated.safetensors", "suspicious", fx.truncated_safetensors()),
        (
            "safetensors, 2^40-byte header claim",
            "oversized.safetensors",
            "suspicious",
            fx.oversized_safetensors(),
        ),
        ("safetensors, valid", "valid.safetensors", "safe", valid),
        (
            "ONNX external data ../../etc/passwd",
            "model.onnx",
            "dangerous",
            fx.onnx_external("../../../etc/passwd"),
        ),
        ("GGUF chat template reaching os.popen", "model.gguf", "dangerous", fx.gguf(template)),
    ]


def ours(path: Path) -> str:
    """This registry's scanner (package/routers/safety)."""
    from package.routers.safety.interface import worst
    from package.routers.safety.scanner import scan_file

    with path.open("rb") as stream:
        out = scan_file(path.name, stream, path.stat().st_size, complete=True, deadline=time.monotonic() + 60)
    return worst([f.severity for f in out.findings]).value


def picklescan(path: Path) -> str:
    """picklescan 1.0.5: scan_file_path."""
    from picklescan.scanner import scan_file_path

    result = scan_file_path(str(path))
    if result.infected_files:
        return "dangerous"
    if result.suspicious_count:
        return "suspicious"
    return "error" if result.scan_err else "safe"


def modelscan(path: Path) -> str:
    """modelscan 0.8.8: ModelScan().scan."""
    from modelscan.modelscan import ModelScan

    result = ModelScan().scan(path)
    severities = {str(issue.get("severity", "")).upper() for issue in result.get("issues", [])}
    if severities & {"CRITICAL", "HIGH"}:
        return "dangerous"
    if severities & {"MEDIUM", "LOW"}:
        return "suspicious"
    if result.get("errors"):
        return "error"
    summary = result.get("summary", {})
    return "safe" if summary.get("scanned", {}).get("total_scanned") else "not scanned"


def fickling(path: Path) -> str:
    """fickling 0.1.12: scan_file(graceful=True)."""
    import fickling as fk
    from fickling.analysis import Severity

    result = fk.scan_file(str(path), graceful=True)
    if result.severity.value[0] >= Severity.LIKELY_UNSAFE.value[0]:
        return "dangerous"
    if result.severity.value[0] >= Severity.POSSIBLY_UNSAFE.value[0]:
        return "suspicious"
    return "error" if result.errors else "safe"


SCANNERS: dict[str, Scanner] = {
    "registry": ours,
    "picklescan": picklescan,
    "modelscan": modelscan,
    "fickling": fickling,
}


def run(scanner: Scanner, path: Path, repeat: int) -> tuple[str, float]:
    """The scanner's verdict and its median time in ms (a crash is a verdict too)."""
    times = []
    verdict = ""
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            verdict = scanner(path)
        except Exception as exc:  # a scanner that crashes on hostile input says so in the table
            verdict = f"crash ({type(exc).__name__})"
        times.append((time.perf_counter() - started) * 1000)
    return verdict, statistics.median(times)


def main() -> None:
    """Print the comparison table and write bench/results/safety_scanners.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="every fixture once, our scanner and picklescan")
    args = parser.parse_args()
    # The smoke run leaves out modelscan and fickling: seconds of imports for nothing the smoke checks.
    scanners = {k: SCANNERS[k] for k in ("registry", "picklescan")} if args.smoke else SCANNERS
    repeat = 1 if args.smoke else args.repeat
    table: list[dict[str, Any]] = []
    logging.disable(logging.CRITICAL)  # the scanners' own warnings would drown the table
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        canary = folder / "payload-ran"
        rows = fixtures(folder, canary)
        print("| fixture | expected | " + " | ".join(scanners) + " |")
        print("| --- | --- |" + " --- |" * len(scanners))
        correct = dict.fromkeys(scanners, 0)
        total_ms = dict.fromkeys(scanners, 0.0)
        for what, name, expected, data in rows:
            path = folder / name
            path.write_bytes(data)
            cells = []
            verdicts: dict[str, dict[str, Any]] = {}
            for label, scanner in scanners.items():
                verdict, ms = run(scanner, path, repeat)
                correct[label] += verdict == expected
                total_ms[label] += ms
                mark = "" if verdict == expected else " ✗"
                cells.append(f"{verdict}{mark} ({ms:.1f} ms)")
                verdicts[label] = {"verdict": verdict, "ms": ms}
            path.unlink()
            table.append({"fixture": what, "file": name, "expected": expected, "verdicts": verdicts})
            print(f"| {what} (`{name}`) | {expected} | " + " | ".join(cells) + " |")
        print("| **right verdicts** | |" + "".join(f" **{correct[s]}/{len(rows)}** |" for s in scanners))
        print(
            "| total time (median of runs, summed) | |"
            + "".join(f" {total_ms[s]:.0f} ms |" for s in scanners)
        )
        print(f"\ncanary created: {canary.exists()}")
        figures = {
            "right_verdicts": correct,
            "fixtures": len(rows),
            "total_ms": total_ms,
            "canary_created": canary.exists(),
            "table": table,
        }
    results.write("safety_scanners", figures, options={"repeat": repeat, "scanners": list(scanners)})


if __name__ == "__main__":
    main()
