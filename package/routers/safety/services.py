"""The safety domain's public face: scan what passes, judge artifacts, hold back dangerous ones.

Hooks (registered by `register_hooks`, so the artifacts domain never imports this one): every file streamed
from upstream, to be mirrored or sent, is spooled and scanned in the background; downloads pass a guard that
applies REGISTRY_SAFETY_POLICY; registrations pass a gate that applies REGISTRY_SAFETY_REFUSE_DANGEROUS; a
new or changed artifact's name is checked for confusion with registered and popular ones.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

from package.core.auth_middleware import Principal
from package.core.background import ProcessWide, in_lambda
from package.core.errors import FailedDependency, Forbidden, RegistryError
from package.core.events import (
    ArtifactChange,
    ArtifactEvent,
    FileWatcher,
    add_download_guard,
    add_file_watcher,
    add_ingest_gate,
    on_artifact_change,
    on_reset,
)
from package.core.storage import Storage, get_storage
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import ArtifactDetails, ArtifactType, AuditAction
from package.routers.safety import database, names
from package.routers.safety.config import DangerPolicy, SafetySettings, get_safety_settings
from package.routers.safety.interface import (
    Approval,
    FileScan,
    Finding,
    FindingKind,
    SafetyReport,
    SafetySummary,
    Verdict,
    worst,
)
from package.routers.safety.lookalikes import NameIndex, entry_of
from package.routers.safety.rules import RULES_VERSION
from package.routers.safety.scanner import sniff
from package.routers.safety.watch import ScanQueue, SpoolWatcher, now_iso

logger = logging.getLogger("registry.safety")


class DangerousArtifact(Forbidden):
    """Downloads of a dangerous artifact are held back until an admin approves it."""

    code = "dangerous_artifact"


class DangerousIngest(FailedDependency):
    """A registration refused because a file it would serve is dangerous."""

    code = "dangerous_artifact"


_scan_queue = ProcessWide(lambda: ScanQueue(get_safety_settings().safety_scan_workers), ScanQueue.close)


def get_scan_queue() -> ScanQueue:
    """The process-wide background scan pool."""
    return _scan_queue.get()


def reset_scan_queue() -> None:
    """Let the running scans finish (briefly) and end the pool; a new one starts on next use (tests)."""
    _scan_queue.reset()


def wait_idle(timeout: float = 60.0) -> bool:
    """Wait until every scan submitted so far has finished (tests, shutdown)."""
    return get_scan_queue().wait_idle(timeout)


def report(storage: Storage, *, artifact_type: ArtifactType, artifact_id: str) -> SafetyReport:
    """The artifact's verdict, each file's scan and every finding (404 when unknown)."""
    artifact_services.load(storage, artifact_type, artifact_id)
    return build_report(storage, artifact_services.details(storage, artifact_id, include_hidden=True))


def build_report(storage: Storage, details: ArtifactDetails) -> SafetyReport:
    """The report from what is stored for the artifact's current generation."""
    settings = get_safety_settings()
    record = details.record
    scans = database.file_scans(storage, record.id, record.generation)
    files = [
        scans.get(item.path) or _not_yet(item.path, item.size, record.mirror.status.value)
        for item in details.snapshot.files
        if item.path
    ]
    findings = [finding for scan in files for finding in scan.findings]
    findings += database.name_findings(storage, record.id, record.generation) or []
    if not files:
        why = "a reference to its source: the registry holds no files to scan"
        findings.append(Finding(kind=FindingKind.NOT_MIRRORED, severity=Verdict.UNSCANNED, detail=why))
    verdict = worst([f.severity for f in findings] + [s.verdict for s in files])
    approval = database.approval(storage, record.id, record.generation)
    blocked = settings.safety_policy is DangerPolicy.BLOCK and verdict is Verdict.DANGEROUS and not approval
    findings.sort(key=lambda f: -f.severity.rank)
    return SafetyReport(
        artifact=record.metadata,
        verdict=verdict,
        policy=settings.safety_policy.value,
        downloads_blocked=blocked,
        approval=approval,
        rules_version=RULES_VERSION,
        files=files,
        findings=findings,
        counts=dict(Counter(scan.format.value for scan in files)),
    )


