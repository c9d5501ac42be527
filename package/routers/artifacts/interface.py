"""Pydantic models of the artifacts domain: the spec's shapes exactly, plus the stored record."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    field_validator,
)

from package.core.upstream.sources import SourceKind
from package.core.values import string_list

ARTIFACT_ID_PATTERN = r"^[a-zA-Z0-9\-]+$"

ArtifactId = Annotated[str, StringConstraints(pattern=ARTIFACT_ID_PATTERN, min_length=1, max_length=64)]
ArtifactName = Annotated[str, StringConstraints(min_length=1, max_length=512)]


class ArtifactType(StrEnum):
    """Artifact category."""

    MODEL = "model"
    DATASET = "dataset"
    CODE = "code"


class AuditAction(StrEnum):
    """What an audit entry records."""

    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DOWNLOAD = "DOWNLOAD"
    RATE = "RATE"
    AUDIT = "AUDIT"


class MirrorStatus(StrEnum):
    """How far an artifact's content has been copied into the blob store."""

    PENDING = "pending"
    MIRRORING = "mirroring"
    COMPLETE = "complete"
    FAILED = "failed"
    GATED = "gated"
    SKIPPED = "skipped"
    REFERENCE = "reference"


class SpecModel(BaseModel):
    """Base of the spec's shapes."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ArtifactMetadata(SpecModel):
    """name, id and type of an artifact."""

    name: str
    id: str
    type: ArtifactType


# A list of them as JSON in one call: a byRegEx answer can hold 100,000, and the framework's own response
# path (dump to dicts, validate again, encode) costs several times the serialization alone.
ARTIFACT_METADATA_LIST = TypeAdapter(list[ArtifactMetadata])


class ArtifactData(SpecModel):
    """Source URL (and, in responses, the registry's download URL)."""

    url: str
    download_url: str | None = None


class ArtifactCreate(SpecModel):
    """Body of `POST /artifact/{type}`: a URL and an optional name (clients send one).

    Other fields (e.g. the read-only `download_url` of ArtifactData) are ignored.
    """

    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]
    name: ArtifactName | None = None

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str | None) -> str | None:
        if value == "*":
            raise ValueError('"*" is reserved for enumerating artifacts')
        return value


class Artifact(SpecModel):
    """Artifact envelope: metadata and data."""

    metadata: ArtifactMetadata
    data: ArtifactData


class ArtifactUpdate(SpecModel):
    """Body of `PUT /artifacts/{type}/{id}`."""

    metadata: ArtifactMetadata
    data: ArtifactData


class ArtifactQuery(SpecModel):
    """One query of `POST /artifacts`: a name (or "*"), optional types and the registry's optional filters.

    Unknown fields are refused (400 naming the field) rather than silently ignored, so a misspelt filter never
    widens a query. `license`, `min_net_score` and `created_after` are this registry's additions to the spec.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: ArtifactName
    types: list[ArtifactType] | None = None
    # No length cap of its own (a card's free-text license can be long): the body limit bounds it, and the
    # license index files long licenses under a hashed, bounded key (catalog_db), matched exactly.
    license: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        default=None, description="Only artifacts whose license id is this one (case-insensitive)."
    )
    min_net_score: Annotated[float, Field(ge=0.0, le=1.0)] | None = Field(
        default=None,
        description="Only models whose current rating's net_score is at least this (unrated: no).",
    )
    created_after: datetime | None = Field(
        default=None, description="Only artifacts registered strictly after this ISO-8601 time (naive = UTC)."
    )


class ArtifactRegEx(SpecModel):
    """Body of `POST /artifact/byRegEx`."""

    regex: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class User(SpecModel):
    """A user as the spec shows one."""

    name: str
    is_admin: bool


class ArtifactAuditEntry(SpecModel):
    """One entry of an artifact's audit history."""

    user: User
    date: str
    artifact: ArtifactMetadata
    action: AuditAction


class AuditLogAction(StrEnum):
    """What an entry of the registry-wide audit log records: the spec's actions, deletions and resets."""

    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DOWNLOAD = "DOWNLOAD"
    RATE = "RATE"
    AUDIT = "AUDIT"
    DELETE = "DELETE"  # the tombstone: who removed the artifact, and when
    RESET = "RESET"  # the registry was emptied; the first entry of the log that follows


class AuditLogEntry(SpecModel):
    """One entry of `GET /audit`: outlives the artifact it names (`artifact` is None for a reset)."""

    user: User
    date: str
    action: AuditLogAction
    artifact: ArtifactMetadata | None = None
    note: str | None = None


