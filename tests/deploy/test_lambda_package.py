"""`make lambda-package` builds a zip Lambda accepts: under the 250 MB unzipped limit, with the handlers."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.deploy.tools import ROOT

LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024  # bytes, function code and layers together


def test_package_fits_lambda_and_holds_the_handlers(tmp_path: Path):
    out = tmp_path / "registry.zip"
    done = subprocess.run(
        ["bash", str(ROOT / "backend" / "aws" / "package-lambda.sh"), sys.executable, str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with zipfile.ZipFile(out) as archive:
        entries = archive.infolist()
        names = {entry.filename for entry in entries}
        unzipped = sum(entry.file_size for entry in entries)
        assert archive.testzip() is None
    assert unzipped < LAMBDA_UNZIPPED_LIMIT, f"{unzipped / 2**20:.1f} MiB unzipped"
    assert {"main.py", "worker.py", "package/core/config.py", "mangum/__init__.py"} <= names
    assert not any(name.startswith(("tests/", ".venv/")) for name in names)
    # Byte-code only for Lambda's python3.12, when one built it (never the build machine's own caches).
    cached = [n for n in names if "__pycache__" in n]
    assert all(n.endswith(".cpython-312.pyc") for n in cached), cached[:5]
    # Lambda's python3.12 runs on x86_64 Amazon Linux 2023: native wheels must be built for that.
    native = [n for n in names if n.endswith(".so")]
    assert native and not any("darwin" in n or "win_amd64" in n or "aarch64" in n for n in native)
