"""byRegEx's deadline: a search running past REGISTRY_REGEX_DEADLINE_MS answers 400, never a partial list."""

from __future__ import annotations

from pathlib import Path

import pytest

from package.core.config import Settings
from package.core.storage import Storage, open_storage
from package.routers.artifacts import database, regex_query
from package.routers.artifacts.config import get_artifacts_settings
from package.routers.artifacts.errors import ArtifactNotFound, PatternTooExpensive
from tests.helpers import make_record

SNAPSHOT = {"source": {"kind": "hf_model", "repo_id": "org/model"}, "files": []}
SETTINGS = Settings()
README = "lorem ipsum dolor sit amet " * 2_000  # 54 kB: a long model card


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    """An embedded registry of 60 artifacts with long READMEs, its index complete."""
    opened = open_storage(Settings(data_dir=tmp_path))
    database.index_texts(opened)
    for i in range(60):
        database.create(opened, make_record(f"a{i:02d}", f"org/m{i}", name=f"model-{i}"), SNAPSHOT, README)
    return opened


class FakeClock:
    """A monotonic clock that moves an hour on every look, so any deadline passes at the first check."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        self.now += 3600.0
        return self.now


def test_a_pattern_with_no_literal_over_many_texts_is_stopped_at_a_tiny_deadline(storage):
    # (x+x+)+y: nested repetition, nothing the index can narrow by: every README is read and searched.
    with pytest.raises(PatternTooExpensive, match="REGISTRY_REGEX_DEADLINE_MS") as raised:
        regex_query.by_regex(storage, SETTINGS, pattern="(x+x+)+y", deadline_ms=1)
    assert raised.value.status_code == 400 and raised.value.code == "pattern_too_expensive"
    with pytest.raises(ArtifactNotFound):  # the same search with time to finish: a plain "no match"
        regex_query.by_regex(storage, SETTINGS, pattern="(x+x+)+y", deadline_ms=60_000)


def test_ordinary_patterns_finish_well_within_the_default_deadline(storage):
    assert get_artifacts_settings().regex_deadline_ms == 3000
    assert [m.id for m in regex_query.by_regex(storage, SETTINGS, pattern="model-1[0-9]")] == [
        f"a{i}" for i in range(10, 20)
    ]
    assert len(regex_query.by_regex(storage, SETTINGS, pattern=".*ipsum.*")) == 60


@pytest.mark.parametrize(
    ("pattern", "use_index"),
    [
        ("ipsum", True),  # index candidates
        ("(a|aa)*$", True),  # every search document
        ("ipsum", False),  # the full scan
        ("(?<=lorem )ipsum", True),  # the bounded fallback engine: it stops too, not answer a partial list
    ],
)
def test_every_path_checks_the_deadline(storage, monkeypatch, pattern, use_index):
    monkeypatch.setattr(regex_query, "_now", FakeClock())
    with pytest.raises(PatternTooExpensive):
        regex_query.by_regex(storage, SETTINGS, pattern=pattern, use_index=use_index, deadline_ms=500)


def test_the_deadline_comes_from_the_environment(storage, monkeypatch):
    monkeypatch.setenv("REGISTRY_REGEX_DEADLINE_MS", "1")
    get_artifacts_settings.cache_clear()
    try:
        with pytest.raises(PatternTooExpensive):
            regex_query.by_regex(storage, SETTINGS, pattern="(x+x+)+y")
    finally:
        monkeypatch.delenv("REGISTRY_REGEX_DEADLINE_MS")
        get_artifacts_settings.cache_clear()


def test_over_http_a_search_past_its_deadline_is_a_400_json_error(client, monkeypatch):
    monkeypatch.setattr(regex_query, "_now", FakeClock())
    response = client.post("/artifact/byRegEx", json={"regex": "(a|aa)*$"})
    assert response.status_code == 400
    assert response.json()["error"] == "pattern_too_expensive"
    monkeypatch.undo()
    assert client.post("/artifact/byRegEx", json={"regex": "(a|aa)*$"}).status_code == 404  # empty registry
