"""Every storage access of the safety domain.

Item layout (partition key / sort key):
  SAFETY#<artifact id> / FILE#<path>   a FileScan plus the artifact generation it was made for
  SAFETY#<artifact id> / NAME          name_confusion findings of the artifact's name and repo id
  SAFETY#<artifact id> / APPROVAL      the admin approval that lets a dangerous artifact be downloaded

Results of an older generation (the artifact's source changed) are ignored when read and dropped on change.
"""

from __future__ import annotations

from package.core.storage import Storage
from package.routers.safety.interface import Approval, FileScan, Finding

_FILE = "FILE#"
_NAME = "NAME"
_APPROVAL = "APPROVAL"


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


def forget(storage: Storage, artifact_id: str) -> None:
    """Drop everything kept for an artifact (deleted, or its source changed)."""
    for record in storage.records.query(_pk(artifact_id)):
        storage.records.delete(record.pk, record.sk)