def _not_yet(path: str, size: int, mirror_status: str) -> FileScan:
    detail = f"not scanned yet: its bytes have not passed through the registry (mirror {mirror_status})"
    finding = Finding(file=path, kind=FindingKind.NOT_MIRRORED, severity=Verdict.UNSCANNED, detail=detail)
    return FileScan(
        path=path,
        format=sniff(path, b""),
        verdict=Verdict.UNSCANNED,
        findings=[finding],
        size=size,
        rules_version=RULES_VERSION,
        scanned_at="",
    )


def summary(storage: Storage, artifact_id: str) -> SafetySummary:
    """The verdict in a line, for other domains' pages and reports."""
    full = build_report(storage, artifact_services.details(storage, artifact_id, include_hidden=True))
    worst_first = [f for f in full.findings if f.severity is full.verdict]
    return SafetySummary(
        verdict=full.verdict,
        findings=len(full.findings),
        downloads_blocked=full.downloads_blocked,
        approved=full.approval is not None,
        headline=worst_first[0].detail if worst_first else None,
    )


def approve(
    storage: Storage,
    *,
    artifact_type: ArtifactType,
    artifact_id: str,
    principal: Principal,
    reason: str | None,
) -> SafetyReport:
    """Let a dangerous artifact's current source be downloaded (admin only; audited)."""
    record = artifact_services.load(storage, artifact_type, artifact_id)
    approval = Approval(by=principal.name, at=now_iso(), generation=record.generation, reason=reason)
    database.save_approval(storage, record.id, approval)
    artifact_services.record_audit(storage, record=record, principal=principal, action=AuditAction.AUDIT)
    logger.warning(
        "dangerous artifact approved for download",
        extra={"artifact_id": record.id, "by": principal.name, "reason": reason},
    )
    return report(storage, artifact_type=artifact_type, artifact_id=artifact_id)


# ----- hooks -----------------------------------------------------------------------------------------


def _watch(artifact_id: str, generation: str, path: str, size: int) -> FileWatcher | None:
    storage = get_storage()
    known = database.file_scan(storage, artifact_id, generation, path)
    if known is not None and known.rules_version == RULES_VERSION and known.verdict is not Verdict.UNSCANNED:
        return None  # scanned already under the current rules

    def done(scan: FileScan) -> None:
        _save(storage, artifact_id, generation, scan)

    return SpoolWatcher(path, get_safety_settings(), get_scan_queue(), done)


def _save(storage: Storage, artifact_id: str, generation: str, scan: FileScan) -> None:
    database.save_file_scan(storage, artifact_id, generation, scan)
    if scan.verdict in (Verdict.DANGEROUS, Verdict.SUSPICIOUS):
        logger.warning(
            "file scanned",
            extra={"artifact_id": artifact_id, "path": scan.path, "verdict": scan.verdict.value},
        )


def _blocks() -> bool:
    """Whether downloads wait for a verdict (the guard then reads the artifact's scans)."""
    return get_safety_settings().safety_policy is DangerPolicy.BLOCK


def _guard(artifact_id: str, path: str | None) -> None:
    if not _blocks():
        return
    storage = get_storage()
    full = build_report(storage, artifact_services.details(storage, artifact_id, include_hidden=True))
    if not full.downloads_blocked:
        return
    dangerous = [f for f in full.findings if f.severity is Verdict.DANGEROUS]
    raise DangerousArtifact(
        f"Downloads of {full.artifact.name!r} are held back: {dangerous[0].detail} "
        f"(file {dangerous[0].file or 'name'}). An admin can approve it with "
        f"POST /artifact/{full.artifact.type.value}/{artifact_id}/safety/approve.",
        verdict=full.verdict.value,
        findings=[f.model_dump(mode="json") for f in dangerous[:10]],
    )


def _gate(artifact_id: str) -> None:
    settings = get_safety_settings()
    if not settings.safety_refuse_dangerous:
        return
    from package.routers.safety.ingest import scan_at_ingest  # only needed when the setting is on

    storage = get_storage()
    details = artifact_services.details(storage, artifact_id, include_hidden=True)
    for scan in scan_at_ingest(details, settings):
        _save(storage, artifact_id, details.record.generation, scan)
        if scan.verdict is Verdict.DANGEROUS:
            finding = next(f for f in scan.findings if f.severity is Verdict.DANGEROUS)
            raise DangerousIngest(
                f"Refused: {scan.path!r} of {details.record.repo_id!r} {finding.detail} "
                "(REGISTRY_SAFETY_REFUSE_DANGEROUS). Nothing was stored.",
                findings=[finding.model_dump(mode="json")],
            )


