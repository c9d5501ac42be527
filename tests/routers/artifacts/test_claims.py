"""The one-time claims migration: records stored before canonical source claims get them at start-up."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from package.core.storage import Delete, Put, Storage, get_storage
from package.core.upstream.sources import parse_source_url
from package.routers.artifacts import claims, database, maintenance_db
from package.routers.artifacts.interface import ArtifactType

LEGACY = "https://huggingface.co/bert-base-uncased"
CANONICAL = "https://huggingface.co/google-bert/bert-base-uncased"
CANONICAL_KEY = "hf_model:google-bert/bert-base-uncased@"


def source_sk(key: str) -> str:
    return f"model|{key}"


def written_the_old_way(storage: Storage, artifact_id: str) -> None:
    """Rewrite a record as the registry stored it before canonical claims: claimed under its URL's own key."""
    record = database.get(storage, artifact_id)
    assert record is not None
    old_key = parse_source_url(record.url).key
    old = record.model_copy(update={"source_key": old_key})
    storage.records.transact(
        [
            Delete("SOURCE", source_sk(record.source_key)),
            Put("SOURCE", source_sk(old_key), {"id": record.id}),
            Put("ARTIFACT", record.id, old.model_dump(mode="json")),
        ]
    )
    storage.records.delete(maintenance_db.MIGRATION, claims.MIGRATION)  # a store from before the migration


def post(client: TestClient, url: str) -> str:
    created = client.post("/artifact/model", json={"url": url})
    assert created.status_code == 201, created.text
    return str(created.json()["metadata"]["id"])


def restart(client: TestClient) -> TestClient:
    """A new app on the same storage, started as a restarted server would be."""
    from main import create_app

    fresh = TestClient(create_app())
    fresh.__enter__()
    fresh.headers.update(client.headers)
    return fresh


def test_old_duplicates_get_one_claim_held_by_the_oldest(client, caplog):
    storage = get_storage()
    oldest = post(client, LEGACY)
    written_the_old_way(storage, oldest)
    # The old registry let the canonical URL in as a second artifact: its key differed.
    younger = post(client, CANONICAL)
    assert database.source_owner(storage, ArtifactType.MODEL, CANONICAL_KEY) == younger
    written_the_old_way(storage, younger)

    with caplog.at_level(logging.WARNING, logger="registry.artifacts.claims"):
        restarted = restart(client)
    try:
        assert database.source_owner(storage, ArtifactType.MODEL, CANONICAL_KEY) == oldest
        moved = database.get(storage, oldest)
        assert moved is not None and moved.source_key == CANONICAL_KEY
        assert any(younger in str(getattr(r, "duplicates", "")) for r in caplog.records)
        for url in (LEGACY, CANONICAL):
            again = restarted.post("/artifact/model", json={"url": url})
            assert again.status_code == 409
            assert again.json()["details"] == {"existing_id": oldest}
        # The duplicate is kept, readable and deletable, and deleting it leaves the oldest's claim alone.
        assert restarted.get(f"/artifacts/model/{younger}").status_code == 200
        assert restarted.delete(f"/artifacts/model/{younger}").status_code == 200
        assert database.source_owner(storage, ArtifactType.MODEL, CANONICAL_KEY) == oldest
    finally:
        restarted.__exit__(None, None, None)


def test_the_migration_runs_once_and_again_changes_nothing(client):
    storage = get_storage()
    aid = post(client, LEGACY)
    written_the_old_way(storage, aid)

    first = claims.migrate_claims(storage)
    assert first is not None and first.moved == [aid] and first.duplicates == {}
    assert claims.migrate_claims(storage) is None  # its version record says it ran
    storage.records.delete(maintenance_db.MIGRATION, claims.MIGRATION)
    again = claims.migrate_claims(storage)
    assert again is not None and again.moved == [] and again.duplicates == {}
    assert database.source_owner(storage, ArtifactType.MODEL, CANONICAL_KEY) == aid


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("https://github.com/OpenAI/Whisper.git", "github:openai/whisper@"),
        ("not a url", "kept"),
    ],
)
def test_the_key_comes_from_what_is_stored(client, stored, expected):
    storage = get_storage()
    created = client.post("/artifact/code", json={"url": "https://github.com/openai/whisper"})
    record = database.get(storage, created.json()["metadata"]["id"])
    assert record is not None
    odd = record.model_copy(update={"url": stored, "source_key": "kept"})
    assert claims.canonical_key(storage, odd) == expected
