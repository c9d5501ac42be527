"""Builders shared by test modules (test modules never import each other; they import these)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from fastapi import FastAPI
from fastapi.testclient import TestClient

from package.core.config import Settings
from package.core.logging import JsonFormatter, configure_logging
from package.core.on_loop import on_loop
from package.core.storage import Storage
from package.core.storage.files import FileBlobStore
from package.core.storage.sqlite import SqliteRecordStore
from package.core.upstream.clients import Upstreams
from package.routers.artifacts.interface import (
    ArtifactDetails,
    ArtifactRecord,
    ArtifactSnapshot,
    ArtifactType,
)
from package.routers.rating.context import ParentScore, RatingContext


def make_record(
    artifact_id: str,
    repo_id: str,
    *,
    source_kind: str = "hf_model",
    artifact_type: ArtifactType = ArtifactType.MODEL,
    name: str | None = None,
) -> ArtifactRecord:
    """A hand-made artifact record (no storage involved)."""
    return ArtifactRecord(
        id=artifact_id,
        name=name if name is not None else repo_id.rsplit("/", 1)[-1],
        type=artifact_type,
        url=f"https://example.test/{repo_id}",
        source_key=f"{source_kind}:{repo_id.lower()}@",
        source_kind=source_kind,
        repo_id=repo_id,
        created_at="2025-01-01T00:00:00Z",
        updated_at="2025-01-01T00:00:00Z",
        created_by="test",
        generation="g1",
    )


def make_snapshot(repo_id: str = "owner/repo", kind: str = "hf_model", **fields: Any) -> ArtifactSnapshot:
    """A typed snapshot as `artifact_services.details` returns it, validated from stored-item fields."""
    item: dict[str, Any] = {"source": {"kind": kind, "repo_id": repo_id}, **fields}
    return ArtifactSnapshot.model_validate(item)


def make_context(
    *,
    readme: str | None = None,
    repo_id: str = "acme/model",
    records: list[ArtifactRecord] | None = None,
    parent_scores: dict[str, float] | None = None,
    **snapshot_fields: Any,
) -> RatingContext:
    """A rating context over a hand-made model (no storage, no upstream: metrics that would read either
    must get their inputs from the snapshot, the README, `records` or `parent_scores`)."""
    record = make_record("model-1", repo_id)
    details = ArtifactDetails(
        record=record, snapshot=make_snapshot(repo_id, **snapshot_fields), readme=readme
    )
    scores = parent_scores or {}

    def score_parent(parent_id: str) -> ParentScore | None:
        return ParentScore(parent_id, parent_id, scores[parent_id]) if parent_id in scores else None

    return RatingContext(
        storage=cast(Storage, None),
        upstreams=cast(Upstreams, None),
        settings=Settings(),
        details=details,
        records=[record, *(records or [])],
        parent_ids=list(scores),
        score_parent=score_parent,
        now=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
    )


def embedded_storage(folder: Path) -> Storage:
    """A fresh embedded storage (SQLite records, file blobs) in `folder`."""
    return Storage(
        records=SqliteRecordStore(folder / "registry.sqlite3"),
        blobs=FileBlobStore(folder / "blobs"),
        description=f"test ({folder})",
        local=True,
    )


ROOT = Path(__file__).resolve().parents[1]
SettingsT = TypeVar("SettingsT")


def override_settings(client: TestClient, getter: Callable[[], SettingsT], value: SettingsT) -> None:
    """Make the app under `client` inject `value` wherever a route depends on the settings getter `getter`."""
    app = client.app
    assert isinstance(app, FastAPI)
    app.dependency_overrides[on_loop(getter)] = lambda: value


def bench_env(results: Path) -> dict[str, str]:
    """A benchmark process's environment: this one's without REGISTRY_* settings, writing into `results`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    return env | {"BENCH_RESULTS": str(results)}


def run_smoke(
    name: str, results: Path, *, printed: tuple[str, ...] = (), timeout: float = 600
) -> dict[str, Any]:
    """Run `python -m bench.<name> --smoke` into `results`; the JSON it wrote (benchmark, options, figures).

    A process of its own, as people run it: no hook, setting or cache of other tests reaches the benchmark,
    and none of its environment reaches later tests. `printed`: text its output must hold.
    """
    argv = [sys.executable, "-m", f"bench.{name}", "--smoke"]
    done = subprocess.run(
        argv, cwd=ROOT, env=bench_env(results), capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for text in printed:
        assert text in done.stdout, done.stdout[-2000:]
    payload: dict[str, Any] = json.loads((results / f"{name}.json").read_text())
    assert payload["benchmark"] == name
    return payload


class LogLines(logging.Handler):
    """Collects the JSON lines the registry's loggers write: as written (`text`) and parsed (`lines`)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.text: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the line the registry's formatter makes of `record`."""
        self.text.append(self.format(record))

    @property
    def lines(self) -> list[dict[str, Any]]:
        """Every line so far, parsed."""
        return [json.loads(line) for line in self.text]

    def requests(self) -> list[dict[str, Any]]:
        """The per-request lines so far."""
        return [line for line in self.lines if line["logger"] == "registry.request"]


@contextmanager
def captured_log_lines(level: str) -> Iterator[LogLines]:
    """The registry's log lines from `level` up while the block runs; logging is back at INFO after it."""
    configure_logging(level)
    handler = LogLines()
    root = logging.getLogger("registry")
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        configure_logging("INFO")
