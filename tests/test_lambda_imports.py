"""A Lambda cold start imports `main`: the heavy libraries only some requests need must wait for them.

Structural, not timed: a fresh interpreter imports `main` and reports which of the heavy modules it loaded
(bench/lambda_cold.py measures the time). Then a token is issued and checked, and an upstream adapter built,
so the deferred imports are shown to load where they are used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Loaded on first use only: the Hub client and its HTTP stack (upstream calls), JWT signing and the
# cryptography it pulls in (the first token), and boto3 (the AWS storage driver, when configured);
# httpx with its CLI's rich/click/pygments (the first health probe), the regex engines (the first regex
# query), markdown-it and nh3 (the first README shown), jinja2 (the first web page), argon2 (the first
# password checked: a start finds the default admin already hashed).
DEFERRED = (
    *("huggingface_hub", "httpx2", "trio", "yaml", "jose.jwt", "cryptography", "boto3"),
    *("httpx", "rich", "re2", "regex", "markdown_it", "nh3", "jinja2", "argon2"),
)


def _run(code: str, tmp_path: Path) -> dict[str, bool]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env |= {
        "REGISTRY_DATA_DIR": str(tmp_path),
        "REGISTRY_LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded: dict[str, bool] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_import_main_leaves_the_heavy_libraries_for_later(tmp_path):
    code = f"import json, sys\nimport main\nprint(json.dumps({{n: n in sys.modules for n in {DEFERRED!r}}}))"
    assert _run(code, tmp_path) == dict.fromkeys(DEFERRED, False)


def test_the_deferred_libraries_load_where_they_are_used(tmp_path):
    code = """
import json, sys
import main
from package.core.config import get_settings
from package.core.storage import get_storage
from package.core.tokens import issue_token
from package.core.upstream.clients import get_upstreams
from package.core.upstream.sources import SourceKind

issue_token(
    get_storage(), get_settings(), subject="someone", is_admin=False, permissions=[], generation="g",
    lifetime_seconds=60,
)
get_upstreams().adapter(SourceKind.HF_MODEL)
print(json.dumps({n: n in sys.modules for n in ("jose.jwt", "huggingface_hub")}))
"""
    assert _run(code, tmp_path) == {"jose.jwt": True, "huggingface_hub": True}


def test_the_web_search_and_probe_libraries_load_where_they_are_used(tmp_path):
    code = """
import json, sys
import main
from package.core.config import get_settings
from package.routers.artifacts.search import compile_pattern
from package.routers.health.probes import UpstreamProber
from package.routers.web.readme import render_readme
from package.routers.web.session import templates

loaded = {}
assert compile_pattern("bert").search("a bert model")
loaded["re2"], loaded["regex"] = "re2" in sys.modules, "regex" in sys.modules
assert compile_pattern("(?<=a)b").search("ab")  # look-behind: RE2 refuses it, the bounded engine runs it
loaded["regex after a look-behind"] = "regex" in sys.modules
assert "<h1>" in render_readme("# Card")
assert templates().get_template("base.html") is not None
UpstreamProber(get_settings())._http().close()
print(json.dumps(loaded | {n: n in sys.modules for n in ("markdown_it", "nh3", "jinja2", "httpx")}))
"""
    assert _run(code, tmp_path) == {
        "re2": True,
        "regex": False,
        "regex after a look-behind": True,
        "markdown_it": True,
        "nh3": True,
        "jinja2": True,
        "httpx": True,
    }
