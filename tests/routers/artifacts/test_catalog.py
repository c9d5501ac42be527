"""The listing and name indexes, on both drivers: keyset pages, cursors, updates, deletes, reset, backfill."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from package.core.config import Settings
from package.core.errors import BadRequest
from package.core.storage import Storage, open_storage
from package.routers.artifacts import catalog_db, database, queries
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.errors import ArtifactNotFound, TooManyMatches
from package.routers.artifacts.interface import ArtifactQuery, ArtifactRecord, ArtifactType
from package.routers.artifacts.paging import encode_cursor
from tests.helpers import make_record

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TYPES = [ArtifactType.MODEL, ArtifactType.DATASET, ArtifactType.CODE]


@pytest.fixture
def storage(storage: Storage) -> Storage:
    """The conftest's fresh storage of each driver, as a first start leaves it."""
    assert catalog_db.ensure_indexes(storage) == 0  # nothing to backfill: marks the indexes complete
    return storage


def record(n: int, *, name: str | None = None, license_id: str | None = "mit") -> ArtifactRecord:
    """Artifact number n, registered n milliseconds after START."""
    stamp = (START + dt.timedelta(milliseconds=n)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    made = make_record(f"id-{n:05d}", f"acme/m{n}", artifact_type=TYPES[n % 3], name=name or f"m{n}")
    return made.model_copy(update={"created_at": stamp, "license": license_id, "source_key": f"key{n}"})


def add(storage: Storage, n: int, *, hidden: bool = False, **fields: str | None) -> ArtifactRecord:
    """Store artifact number n (`hidden`: registered, not yet published)."""
    made = record(n, **fields)
    database.create(storage, made, {}, None, hidden=hidden)
    return made


def walk(
    storage: Storage, body: list[ArtifactQuery], *, page_size: int = 10, use_license_index: bool = True
) -> Iterator[list[str]]:
    """Each page's ids, following the offsets to the end."""
    settings = Settings(page_size=page_size)
    offset: str | None = None
    while True:
        page, offset = queries.list_artifacts(
            storage, settings, queries=body, offset=offset, use_license_index=use_license_index
        )
        yield [m.id for m in page]
        if offset is None:
            return


EVERYTHING = [ArtifactQuery(name="*")]


def many(storage: Storage, embedded: int) -> int:
    """How many artifacts a test stores: moto copies its whole table on every transaction, so fewer there."""
    return embedded if storage.description.startswith("embedded") else embedded // 4


class TestEnumeration:
    def test_pages_through_every_artifact_once_in_order(self, storage):
        count = many(storage, 250)
        made = [add(storage, n) for n in range(count)]
        pages = list(walk(storage, EVERYTHING))
        assert [len(p) for p in pages] == [10] * (count // 10) + ([count % 10] if count % 10 else [])
        assert [i for p in pages for i in p] == [r.id for r in made]

    def test_inserts_and_deletes_between_pages(self, storage):
        made = [add(storage, n) for n in range(many(storage, 100))]
        unread = made[len(made) // 2]
        seen: list[str] = []
        for number, page in enumerate(walk(storage, EVERYTHING)):
            seen += page
            if number == 0:
                database.delete(storage, unread)  # not read yet: never listed
                database.delete(storage, made[5])  # read already
                add(storage, 1000)  # newest: listed at the end
        expected = [r.id for r in made if r.id != unread.id] + ["id-01000"]
        assert seen == expected and len(set(seen)) == len(seen)

    def test_filters_page_within_a_scan_budget(self, storage, monkeypatch):
        monkeypatch.setattr(queries, "SCAN_BATCH", 20)
        monkeypatch.setattr(queries, "SCAN_BUDGET_ENTRIES", 20)
        count = many(storage, 200)
        made = [add(storage, n, license_id="apache-2.0" if n % 10 == 0 else "mit") for n in range(count)]
        body = [ArtifactQuery(name="*", license="APACHE-2.0")]
        pages = list(walk(storage, body, page_size=5, use_license_index=False))
        assert len(pages) >= count // 20  # short pages with an offset: the budget stopped each scan
        expected = [r.id for r in made if r.license == "apache-2.0"]
        assert [i for p in pages for i in p] == expected
        indexed = list(walk(storage, body, page_size=5))  # the license index: full pages only
        assert indexed == [expected[i : i + 5] for i in range(0, len(expected), 5)]
        codes = [i for p in walk(storage, [ArtifactQuery(name="*", types=[ArtifactType.CODE])]) for i in p]
        assert codes == [r.id for r in made if r.type is ArtifactType.CODE]

    def test_created_after_starts_at_that_time(self, storage):
        made = [add(storage, n) for n in range(30)]
        after = dt.datetime.fromisoformat(made[19].created_at)
        body = [ArtifactQuery(name="*", created_after=after)]
        assert [i for p in walk(storage, body) for i in p] == [r.id for r in made[20:]]

    def test_min_net_score_asks_only_about_the_page(self, storage, monkeypatch):
        count = many(storage, 61)
        for n in range(count):
            add(storage, n)
        asked: list[list[str]] = []

        def source(_: Storage, ids: object) -> dict[str, float]:
            asked.append(list(ids))  # type: ignore[call-overload]
            return {i: 0.9 for i in asked[-1] if i.endswith("0")}

        monkeypatch.setattr(queries, "_score_sources", [source])
        body = [ArtifactQuery(name="*", types=[ArtifactType.MODEL], min_net_score=0.5)]
        expected = [f"id-{n:05d}" for n in range(count) if n % 3 == 0 and n % 10 == 0]
        assert [i for p in walk(storage, body) for i in p] == expected
        assert all(int(i[3:]) % 3 == 0 for ids in asked for i in ids)  # only models were looked up

    def test_hidden_artifacts_are_listed_once_published(self, storage):
        add(storage, 1)
        add(storage, 2, hidden=True)
        assert [i for p in walk(storage, EVERYTHING) for i in p] == ["id-00001"]
        with pytest.raises(ArtifactNotFound):
            queries.by_name(storage, name="m2")
        assert database.unhide(storage, "id-00002")
        assert [i for p in walk(storage, EVERYTHING) for i in p] == ["id-00001", "id-00002"]
        assert [m.id for m in queries.by_name(storage, name="m2")] == ["id-00002"]


class TestOffsets:
    def test_integer_offsets_skip_matches(self, storage):
        made = [add(storage, n) for n in range(30)]
        page, following = queries.list_artifacts(
            storage, Settings(page_size=10), queries=EVERYTHING, offset="3"
        )
        assert [m.id for m in page] == [r.id for r in made[3:13]] and following == encode_cursor(
            catalog_db.sort_key(made[12])
        )

    @pytest.mark.parametrize(
        "offset", ["-1", "abc!", "x" * 300, encode_cursor("not a key"), "99999999", "\u00b2", "AAAA"]
    )
    def test_foreign_cursors_are_400(self, storage, offset):
        with pytest.raises(BadRequest):
            queries.list_artifacts(storage, Settings(), queries=EVERYTHING, offset=offset)


class TestIndexes:
    def test_by_name_reads_the_name_index(self, storage):
        first, _, second = add(storage, 1, name="twin"), add(storage, 2), add(storage, 3, name="twin")
        assert [m.id for m in queries.by_name(storage, name="twin")] == [first.id, second.id]
        long_name = "n" * 512
        add(storage, 4, name=long_name)
        assert [m.id for m in queries.by_name(storage, name=long_name)] == ["id-00004"]

    def test_update_refiles_a_renamed_artifact(self, storage):
        old = add(storage, 1, name="before")
        new = old.model_copy(update={"name": "after", "license": "gpl-3.0", "generation": "g2"})
        database.replace(storage, old, new, {}, None)
        with pytest.raises(ArtifactNotFound):
            queries.by_name(storage, name="before")
        assert [m.name for m in queries.by_name(storage, name="after")] == ["after"]
        by_license = [ArtifactQuery(name="*", license="gpl-3.0")]
        assert [i for p in walk(storage, by_license) for i in p] == [old.id]
        assert [i for p in walk(storage, [ArtifactQuery(name="*", license="mit")]) for i in p] == []

    def test_delete_and_reset_clear_the_indexes(self, storage):
        gone, kept = add(storage, 1), add(storage, 2)
        database.delete(storage, gone)
        assert [i for p in walk(storage, EVERYTHING) for i in p] == [kept.id]
        with pytest.raises(ArtifactNotFound):
            queries.by_name(storage, name=gone.name)
        artifact_services.reset(storage)
        assert [i for p in walk(storage, EVERYTHING) for i in p] == []
        assert storage.records.query(catalog_db.CATALOG) == []
        assert storage.records.get(catalog_db.SCHEMA, catalog_db.SCHEMA_SK) is not None

    def test_a_name_with_more_matches_than_allowed_is_413(self, storage):
        for n in range(4):
            add(storage, n, name="same")
        with pytest.raises(TooManyMatches):
            queries.list_artifacts(
                storage, Settings(max_query_results=3), queries=[ArtifactQuery(name="same")], offset=None
            )
        assert len(queries.by_name(storage, name="same")) == 4


class TestBackfill:
    def test_a_database_from_before_the_indexes_gets_them_once(self, storage):
        count = many(storage, 45)
        made = [add(storage, n, hidden=n == 7) for n in range(count)]
        for pk in [catalog_db.CATALOG, *{catalog_db.name_partition(r.name) for r in made}, catalog_db.SCHEMA]:
            for entry in storage.records.query(pk):
                storage.records.delete(entry.pk, entry.sk)
        catalog_db.INDEX.forget(storage)  # a new process
        assert catalog_db.ensure_indexes(storage) == count
        assert catalog_db.ensure_indexes(storage) == 0
        listed = [i for p in walk(storage, EVERYTHING) for i in p]
        assert listed == [r.id for r in made if r.id != "id-00007"]
        assert [m.id for m in queries.by_name(storage, name="m9")] == ["id-00009"]

    def test_a_backfill_never_overwrites_a_newer_write(self, storage):
        old = add(storage, 1, name="before")
        new = old.model_copy(update={"name": "after", "generation": "g2"})
        database.replace(storage, old, new, {}, None)
        stale_batch = [old]  # what a backfill read before the rename landed
        assert catalog_db._file(storage, stale_batch, set()) == 1  # re-read: files the current record
        with pytest.raises(ArtifactNotFound):
            queries.by_name(storage, name="before")
        assert [m.name for m in queries.by_name(storage, name="after")] == ["after"]


def test_two_processes_backfill_at_once_while_one_renames(tmp_path: Path) -> None:
    """Two stores on one SQLite file (two processes), backfilling together while artifacts change."""
    first = open_storage(Settings(data_dir=tmp_path))
    made = [add(first, n) for n in range(120)]
    for pk in [catalog_db.CATALOG, *{catalog_db.name_partition(r.name) for r in made}]:
        for entry in first.records.query(pk):
            first.records.delete(entry.pk, entry.sk)
    second = open_storage(Settings(data_dir=tmp_path))
    renamed = made[60].model_copy(update={"name": "renamed", "generation": "g2"})
    with ThreadPoolExecutor(max_workers=3) as pool:
        fills = [pool.submit(catalog_db.ensure_indexes, s) for s in (first, second)]
        pool.submit(database.replace, first, made[60], renamed, {}, None).result()
        pool.submit(database.delete, second, made[90]).result()
        assert all(f.result() >= 0 for f in fills)
    listed = [i for p in walk(second, EVERYTHING) for i in p]
    assert listed == [r.id for r in made if r is not made[90]]
    assert [m.id for m in queries.by_name(first, name="renamed")] == [made[60].id]
    with pytest.raises(ArtifactNotFound):
        queries.by_name(first, name=made[60].name)
    with pytest.raises(ArtifactNotFound):
        queries.by_name(first, name=made[90].name)


def test_one_type_reads_only_that_types_catalog(tmp_path: Path) -> None:
    storage = open_storage(Settings(data_dir=tmp_path))
    made = [add(storage, n) for n in range(12)]
    renamed = made[3].model_copy(update={"name": "renamed", "generation": "g2"})
    database.replace(storage, made[3], renamed, {}, None)
    database.delete(storage, made[6])
    models = [r.sk for r in storage.records.query(catalog_db.type_catalog(ArtifactType.MODEL))]
    assert models == [
        catalog_db.sort_key(r) for r in made if r.type is ArtifactType.MODEL and r is not made[6]
    ]
    assert storage.records.query(catalog_db.type_catalog(ArtifactType.MODEL))[1].item["name"] == "renamed"
    both = [
        ArtifactQuery(name="*", types=[ArtifactType.MODEL]),
        ArtifactQuery(name="m4", types=[ArtifactType.MODEL]),
    ]
    assert [i for p in walk(storage, both, page_size=2) for i in p] == ["id-00000", "id-00003", "id-00009"]
    mixed = [ArtifactQuery(name="*", types=[ArtifactType.MODEL]), ArtifactQuery(name="m4")]
    assert [i for p in walk(storage, mixed) for i in p] == ["id-00000", "id-00003", "id-00004", "id-00009"]


class TestKeysOnly:
    def test_ids_of_a_type_include_hidden_ones_in_registration_order(self, storage):
        for n in range(9):
            add(storage, n, hidden=n == 3)
        models = [f"id-{n:05d}" for n in range(0, 9, 3)]
        assert artifact_services.ids_of_type(storage, ArtifactType.MODEL) == models
        database.delete(storage, record(6))
        assert artifact_services.ids_of_type(storage, ArtifactType.MODEL) == [models[0], models[1]]

    def test_the_count_covers_hidden_ones_before_and_after_the_backfill(self, storage):
        for n in range(7):
            add(storage, n, hidden=n == 2)
        assert catalog_db.artifact_count(storage) == 7
        storage.records.delete(catalog_db.SCHEMA, catalog_db.SCHEMA_SK)  # a store from before the catalog
        storage.records.delete(catalog_db.CATALOG, catalog_db.sort_key(record(5)))
        catalog_db.INDEX.forget(storage)
        assert catalog_db.artifact_count(storage) == 7  # the records themselves, not the incomplete catalog
        assert artifact_services.ids_of_type(storage, ArtifactType.DATASET) == ["id-00001", "id-00004"]
        assert catalog_db.artifact_count(storage) == 7  # backfilled by the read above: the catalog again