class ArtifactVersion(SpecModel):
    """One version of an artifact: what a `PUT` (or the registration) pinned, by whom and when."""

    number: int
    current: bool = False
    revision: str | None = Field(default=None, description="The upstream commit the version pins.")
    source_url: str
    created_by: str
    created_at: str
    generation: str = Field(description="Ratings, lineage and cost computed for this version carry it.")
    bundle_sha256: str | None = Field(default=None, description="sha256 of the version's zip bundle.")
    bundle_kept: bool = Field(
        default=False, description="Whether `/download/{type}/{id}?version=N` can still serve its bundle."
    )
    net_score: float | None = Field(default=None, description="The version's stored rating's net score.")
    rating_url: str | None = Field(default=None, description="Path of the version's stored rating.")


class VersionScore(SpecModel):
    """A version's stored rating as the versions list shows it (provided by the rating domain)."""

    net_score: float
    rating_url: str


class MirrorState(SpecModel):
    """Progress of the background copy of an artifact's files."""

    status: MirrorStatus = MirrorStatus.PENDING
    files_total: int = 0
    files_done: int = 0
    bytes_total: int = 0
    bytes_done: int = 0
    bundle_sha256: str | None = None
    bundle_size: int | None = None
    message: str | None = None
    updated_at: str | None = None


class ArtifactRecord(SpecModel):
    """An artifact as the registry stores it."""

    id: str
    name: str
    type: ArtifactType
    url: str
    source_key: str
    source_kind: SourceKind
    repo_id: str
    revision: str | None = None
    license: str | None = None
    created_at: str
    updated_at: str
    created_by: str
    generation: str = Field(
        description="Changes whenever the source changes; stale background writes check it."
    )
    reference_only: bool = False
    gated: str | None = None
    mirror: MirrorState = Field(default_factory=MirrorState)

    @property
    def metadata(self) -> ArtifactMetadata:
        """The spec's metadata of this artifact."""
        return ArtifactMetadata(name=self.name, id=self.id, type=self.type)


# Upstream metadata lists: a lone string is a list of one, non-strings are dropped.
StringList = Annotated[list[str], BeforeValidator(string_list)]


class SnapshotSource(SpecModel):
    """The upstream repository a snapshot was read from."""

    kind: SourceKind
    repo_id: str
    revision: str | None = None
    subpath: str = ""


class SnapshotFile(SpecModel):
    """One file of the upstream manifest (path relative to the artifact's root)."""

    path: str
    size: int = Field(default=0, ge=0)
    sha256: str | None = None
    etag: str | None = None


class LinkedRefs(SpecModel):
    """What ingest found the artifact linking to: base models, datasets, code URLs (upstream spelling)."""

    base_models: StringList = Field(default_factory=list)
    datasets: StringList = Field(default_factory=list)
    code: StringList = Field(default_factory=list)


class ArtifactSnapshot(SpecModel):
    """An artifact's upstream metadata as captured at ingest, validated once when read.

    `card_data` (the card's front matter), `stats` and `details` (per-source extras: Hugging Face configs and
    commit history, GitHub contributors and commits) keep upstream's own shapes; their values are untrusted.
    """

    source: SnapshotSource
    page_url: str = ""
    revision: str | None = None
    license: str | None = None
    tags: StringList = Field(default_factory=list)
    card_data: dict[str, Any] = Field(default_factory=dict)
    files: list[SnapshotFile] = Field(default_factory=list)
    gated: str | None = None
    linked: LinkedRefs = Field(default_factory=LinkedRefs)
    stats: dict[str, Any] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)
    reference_only: bool = False

    @field_validator("card_data", "stats", "details", "linked", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return {} if value is None else value

    @property
    def total_bytes(self) -> int:
        """Sum of the file sizes in the manifest."""
        return sum(f.size for f in self.files)


class ArtifactDetails(SpecModel):
    """Everything the registry knows of an artifact, for other domains and for people."""

    record: ArtifactRecord
    snapshot: ArtifactSnapshot
    readme: str | None = None
    hidden: bool = Field(
        default=False, description="Registered but not published yet (waiting for its rating)."
    )


class ArtifactOverview(SpecModel):
    """What people see of an artifact beyond the spec's envelope: source, license, size, mirror progress."""

    metadata: ArtifactMetadata
    data: ArtifactData
    source_kind: SourceKind
    repo_id: str
    revision: str | None
    license: str | None
    created_at: str
    updated_at: str
    created_by: str
    reference_only: bool
    gated: str | None
    file_count: int
    total_bytes: int
    tags: list[str]
    linked: dict[str, list[str]]
    stats: dict[str, Any]
    mirror: MirrorState