_name_index = ProcessWide(NameIndex, lambda index: None)  # nothing to close: an in-memory copy


def get_name_index() -> NameIndex:
    """This process's copy of the registered names (kept current from storage on every use)."""
    return _name_index.get()


def reset_name_index() -> None:
    """Forget this process's copy; the next use loads it again from storage (a new process, for tests)."""
    _name_index.reset()


def _on_artifact_change(change: ArtifactChange) -> None:
    storage = get_storage()
    if change.event is not ArtifactEvent.CREATED:
        database.forget(
            storage, change.artifact_id
        )  # deleted, or a new source whose files are not scanned yet
    if change.event is ArtifactEvent.DELETED:
        get_name_index().remove(storage, change.artifact_id)
        return
    details = artifact_services.changed_details(change) or artifact_services.details(
        storage, change.artifact_id, include_hidden=True
    )
    record = details.record
    index = get_name_index()
    index.put(
        storage,
        entry_of(
            artifact_id=record.id,
            name=record.name,
            repo_id=record.repo_id,
            kind=record.type.value,
            created_at=record.created_at,
        ),
    )
    distance = get_safety_settings().safety_name_distance
    id_targets, name_targets = index.targets(
        storage, artifact_id=record.id, name=record.name, repo_id=record.repo_id, distance=distance
    )
    findings = names.confusions(
        name=record.name,
        repo_id=record.repo_id,
        id_targets=id_targets,
        name_targets=name_targets,
        distance=distance,
    )
    database.save_name_findings(storage, record.id, record.generation, findings)


def _on_reset(storage: Storage) -> None:
    get_name_index().start_over(storage)


def register_hooks() -> None:
    """Subscribe to file streams, downloads, registrations and artifact changes."""
    add_file_watcher(_watch)
    add_download_guard(_guard, reads=_blocks)
    add_ingest_gate(_gate)
    on_artifact_change(_on_artifact_change)
    on_reset(_on_reset)


def rescan_stale(storage: Storage) -> int:
    """Queue a new scan of every stored file scanned under older rules; returns how many.

    Every artifact's scans are read only until a pass finds none stale under these rules: new scans are made
    under the current rules, so later starts read one mark instead (until the rules change)."""
    if database.scans_current_under(storage) == RULES_VERSION:
        return 0
    queued = 0
    settings = get_safety_settings()
    for record in artifact_services.all_records(storage, include_hidden=True):
        for scan in database.file_scans(storage, record.id, record.generation).values():
            current = scan.rules_version == RULES_VERSION
            if current or not scan.sha256 or not storage.blobs.exists(scan.sha256):
                continue
            queued += 1
            _queue_blob_scan(storage, record.id, record.generation, scan, settings)
    if not queued:
        database.mark_scans_current(storage, RULES_VERSION)
    return queued


def _queue_blob_scan(
    storage: Storage, artifact_id: str, generation: str, old: FileScan, settings: SafetySettings
) -> None:
    def job() -> None:
        watcher = SpoolWatcher(old.path, settings, get_scan_queue(), lambda s: None)
        for chunk in storage.blobs.read_chunks(str(old.sha256)):
            watcher.write(chunk)
        _save(storage, artifact_id, generation, watcher.scan_now())

    get_scan_queue().submit(job)


def on_startup() -> None:
    """Load the registered names in the background; re-scan the files scanned under older rules."""
    _load_names_in_background(get_storage())
    try:
        queued = rescan_stale(get_storage())
    except RegistryError as exc:
        logger.warning("could not look for stale scans: %s", exc.message)
        return
    if queued:
        logger.info("re-scanning files under new rules", extra={"count": queued, "rules": RULES_VERSION})


def _load_names_in_background(storage: Storage) -> None:
    """Index the registered names (backfilled once per database) on a thread of its own.

    At 100,000 artifacts the load takes ~1.9 s of CPU; run at start-up it held every worker's readiness (and
    each Lambda cold start) that long. A name check that comes first waits for it (the index's lock). In
    Lambda the first name check loads it instead: a thread would take the CPU from the invocation served.
    """
    if in_lambda():
        return
    index = get_name_index()

    def load() -> None:
        try:
            index.ensure(storage)
        except Exception as exc:  # e.g. storage down: the first name check loads it instead
            logger.warning("could not load the registered names: %s", exc)

    threading.Thread(target=load, name="safety-name-index", daemon=True).start()
