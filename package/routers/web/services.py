"""The web domain's public face: each page's content, read and changed through the other domains' services."""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

from package.core.auth_middleware import Permission, Principal
from package.core.config import Settings
from package.core.errors import BadRequest, NotFound, RegistryError
from package.core.storage import Storage
from package.core.upstream.clients import Upstreams
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import Artifact, ArtifactCreate, ArtifactRecord, ArtifactType
from package.routers.auth import services as auth_services
from package.routers.auth.interface import UserCreate
from package.routers.health import services as health_services
from package.routers.license import services as license_services
from package.routers.lineage import services as lineage_services
from package.routers.lineage.interface import ArtifactLineageGraph
from package.routers.rating import services as rating_services
from package.routers.rating.interface import RatingReport
from package.routers.safety import services as safety_services
from package.routers.safety.interface import (
    CODE_CARRYING,
    FileFormat,
    FindingKind,
    SafetyReport,
    Verdict,
)
from package.routers.web import lineage_layout
from package.routers.web.charts import activity_chart
from package.routers.web.interface import (
    AdminView,
    ArtifactPage,
    CatalogPage,
    CatalogQuery,
    CatalogRow,
    CostView,
    FileRow,
    HealthView,
    LicenseCheckOutcome,
    LineageView,
    RatingView,
    SafetyView,
    ScoreBar,
    SearchMode,
)
from package.routers.web.readme import render_readme

METRIC_LABELS = {
    "ramp_up_time": "Ramp-up time",
    "bus_factor": "Bus factor",
    "performance_claims": "Performance claims",
    "license": "License",
    "dataset_and_code_score": "Dataset and code documented",
    "dataset_quality": "Dataset quality",
    "code_quality": "Code quality",
    "reproducibility": "Reproducibility",
    "reviewedness": "Reviewedness",
    "tree_score": "Parent models' score",
    "size_score": "Size fit (best device)",
}
NET_SCORE_FORMULA = (
    "net_score = sum(weight * score) / sum(weight) over the applicable metrics (a size score counts by its "
    "best device); the weights are listed beside each metric."
)
HEALTH_WINDOW_MINUTES = 60
# Words first: the badge's colour only repeats what its text says (WCAG 1.4.1).
VERDICT_LABELS = {
    Verdict.SAFE: "Safe: no scanned file can run code when loaded",
    Verdict.UNSCANNED: "Not scanned yet",
    Verdict.SUSPICIOUS: "Suspicious: review the findings before loading",
    Verdict.DANGEROUS: "Dangerous: loading it can run code",
}
FORMAT_LABELS = {
    FileFormat.PICKLE: "pickle",
    FileFormat.PYTORCH_ZIP: "PyTorch zip",
    FileFormat.NUMPY: "NumPy",
    FileFormat.NUMPY_ZIP: "NumPy zip",
    FileFormat.ZIP: "zip",
    FileFormat.KERAS_ZIP: "Keras",
    FileFormat.HDF5: "HDF5",
    FileFormat.SAFETENSORS: "safetensors",
    FileFormat.GGUF: "GGUF",
    FileFormat.ONNX: "ONNX",
    FileFormat.OTHER: "other",
}


def page_url(artifact_type: ArtifactType | str, artifact_id: str) -> str:
    """The web page of an artifact."""
    kind = artifact_type.value if isinstance(artifact_type, ArtifactType) else artifact_type
    return f"/web/artifact/{kind}/{artifact_id}"


# ----- catalog -----------------------------------------------------------------------------------------
def catalog(storage: Storage, settings: Settings, *, query: CatalogQuery, page_size: int) -> CatalogPage:
    """One page of the catalog: newest first, filtered by type and by name or regex (names and READMEs)."""
    records = artifact_services.all_records(storage)
    if query.artifact_type is not None:
        records = [r for r in records if r.type is query.artifact_type]
    error = None
    text = query.text.strip()
    if text and query.mode is SearchMode.NAME:
        needle = text.casefold()
        records = [r for r in records if needle in r.name.casefold()]
    elif text:
        try:
            matched = {m.id for m in artifact_services.by_regex(storage, settings, pattern=text)}
        except NotFound:
            matched = set()
        except BadRequest as exc:
            matched, error = set(), exc.message
        records = [r for r in records if r.id in matched]
    records.reverse()
    pages = max(1, math.ceil(len(records) / page_size))
    page = min(query.page, pages)
    shown = records[(page - 1) * page_size : page * page_size]
    return CatalogPage(
        query=query.model_copy(update={"page": page}),
        rows=[_row(storage, record) for record in shown],
        total=len(records),
        pages=pages,
        error=error,
    )


def _row(storage: Storage, record: ArtifactRecord) -> CatalogRow:
    report = rating_services.stored_report(storage, record) if record.type is ArtifactType.MODEL else None
    return CatalogRow(
        id=record.id,
        name=record.name,
        type=record.type,
        license=record.license,
        size_bytes=record.mirror.bytes_total,
        net_score=report.rating.net_score if report else None,
    )


# ----- artifact page ----------------------------------------------------------------------------------
def artifact_page(
    storage: Storage, *, artifact_type: ArtifactType, artifact_id: str, base_url: str
) -> ArtifactPage:
    """Everything known of one artifact (NotFound for an unknown id or the wrong type)."""
    overview = artifact_services.overview(
        storage, artifact_type=artifact_type, artifact_id=artifact_id, base_url=base_url
    )
    details = artifact_services.details(storage, artifact_id)
    safety = safety_services.build_report(storage, details)
    formats = {scan.path: scan.format for scan in safety.files}
    files = []
    for item in details.snapshot.files:
        kind = formats.get(item.path)
        files.append(
            FileRow(
                path=item.path,
                size=item.size,
                sha256=item.sha256,
                format=FORMAT_LABELS[kind] if kind else None,
                carries_code=kind in CODE_CARRYING,
            )
        )
    is_model = artifact_type is ArtifactType.MODEL
    report = rating_services.stored_report(storage, details.record) if is_model else None
    graph, costs = lineage_services.lineage_and_cost(
        storage,
        artifact_type=artifact_type,
        artifact_id=artifact_id,
        include=lineage_services.parse_include("datasets,code"),
    )
    own = costs.root.get(artifact_id)
    return ArtifactPage(
        overview=overview,
        license=license_services.artifact_license(
            storage, artifact_type=artifact_type, artifact_id=artifact_id
        ).license,
        readme_html=render_readme(details.readme),
        files=files,
        rating=rating_view(report) if report else None,
        lineage=_lineage_view(storage, graph, artifact_id) if graph else None,
        cost=CostView(standalone_mb=own.standalone_cost, total_mb=own.total_cost) if own else None,
        audit=artifact_services.audit_trail(storage, artifact_type=artifact_type, artifact_id=artifact_id),
        safety=safety_view(safety),
        versions=artifact_services.scored_history(storage, details.record),
    )


def safety_view(report: SafetyReport) -> SafetyView:
    """The safety report with its verdict in words and, while files are unscanned, why."""
    unscanned = [scan for scan in report.files if scan.verdict is Verdict.UNSCANNED]
    note = None
    if not report.files:
        note = "The registry holds no files of this artifact, so there is nothing to scan."
    elif unscanned:
        note = (
            f"{len(unscanned)} of {len(report.files)} files are not scanned yet: they are scanned as their "
            "bytes pass through the registry (mirroring or a download)."
        )
    # One not-mirrored finding per unscanned file says what the note says once.
    shown = [f for f in report.findings if f.kind is not FindingKind.NOT_MIRRORED]
    return SafetyView(report=report, label=VERDICT_LABELS[report.verdict], note=note, findings=shown)


def rating_view(report: RatingReport) -> RatingView:
    """A rating's metrics as labelled bars, in the rating's own order."""
    bars = []
    for name, metric in report.metrics.items():
        devices = metric.score if isinstance(metric.score, dict) else {}
        score = max(devices.values(), default=0.0) if devices else float(metric.score)  # type: ignore[arg-type]
        bars.append(
            ScoreBar(
                metric=name,
                label=METRIC_LABELS.get(name, name.replace("_", " ").capitalize()),
                score=score,
                devices=devices,
                applicable=metric.applicable,
                weight=metric.weight,
                reason=metric.reason,
            )
        )
    return RatingView(
        net_score=report.rating.net_score, rated_at=report.rated_at, bars=bars, formula=NET_SCORE_FORMULA
    )


