"""Server time of each web page with 1,000 artifacts registered, against JSON API baselines in the same run.

Starts the fake hub, registers N models (seeded through the artifacts domain's services, as any ingest),
then times each page in-process over ASGI (no network, so the figure is the server's own time):

    python -m bench.web_render [--artifacts 1000] [--rounds 30] [--smoke]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from bench import registry, results
from tests.fakehub import FakeHub

BUDGET_MS = 150.0


def _seed(count: int) -> str:
    """Register `count` models through the artifacts services; return one id."""
    from package.core.auth_middleware import Permission, Principal
    from package.core.config import get_settings
    from package.core.storage import get_storage
    from package.core.upstream.clients import get_upstreams
    from package.routers.artifacts import services as artifact_services
    from package.routers.artifacts.interface import ArtifactCreate, ArtifactType

    admin = Principal(name=registry.ADMIN_NAME, is_admin=True, permissions=frozenset(Permission))

    def one(index: int) -> str:
        artifact = artifact_services.register(
            get_storage(), get_upstreams(), get_settings(), artifact_type=ArtifactType.MODEL,
            body=ArtifactCreate(url=f"https://huggingface.co/bench-org/model-{index:04d}"),
            principal=admin, base_url="http://bench",
        )  # fmt: skip
        return artifact.metadata.id

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(one, range(count)))
    return ids[len(ids) // 2]


def _time(client: TestClient, method: str, path: str, rounds: int, **kwargs: Any) -> tuple[float, float]:
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.request(method, path, **kwargs)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code < 400, (path, response.status_code, response.text[:300])
    timings.sort()
    return statistics.median(timings), timings[math.ceil(len(timings) * 0.95) - 1]  # nearest rank


def main() -> None:
    """Seed, print median and p95 server time per page, write bench/results/web_render.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--smoke", action="store_true", help="30 artifacts, 2 rounds")
    args = parser.parse_args()
    if args.smoke:
        args.artifacts, args.rounds = 30, 2
    last_page = max(1, -(-args.artifacts // 25))  # the catalog's default 25 per page
    figures: dict[str, Any] = {"artifacts": args.artifacts, "pages": {}}
    hub = FakeHub()
    for index in range(args.artifacts):
        hub.add_model(
            f"bench-org/model-{index:04d}", license="apache-2.0",
            readme=f"# model-{index:04d}\n\nA benchmark model fine-tuned on squad, number {index}.\n",
            files={"config.json": b"{}", "model.safetensors": b"\0" * 1024},
        )  # fmt: skip
    hub.start()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        os.environ.update(
            {
                "REGISTRY_DATA_DIR": tmp, "HF_ENDPOINT": hub.hf_url, "GITHUB_API_URL": hub.github_url,
                "REGISTRY_MIRROR": "off", "REGISTRY_RATE_ON_INGEST": "false", "REGISTRY_LOG_LEVEL": "WARNING",
                "REGISTRY_HEALTH_PROBE_INTERVAL_SECONDS": "3600",
            }
        )  # fmt: skip
        from main import create_app

        with TestClient(create_app()) as client:
            started = time.perf_counter()
            model_id = _seed(args.artifacts)
            figures["seed_s"] = time.perf_counter() - started
            print(f"seeded {args.artifacts} models in {figures['seed_s']:.1f} s")
            client.headers["X-Authorization"] = registry.admin_token(client)
            cases = [
                ("baseline: GET /health (JSON)", "GET", "/health", {}),
                ("baseline: POST /artifacts page (JSON)", "POST", "/artifacts", {"json": [{"name": "*"}]}),
                ("catalog, first page", "GET", "/", {}),
                ("catalog, last page", "GET", f"/?page={last_page}", {}),
                ("catalog, name search", "GET", "/?q=model-09", {}),
                ("catalog, regex over names+READMEs", "GET", "/?q=number+99%24&mode=regex", {}),
                ("artifact page", "GET", f"/web/artifact/model/{model_id}", {}),
                ("register form", "GET", "/web/register", {}),
                ("admin", "GET", "/web/admin", {}),
                ("health", "GET", "/web/health", {}),
            ]
            print(f"{'page':40} {'median ms':>10} {'p95 ms':>10}  (budget {BUDGET_MS:.0f} ms)")
            for label, method, path, kwargs in cases:
                median, p95 = _time(client, method, path, args.rounds, **kwargs)
                over = [name for name, value in (("median", median), ("p95", p95)) if value > BUDGET_MS]
                flag = "" if label.startswith("baseline") or not over else f"  over budget: {', '.join(over)}"
                print(f"{label:40} {median:10.1f} {p95:10.1f}{flag}")
                figures["pages"][label] = {"median_ms": median, "p95_ms": p95}
    hub.stop()
    results.write("web_render", figures, options={"artifacts": args.artifacts, "rounds": args.rounds})


if __name__ == "__main__":
    main()
