"""Every storage access of the safety domain.

Item layout (partition key / sort key):
  SAFETY#<artifact id> / FILE#<path>   a FileScan plus the artifact generation it was made for
  SAFETY#<artifact id> / NAME          name_confusion findings of the artifact's name and repo id
  SAFETY#<artifact id> / APPROVAL      the admin approval that lets a dangerous artifact be downloaded
  NAMESKEL, NAMESKEL#META, NAMESKELLOG the look-alike name index (described with its functions below)
  SAFETYRULES / current                {"version"}: the rules every stored scan was last found made under (a
                                       start's re-scan pass over every artifact is skipped while they hold)

Results of an older generation (the artifact's source changed) are ignored when read and dropped on change.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from package.core.storage import ConditionFailed, Storage
from package.routers.safety.interface import Approval, FileScan, Finding

_FILE = "FILE#"
_NAME = "NAME"
_APPROVAL = "APPROVAL"
_RULES = "SAFETYRULES"


def _pk(artifact_id: str) -> str:
    return f"SAFETY#{artifact_id}"


def save_file_scan(storage: Storage, artifact_id: str, generation: str, scan: FileScan) -> None:
    """Keep one file's scan for this generation of the artifact."""
    item = scan.model_dump(mode="json") | {"generation": generation}
    storage.records.put(_pk(artifact_id), _FILE + scan.path, item)


def file_scan(storage: Storage, artifact_id: str, generation: str, path: str) -> FileScan | None:
    """One file's scan for this generation, if any."""
    item = storage.records.get(_pk(artifact_id), _FILE + path)
    if item is None or item.get("generation") != generation:
        return None
    return FileScan.model_validate(item)


def file_scans(storage: Storage, artifact_id: str, generation: str) -> dict[str, FileScan]:
    """Path -> scan of the artifact's files scanned for this generation."""
    found = {}
    for record in storage.records.query(_pk(artifact_id), prefix=_FILE):
        if record.item.get("generation") == generation:
            scan = FileScan.model_validate(record.item)
            found[scan.path] = scan
    return found


def save_name_findings(storage: Storage, artifact_id: str, generation: str, findings: list[Finding]) -> None:
    """Keep the name check's findings for this generation."""
    item = {"generation": generation, "findings": [f.model_dump(mode="json") for f in findings]}
    storage.records.put(_pk(artifact_id), _NAME, item)


def name_findings(storage: Storage, artifact_id: str, generation: str) -> list[Finding] | None:
    """The name check's findings, or None when it has not run for this generation."""
    item = storage.records.get(_pk(artifact_id), _NAME)
    if item is None or item.get("generation") != generation:
        return None
    return [Finding.model_validate(f) for f in item.get("findings") or []]


def save_approval(storage: Storage, artifact_id: str, approval: Approval) -> None:
    """Record an admin's approval."""
    storage.records.put(_pk(artifact_id), _APPROVAL, approval.model_dump(mode="json"))


def approval(storage: Storage, artifact_id: str, generation: str) -> Approval | None:
    """The approval of this generation, if any."""
    item = storage.records.get(_pk(artifact_id), _APPROVAL)
    if item is None or item.get("generation") != generation:
        return None
    return Approval.model_validate(item)


def scans_current_under(storage: Storage) -> str | None:
    """The rules version every stored scan was found made under by the last full pass (None: never)."""
    item = storage.records.get(_RULES, "current")
    return None if item is None else str(item.get("version"))


def mark_scans_current(storage: Storage, rules_version: str) -> None:
    """Record that a full pass found every stored scan made under these rules (new scans always are)."""
    storage.records.put(_RULES, "current", {"version": rules_version})


def forget(storage: Storage, artifact_id: str) -> None:
    """Drop everything kept for an artifact (deleted, or its source changed)."""
    for record in storage.records.query(_pk(artifact_id)):
        storage.records.delete(record.pk, record.sk)


