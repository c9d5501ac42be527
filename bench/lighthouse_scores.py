"""Lighthouse 12.2.3 (backend/webtools, npm) scores of web pages, run against Debian's Chromium.

    python -m bench.lighthouse_scores URL [URL ...] [--token "bearer ..."]

Prints accessibility, best-practices and SEO per page. The browser tests call `lighthouse_scores` too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

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


def main() -> None:
    """Print the scores of each page given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--token", help="X-Authorization value for pages behind sign-in")
    args = parser.parse_args()
    print(f"{'page':60} " + " ".join(f"{c:>15}" for c in CATEGORIES))
    for url in args.urls:
        scores = lighthouse_scores(url, token=args.token)
        print(f"{url:60} " + " ".join(f"{scores[c]:>15.0f}" for c in CATEGORIES))


if __name__ == "__main__":
    main()
