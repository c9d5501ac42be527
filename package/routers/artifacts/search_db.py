"""Storage of the trigram index that lets a regular-expression search skip texts that cannot match.

Item layout (partition key / sort key), next to the records database.py describes:
  TRI#<trigram> / <id>     a posting: the artifact's name or README holds the trigram ([a-z0-9]{3}, key-safe)
  TRIS#<id> / v            the trigrams posted for an artifact, so an update or deletion knows what to remove
  TRIALL / <id>            an artifact whose texts hold too many trigrams to post: always a candidate
  TRIINDEX / v             the index version every stored artifact has been posted under (the backfill mark)
  TRISTOP / <trigram>      a stop-trigram: one that most texts hold, no longer posted and never required
  TRIDOC / <id>            the artifact's search document: {name, type, created_at}, written in the
                           artifact's own transaction, so a candidate is checked and answered from this
                           small item (and its README only when the name does not match), never the record

Postings cannot share the artifact's transaction (a README holds thousands of trigrams; DynamoDB takes 100
operations), so they are written before it and pruned after it: a posting of a text that is not (or no longer)
stored only makes a candidate that the pattern then rejects, while a missing posting would lose a match. The
record of what an artifact posted does go in its transaction.

Stop-trigrams: a trigram most texts hold ('the', 'ing', a template's words) selects nothing, yet costs a
posting per artifact. Each process counts, over the texts it posts, how many hold each trigram; past
STOP_SAMPLE texts, one held by more than STOP_SHARE of them becomes a stop-trigram in storage. Once stored,
new texts do not post it and queries do not require it (a weaker query is still sound). Only the order
matters for soundness: the set only grows, a writer reads it before it skips a trigram and a query reads it
fresh, so a trigram a writer skipped is one every later query drops. A reset empties the set: a writer that
skipped a stop-trigram checks in its transaction that no reset happened since it read the set (stop_db.py).
The counts are only a heuristic.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from package.core.index_mark import IndexMark
from package.core.storage import Check, ConditionFailed, Put, Record, Storage, StorageError
from package.core.storage.interface import Operation
from package.routers.artifacts import search_probe, stop_db
from package.routers.artifacts.interface import ArtifactRecord
from package.routers.artifacts.text_index import Query, text_trigrams

POSTING = search_probe.POSTING
POSTED = "TRIS#"
UNINDEXED = "TRIALL"
DOCUMENT = "TRIDOC"
STOP = stop_db.STOP
MARK = ("TRIINDEX", "v")
INDEX_VERSION = 2  # 1: postings only; 2: postings and search documents
# Read on every search (not remembered): a process sees at once a mark another one removed.
INDEX = IndexMark(*MARK, INDEX_VERSION, remember=False)
# A text past this many distinct trigrams (a long README) costs more to post than to read: it is searched
# every time instead. 4,096 covers a 20 kB English model card.
MAX_TRIGRAMS = 4096
DOCUMENTS_BATCH = 40  # search documents written per backfill transaction (two operations each, under 100)
STOP_SAMPLE = 1_000  # texts a process posts before it judges which trigrams most texts hold
STOP_SHARE = 0.5  # held by more than this share of the sampled texts: a stop-trigram


class Document(NamedTuple):
    """What a regex search needs of an artifact: the name it checks, the answer's fields and its order.

    A tuple, not a dataclass: a many-match search builds one per candidate, and a frozen dataclass costs
    four times as much to build. Registration time, then id, first: documents sort into the answer's order
    (oldest first, ties by id) as plain tuples, without a key function per match."""

    created_at: str
    id: str
    name: str
    type: str

    @classmethod
    def of(cls, record: ArtifactRecord) -> Document:
        """The search document of an artifact record."""
        return cls(record.created_at, record.id, record.name, record.type.value)


@dataclass(frozen=True)
class Text:
    """An artifact's texts to index, with its search document and the check that it is still current."""

    document: Document
    readme: str | None
    guard: Operation  # a Check that the stored artifact is the one read (the backfill races updates)


def artifact_trigrams(
    storage: Storage, name: str, readme: str | None, *, sample: bool = False
) -> set[str] | None:
    """The trigrams to post for an artifact's texts (stop-trigrams left out), or None when there are too
    many to post. `sample`: count the texts toward the stop-trigrams (once per text posted)."""
    return _wanted(storage, name, readme, sample=sample)[0]


