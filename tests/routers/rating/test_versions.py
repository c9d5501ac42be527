"""Ratings per version: a PUT keeps the outgoing version's rating, `?version=N` reads it, and retention,
delete and reset let it go; on both storage drivers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from package.core.storage import get_storage
from package.routers.artifacts import services as artifact_services
from package.routers.rating import database
from tests.aws import aws_registry, moto_server
from tests.routers.rating.conftest import HF, USAGE_BODY, card, wait_ratings

__all__ = ["aws_registry", "moto_server"]


@pytest.fixture(params=["local", "aws"])
def api(request: pytest.FixtureRequest, settings_env: Callable[..., None]) -> TestClient:
    """The registry on each storage driver; no rating starts on its own, so each test says when to rate."""
    settings_env(rate_on_ingest="false")
    chosen: TestClient = request.getfixturevalue("client" if request.param == "local" else "aws_registry")
    return chosen


@pytest.fixture
def models(hf_model: Callable[..., str]) -> tuple[str, str, str]:
    """Three Hub models that rate differently: a documented one, a bare one, and a licensed one."""
    documented = hf_model("documented", **card(USAGE_BODY, license="apache-2.0"), license="apache-2.0")
    bare = hf_model("bare", readme="# bare\n")
    licensed = hf_model("licensed", **card("# A model\n\nShort card.", license="mit"), license="mit")
    return documented, bare, licensed


def register(api: TestClient, repo: str) -> dict[str, Any]:
    response = api.post("/artifact/model", json={"url": HF + repo})
    assert response.status_code == 201, response.text
    meta: dict[str, Any] = response.json()["metadata"]
    return meta


def put(api: TestClient, meta: dict[str, Any], repo: str) -> None:
    body = {"metadata": meta, "data": {"url": HF + repo}}
    response = api.put(f"/artifacts/model/{meta['id']}", json=body)
    assert response.status_code == 200, response.text


def rate(api: TestClient, meta: dict[str, Any], **params: Any) -> dict[str, Any]:
    response = api.get(f"/artifact/model/{meta['id']}/rate", params=params)
    assert response.status_code == 200, response.text
    wait_ratings()  # a computed rating is stored after it is answered; these tests read storage
    body: dict[str, Any] = response.json()
    return body


def versions(api: TestClient, meta: dict[str, Any]) -> list[dict[str, Any]]:
    response = api.get(f"/artifact/model/{meta['id']}/versions")
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()
    return listed


def kept_ratings(artifact_id: str) -> list[str]:
    """The generations whose rating is kept for earlier versions of the model (read from storage)."""
    return [r.sk for r in get_storage().records.query(f"RATINGVERSION#{artifact_id}")]


def test_a_put_keeps_the_rating_of_the_outgoing_version(api: TestClient, models: tuple[str, str, str]):
    documented, bare, _ = models
    meta = register(api, documented)
    first = rate(api, meta)
    put(api, meta, bare)
    second = rate(api, meta)
    assert first["net_score"] != second["net_score"]
    assert rate(api, meta, version=1) == first
    assert rate(api, meta, version=2) == second  # the current number answers as without it
    assert rate(api, meta) == second  # the spec's /rate: the current version, as before
    listed = versions(api, meta)
    assert [v["net_score"] for v in listed] == [first["net_score"], second["net_score"]]
    assert listed[0]["rating_url"] == f"/artifact/model/{meta['id']}/rate?version=1"
    assert listed[1]["rating_url"] == f"/artifact/model/{meta['id']}/rate"
    details = api.get(f"/artifact/model/{meta['id']}/rate/details", params={"version": 1}).json()
    assert details["generation"] == listed[0]["generation"] and details["rating"] == first


def test_unknown_unrated_and_malformed_versions(api: TestClient, models: tuple[str, str, str]):
    documented, bare, _ = models
    meta = register(api, documented)
    put(api, meta, bare)  # version 1 was never rated while it was current
    unrated = api.get(f"/artifact/model/{meta['id']}/rate", params={"version": 1})
    assert unrated.status_code == 404
    assert unrated.json()["error"] == "version_not_rated"
    assert "not rated afterwards" in unrated.json()["message"]
    assert versions(api, meta)[0]["net_score"] is None
    missing = api.get(f"/artifact/model/{meta['id']}/rate", params={"version": 7})
    assert missing.status_code == 404 and "no version 7" in missing.json()["message"]
    for bad in ("0", "-1", "two", "1.5"):
        assert api.get(f"/artifact/model/{meta['id']}/rate", params={"version": bad}).status_code == 400
    assert api.get(f"/artifact/model/{meta['id']}/rate/details", params={"version": 7}).status_code == 404


def test_retention_drops_the_ratings_of_the_versions_it_lets_go(
    api: TestClient, models: tuple[str, str, str], settings_env: Callable[..., None]
):
    settings_env(versions_kept="1")
    documented, bare, licensed = models
    meta = register(api, documented)
    rate(api, meta)
    put(api, meta, bare)
    second = rate(api, meta)
    put(api, meta, licensed)
    listed = versions(api, meta)
    assert kept_ratings(meta["id"]) == [listed[1]["generation"]]
    gone = api.get(f"/artifact/model/{meta['id']}/rate", params={"version": 1})
    assert gone.status_code == 404 and "REGISTRY_VERSIONS_KEPT=1" in gone.json()["message"]
    assert rate(api, meta, version=2) == second
    assert listed[0]["net_score"] is None and listed[1]["net_score"] == second["net_score"]


def test_delete_and_reset_remove_every_version_rating(api: TestClient, models: tuple[str, str, str]):
    documented, bare, licensed = models
    meta = register(api, documented)
    rate(api, meta)
    put(api, meta, bare)
    assert len(kept_ratings(meta["id"])) == 1
    assert api.delete(f"/artifacts/model/{meta['id']}").status_code == 200
    assert kept_ratings(meta["id"]) == []
    other = register(api, licensed)
    rate(api, other)
    put(api, other, documented)
    assert len(kept_ratings(other["id"])) == 1
    assert api.delete("/reset").status_code == 200
    assert kept_ratings(other["id"]) == []


def test_a_newer_rating_stored_before_the_update_hook_ran_keeps_the_older_one(
    api: TestClient, models: tuple[str, str, str]
):
    meta = register(api, models[0])
    rate(api, meta)
    storage = get_storage()
    older = database.get_report(storage, meta["id"])
    assert older is not None
    database.put_report(
        storage, older.model_copy(update={"generation": "a-newer-one"})
    )  # e.g. a racing /rate
    assert database.version_report(storage, meta["id"], older.generation) == older
    assert kept_ratings(meta["id"]) == [older.generation]


def test_a_put_in_another_process_while_a_rating_is_stored_drops_the_stale_rating(
    api: TestClient, models: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch
):
    meta = register(api, models[0])
    storage = get_storage()
    real_put = database.put_report

    def put_after_a_replace(*args: Any, **kwargs: Any) -> bool:
        # Another worker's PUT commits between this process's "still current?" read and its write.
        item = storage.records.get("ARTIFACT", meta["id"])
        assert item is not None
        storage.records.put("ARTIFACT", meta["id"], {**item, "generation": "replaced-elsewhere"})
        return real_put(*args, **kwargs)

    monkeypatch.setattr(database, "put_report", put_after_a_replace)
    rate(api, meta)  # answered, but the rating of the replaced generation is not kept as current
    assert database.get_report(storage, meta["id"]) is None
    assert kept_ratings(meta["id"]) == []


def test_a_stale_rating_neither_replaces_nor_archives_the_newer_one(
    api: TestClient, models: tuple[str, str, str]
):
    documented, bare, _ = models
    meta = register(api, documented)
    rate(api, meta)
    storage = get_storage()
    older = database.get_report(storage, meta["id"])
    assert older is not None
    put(api, meta, bare)
    rate(api, meta)
    newer = database.get_report(storage, meta["id"])
    assert newer is not None and newer.generation != older.generation
    guard = artifact_services.generation_check(meta["id"], older.generation)
    assert not database.put_report(storage, older, current=guard)  # a slow rating of version 1 lands late
    assert database.get_report(storage, meta["id"]) == newer
    assert kept_ratings(meta["id"]) == [older.generation]
    assert database.version_report(storage, meta["id"], older.generation) == older
