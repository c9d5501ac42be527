"""The name index gives the findings a comparison with every registered artifact gives, in every process."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from package.core.config import Settings
from package.core.storage import Storage, open_storage
from package.routers.safety import database, names
from package.routers.safety.interface import Finding
from package.routers.safety.lookalikes import NameIndex, entry_of
from package.routers.safety.segments import LengthScan, SegmentIndex

WORDS = [
    "bert",
    "acme",
    "sentiment",
    "large",
    "llama",
    "whisper",
    "tiny",
    "base",
    "uncased",
    "vision",
    "squad",
]
SWAPS = {
    "a": "\u0430",  # Cyrillic
    "e": "\u00e9",  # a combining accent, dropped by the skeleton
    "o": "0",
    "l": "I",
    "m": "rn",
    "-": "_",
    "b": "\uff42",  # full width, folded by NFKC
    "n": "\u03bd",  # Greek nu, folded to v: a look-alike that is an edit for the skeleton
}


def make(artifact_id: str, name: str, repo_id: str, created_at: str) -> dict[str, Any]:
    """A registered model's entry."""
    return entry_of(artifact_id=artifact_id, name=name, repo_id=repo_id, kind="model", created_at=created_at)


def storage_at(folder: Path) -> Storage:
    """A storage handle on the SQLite file in `folder` (two handles on one folder: two processes)."""
    return open_storage(Settings(data_dir=folder))


def full_scan(entries: list[dict[str, Any]], new: dict[str, Any], distance: int) -> list[Finding]:
    """The check as it was: the new artifact against every registered one, oldest first."""
    id_targets, name_targets = names.popular_targets()
    for other in sorted(entries, key=lambda e: (e["created_at"], e["id"])):
        if other["id"] != new["id"]:
            id_targets.append(names.Target(other["repo_id"], other["label"]))
            name_targets.append(names.Target(other["name"], other["label"]))
    return names.confusions(
        name=new["name"], repo_id=new["repo_id"], id_targets=id_targets, name_targets=name_targets,
        distance=distance,
    )  # fmt: skip


def indexed(index: NameIndex, storage: Storage, new: dict[str, Any], distance: int) -> list[Finding]:
    """The check through the index."""
    id_targets, name_targets = index.targets(
        storage, artifact_id=new["id"], name=new["name"], repo_id=new["repo_id"], distance=distance
    )
    return names.confusions(
        name=new["name"], repo_id=new["repo_id"], id_targets=id_targets, name_targets=name_targets,
        distance=distance,
    )  # fmt: skip


def mutate(rng: random.Random, text: str) -> str:
    """A look-alike, a typo, a case change or the text itself."""
    roll = rng.random()
    if roll < 0.25:
        return "".join(SWAPS.get(c, c) if rng.random() < 0.3 else c for c in text)
    if roll < 0.5 and len(text) > 2:
        for _ in range(rng.randint(1, 3)):  # up to three edits: near-duplicates at every distance
            at = rng.randrange(len(text))
            text = text[:at] + rng.choice(["", "x", "\u4e2d", text[at] * 2]) + text[at + 1 :]
        return text
    if roll < 0.6:
        return text.upper()
    return text


def random_entry(rng: random.Random, n: int, known: list[dict[str, Any]]) -> dict[str, Any]:
    """A new artifact: often a variant of a registered one, sometimes a fresh name; equal times happen."""
    if known and rng.random() < 0.7:
        base = rng.choice(known)
        name, repo_id = mutate(rng, base["name"]), mutate(rng, base["repo_id"])
    else:
        if rng.random() < 0.2:  # very short: no typo allowed, look-alikes only
            name = "".join(rng.choice("abIl0o-") for _ in range(rng.randint(1, 5)))
        else:  # up to ~60 characters
            name = "-".join(rng.choice(WORDS) for _ in range(rng.choice([1, 2, 3, 6])))
        repo_id = f"{rng.choice(['acme', 'google-bert', 'meta-llama', 'x'])}/{name}"
    kind = rng.choice(["model", "dataset", "code"])
    created = f"2026-12-02T00:{rng.randint(0, 5):02d}:00Z"
    return entry_of(artifact_id=f"id{n:04d}", name=name, repo_id=repo_id, kind=kind, created_at=created)


@pytest.mark.parametrize("near", [SegmentIndex, LengthScan])
@pytest.mark.parametrize("distance", [0, 1, 2, 4, 5])
def test_same_findings_as_the_full_comparison_through_puts_updates_and_deletes(tmp_path, distance, near):
    rng = random.Random(distance)
    storage, index = storage_at(tmp_path), NameIndex(near, distance)
    registered: dict[str, dict[str, Any]] = {}
    for n in range(400):
        new = random_entry(rng, n, list(registered.values()))
        if registered and rng.random() < 0.1:  # an update (renamed) or a deletion of a registered one
            gone = rng.choice(sorted(registered))
            if rng.random() < 0.5:
                index.remove(storage, gone)
                del registered[gone]
                continue
            new = new | {"id": gone, "created_at": registered[gone]["created_at"]}
        index.put(storage, new)
        registered[new["id"]] = new
        assert indexed(index, storage, new, distance) == full_scan(list(registered.values()), new, distance)
    assert len(index) == len(registered)


