"""The audit history that outlives deletes: per-artifact trail, registry-wide log, tombstones, resets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from package.core.auth_middleware import Principal
from package.core.errors import BadRequest
from package.routers.artifacts import audit
from package.routers.artifacts.interface import ArtifactType, AuditAction, AuditLogAction
from tests.helpers import embedded_storage, make_record

ADMIN = "ece30861defaultadminuser"
BERT = "https://huggingface.co/google-bert/bert-base-uncased"
WHISPER_CODE = "https://github.com/openai/whisper"


def register(client, kind, url):
    response = client.post(f"/artifact/{kind}", json={"url": url})
    assert response.status_code == 201, response.text
    return response.json()["metadata"]


def log(client, **params):
    response = client.get("/audit", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_delete_leaves_a_tombstone_with_who_and_when(client):
    bert = register(client, "model", BERT)
    assert client.delete(f"/artifacts/model/{bert['id']}").status_code == 200
    assert client.get(f"/artifact/model/{bert['id']}/audit").status_code == 404  # the spec's view: gone
    history = log(client, artifact_id=bert["id"])
    assert [e["action"] for e in history] == ["CREATE", "DELETE"]
    tombstone = history[-1]
    assert tombstone["user"] == {"name": ADMIN, "is_admin": True}
    assert tombstone["artifact"] == bert
    assert datetime.fromisoformat(tombstone["date"]) <= datetime.now(UTC)


def test_filters_by_user_action_type_and_time(client, user_client):
    bert = register(client, "model", BERT)
    register(client, "code", WHISPER_CODE)
    alice = user_client("alice", permissions=("search", "download"))
    assert alice.get(f"/download/model/{bert['id']}").status_code in (200, 302)
    assert [e["user"]["name"] for e in log(client, user="alice")] == ["alice"]
    assert [e["action"] for e in log(client, action="DOWNLOAD")] == ["DOWNLOAD"]
    assert {e["artifact"]["type"] for e in log(client, artifact_type="code")} == {"code"}
    assert log(client, since="2999-01-01T00:00:00Z") == []
    assert len(log(client, until="2999-01-01T00:00:00")) == 3
    assert client.get("/audit", params={"action": "EXPLODE"}).status_code == 400
    assert client.get("/audit", params={"since": "2999-01-01", "until": "2000-01-01"}).status_code == 400


def test_pages_with_an_offset_header(client):
    register(client, "model", BERT)
    register(client, "code", WHISPER_CODE)
    first = client.get("/audit", params={"limit": 1})
    assert len(first.json()) == 1 and first.headers["offset"]
    second = client.get("/audit", params={"limit": 1, "offset": first.headers["offset"]})
    assert len(second.json()) == 1 and "offset" not in second.headers
    assert first.json() != second.json()
    assert client.get("/audit", params={"limit": 1, "offset": 1}).json() == second.json()  # a count to skip
    assert client.get("/audit", params={"offset": "not-a-cursor!"}).status_code == 400


def test_only_admins_read_the_log(client, user_client, anonymous_client):
    alice = user_client("alice", permissions=("search",))
    assert alice.get("/audit").status_code == 401
    assert anonymous_client.get("/audit").status_code == 403


def test_reset_clears_the_log_but_records_itself(client):
    register(client, "model", BERT)
    assert client.delete("/reset").status_code == 200
    history = log(client)
    assert [e["action"] for e in history] == ["RESET"]
    assert history[0]["user"]["name"] == ADMIN
    assert history[0]["note"] == "1 artifacts removed"
    assert client.post("/artifacts", json=[{"name": "*"}]).json() == []


def test_services_write_both_views_atomically(tmp_path):
    storage = embedded_storage(tmp_path)
    record = make_record("a1", "acme/model")
    bob = Principal(name="bob", is_admin=False)
    audit.record(storage, record=record, principal=bob, action=AuditAction.RATE)
    audit.tombstone(storage, record=record, principal=None)
    page, following = audit.entries(storage, audit.AuditFilter(artifact_type=ArtifactType.MODEL))
    assert [(e.action, e.user.name) for e in page] == [
        (AuditLogAction.RATE, "bob"),
        (AuditLogAction.DELETE, "registry"),
    ]
    assert following is None
    with pytest.raises(BadRequest):
        audit.entries(storage, audit.AuditFilter(), limit=0)


def test_filtered_pages_follow_cursors_within_the_scan_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(audit, "SCAN_BATCH", 10)
    monkeypatch.setattr(audit, "SCAN_BUDGET_ENTRIES", 10)
    storage = embedded_storage(tmp_path)
    record = make_record("a1", "acme/model")
    for n in range(60):
        who = Principal(name="bob" if n % 7 == 0 else "eve", is_admin=False)
        audit.record(storage, record=record, principal=who, action=AuditAction.DOWNLOAD)
    everything, _ = audit.entries(storage, audit.AuditFilter(), limit=500)
    pages = walk_log(storage, audit.AuditFilter(user="bob"), use_index=False)
    assert len(pages) >= 6  # the budget cut scans short, each with an offset
    bobs = [e for e in everything if e.user.name == "bob"]
    assert [e for p in pages for e in p] == bobs
    assert walk_log(storage, audit.AuditFilter(user="bob")) == [bobs[:3], bobs[3:6], bobs[6:]]  # by user
    middle = datetime.fromisoformat(everything[30].date)
    since, _ = audit.entries(storage, audit.AuditFilter(since=middle), limit=500)
    until, _ = audit.entries(storage, audit.AuditFilter(until=middle), limit=500)
    assert since == [e for e in everything if datetime.fromisoformat(e.date) >= middle]
    assert until == [e for e in everything if datetime.fromisoformat(e.date) <= middle]
    assert everything[30] in since and everything[30] in until


def walk_log(storage, wanted, *, use_index=True, limit=3):
    """Every page of the log entries that match, following the offsets to the end."""
    pages, offset = [], None
    while True:
        page, offset = audit.entries(storage, wanted, offset=offset, limit=limit, use_index=use_index)
        pages.append(page)
        if offset is None:
            return pages


@pytest.mark.parametrize("action", list(AuditAction))
@pytest.mark.parametrize("is_admin", [True, False])
def test_stored_entries_are_what_the_models_dump(action: AuditAction, is_admin: bool) -> None:
    from package.routers.artifacts.interface import ArtifactAuditEntry, AuditLogEntry, User

    record = make_record("a1", "google-bert/bert-base-uncased", name="bert")
    principal = Principal(name="ann", is_admin=is_admin)
    date = "2026-12-02T16:00:00.000Z"
    user = User(name="ann", is_admin=is_admin)
    entry, logged = audit.entry_documents(record, principal, action, date)
    model_entry = ArtifactAuditEntry(user=user, date=date, artifact=record.metadata, action=action)
    log_action = AuditLogAction(action.value)
    model_logged = AuditLogEntry(user=user, date=date, artifact=record.metadata, action=log_action)
    assert entry == model_entry.model_dump(mode="json")
    assert logged == model_logged.model_dump(mode="json")
    assert list(logged) == list(model_logged.model_dump(mode="json"))
    assert ArtifactAuditEntry.model_validate(entry) == model_entry