def _wanted(
    storage: Storage, name: str, readme: str | None, *, sample: bool
) -> tuple[set[str] | None, Operation | None]:
    """`artifact_trigrams`; with `sample` (texts about to be posted), also the Check for their transaction
    when stop-trigrams were left out."""
    found = text_trigrams(name) | text_trigrams(readme or "")
    epoch = stop_db.epoch(storage) if sample else ""  # read before the set: a reset after it fails the Check
    stops = stop_trigrams(storage)
    common: set[str] = set()
    if sample:
        common = stop_db.sample(storage, epoch).add(found, sample_size=STOP_SAMPLE, share=STOP_SHARE) - stops
    if common:  # stored before any text skips them, so every query from now on drops them
        stop_db.add_stop_trigrams(storage, common)
    skipped = found & (stops | common)
    found -= skipped
    wanted = None if len(found) > MAX_TRIGRAMS else found
    return wanted, stop_db.epoch_check(epoch) if sample and skipped and wanted is not None else None


def stop_trigrams(storage: Storage) -> set[str]:
    """The trigrams that are no longer posted (nor required by a query)."""
    return stop_db.stop_trigrams(storage)


def post(
    storage: Storage,
    document: Document,
    readme: str | None,
    *,
    fresh: bool = False,
    rewrite: bool = False,
) -> list[Operation]:
    """Before an artifact's texts are stored: post their trigrams; returns the writes for its transaction.

    The returned writes (the record of what is posted, the always-a-candidate mark, the search document)
    belong in the transaction that stores the texts, so the record never names a posting that was not
    written and the document always describes the stored artifact.
    `fresh`: the id was never posted. `rewrite`: write every posting, even those the record says exist
    (the backfill repairs as it goes); otherwise only the trigrams new to the artifact are written.
    """
    artifact_id = document.id
    wanted, unreset = _wanted(storage, document.name, readme, sample=True)
    previous, was_unindexed = (set(), False) if fresh else _posted(storage, artifact_id)
    if wanted is not None:
        new = wanted if rewrite else wanted - previous
        storage.records.put_many([Record(POSTING + t, artifact_id, {}) for t in sorted(new)])
    unindexed = was_unindexed or wanted is None
    ops: list[Operation] = [
        Put(POSTED + artifact_id, "v", _posted_item(previous | (wanted or set()), unindexed)),
        _document_put(document),
    ]
    if unreset is not None:  # stop-trigrams left out: only while no reset brought them back
        ops.append(unreset)
    return [*ops, Put(UNINDEXED, artifact_id, {})] if wanted is None else ops


def store_texts(
    storage: Storage, document: Document, readme: str | None, ops: Sequence[Operation], *, fresh: bool = False
) -> None:
    """Post an artifact's texts and write `ops` in one transaction with the index's writes (see `post`).

    A failed write leaves no posting of its own behind. One that failed because a reset (any process) came
    between reading the stop set and the write is posted again against the set as it is now, once."""
    for attempt in range(2):
        posting = post(storage, document, readme, fresh=fresh)
        try:
            storage.records.transact([*ops, *posting])
            return
        except Exception as exc:
            with contextlib.suppress(StorageError):  # left behind, the postings would only cost a check
                discard(storage, document.id, document.name, readme)
            if attempt or not isinstance(exc, ConditionFailed) or not _reset_since(storage, posting):
                raise


def _reset_since(storage: Storage, posting: Sequence[Operation]) -> bool:
    """Whether the stop-set epoch the posting checks (if it checks one) is no longer the stored one."""
    at = [op.equals for op in posting if isinstance(op, Check) and (op.pk, op.sk) == stop_db.EPOCH]
    return any(stop_db.stored_epoch(storage) != (equals or {}).get("epoch") for equals in at)


def _document_put(document: Document) -> Put:
    item = {"name": document.name, "type": document.type, "created_at": document.created_at}
    return Put(DOCUMENT, document.id, item)


def document_pages(storage: Storage, limit: int) -> Iterator[list[Document]]:
    """Every search document, `limit` at a time (complete only when `is_complete`)."""
    after: str | None = None
    while page := storage.records.query_page(DOCUMENT, after=after, limit=limit):
        yield [_document(r.sk, r.item) for r in page]
        after = page[-1].sk


def _document(artifact_id: str, item: dict[str, Any]) -> Document:
    return Document(str(item["created_at"]), artifact_id, str(item["name"]), str(item["type"]))


def documents(storage: Storage, artifact_ids: Sequence[str]) -> list[Document]:
    """The search documents of these artifacts that exist, in one batched read."""
    found = storage.records.get_many([(DOCUMENT, i) for i in artifact_ids])
    # Built inline, not through _document: a many-match search builds one per match.
    return [
        Document(str(item["created_at"]), sk, str(item["name"]), str(item["type"]))
        for (_, sk), item in found.items()
    ]


