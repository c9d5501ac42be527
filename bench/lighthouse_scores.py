"""Lighthouse 12.2.3 (backend/webtools, npm) scores of web pages, run against Debian's Chromium.

    python -m bench.lighthouse_scores [URL ...] [--token "bearer ..."] [--smoke]

Prints accessibility, best-practices and SEO per page and writes bench/results/lighthouse_scores.json. Without
URLs it starts the fake hub and a registry, registers a model and scores the sign-in page, the catalog and the
model's page (`--smoke`: the sign-in page only). The browser tests call `lighthouse_scores` too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import results

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "backend" / "webtools" / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ("accessibility", "best-practices", "seo")
# The machine has no outside network: Chromium must not try to reach anything on its own.
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)


def lighthouse_scores(url: str, *, token: str | None = None, timeout: float = 180.0) -> dict[str, float]:
    """Each category's score (0..100) for one page, signed in with `token` when given."""
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        report = Path(tmp) / "report.json"
        command = [
            "node",
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={CHROME_FLAGS} --user-data-dir={Path(tmp) / 'profile'}",
            "--form-factor=desktop",
            "--screenEmulation.disabled",
            "--throttling-method=provided",
        ]
        if token:
            command.append("--extra-headers=" + json.dumps({"X-Authorization": token}))
        env = os.environ | {"CHROME_PATH": os.environ.get("CHROME_PATH", CHROMIUM)}
        subprocess.run(command, check=True, env=env, timeout=timeout, capture_output=True)
        categories = json.loads(report.read_text())["categories"]
    return {name: round(float(categories[name]["score"] or 0) * 100, 1) for name in CATEGORIES}


@contextmanager
def _own_registry(smoke: bool) -> Iterator[list[tuple[str, str, str | None]]]:
    """A registry on the fake hub with one model: (label, URL, token) of the pages to score."""
    import httpx

    from bench import registry
    from tests.fakehub import FakeHub

    with FakeHub() as hub, tempfile.TemporaryDirectory() as tmp:
        proc, url = registry.start_server(hub, Path(tmp), {"REGISTRY_MIRROR": "off"})
        try:
            with httpx.Client(base_url=url, timeout=60) as http:
                token = registry.admin_token(http)
                body = {"url": "https://huggingface.co/microsoft/resnet-50"}
                response = http.post("/artifact/model", json=body, headers={"X-Authorization": token})
                response.raise_for_status()
                model_id = response.json()["metadata"]["id"]
            pages: list[tuple[str, str, str | None]] = [("sign-in", f"{url}/", None)]
            if not smoke:
                pages += [
                    ("catalog", f"{url}/", token),
                    ("artifact", f"{url}/web/artifact/model/{model_id}", token),
                ]
            yield pages
        finally:
            proc.terminate()
            proc.wait()


def _score(pages: list[tuple[str, str, str | None]]) -> dict[str, dict[str, float]]:
    print(f"{'page':60} " + " ".join(f"{c:>15}" for c in CATEGORIES))
    figures = {}
    for label, url, token in pages:
        scores = lighthouse_scores(url, token=token)
        print(f"{label + ' ' + url:60} " + " ".join(f"{scores[c]:>15.0f}" for c in CATEGORIES))
        figures[label] = scores
    return figures


def main() -> None:
    """Print the scores of each page (given, or of a registry started here); write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="*")
    parser.add_argument("--token", help="X-Authorization value for pages behind sign-in")
    parser.add_argument(
        "--smoke", action="store_true", help="only the sign-in page of a registry started here"
    )
    args = parser.parse_args()
    if args.urls:
        figures = _score([(url, url, args.token) for url in args.urls])
    else:
        with _own_registry(args.smoke) as pages:
            figures = _score(pages)
    results.write("lighthouse_scores", figures, options={"urls": args.urls, "smoke": args.smoke})


if __name__ == "__main__":
    main()
