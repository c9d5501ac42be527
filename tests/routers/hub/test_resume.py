"""An interrupted download resumes with Range, whether the file is stored or streams from upstream."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

BERT = "google-bert/bert-base-uncased"
# huggingface_hub reads bodies in 10 MB chunks and resumes from the last whole chunk it wrote: the cut
# (tests/routers/hub/conftest.py) falls at 12 MB of this 20 MiB file.
LARGE = "acme/tiny-weights-20mb"
CUT = {"_CUT": f"{LARGE}/resolve/main/model.safetensors"}


@pytest.mark.parametrize(
    "hub_env", [CUT, CUT | {"REGISTRY_MIRROR": "off"}], indirect=True, ids=["stored", "streamed"]
)
def test_interrupted_download_resumes_with_range(live, hub_files, hub_env, tmp_path, caplog):
    from huggingface_hub import hf_hub_download

    live.register(f"https://huggingface.co/{LARGE}", mirrored="REGISTRY_MIRROR" not in hub_env)
    sha = hub_files(LARGE)["model.safetensors"]
    caplog.set_level(logging.INFO, logger="registry.request")
    path = hf_hub_download(LARGE, "model.safetensors", endpoint=live.url, token=live.admin_jwt,
                           cache_dir=tmp_path)  # fmt: skip
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha
    answered = [r.getMessage() for r in caplog.records if "/resolve/" in str(getattr(r, "path", ""))]
    assert [m.split()[0] + " " + m.split()[-1] for m in answered] == ["HEAD 200", "GET 200", "GET 206"]


def test_hf_endpoint_environment_variable(live, hub_files, tmp_path):
    """A script that only sets HF_ENDPOINT and HF_TOKEN pulls through the registry."""
    live.register(f"https://huggingface.co/{BERT}")
    token = live.token(["download"], name="script")
    script = (
        "import sys; from huggingface_hub import snapshot_download; print(snapshot_download(sys.argv[1]))"
    )
    env = os.environ | {"HF_ENDPOINT": live.url, "HF_TOKEN": token, "HF_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-c", script, BERT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.strip().splitlines()[-1])
    upstream = hub_files(BERT)
    assert sorted(p.name for p in folder.iterdir()) == sorted(upstream)
    for name, sha in upstream.items():
        if sha:
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha
