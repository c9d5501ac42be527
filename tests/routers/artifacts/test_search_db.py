"""The trigram index in storage: postings follow creation, update, deletion, reset and the backfill, on both
drivers, and byRegEx answers exactly what a full scan answers."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar

import pytest

from package.core.config import Settings, StorageBackend
from package.core.storage import ConditionFailed, Storage, get_storage, open_storage
from package.routers.artifacts import database, queries, search_db, search_probe
from package.routers.artifacts.errors import ArtifactNotFound
from package.routers.artifacts.interface import ArtifactRecord
from package.routers.artifacts.search import compile_pattern
from package.routers.artifacts.text_index import pattern_query, text_trigrams
from tests.aws import AWS_ENV, unique_name
from tests.helpers import make_record

SNAPSHOT = {"source": {"kind": "hf_model", "repo_id": "org/model"}, "files": []}
SETTINGS = Settings()


@pytest.fixture(params=["embedded", "aws"])
def storage(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Storage]:
    """A fresh storage of each driver (DynamoDB from moto), index marked complete as a new registry's is."""
    if request.param == "embedded":
        opened = open_storage(Settings(data_dir=tmp_path))
        database.index_texts(opened)
        yield opened
        return
    from moto import mock_aws

    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    name = unique_name(tmp_path.name)
    with mock_aws():
        opened = open_storage(
            Settings(
                storage=StorageBackend.AWS,
                dynamodb_table=name,
                s3_bucket=name,
                aws_create_resources=True,
                data_dir=tmp_path,
            )
        )
        database.index_texts(opened)
        yield opened


def postings(storage: Storage, trigram: str) -> set[str]:
    return {r.sk for r in storage.records.query(search_db.POSTING + trigram)}


def found(storage: Storage, pattern: str) -> list[str]:
    try:
        return [m.id for m in queries.by_regex(storage, SETTINGS, pattern=pattern)]
    except ArtifactNotFound:
        return []


def full_scan(storage: Storage, pattern: str) -> list[str]:
    search = compile_pattern(pattern).search
    texts = database.readmes(storage)
    return [r.id for r in database.list_all(storage) if search(r.name) or search(texts.get(r.id, ""))]


def add(storage: Storage, artifact_id: str, name: str, readme: str | None) -> ArtifactRecord:
    record = make_record(artifact_id, f"org/{artifact_id}", name=name)
    database.create(storage, record, SNAPSHOT, readme)
    return record


class TestPostings:
    def test_create_posts_name_and_readme(self, storage):
        add(storage, "a1", "bert-base", "Trained on BookCorpus.")
        assert postings(storage, "ber") == {"a1"}
        assert postings(storage, "cor") == {"a1"}
        assert found(storage, ".*bookcorpus.*") == [] and found(storage, "(?i)bookcorpus") == ["a1"]

    def test_failed_create_leaves_no_postings(self, storage):
        add(storage, "a1", "bert", None)
        with pytest.raises(ConditionFailed):
            database.create(storage, make_record("a2", "org/a1", name="zebra"), SNAPSHOT, "zebra")
        assert postings(storage, "zeb") == set()
        assert storage.records.get(search_db.POSTED + "a2", "v") is None

    def test_replace_posts_the_new_readme_and_prunes_the_old(self, storage):
        old = add(storage, "a1", "model", "about albert")
        new = old.model_copy(update={"generation": "g2"})
        database.replace(storage, old, new, SNAPSHOT, "about roberta")
        assert postings(storage, "alb") == set()
        assert postings(storage, "rob") == {"a1"}
        assert postings(storage, "ber") == {"a1"}  # in both texts: kept
        assert found(storage, "albert") == [] and found(storage, "roberta") == ["a1"]
        database.replace(storage, new, new.model_copy(update={"generation": "g3"}), SNAPSHOT, None)
        assert postings(storage, "rob") == set() and found(storage, "roberta") == []

    def test_failed_replace_keeps_what_is_stored_findable(self, storage):
        old = add(storage, "a1", "model", "about albert")
        stale = old.model_copy(update={"generation": "elsewhere"})
        with pytest.raises(ConditionFailed):
            database.replace(storage, stale, stale.model_copy(update={"generation": "g9"}), SNAPSHOT, "xyzzy")
        assert found(storage, "albert") == ["a1"]
        assert postings(storage, "xyz") == set() and found(storage, "xyzzy") == []
        assert postings(storage, "alb") == {"a1"}  # still needed by the stored text
        database.replace(storage, old, old.model_copy(update={"generation": "g2"}), SNAPSHOT, "plain")
        assert found(storage, "albert") == [] and found(storage, "plain") == ["a1"]

    def test_delete_removes_every_posting(self, storage):
        record = add(storage, "a1", "bert", "a long story")
        add(storage, "a2", "bert2", None)
        database.delete(storage, record)
        assert postings(storage, "ber") == {"a2"}
        assert postings(storage, "sto") == set()
        assert storage.records.get(search_db.POSTED + "a1", "v") is None

    def test_huge_readme_is_always_a_candidate_instead(self, storage):
        rng = random.Random(0)
        words = " ".join(
            "".join(rng.choices(string.ascii_lowercase + string.digits, k=8)) for _ in range(3000)
        )
        assert len(text_trigrams(words)) > search_db.MAX_TRIGRAMS
        record = add(storage, "a1", "huge", words + " needle")
        assert storage.records.get(search_db.UNINDEXED, "a1") is not None
        assert postings(storage, "nee") == set()
        assert found(storage, "needle") == ["a1"]
        database.replace(
            storage, record, record.model_copy(update={"generation": "g2"}), SNAPSHOT, "small needle"
        )
        assert storage.records.get(search_db.UNINDEXED, "a1") is None
        assert postings(storage, "nee") == {"a1"} and found(storage, "needle") == ["a1"]


class TestQueries:
    PATTERNS: ClassVar[list[str]] = [
        "bert",
        ".*bookcorpus.*",
        "google-research-bert",
        "ece461rules",
        "(a|aa)*$",
        "(?i)BERT",
        "BERT",
        "(bert|gpt)-(base|large)",
        "café",
        "^model$",
        "(?<=a)bert",
        "x*",
    ]

    @pytest.fixture
    def filled(self, storage):
        texts = {
            "a1": ("google-research-bert", "BERT trained on BookCorpus and Wikipedia."),
            "a2": ("gpt-large", "A café in Zürich. No BERT here, only bert-ish words."),
            "a3": ("model", None),
            "a4": ("roberta-base", "RoBERTa: robustly optimized BERT pretraining."),
            "a5": ("whisper", "Speech recognition. " + "x" * 5000),
            "a6": ("hidden-bert", "unpublished bookcorpus"),
        }
        for artifact_id, (name, readme) in texts.items():
            add(storage, artifact_id, name, readme)
        database.create(
            storage, make_record("h1", "org/h1", name="bert-hidden"), SNAPSHOT, "bert", hidden=True
        )
        return storage

    @pytest.mark.parametrize("pattern", PATTERNS)
    def test_index_answers_what_a_full_scan_answers(self, filled, pattern):
        assert found(filled, pattern) == full_scan(filled, pattern)

    def test_candidates_are_few_for_a_selective_word(self, filled):
        ids = database.regex_candidates(filled, pattern_query("bookcorpus"))
        assert ids is not None and ids <= {"a1", "a6"}

    def test_no_match_is_a_404(self, filled):
        with pytest.raises(ArtifactNotFound):
            queries.by_regex(filled, SETTINGS, pattern="ece461rules")


class TestBackfill:
    def test_an_unindexed_registry_is_searched_in_full_then_backfilled(self, storage):
        add(storage, "a1", "bert", "bookcorpus")
        # As a database written before the index existed: no postings, no mark.
        storage.records.delete_many(
            [
                (r.pk, r.sk)
                for p in ("ber", "ert", "boo")
                for r in storage.records.query(search_db.POSTING + p)
            ]
        )
        storage.records.delete(*search_db.MARK)
        assert database.regex_candidates(storage, pattern_query("bert")) is None
        assert found(storage, "bert") == ["a1"]  # answered by the full scan meanwhile
        assert database.index_texts(storage) == 1
        assert postings(storage, "boo") == {"a1"}
        assert database.regex_candidates(storage, pattern_query("bert")) == {"a1"}
        assert database.index_texts(storage) == 0  # once

    def test_two_backfills_and_a_registration_interleaved(self, storage):
        for i in range(5):
            add(storage, f"a{i}", f"model{i}", f"readme number {i}")
        storage.records.delete(*search_db.MARK)
        texts = list(database._texts(storage, page=2))
        assert [t.document.id for t in texts] == [f"a{i}" for i in range(5)]
        search_db.backfill(storage, texts[:3])
        add(storage, "b1", "late", "number late")
        search_db.backfill(storage, texts)
        assert found(storage, "number") == [*(f"a{i}" for i in range(5)), "b1"]


def test_long_posting_lists_are_read_on_while_that_narrows_many_candidates(storage, monkeypatch):
    monkeypatch.setattr(search_probe, "FIRST_PAGE", 2)
    monkeypatch.setattr(search_probe, "ENOUGH", 1)
    for i in range(25):
        words = [w for w, held in (("qqq", i < 10), ("www", i >= 5)) if held]
        add(storage, f"a{i:02d}", f"m{i}", " ".join(words))
    query = pattern_query("qqq.*www")  # qqq: 10 postings, complete first; www: 20, read on
    assert database.regex_candidates(storage, query) == {f"a{i:02d}" for i in range(5, 10)}
    monkeypatch.setattr(search_probe, "POSTINGS_PER_CANDIDATE", 0)  # never worth it: the first complete list,
    # narrowed by what was read of www (a05-a20: a00-a04 lack it) at no further cost
    assert database.regex_candidates(storage, query) == {f"a{i:02d}" for i in range(5, 10)}
    assert found(storage, "qqq.*www") == full_scan(storage, "qqq.*www")


def posting_reads(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the postings each trigram's reads return from now on."""
    counts: dict[str, int] = {}
    key_page = storage.records.key_page

    def counted(pk: str, **kwargs: object) -> list[str]:
        page = key_page(pk, **kwargs)  # type: ignore[arg-type]
        if pk.startswith(search_db.POSTING):
            counts[pk[len(search_db.POSTING) :]] = counts.get(pk[len(search_db.POSTING) :], 0) + len(page)
        return page

    monkeypatch.setattr(storage.records, "key_page", counted)
    return counts


def test_a_list_that_rules_out_nothing_stops_being_read_before_any_list_completes(storage, monkeypatch):
    monkeypatch.setattr(search_probe, "FIRST_PAGE", 2)
    monkeypatch.setattr(search_probe, "SAMPLE_POSTINGS", 8)
    for i in range(120):  # every text with 'ber' has 'ert' (as `bert` finds them); one in ten has neither
        add(storage, f"a{i:03d}", f"m{i}", "a bert model" if i % 10 else "a plain model")
    reads = posting_reads(storage, monkeypatch)
    expected = {f"a{i:03d}" for i in range(120) if i % 10}
    assert database.regex_candidates(storage, pattern_query("bert")) == expected
    assert sorted(reads.values()) == [16, 108]  # one list read whole, the other dropped after 2 + 14
    assert found(storage, "bert") == full_scan(storage, "bert") == sorted(expected)


def test_a_list_that_rules_out_much_is_read_on(storage, monkeypatch):
    monkeypatch.setattr(search_probe, "FIRST_PAGE", 4)
    monkeypatch.setattr(search_probe, "SAMPLE_POSTINGS", 8)
    for i in range(120):  # qqq in even texts, www in texts divisible by three: each rules out much
        words = [w for w, held in (("qqq", i % 2 == 0), ("www", i % 3 == 0)) if held]
        add(storage, f"a{i:03d}", f"m{i}", " ".join(words) or "none")
    reads = posting_reads(storage, monkeypatch)
    assert database.regex_candidates(storage, pattern_query("qqq.*www")) == {
        f"a{i:03d}" for i in range(0, 120, 6)
    }
    assert reads == {"qqq": 60, "www": 40}


class TestStopTrigrams:
    @pytest.fixture(autouse=True)
    def small_sample(self, monkeypatch):
        monkeypatch.setattr(search_db, "STOP_SAMPLE", 4)

    def test_common_trigrams_stop_being_posted_and_required(self, storage):
        for i in range(6):
            add(storage, f"a{i}", f"model{i}", f"common words, rare{i}x")
        stops = search_db.stop_trigrams(storage)
        assert {"com", "wor"} <= stops and "re3" not in stops
        assert "a5" not in postings(storage, "com")  # posted after "com" was judged common
        assert postings(storage, "re3") == {"a3"}
        for pattern in ("common", "common words, rare3x", "rare[0-9]x", "(?i)COMMON"):
            assert found(storage, pattern) == full_scan(storage, pattern), pattern
        assert database.regex_candidates(storage, pattern_query("common words")) is None  # nothing selective
        assert database.regex_candidates(storage, pattern_query("rare3x")) == {"a3"}

    def test_an_update_drops_the_stop_postings_it_had(self, storage):
        records = [add(storage, f"a{i}", f"model{i}", f"common words {i}") for i in range(6)]
        assert "a0" in postings(storage, "com")
        old = records[0]
        database.replace(storage, old, old.model_copy(update={"generation": "g2"}), SNAPSHOT, "common again")
        assert "a0" not in postings(storage, "com")
        assert found(storage, "common again") == ["a0"]

    def test_a_reset_counts_afresh(self, storage):
        for i in range(6):
            add(storage, f"a{i}", f"model{i}", "common words")
        storage.records.clear()
        database.mark_text_index(storage)  # what the service's reset does after clearing
        add(storage, "b1", "model", "common words")
        assert search_db.stop_trigrams(storage) == set() and postings(storage, "com") == {"b1"}


class TestStopTrigramsAndResetsInTwoProcesses:
    """Two openers of one SQLite file, as two workers: one registers while the other resets."""

    @pytest.fixture(autouse=True)
    def small_sample(self, monkeypatch):
        monkeypatch.setattr(search_db, "STOP_SAMPLE", 4)

    @pytest.fixture
    def workers(self, tmp_path: Path) -> tuple[Storage, Storage]:
        first = open_storage(Settings(data_dir=tmp_path))
        database.index_texts(first)
        return first, open_storage(Settings(data_dir=tmp_path))

    @staticmethod
    def reset(storage: Storage) -> None:
        storage.records.clear()
        database.mark_text_index(storage)  # what the service's reset does after clearing

    def test_a_registration_racing_a_reset_posts_what_the_reset_made_required(self, workers, monkeypatch):
        registering, resetting = workers
        for i in range(6):
            add(registering, f"a{i}", f"model{i}", "common words")
        assert "com" in search_db.stop_trigrams(registering)
        transact = registering.records.transact
        raced: list[bool] = []

        def reset_first(operations):  # the other worker's reset lands after the stop set was read
            if not raced:
                raced.append(True)
                self.reset(resetting)
            transact(operations)

        monkeypatch.setattr(registering.records, "transact", reset_first)
        add(registering, "late", "late-model", "common words")
        assert search_db.stop_trigrams(resetting) == set()
        assert postings(resetting, "com") == {"late"}
        assert database.regex_candidates(resetting, pattern_query("common words")) == {"late"}
        assert found(resetting, "common words") == ["late"]

    def test_a_write_that_left_out_a_stop_trigram_fails_after_a_reset(self, workers):
        registering, resetting = workers
        for i in range(6):
            add(registering, f"a{i}", f"model{i}", "common words")
        record = make_record("late", "org/late", name="late-model")
        ops = search_db.post(registering, search_db.Document.of(record), "common words", fresh=True)
        self.reset(resetting)
        with pytest.raises(ConditionFailed):
            registering.records.transact(ops)  # the texts' transaction, after the reset

    def test_counts_from_before_another_workers_reset_no_longer_count(self, workers):
        registering, resetting = workers
        for i in range(3):
            add(registering, f"a{i}", f"model{i}", "common words")
        self.reset(resetting)
        add(registering, "b1", "model", "common words")  # the 4th text counted, the 1st since the reset
        assert search_db.stop_trigrams(resetting) == set() and postings(resetting, "com") == {"b1"}


class TestSearchDocuments:
    def test_written_with_the_artifact_and_gone_with_it(self, storage):
        record = add(storage, "a1", "bert", "text")
        assert storage.records.get(search_db.DOCUMENT, "a1") == {
            "name": "bert",
            "type": record.type.value,
            "created_at": record.created_at,
        }
        database.delete(storage, record)
        assert storage.records.get(search_db.DOCUMENT, "a1") is None

    def test_a_version_1_index_gets_its_documents_without_reposting(self, storage):
        add(storage, "a1", "bert", "bookcorpus")
        add(storage, "a2", "gpt", "bookcorpus too")
        storage.records.delete_many([(search_db.DOCUMENT, "a1"), (search_db.DOCUMENT, "a2")])
        storage.records.delete(search_db.POSTING + "gpt", "a2")  # a gap the documents-only backfill keeps
        storage.records.put(*search_db.MARK, {"version": 1})
        assert found(storage, "bookcorpus") == ["a1", "a2"]  # full scan meanwhile
        assert database.index_texts(storage) == 2
        assert search_db.is_complete(storage) and postings(storage, "gpt") == set()
        assert found(storage, "bookcorpus") == ["a1", "a2"] and found(storage, "^bert$") == ["a1"]

    def test_the_backfill_never_writes_a_stale_document(self, storage):
        old = add(storage, "a1", "before", "text")
        storage.records.delete(*search_db.MARK)
        texts = list(database._texts(storage))
        new = old.model_copy(update={"generation": "g2", "name": "after"})
        database.replace(storage, old, new, SNAPSHOT, "text")
        assert search_db.backfill(storage, texts) == 0  # changed since read: its own write stands
        assert storage.records.get(search_db.DOCUMENT, "a1")["name"] == "after"
        assert found(storage, "after") == ["a1"] and found(storage, "before") == []

    def test_a_pattern_without_literals_reads_documents_not_records(self, storage, monkeypatch):
        add(storage, "a1", "bert", "x")
        database.create(storage, make_record("h1", "org/h1", name="bert2"), SNAPSHOT, "y", hidden=True)
        monkeypatch.setattr(database, "list_all", None)  # the old full scan would fail
        assert found(storage, "(a|aa)*$") == ["a1"] and found(storage, "^.$") == ["a1"]  # README "x"


class TestThroughTheApi:
    """The app's start-up marks a new registry's index complete; the API keeps it right."""

    def test_update_delete_and_reset(self, client):
        def names(pattern: str) -> list[str]:
            response = client.post("/artifact/byRegEx", json={"regex": pattern})
            assert response.status_code in {200, 404}, response.text
            return sorted(a["name"] for a in response.json()) if response.status_code == 200 else []

        storage = get_storage()
        assert search_db.is_complete(storage)
        body = {"url": "https://github.com/openai/whisper", "name": "speech-tool"}
        created = client.post("/artifact/code", json=body)
        assert created.status_code == 201, created.text
        meta = created.json()["metadata"]
        assert database.regex_candidates(storage, pattern_query("tiktoken")) == {meta["id"]}
        assert names("tiktoken") == ["speech-tool"]
        assert names("pre-training") == []
        update = {"metadata": meta, "data": {"url": "https://github.com/google-research/bert"}}
        assert client.put(f"/artifacts/code/{meta['id']}", json=update).status_code == 200
        assert names("tiktoken") == []
        assert names("(?i)PRE-TRAINING language") == ["speech-tool"]
        assert client.delete(f"/artifacts/code/{meta['id']}").status_code == 200
        assert names("pre-training") == [] and names("speech") == []
        assert storage.records.query(search_db.POSTING + "tik") == []
        client.post("/artifact/code", json=body)
        assert client.delete("/reset").status_code == 200
        assert search_db.is_complete(storage) and names("speech") == []


def test_two_processes_backfill_an_old_database_at_once(tmp_path: Path):
    """Two openers of one SQLite file (as two workers) backfill together while a third registers."""
    first = open_storage(Settings(data_dir=tmp_path))
    for i in range(30):
        add(first, f"a{i:02d}", f"model-{i}", f"card of model number {i} trained on corpus{i % 3}")
    old_items = [
        (r.pk, r.sk)
        for pk in {
            search_db.POSTING + t for i in range(30) for t in text_trigrams(f"model-{i} card corpus{i % 3}")
        }
        for r in first.records.query(pk)
    ]
    first.records.delete_many(old_items)  # as written before the index existed
    assert not search_db.is_complete(first)
    second = open_storage(Settings(data_dir=tmp_path))
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = [pool.submit(database.index_texts, s) for s in (first, second)]
        pool.submit(add, first, "late", "late-model", "corpus1 too").result()
        assert sum(run.result() for run in runs) >= 30
    assert search_db.is_complete(first)
    assert found(first, "corpus1") == [*(f"a{i:02d}" for i in range(1, 30, 3)), "late"]
    assert found(second, "model-7") == ["a07"]
