"""Every storage access of the lineage domain: a derived index of what each artifact names and weighs.

Item layout (partition key / sort key):
  LINEAGE / <artifact id>                 {schema, generation, bytes, refs: [...], relation, problem, type,
                                          repo_name, label, owner}
  LINEAGEKEY / <type>|<alias>|<id>        the artifact is known by this repo id (lower case; see `aliases`)
  LINEAGENAME / <type>|<repo name>|<id>   ... by this repo name without its owner
  LINEAGELABEL / <type>|<name>|<id>       ... by this registered name (lower case)
  LINEAGEOWNER / <type>|<owner>|<id>      ... comes from this repo owner
  LINEAGEREF / <kind>|<target>|<id>       the artifact names this upstream (a reference of this kind)
  LINEAGEVERSION#<id> / <generation>      an earlier version's entry, kept when an entry of a newer generation
                                          replaced it (while retention keeps the version)
  LINEAGEINDEX / version                  {version}: every artifact's rows above are written (backfill done)

The index is derived from the artifacts domain's records: an entry whose `generation` differs from the
artifact's (or whose `schema` is older than this code's) is recomputed on read, so the index never serves a
stale graph. The reverse rows (KEY, NAME, LABEL, OWNER, REF) are written before the entry and removed after
it, and every reader checks what it finds against the entries, so a row left behind by a crash costs a read,
never a wrong answer. Reset clears the table, these partitions too.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from package.core.storage import Record, Storage

LINEAGE = "LINEAGE"
VERSIONED = "LINEAGEVERSION#"
KEY, NAME, LABEL, OWNER, REF = "LINEAGEKEY", "LINEAGENAME", "LINEAGELABEL", "LINEAGEOWNER", "LINEAGEREF"
VERSION_PK, VERSION_SK = "LINEAGEINDEX", "version"
_MAX_PART = 300  # sort keys stay well under the stores' limits; readers verify what a prefix finds


def entries(storage: Storage) -> dict[str, dict[str, Any]]:
    """Every index entry by artifact id (one partition read)."""
    return {r.sk: r.item for r in storage.records.query(LINEAGE)}


def entry(storage: Storage, artifact_id: str) -> dict[str, Any] | None:
    """One artifact's index entry, or None."""
    return storage.records.get(LINEAGE, artifact_id)


def _part(value: str) -> str:
    return value[:_MAX_PART]


def _rows(artifact_id: str, item: dict[str, Any] | None) -> set[tuple[str, str]]:
    """The reverse-index rows (partition, sort key) an entry files its artifact under."""
    if not item or not item.get("type"):
        return set()
    kind = str(item["type"])
    rows = {(KEY, f"{kind}|{_part(str(alias))}|{artifact_id}") for alias in item.get("aliases") or ()}
    for partition, field in ((NAME, "repo_name"), (LABEL, "label"), (OWNER, "owner")):
        if item.get(field):
            rows.add((partition, f"{kind}|{_part(str(item[field]))}|{artifact_id}"))
    for ref in item.get("refs") or ():
        rows.add((REF, f"{ref['kind']}|{_part(str(ref['target']).lower())}|{artifact_id}"))
    return rows


def save(storage: Storage, artifact_id: str, item: dict[str, Any], *, rebuild: bool = False) -> None:
    """Write (or replace) one artifact's index entry and its reverse-index rows (all of them: `rebuild`)."""
    old = None if rebuild else entry(storage, artifact_id)
    if old == item:  # indexed already (another domain's hook asked first)
        return
    old_rows = _rows(artifact_id, old)
    new_rows = _rows(artifact_id, item)
    for partition, sort_key in new_rows - old_rows:
        storage.records.put(partition, sort_key, {"id": artifact_id})
    if old and old.get("generation") and old.get("generation") != item.get("generation"):
        # A newer version replaces this one: its lineage and cost stay readable (?version=N).
        storage.records.put(f"{VERSIONED}{artifact_id}", str(old["generation"]), old)
    storage.records.put(LINEAGE, artifact_id, item)
    for partition, sort_key in old_rows - new_rows:
        storage.records.delete(partition, sort_key)


def save_all(storage: Storage, items: dict[str, dict[str, Any]]) -> None:
    """Write many artifacts' entries and all their reverse-index rows in batches (a backfill: rows first)."""
    rows = [Record(p, k, {"id": i}) for i, item in items.items() for p, k in sorted(_rows(i, item))]
    storage.records.put_many(rows)
    storage.records.put_many([Record(LINEAGE, artifact_id, item) for artifact_id, item in items.items()])


def version_entry(storage: Storage, artifact_id: str, generation: str) -> dict[str, Any] | None:
    """The entry kept for an earlier version (generation) of an artifact, or None."""
    return storage.records.get(f"{VERSIONED}{artifact_id}", generation)


def drop_versions(storage: Storage, artifact_id: str, *, keep: Collection[str] = ()) -> int:
    """Forget the entries kept for an artifact's earlier versions, except those of the `keep` generations."""
    stale = [(r.pk, r.sk) for r in storage.records.query(f"{VERSIONED}{artifact_id}") if r.sk not in keep]
    storage.records.delete_many(stale)
    return len(stale)


def forget(storage: Storage, artifact_id: str) -> None:
    """Remove one artifact's index entry and its reverse-index rows, if present."""
    rows = _rows(artifact_id, entry(storage, artifact_id))
    storage.records.delete(LINEAGE, artifact_id)
    for partition, sort_key in rows:
        storage.records.delete(partition, sort_key)


def lookup(storage: Storage, partition: str, kind: str, value: str) -> list[str]:
    """Ids filed under `<kind>|<value>|` in a reverse-index partition (to be checked by the caller)."""
    prefix = f"{kind}|{_part(value)}|"
    return [
        str(r.item.get("id") or r.sk.rsplit("|", 1)[-1])
        for r in storage.records.query(partition, prefix=prefix)
    ]


def index_version(storage: Storage) -> int:
    """The version of the reverse index the stored rows are complete for (0: never built)."""
    item = storage.records.get(VERSION_PK, VERSION_SK)
    return int(item.get("version") or 0) if item else 0


def set_index_version(storage: Storage, version: int) -> None:
    """Record that every artifact's reverse-index rows are written for this version."""
    storage.records.put(VERSION_PK, VERSION_SK, {"version": version})