# ----- the look-alike name index ----------------------------------------------------------------------
# NAMESKEL / <artifact id>      {id, name, repo_id, label, name_skel, repo_skel, created_at}: what the name
#                               check compares a new name with, folded once when the artifact is written
# NAMESKEL#META / schema        {"version", "epoch"}: NAMESKEL is complete; a new epoch after backfill/reset
# NAMESKEL#META / seq           {"seq": n}: how many changes the log has numbered
# NAMESKELLOG / <seq, 12 digits> {"id"}: an artifact whose NAMESKEL entry changed (written or removed)
NAME_INDEX = "NAMESKEL"
NAME_META = "NAMESKEL#META"
NAME_LOG = "NAMESKELLOG"
NAME_SCHEMA_VERSION = 1
NAME_LOG_KEEP = 4096  # log entries kept; a process further behind rebuilds its index from NAMESKEL


def _log_key(seq: int) -> str:
    return f"{seq:012d}"


def name_index_state(storage: Storage) -> tuple[dict[str, Any] | None, int]:
    """(the schema record, or None before a backfill; the last change number) in one read."""
    found = storage.records.get_many([(NAME_META, "schema"), (NAME_META, "seq")])
    seq = found.get((NAME_META, "seq"), {}).get("seq", 0)
    return found.get((NAME_META, "schema")), int(seq)


def mark_name_index(storage: Storage, epoch: str, *, only_if_absent: bool) -> str:
    """Declare NAMESKEL complete under `epoch`; returns the epoch that holds (a racing backfill may win)."""
    item = {"version": NAME_SCHEMA_VERSION, "epoch": epoch}
    try:
        storage.records.put(NAME_META, "schema", item, if_absent=only_if_absent)
    except ConditionFailed:
        held = storage.records.get(NAME_META, "schema") or item
        return str(held.get("epoch"))
    return epoch


def backfill_name_entry(storage: Storage, entry: dict[str, Any]) -> None:
    """Write one artifact's entry without logging it (a backfill, before the schema record exists)."""
    storage.records.put(NAME_INDEX, str(entry["id"]), entry)


def save_name_entry(storage: Storage, entry: dict[str, Any]) -> int:
    """Write an artifact's entry and log the change; returns its change number."""
    storage.records.put(NAME_INDEX, str(entry["id"]), entry)
    return _log_change(storage, str(entry["id"]))


def remove_name_entry(storage: Storage, artifact_id: str) -> int:
    """Remove an artifact's entry and log the change; returns its change number."""
    storage.records.delete(NAME_INDEX, artifact_id)
    return _log_change(storage, artifact_id)


def _log_change(storage: Storage, artifact_id: str) -> int:
    seq = storage.records.increment(NAME_META, "seq", "seq")
    storage.records.put(NAME_LOG, _log_key(seq), {"id": artifact_id})
    if seq > NAME_LOG_KEEP:  # one old entry goes per new one: the log stays NAME_LOG_KEEP long
        storage.records.delete(NAME_LOG, _log_key(seq - NAME_LOG_KEEP))
    return seq


def name_entries(storage: Storage) -> list[dict[str, Any]]:
    """Every artifact's entry (a process building its index)."""
    return [record.item for record in storage.records.query(NAME_INDEX)]


def name_entries_by_id(storage: Storage, artifact_ids: Collection[str]) -> dict[str, dict[str, Any] | None]:
    """The current entry of each of these artifacts (None when removed)."""
    found = storage.records.get_many([(NAME_INDEX, artifact_id) for artifact_id in artifact_ids])
    return {artifact_id: found.get((NAME_INDEX, artifact_id)) for artifact_id in artifact_ids}


def name_changes(storage: Storage, *, after: int, upto: int) -> dict[int, str]:
    """Change number -> artifact id of the logged changes in (after, upto]."""
    if upto <= after:
        return {}
    records = storage.records.query_page(NAME_LOG, after=_log_key(after), limit=upto - after)
    return {int(r.sk): str(r.item.get("id")) for r in records if int(r.sk) <= upto}


def name_changes_at(storage: Storage, seqs: Collection[int]) -> dict[int, str]:
    """The logged changes at these numbers that exist now (a writer was between numbering and logging)."""
    found = storage.records.get_many([(NAME_LOG, _log_key(seq)) for seq in seqs])
    return {int(sk): str(item.get("id")) for (_, sk), item in found.items()}
