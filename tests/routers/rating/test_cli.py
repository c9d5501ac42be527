"""The command-line rater: a file of URLs in, one NDJSON line per model out, through the same services."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from package.core.events import clear_hooks
from package.routers.artifacts.interface import ArtifactType
from package.routers.rating.__main__ import parse_lines, rate_file
from tests.routers.rating.conftest import GH, HF

LINES = [
    f"{GH}google-research/bert, {HF}datasets/bookcorpus/bookcorpus, {HF}google-bert/bert-base-uncased",
    f",,{HF}parvk11/audience_classifier_model",
    f"{HF}openai/whisper-tiny {GH}openai/whisper",
    "",
    "# a comment",
    f"{HF}nobody/nothing",
]


def test_lines_are_read_as_triples_or_by_url_form():
    parsed = parse_lines(LINES)
    assert [[kind for kind, _ in line] for line in parsed] == [
        [ArtifactType.CODE, ArtifactType.DATASET, ArtifactType.MODEL],
        [ArtifactType.MODEL],
        [ArtifactType.MODEL, ArtifactType.CODE],
        [ArtifactType.MODEL],
    ]


def test_rates_every_model_and_reports_failures():
    out, err = io.StringIO(), io.StringIO()
    try:
        status = rate_file(LINES, out, err, explain=True)
    finally:
        clear_hooks()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["name"] for line in lines] == [
        "bert-base-uncased",
        "audience_classifier_model",
        "whisper-tiny",
    ]
    bert, audience, whisper = lines
    assert bert["dataset_and_code_score"] == 1.0  # linked to the code and dataset of its line
    assert audience["tree_score"] == bert["net_score"]  # parent rated on an earlier line
    assert whisper["reviewedness"] > 0
    assert "reasons" in whisper and whisper["reasons"]["license"].startswith("declares 'apache-2.0'")
    assert status == 1 and "nobody/nothing" in err.getvalue()


def test_runs_as_a_module(tmp_path: Path, hub):
    url_file = tmp_path / "urls.txt"
    url_file.write_text(f"{HF}acme/tiny-weights-20mb\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env |= {
        "HF_ENDPOINT": hub.hf_url,
        "GITHUB_API_URL": hub.github_url,
        "REGISTRY_DATA_DIR": str(tmp_path / "d"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "package.routers.rating", str(url_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    rating = json.loads(line)
    assert rating["name"] == "tiny-weights-20mb" and rating["license"] == 1.0
    assert all(f"{m}_latency" in rating for m in ("net_score", "size_score", "reviewedness"))