def test_a_check_at_another_distance_builds_the_segments_again(tmp_path):
    storage, index = storage_at(tmp_path), NameIndex(SegmentIndex, 1)
    real = make("r1", "acme-sentiment-large", "acme/sentiment-large", "1")
    index.put(storage, real)
    fake = make("f1", "acme-sentlmnt-large", "x/y", "2")  # two edits away
    assert indexed(index, storage, fake, 1) == [] == full_scan([real], fake, 1)
    assert indexed(index, storage, fake, 2) == full_scan([real], fake, 2) != []
    assert indexed(index, storage, fake, 1) == []


def test_two_processes_see_each_others_changes(tmp_path):
    first, second = storage_at(tmp_path), storage_at(tmp_path)
    a, b = NameIndex(), NameIndex()
    real = entry_of(
        artifact_id="r1", name="acme-sentiment-large", repo_id="acme/s", kind="model", created_at="1"
    )
    fake = entry_of(
        artifact_id="f1", name="acme-sentlment-large", repo_id="x/y", kind="model", created_at="2"
    )
    a.put(first, real)
    found = indexed(b, second, fake, 2)
    assert found and found == full_scan([real], fake, 2) and "r1" in str(found[0].resembles)
    b.remove(second, "r1")
    assert indexed(a, first, fake, 2) == []
    a.put(first, real | {"name": "something-else-entirely"})  # renamed in one process, seen in the other
    assert indexed(b, second, fake, 2) == []


def test_a_change_logged_late_is_not_lost(tmp_path):
    storage, index = storage_at(tmp_path), NameIndex()
    index.ensure(storage)
    real = entry_of(
        artifact_id="r1", name="acme-sentiment-large", repo_id="acme/s", kind="model", created_at="1"
    )
    # Another writer has numbered its change but not logged it yet; a third has logged the next one.
    storage.records.put(database.NAME_INDEX, "r1", real)
    seq = storage.records.increment(database.NAME_META, "seq", "seq")
    other = make("o1", "unrelated-thing", "o/o", "2")
    database.save_name_entry(storage, other)
    fake = entry_of(
        artifact_id="f1", name="acme-sentlment-large", repo_id="x/y", kind="model", created_at="3"
    )
    assert indexed(index, storage, fake, 2) == []  # the hole is remembered
    storage.records.put(database.NAME_LOG, f"{seq:012d}", {"id": "r1"})
    assert indexed(index, storage, fake, 2) == full_scan([real, other], fake, 2) != []


def test_a_reset_elsewhere_empties_this_process_copy(tmp_path):
    first, second = storage_at(tmp_path), storage_at(tmp_path)
    a, b = NameIndex(), NameIndex()
    real = entry_of(
        artifact_id="r1", name="acme-sentiment-large", repo_id="acme/s", kind="model", created_at="1"
    )
    fake = entry_of(
        artifact_id="f1", name="acme-sentlment-large", repo_id="x/y", kind="model", created_at="2"
    )
    a.put(first, real)
    assert indexed(b, second, fake, 2)
    second.records.clear()  # what a reset does, then its hook
    b.start_over(second)
    assert indexed(a, first, fake, 2) == []
    assert len(a) == 0


def test_a_process_far_behind_rebuilds_from_the_entries(tmp_path, monkeypatch):
    monkeypatch.setattr(database, "NAME_LOG_KEEP", 8)
    first, second = storage_at(tmp_path), storage_at(tmp_path)
    a, b = NameIndex(), NameIndex()
    b.ensure(second)
    made = [
        entry_of(
            artifact_id=f"a{n}",
            name=f"acme-model-{n:03d}",
            repo_id=f"acme/m{n}",
            kind="model",
            created_at="1",
        )
        for n in range(30)
    ]
    for entry in made:
        a.put(first, entry)
    assert len(first.records.query(database.NAME_LOG)) == 8  # the log is trimmed
    new = make("n", "acme-model-0x5", "x/y", "2")
    assert indexed(b, second, new, 2) == full_scan(made, new, 2) != []


def test_the_index_keeps_current_on_dynamodb_too(tmp_path, monkeypatch):
    from moto import mock_aws

    from tests.aws import AWS_ENV
    from tests.core.storage.conftest import aws_settings

    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        storage = open_storage(aws_settings(tmp_path, None))
        a, b = NameIndex(), NameIndex()
        real = make("r1", "acme-sentiment-large", "acme/s", "1")
        fake = make("f1", "acme-sentlment-large", "x/y", "2")
        a.put(storage, real)
        assert indexed(b, storage, fake, 2) == full_scan([real], fake, 2) != []
        a.remove(storage, "r1")
        assert indexed(b, storage, fake, 2) == []
