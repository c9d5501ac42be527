"""Pydantic models of the safety domain: findings, per-file scans and the per-artifact report."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from package.routers.artifacts.interface import ArtifactMetadata


class Verdict(StrEnum):
    """How far a file or an artifact can be trusted to load, worst last."""

    SAFE = "safe"
    UNSCANNED = "unscanned"
    SUSPICIOUS = "suspicious"
    DANGEROUS = "dangerous"

    @property
    def rank(self) -> int:
        """Order of severity (safe lowest)."""
        return list(Verdict).index(self)


def worst(verdicts: list[Verdict]) -> Verdict:
    """The most severe of some verdicts (safe when there are none)."""
    return max(verdicts, key=lambda v: v.rank, default=Verdict.SAFE)


class FileFormat(StrEnum):
    """What a file was recognised as, by its leading bytes first and its name second."""

    PICKLE = "pickle"
    PYTORCH_ZIP = "pytorch-zip"
    NUMPY = "numpy"
    NUMPY_ZIP = "numpy-zip"
    ZIP = "zip"
    KERAS_ZIP = "keras"
    HDF5 = "hdf5"
    SAFETENSORS = "safetensors"
    GGUF = "gguf"
    ONNX = "onnx"
    OTHER = "other"


CODE_CARRYING = frozenset(
    {FileFormat.PICKLE, FileFormat.PYTORCH_ZIP, FileFormat.NUMPY, FileFormat.NUMPY_ZIP, FileFormat.ZIP}
    | {FileFormat.KERAS_ZIP, FileFormat.HDF5}
)


class FindingKind(StrEnum):
    """What a finding is about."""

    DANGEROUS_IMPORT = "dangerous_import"
    UNKNOWN_IMPORT = "unknown_import"
    UNRESOLVED_IMPORT = "unresolved_import"
    MALFORMED = "malformed"
    KERAS_LAMBDA = "keras_lambda"
    EXTERNAL_DATA_PATH = "external_data_path"
    ARCHIVE_PATH = "archive_path"
    TEMPLATE_INJECTION = "template_injection"
    SCAN_LIMIT = "scan_limit"
    NOT_MIRRORED = "not_mirrored"
    NAME_CONFUSION = "name_confusion"


class Finding(BaseModel):
    """One reason for a verdict: which file (or the name), what kind, and the detail."""

    model_config = ConfigDict(frozen=True)

    file: str | None = Field(default=None, description="Path of the file in the artifact; None for the name.")
    kind: FindingKind
    severity: Verdict
    detail: str
    resembles: str | None = Field(
        default=None,
        description="name_confusion: the registered artifact or popular repository it resembles.",
    )


class FileScan(BaseModel):
    """The scan of one file of an artifact."""

    path: str
    format: FileFormat
    verdict: Verdict
    findings: list[Finding] = Field(default_factory=list)
    size: int = Field(description="Bytes the file had as it was scanned.")
    sha256: str | None = None
    imports: list[str] = Field(default_factory=list, description="Pickle globals seen, as module.name.")
    scanners: list[str] = Field(default_factory=list, description="Which scanners read the file.")
    rules_version: str
    scanned_at: str
    seconds: float = 0.0


class Approval(BaseModel):
    """An admin's decision to let a dangerous artifact be downloaded."""

    by: str
    at: str
    generation: str = Field(description="The artifact's source generation approved; a new source clears it.")
    reason: str | None = None


class SafetyReport(BaseModel):
    """`GET /artifact/{type}/{id}/safety`: the artifact's verdict, every file and every finding."""

    artifact: ArtifactMetadata
    verdict: Verdict
    policy: str = Field(description="REGISTRY_SAFETY_POLICY: warn or block.")
    downloads_blocked: bool
    approval: Approval | None = None
    rules_version: str
    files: list[FileScan]
    findings: list[Finding]
    counts: dict[str, int] = Field(description="Files per format (safetensors vs pickle at a glance).")


class SafetySummary(BaseModel):
    """The verdict in a line, for other domains (rating details, web pages)."""

    verdict: Verdict
    findings: int
    downloads_blocked: bool
    approved: bool
    headline: str | None = Field(default=None, description="The most severe finding's detail.")


class ApproveRequest(BaseModel):
    """Body of `POST /artifact/{type}/{id}/safety/approve` (optional)."""

    reason: str | None = Field(default=None, max_length=2000)
