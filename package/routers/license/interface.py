"""Pydantic models of the license domain: the spec's license-check request, and a license as people see it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class LicenseCategory(StrEnum):
    """What a license lets one do with a model or code, for the registry's purposes."""

    PERMISSIVE = "permissive"
    WEAK_COPYLEFT = "weak_copyleft"
    STRONG_COPYLEFT = "strong_copyleft"
    NON_COMMERCIAL = "non_commercial"
    NO_DERIVATIVES = "no_derivatives"
    USE_RESTRICTED = "use_restricted"
    UNKNOWN = "unknown"


class LicenseModel(BaseModel):
    """Base of the license domain's shapes."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SimpleLicenseCheckRequest(LicenseModel):
    """Body of `POST /artifact/model/{id}/license-check`: the GitHub project to check against."""

    github_url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)] = (
        Field(
            description="GitHub repository URL to evaluate.",
            examples=["https://github.com/google-research/bert"],
        )
    )


class LicenseInfo(LicenseModel):
    """A license as declared upstream and as the registry normalises it."""

    declared: str | None = Field(description="The identifier as the card, tags or GitHub gave it.")
    license_id: str | None = Field(
        description="The SPDX id where one exists, else the Hub's id; None: unknown."
    )
    spdx: bool = Field(description="Whether `license_id` is an SPDX identifier.")
    name: str | None = None
    category: LicenseCategory


class ArtifactLicense(LicenseModel):
    """An artifact's normalised license (not part of the spec; shown to people in the docs and UI)."""

    artifact_id: str
    license: LicenseInfo


class LicenseCheckReport(LicenseModel):
    """A license check explained (the spec's endpoint answers only `compatible`)."""

    model: LicenseInfo
    code: LicenseInfo
    compatible: bool
    reason: str