def _lineage_view(storage: Storage, graph: ArtifactLineageGraph, artifact_id: str) -> LineageView:
    hrefs = {}
    for node in graph.nodes:  # one read per node, not a scan of every artifact
        try:
            record = artifact_services.details(storage, node.artifact_id).record
        except (NotFound, BadRequest):  # an upstream repository that is not registered here
            continue
        hrefs[node.artifact_id] = page_url(record.type, record.id)
    return lineage_layout.layout(graph, current_id=artifact_id, hrefs=hrefs)


def mirror_progress(storage: Storage, *, artifact_type: ArtifactType, artifact_id: str) -> dict[str, Any]:
    """The mirror copy's state, for the page's progress bar to poll."""
    record = artifact_services.load(storage, artifact_type, artifact_id)
    return record.mirror.model_dump(mode="json")


# ----- changes ----------------------------------------------------------------------------------------
def register(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    *,
    artifact_type: ArtifactType,
    url: str,
    name: str,
    principal: Principal,
    base_url: str,
) -> Artifact:
    """Register an artifact from a URL through the artifacts domain (its errors pass through)."""
    try:
        body = ArtifactCreate(url=url, name=name.strip() or None)
    except ValidationError as exc:
        raise BadRequest(_first_problem(exc)) from exc
    return artifact_services.register(
        storage,
        upstreams,
        settings,
        artifact_type=artifact_type,
        body=body,
        principal=principal,
        base_url=base_url,
    )


def rate(
    storage: Storage, upstreams: Upstreams, settings: Settings, *, model_id: str, principal: Principal
) -> None:
    """Rate the model now through the rating domain (audited as RATE); its errors pass through."""
    rating_services.rate_model(storage, upstreams, settings, artifact_id=model_id, principal=principal)


def license_check(
    storage: Storage, upstreams: Upstreams, settings: Settings, *, model_id: str, github_url: str
) -> LicenseCheckOutcome:
    """The license check's verdict and reason, or the registry's message why it could not run."""
    artifact_services.load(storage, ArtifactType.MODEL, model_id)  # an unknown model is the page's 404
    try:
        report = license_services.check(
            storage, upstreams, settings, model_id=model_id, github_url=github_url.strip()
        )
    except RegistryError as exc:  # a bad URL, an unknown repository, GitHub down: said on the page
        return LicenseCheckOutcome(github_url=github_url, error=exc.message)
    return LicenseCheckOutcome(github_url=github_url, report=report)


def admin_view(storage: Storage) -> AdminView:
    """Every account."""
    return AdminView(users=auth_services.list_users(storage))


def create_user(storage: Storage, *, name: str, password: str, permissions: list[str], by: Principal) -> None:
    """Create an account through the auth domain (BadRequest for a bad name, password or permission)."""
    try:
        body = UserCreate(
            name=name.strip(),
            password=password,
            is_admin=Permission.ADMIN.value in permissions,
            permissions=[Permission(p) for p in permissions],
        )
    except (ValidationError, ValueError) as exc:
        message = _first_problem(exc) if isinstance(exc, ValidationError) else str(exc)
        raise BadRequest(message) from exc
    auth_services.create_user(storage, body=body, by=by)


def delete_user(storage: Storage, *, name: str, by: Principal) -> None:
    """Delete an account through the auth domain."""
    auth_services.delete_user(storage, name=name, by=by)


def reset(storage: Storage) -> None:
    """Reset the registry through the artifacts domain."""
    artifact_services.reset(storage)


def health_view(runtime: Any, storage: Storage, *, base_url: str) -> HealthView:
    """Component status, the API's request activity over the last hour and the latest download benchmark."""
    report = health_services.component_report(
        runtime,
        storage,
        window_minutes=HEALTH_WINDOW_MINUTES,
        include_timeline=True,
        base_url=base_url,
    )
    timeline = next((c.timeline for c in report.components if c.id == "api" and c.timeline), [])
    view = activity_chart(report.components, timeline or [], window_minutes=HEALTH_WINDOW_MINUTES)
    return view.model_copy(update={"benchmark": health_services.latest_download_benchmark(storage)})


def _first_problem(exc: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(p) for p in err.get('loc', ())) or 'value'}: {err.get('msg', 'invalid')}"
        for err in exc.errors()
    ]
    return "; ".join(problems) or "Invalid input."


def sign_in(storage: Storage, settings: Settings, *, name: str, password: str, client: str) -> str:
    """The token for a correct name and password (the auth domain's throttle and errors apply)."""
    return auth_services.authenticate(storage, settings, name=name, password=password, client=client)