def discard(storage: Storage, artifact_id: str, name: str, readme: str | None) -> None:
    """After the transaction storing these texts failed: remove the postings `post` wrote for them alone."""
    wanted = artifact_trigrams(storage, name, readme) or set()
    posted, _ = _posted(storage, artifact_id)  # what the stored texts still need
    storage.records.delete_many([(POSTING + t, artifact_id) for t in sorted(wanted - posted)])


def prune(storage: Storage, artifact_id: str, name: str, readme: str | None) -> None:
    """After an artifact's texts changed: remove the postings of trigrams the stored texts no longer hold."""
    current = artifact_trigrams(storage, name, readme)
    previous, was_unindexed = _posted(storage, artifact_id)
    keep = current or set()
    # The record shrinks first: a crash between the two steps leaves extra postings, never a false record.
    storage.records.put(POSTED + artifact_id, "v", _posted_item(keep, current is None))
    storage.records.delete_many([(POSTING + t, artifact_id) for t in sorted(previous - keep)])
    if was_unindexed and current is not None:
        storage.records.delete(UNINDEXED, artifact_id)


def unpost(storage: Storage, artifact_id: str) -> None:
    """After an artifact is gone (or its creation failed): remove every posting it had."""
    previous, _ = _posted(storage, artifact_id)
    storage.records.delete_many([(POSTING + t, artifact_id) for t in sorted(previous)])
    owned = [(UNINDEXED, artifact_id), (POSTED + artifact_id, "v"), (DOCUMENT, artifact_id)]
    storage.records.delete_many(owned)


def _posted(storage: Storage, artifact_id: str) -> tuple[set[str], bool]:
    item = storage.records.get(POSTED + artifact_id, "v") or {}
    return {str(t) for t in item.get("trigrams", [])}, bool(item.get("unindexed"))


def _posted_item(trigrams: set[str], unindexed: bool) -> dict[str, object]:
    return {"trigrams": sorted(trigrams), "unindexed": unindexed}


def is_complete(storage: Storage) -> bool:
    """Whether every stored artifact is posted (the backfill ran, or the registry started empty)."""
    return INDEX.is_current(storage)


def mark_complete(storage: Storage) -> None:
    """Record that every stored artifact is posted under this index version."""
    INDEX.mark(storage)


def start_empty(storage: Storage) -> None:
    """After a reset: the empty registry's index is complete, and its texts are counted afresh."""
    stop_db.forget_sample(storage)
    mark_complete(storage)


def backfill(storage: Storage, texts: Iterable[Text]) -> int:
    """Post every artifact's texts and write its search document, then mark the index complete; returns
    how many. An index of version 1 has every posting already: only the documents are written.

    Idempotent and safe beside another process doing the same or registering artifacts: it only adds
    postings, merges with what an artifact already posted, and writes a document only while the artifact
    is unchanged (an update or deletion in between has written or removed it itself).
    """
    filed = _fill(storage, texts, INDEX.stored_version(storage))
    mark_complete(storage)
    return filed


def ensure_complete(storage: Storage, texts: Callable[[], Iterable[Text]]) -> int:
    """`backfill` of `texts()` once, when the index is not marked complete (0 when it is)."""
    return INDEX.ensure(storage, lambda opened, version: _fill(opened, texts(), version))


def _fill(storage: Storage, texts: Iterable[Text], version: int) -> int:
    if version == 1:
        return _backfill_documents(storage, texts)
    posted = 0
    for text in texts:
        ops = post(storage, text.document, text.readme, rewrite=True)
        try:
            storage.records.transact([text.guard, *ops])
        except ConditionFailed:
            continue  # changed or deleted meanwhile: its own write posted it (extra postings are harmless)
        posted += 1
    return posted


def _backfill_documents(storage: Storage, texts: Iterable[Text]) -> int:
    batch: list[Text] = []
    written = 0
    for text in [*texts, None]:
        if text is not None:
            batch.append(text)
        if batch and (text is None or len(batch) == DOCUMENTS_BATCH):
            written += _write_documents(storage, batch)
            batch = []
    return written


def _write_documents(storage: Storage, batch: list[Text]) -> int:
    try:
        storage.records.transact([op for t in batch for op in (t.guard, _document_put(t.document))])
        return len(batch)
    except ConditionFailed:  # one changed meanwhile: write the others one by one
        written = 0
        for text in batch:
            try:
                storage.records.transact([text.guard, _document_put(text.document)])
                written += 1
            except ConditionFailed:
                continue
        return written


def candidates(storage: Storage, query: Query) -> set[str] | None:
    """Ids of the artifacts whose texts may satisfy the query (a superset), or None for "read them all"."""
    if query.matches_all or not is_complete(storage):
        return None
    query = query.without(stop_trigrams(storage))
    if query.matches_all:
        return None
    found = search_probe.evaluate(storage, query)
    return found | {r.sk for r in storage.records.query(UNINDEXED)}
