"""Pydantic models of the artifacts domain: the spec's shapes exactly, plus the stored record."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

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
    """One query of `POST /artifacts`: a name (or "*") and optional types."""

    name: ArtifactName
    types: list[ArtifactType] | None = None


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
    source_kind: str
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


class ArtifactDetails(SpecModel):
    """Everything the registry knows of an artifact, for other domains and for people."""

    record: ArtifactRecord
    snapshot: dict[str, Any]
    readme: str | None = None
    hidden: bool = Field(
        default=False, description="Registered but not published yet (waiting for its rating)."
    )


class ArtifactOverview(SpecModel):
    """What people see of an artifact beyond the spec's envelope: source, license, size, mirror progress."""

    metadata: ArtifactMetadata
    data: ArtifactData
    source_kind: str
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
