"""The license index and the audit log's user/action indexes, on both drivers: upkeep, paging, backfill."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from package.core.auth_middleware import Principal
from package.core.config import Settings
from package.core.storage import Put, Storage, open_storage
from package.core.write_behind import WriteBehind
from package.routers.artifacts import audit, audit_db, catalog_db, database, queries
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import (
    ArtifactQuery,
    ArtifactRecord,
    ArtifactType,
    AuditAction,
    AuditLogAction,
)
from tests.aws import AWS_ENV, moto_server, unique_name
from tests.conftest import clear_process_caches, login
from tests.helpers import make_record

__all__ = ["moto_server"]
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TYPES = [ArtifactType.MODEL, ArtifactType.DATASET, ArtifactType.CODE]


@pytest.fixture
def storage(storage: Storage) -> Storage:
    """The conftest's fresh storage of each driver, with complete indexes, as a first start leaves it."""
    assert catalog_db.ensure_indexes(storage) == 0
    assert audit_db.ensure_indexes(storage) == 0
    return storage


@pytest.fixture
def aws_client(
    client: TestClient, moto_server: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[TestClient]:
    """A registry on the AWS driver (DynamoDB + S3 served by moto over HTTP)."""
    from main import create_app

    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("REGISTRY_STORAGE", "aws")
    monkeypatch.setenv("REGISTRY_AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("REGISTRY_AWS_CREATE_RESOURCES", "true")
    monkeypatch.setenv("REGISTRY_DYNAMODB_TABLE", unique_name(request.node.name))
    monkeypatch.setenv("REGISTRY_S3_BUCKET", unique_name(request.node.name))
    clear_process_caches()
    with TestClient(create_app()) as aws:
        aws.headers["X-Authorization"] = login(aws)
        yield aws


def many(storage: Storage, embedded: int) -> int:
    """How many artifacts a test stores: moto copies its whole table on every transaction, so fewer there."""
    return embedded if storage.description.startswith("embedded") else embedded // 4


def add(storage: Storage, n: int, *, license_id: str | None = "mit", hidden: bool = False) -> ArtifactRecord:
    """Store artifact number n (type by n % 3), registered n milliseconds after START."""
    stamp = (START + dt.timedelta(milliseconds=n)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    made = make_record(f"id-{n:05d}", f"acme/m{n}", artifact_type=TYPES[n % 3], name=f"m{n}")
    made = made.model_copy(update={"created_at": stamp, "license": license_id, "source_key": f"key{n}"})
    database.create(storage, made, {}, None, hidden=hidden)
    return made


def walk(
    storage: Storage, body: list[ArtifactQuery], *, page_size: int = 10, use_license_index: bool = True
) -> Iterator[list[str]]:
    """Each page's ids, following the offsets to the end."""
    settings, offset = Settings(page_size=page_size), None
    while True:
        page, offset = queries.list_artifacts(
            storage, settings, queries=body, offset=offset, use_license_index=use_license_index
        )
        yield [m.id for m in page]
        if offset is None:
            return


def licensed(storage: Storage, license_id: str, artifact_type: ArtifactType | None = None) -> list[str]:
    """The ids filed in the license index under a license (every type, or one), in catalog order."""
    types = [artifact_type] if artifact_type else list(ArtifactType)
    found = [r for t in types for r in storage.records.query(catalog_db.license_partition(t, license_id))]
    return [r.item["id"] for r in sorted(found, key=lambda r: r.sk)]


def ids(pages: Iterator[list[str]]) -> list[str]:
    return [i for page in pages for i in page]


class TestLicenseIndex:
    @pytest.mark.parametrize("use_license_index", [True, False])
    def test_long_licenses_are_filed_under_a_bounded_key_and_matched_exactly(
        self, storage, use_license_index
    ):
        medium, long = "Custom-License " + "terms " * 40, "A free-text license: " + "clause. " * 700
        first, second = add(storage, 1, license_id=medium), add(storage, 2, license_id=long)
        add(storage, 3, license_id=long[:-1] + "!")  # the same up to its last character
        assert len(catalog_db.license_partition(ArtifactType.DATASET, long)) < 100  # hashed, bounded
        for asked, wanted in ((medium.upper(), first.id), (long.lower(), second.id)):
            query = ArtifactQuery(name="*", license=asked)  # refused past 128 characters before
            assert ids(walk(storage, [query], use_license_index=use_license_index)) == [wanted]

    def test_create_put_delete_and_reset_keep_it_exact(self, storage):
        first, second = add(storage, 1, license_id="MIT"), add(storage, 2, license_id="apache-2.0")
        add(storage, 3, license_id=None)
        waiting = add(storage, 4, license_id="mit", hidden=True)  # registered, not yet published
        assert licensed(storage, "mit") == [first.id, waiting.id]
        assert ids(walk(storage, [ArtifactQuery(name="*", license="mit")])) == [first.id]
        assert database.unhide(storage, waiting.id)
        assert ids(walk(storage, [ArtifactQuery(name="*", license="mit")])) == [first.id, waiting.id]
        database.delete(storage, waiting)
        assert licensed(storage, "mit") == [first.id] and licensed(storage, "Apache-2.0") == [second.id]
        changed = first.model_copy(update={"license": "gpl-3.0", "generation": "g2"})
        database.replace(storage, first, changed, {}, None)  # a PUT or re-ingest whose license changed
        assert licensed(storage, "mit") == [] and licensed(storage, "gpl-3.0") == [first.id]
        assert ids(walk(storage, [ArtifactQuery(name="*", license="GPL-3.0")])) == [first.id]
        database.delete(storage, second)
        assert licensed(storage, "apache-2.0") == []
        artifact_services.reset(storage)
        assert licensed(storage, "gpl-3.0") == []
        assert storage.records.get(catalog_db.SCHEMA, catalog_db.SCHEMA_SK) == {"version": 2}

    def test_a_rare_license_pages_without_short_pages(self, storage, monkeypatch):
        monkeypatch.setattr(queries, "SCAN_BATCH", 20)
        monkeypatch.setattr(queries, "SCAN_BUDGET_ENTRIES", 20)
        count = many(storage, 400)
        made = [add(storage, n, license_id="bsd-3" if n % 25 == 0 else "mit") for n in range(count)]
        rare = [r.id for r in made if r.license == "bsd-3"]
        pages = list(walk(storage, [ArtifactQuery(name="*", license="BSD-3")], page_size=3))
        assert pages == [rare[i : i + 3] for i in range(0, len(rare), 3)]
        budgeted = list(walk(storage, [ArtifactQuery(name="*", license="bsd-3")], use_license_index=False))
        assert ids(iter(budgeted)) == rare and len(budgeted) > len(pages)

    def test_types_read_only_their_own_partitions(self, storage, monkeypatch):
        made = [add(storage, n, license_id="mit" if n % 2 else "apache-2.0") for n in range(24)]
        read: list[str] = []
        original = storage.records.query_page

        def spy(pk: str, **kwargs: object) -> object:
            read.append(pk)
            return original(pk, **kwargs)

        monkeypatch.setattr(storage.records, "query_page", spy)
        body = [ArtifactQuery(name="*", license="mit", types=[ArtifactType.DATASET])]
        expected = [r.id for r in made if r.license == "mit" and r.type is ArtifactType.DATASET]
        assert ids(walk(storage, body, page_size=2)) == expected
        assert set(read) == {catalog_db.license_partition(ArtifactType.DATASET, "mit")}

    def test_several_licenses_merge_in_catalog_order(self, storage):
        made = [add(storage, n, license_id=["mit", "apache-2.0", "gpl-3.0"][n % 5 % 3]) for n in range(40)]
        body = [
            ArtifactQuery(name="*", license="mit"),
            ArtifactQuery(name="*", license="gpl-3.0", types=[ArtifactType.CODE]),
        ]
        expected = [
            r.id
            for r in made
            if r.license == "mit" or (r.license == "gpl-3.0" and r.type is ArtifactType.CODE)
        ]
        assert ids(walk(storage, body, page_size=4)) == expected

    def test_a_store_from_before_the_license_index_gets_it_once(self, storage):
        made = [add(storage, n, license_id="mit" if n % 3 else "cc-by-4.0") for n in range(many(storage, 30))]
        for license_id in ("mit", "cc-by-4.0"):
            for t in ArtifactType:
                for entry in storage.records.query(catalog_db.license_partition(t, license_id)):
                    storage.records.delete(entry.pk, entry.sk)
        storage.records.put(catalog_db.SCHEMA, catalog_db.SCHEMA_SK, {"version": 1})
        catalog_db.INDEX.forget(storage)  # a new process, after an upgrade
        assert catalog_db.ensure_indexes(storage) == len(made)
        assert catalog_db.ensure_indexes(storage) == 0
        assert licensed(storage, "cc-by-4.0") == [r.id for r in made if r.license == "cc-by-4.0"]


def test_merged_pages_read_each_entry_once_in_order(tmp_path: Path) -> None:
    storage = open_storage(Settings(data_dir=tmp_path))
    keys = {"A": [1, 2, 3, 10, 11, 12, 13], "B": [4, 5, 14], "C": []}
    for pk, numbers in keys.items():
        storage.records.transact([Put(pk, f"{n:04d}", {"n": n}) for n in numbers])
    batches = list(catalog_db.merged_pages(storage, list(keys), after="0001", batch=2))
    assert [r.item["n"] for b, _ in batches for r in b] == [2, 3, 4, 5, 10, 11, 12, 13, 14]
    assert [last for _, last in batches] == [False] * (len(batches) - 1) + [True]


def record_as(storage: Storage, user: str, action: AuditAction, n: int = 0) -> None:
    """One audit entry of artifact n, written as `user`."""
    made = make_record(f"a{n}", f"acme/m{n}")
    audit.record(storage, record=made, principal=Principal(name=user, is_admin=False), action=action)


def walk_log(storage: Storage, wanted: audit.AuditFilter, **options: bool) -> list[list[str]]:
    """Each page's (user, action) pairs, following the offsets to the end."""
    pages, offset = [], None
    while True:
        page, offset = audit.entries(storage, wanted, offset=offset, limit=4, **options)
        pages.append([f"{e.user.name}:{e.action.value}" for e in page])
        if offset is None:
            return pages


class TestAuditIndexes:
    def test_user_and_action_filters_read_their_own_entries(self, storage, monkeypatch):
        monkeypatch.setattr(audit, "SCAN_BATCH", 10)
        monkeypatch.setattr(audit, "SCAN_BUDGET_ENTRIES", 10)
        for n in range(many(storage, 120)):
            who, action = ("rare", AuditAction.RATE) if n % 20 == 3 else ("eve", AuditAction.DOWNLOAD)
            record_as(storage, who, action, n)
        rare = [p for p in walk_log(storage, audit.AuditFilter(user="rare"))]
        assert all(len(p) == 4 for p in rare[:-1]) and {e for p in rare for e in p} == {"rare:RATE"}
        assert sum(map(len, rare)) == len([n for n in range(many(storage, 120)) if n % 20 == 3])
        rated = walk_log(storage, audit.AuditFilter(action=AuditLogAction.RATE))
        assert rated == rare
        for user, logged in [("eve", AuditLogAction.RATE), ("rare", AuditLogAction.DOWNLOAD)]:
            both = walk_log(storage, audit.AuditFilter(user=user, action=logged))
            assert both == [[]]  # the narrower index read, to its end in one page
        budgeted = walk_log(storage, audit.AuditFilter(user="rare"), use_index=False)
        assert [e for p in budgeted for e in p] == [e for p in rare for e in p]

    def test_tombstones_and_resets_are_filed_and_reset_clears(self, storage):
        record_as(storage, "bob", AuditAction.CREATE)
        audit.tombstone(storage, record=make_record("a0", "acme/m0"), principal=None)
        deleted = walk_log(storage, audit.AuditFilter(action=AuditLogAction.DELETE))
        assert deleted == [["registry:DELETE"]]
        artifact_services.reset(storage, principal=Principal(name="root", is_admin=True))
        assert walk_log(storage, audit.AuditFilter(user="bob")) == [[]]
        assert walk_log(storage, audit.AuditFilter(user="root")) == [["root:RESET"]]
        assert storage.records.get(audit_db.SCHEMA, audit_db.SCHEMA_SK) is not None

    def test_a_log_from_before_the_indexes_gets_them_once(self, storage):
        for n in range(many(storage, 40)):
            record_as(storage, f"user{n % 4}", AuditAction.DOWNLOAD, n)
        for pk in [audit_db.user_partition(f"user{n}") for n in range(4)]:
            for entry in storage.records.query(pk):
                storage.records.delete(entry.pk, entry.sk)
        for entry in storage.records.query(audit_db.action_partition("DOWNLOAD")):
            storage.records.delete(entry.pk, entry.sk)
        storage.records.delete(audit_db.SCHEMA, audit_db.SCHEMA_SK)
        audit_db.INDEX.forget(storage)  # a new process, after an upgrade
        assert audit_db.ensure_indexes(storage) == many(storage, 40)
        assert audit_db.ensure_indexes(storage) == 0
        everything, _ = audit.entries(storage, audit.AuditFilter(), limit=500)
        users = [e for p in walk_log(storage, audit.AuditFilter(user="user1")) for e in p]
        assert len(users) == len([e for e in everything if e.user.name == "user1"]) > 0

    def test_a_backfill_racing_a_reset_files_nothing_the_reset_removed(self, storage):
        record_as(storage, "bob", AuditAction.CREATE)
        read = storage.records.query(audit_db.AUDITLOG)  # what a backfill read before the reset
        storage.records.clear()
        assert audit_db._file(storage, read) == 0
        assert storage.records.query(audit_db.user_partition("bob")) == []


def test_long_user_names_and_licenses_are_hashed_into_keys() -> None:
    assert len(audit_db.user_partition("u" * 5000)) < 100
    assert len(catalog_db.license_partition(ArtifactType.MODEL, "L" * 5000)) < 100
    assert catalog_db.license_partition(ArtifactType.MODEL, "MIT") == "CATLIC#model#mit"


def test_license_and_audit_filters_end_to_end_on_aws(aws_client):
    """Through the API on DynamoDB (moto over HTTP): the license filter and the audit user/action filters."""
    for kind, url in [
        ("model", "https://huggingface.co/google-bert/bert-base-uncased"),
        ("dataset", "https://huggingface.co/datasets/rajpurkar/squad"),
    ]:
        assert aws_client.post(f"/artifact/{kind}", json={"url": url}).status_code == 201
    found = aws_client.post("/artifacts", json=[{"name": "*", "license": "CC-BY-SA-4.0"}])
    assert found.status_code == 200 and [m["type"] for m in found.json()] == ["dataset"]
    assert "offset" not in found.headers  # the whole license read: nothing more to page through
    model = aws_client.post("/artifacts", json=[{"name": "*", "license": "apache-2.0", "types": ["model"]}])
    assert [m["name"] for m in model.json()] == ["bert-base-uncased"]
    created = aws_client.get("/audit", params={"action": "CREATE"}).json()
    assert [e["artifact"]["type"] for e in created] == ["model", "dataset"]
    user = created[0]["user"]["name"]
    mine = aws_client.get("/audit", params={"user": user, "action": "CREATE", "limit": 1})
    assert len(mine.json()) == 1 and mine.headers.get("offset")
    following = aws_client.get(
        "/audit", params={"user": user, "action": "CREATE", "offset": mine.headers["offset"]}
    )
    assert [e["artifact"]["type"] for e in following.json()] == ["dataset"]
    assert aws_client.get("/audit", params={"user": "nobody"}).json() == []


def test_two_processes_backfill_the_audit_indexes_at_once(tmp_path: Path) -> None:
    """Two stores on one SQLite file (two processes) backfilling together while entries are appended."""
    first = open_storage(Settings(data_dir=tmp_path))
    for n in range(150):
        record_as(first, f"user{n % 3}", AuditAction.DOWNLOAD, n)
    for entry in [r for n in range(3) for r in first.records.query(audit_db.user_partition(f"user{n}"))]:
        first.records.delete(entry.pk, entry.sk)
    for entry in first.records.query(audit_db.action_partition("DOWNLOAD")):
        first.records.delete(entry.pk, entry.sk)
    second = open_storage(Settings(data_dir=tmp_path))
    with ThreadPoolExecutor(max_workers=3) as pool:
        fills = [pool.submit(audit_db.ensure_indexes, s) for s in (first, second)]
        pool.submit(record_as, second, "late", AuditAction.RATE, 999).result()
        assert sum(f.result() for f in fills) >= 150
    log = second.records.query(audit_db.AUDITLOG)
    for user in ["user0", "user1", "user2", "late"]:
        filed = [r.sk for r in second.records.query(audit_db.user_partition(user))]
        assert filed == [r.sk for r in log if r.item["user"]["name"] == user]
    downloads = [r.sk for r in second.records.query(audit_db.action_partition("DOWNLOAD"))]
    assert downloads == [r.sk for r in log if r.item["action"] == "DOWNLOAD"]


def test_a_batched_download_entry_outlives_a_deletion_elsewhere_but_not_a_reset(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process deleted the artifact before this one's batch went out: the log keeps the download."""
    buffer = WriteBehind(flush_seconds=60)  # this "other process"'s batch: no flush but ours
    monkeypatch.setattr(database, "get_write_behind", lambda: buffer)
    ann = Principal(name="ann", is_admin=False)

    def download_of(n: int) -> None:  # of an artifact never stored: as if another process deleted it
        made = make_record(f"gone{n}", f"acme/gone{n}")
        audit.record(storage, record=made, principal=ann, action=AuditAction.DOWNLOAD, later=True)

    download_of(1)
    buffer.flush()
    assert [r.item["artifact"]["id"] for r in storage.records.query(audit_db.AUDITLOG)] == ["gone1"]
    assert [r.item["artifact"]["id"] for r in storage.records.query(audit_db.user_partition("ann"))] == [
        "gone1"
    ]
    assert storage.records.query("AUDIT#gone1") == [] and buffer.replaced == 1
    download_of(2)
    artifact_services.reset(storage)  # logged after the download: the entry goes with the rest of the log
    buffer.flush()
    assert [r.item["action"] for r in storage.records.query(audit_db.AUDITLOG)] == ["RESET"]
    assert buffer.dropped == 1
