"""huggingface_hub through the registry's Hub-compatible endpoint, against the fake hub directly, same run.

Starts the fake hub and a real registry server (uvicorn subprocess, embedded storage in a temp folder),
registers the 20 MiB model, waits for its copy into the blob store, then times with the real client:
- `hf_hub_download` of the 20 MiB weights (fresh cache each round), registry vs. hub;
- `snapshot_download` of the whole repository, registry vs. hub;
and, with a second registry whose mirror is off, the same download streamed through from upstream.

    python -m bench.hub_download [--rounds 3] [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from huggingface_hub import hf_hub_download, snapshot_download
from huggingface_hub.utils.tqdm import disable_progress_bars

from bench import registry, results
from bench.ingest_download import BIG
from tests.fakehub import FakeHub

WEIGHTS = "model.safetensors"


def _register(url: str) -> str:
    """Register the 20 MiB model; return the session token (bare JWT) to use as the Hub token."""
    with httpx.Client(base_url=url, timeout=120) as http:
        headers = registry.admin_headers(http)
        body = {"url": f"https://huggingface.co/{BIG}"}
        response = http.post("/artifact/model", json=body, headers=headers)
        assert response.status_code == 201, response.text
        artifact_id = response.json()["metadata"]["id"]
        for _ in range(600):  # the background copy into the blob store
            details = http.get(f"/artifact/model/{artifact_id}/details", headers=headers).json()
            if details["mirror"]["status"] not in ("pending", "mirroring"):
                break
            time.sleep(0.05)
    return headers["X-Authorization"].split(" ", 1)[1]


def _median(label: str, rounds: int, run: object, size: int | None = None) -> float:
    assert callable(run)
    times = []
    for index in range(rounds):
        started = time.perf_counter()
        run(index)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    rate = f"  {size / median / 2**20:7.1f} MiB/s" if size else ""
    print(f"  {label:<44} {median * 1000:7.0f} ms{rate}")
    return median


def bench(hub: FakeHub, url: str, token: str, work: Path, rounds: int, label: str) -> dict[str, float]:
    """Time one file and one snapshot through `url`, and the same straight from the hub when `label` says.

    Returns median milliseconds by what was timed.
    """
    size = 20 * 2**20

    def one(endpoint: str, auth: str | None, tag: str) -> object:
        return lambda i: hf_hub_download(
            BIG, WEIGHTS, endpoint=endpoint, token=auth, cache_dir=work / f"{tag}-file-{i}"
        )

    def snap(endpoint: str, auth: str | None, tag: str) -> object:
        return lambda i: snapshot_download(
            BIG, endpoint=endpoint, token=auth, cache_dir=work / f"{tag}-snap-{i}"
        )

    figures = {}
    if label == "stored":
        seconds = _median(
            "baseline: hf_hub_download from the hub", rounds, one(hub.hf_url, None, "hub"), size
        )
        figures["hub_file_ms"] = seconds * 1000
    seconds = _median(f"registry ({label}): hf_hub_download", rounds, one(url, token, label), size)
    figures[f"registry_{label}_file_ms"] = seconds * 1000
    if label == "stored":
        seconds = _median("baseline: snapshot_download from the hub", rounds, snap(hub.hf_url, None, "hub"))
        figures["hub_snapshot_ms"] = seconds * 1000
    seconds = _median(f"registry ({label}): snapshot_download", rounds, snap(url, token, label))
    figures[f"registry_{label}_snapshot_ms"] = seconds * 1000
    return figures


def main() -> None:
    """Run the comparison, print its figures and write them to bench/results/hub_download.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="one round")
    args = parser.parse_args()
    rounds = 1 if args.smoke else args.rounds
    figures: dict[str, float] = {}
    disable_progress_bars()  # figures only
    hub = FakeHub()
    hub.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"{BIG} through huggingface_hub (median of {rounds}, fresh cache each round):")
            for mirror, label in (("eager", "stored"), ("off", "streamed")):
                proc, url = registry.start_server(hub, Path(tmp) / mirror, {"REGISTRY_MIRROR": mirror})
                try:
                    work = Path(tmp) / f"work-{mirror}"
                    figures |= bench(hub, url, _register(url), work, rounds, label)
                finally:
                    proc.terminate()
                    proc.wait()
    finally:
        hub.stop()
    figures["file_mib"] = 20
    results.write("hub_download", figures, options={"rounds": rounds})


if __name__ == "__main__":
    main()
