"""The Hugging Face Hub's JSON shapes (as `huggingface_hub` reads them) and the hub domain's errors."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from package.core.errors import Forbidden, NotFound, RegistryError, Unauthorized


class RepoKind(StrEnum):
    """The Hub's repository types the registry serves."""

    MODEL = "model"
    DATASET = "dataset"


class HubModel(BaseModel):
    """Base of the Hub's JSON: camelCase names as the Hub sends them."""

    model_config = ConfigDict(populate_by_name=True)


class LfsPointer(HubModel):
    """An LFS file's content address, as in tree listings (`oid` is its sha256)."""

    oid: str
    size: int
    pointer_size: int = Field(default=134, alias="pointerSize")


class SiblingLfs(HubModel):
    """An LFS file's content address, as in repository info."""

    sha256: str
    size: int
    pointer_size: int = Field(default=134, alias="pointerSize")


class Sibling(HubModel):
    """One file of a repository in its info (`rfilename` is its path)."""

    rfilename: str
    size: int | None = None
    blob_id: str | None = Field(default=None, alias="blobId")
    lfs: SiblingLfs | None = None


class TreeEntry(HubModel):
    """One file or folder of a tree listing or paths-info answer."""

    type: str
    oid: str
    size: int
    path: str
    lfs: LfsPointer | None = None


class RepoInfo(HubModel):
    """A repository's info, as `model_info`/`dataset_info`/`repo_info` parse it."""

    id: str
    model_id: str | None = Field(default=None, alias="modelId")
    author: str | None = None
    sha: str
    last_modified: str | None = Field(default=None, alias="lastModified")
    created_at: str | None = Field(default=None, alias="createdAt")
    private: bool = False
    gated: bool | str = False
    disabled: bool = False
    downloads: int | None = None
    likes: int | None = None
    tags: list[str] = Field(default_factory=list)
    pipeline_tag: str | None = None
    library_name: str | None = None
    card_data: dict[str, Any] | None = Field(default=None, alias="cardData")
    config: dict[str, Any] | None = None
    siblings: list[Sibling] = Field(default_factory=list)


class HubFile(BaseModel):
    """What a client needs to fetch one file: where it lives in the registry and its Hub identity."""

    artifact_id: str
    path: str
    size: int
    etag: str = Field(description="The Hub's ETag: the LFS sha256, else the git blob id.")
    commit: str
    lfs: bool


class HubError(RegistryError):
    """An error a Hub client understands: `X-Error-Code` names it, `X-Error-Message` says why."""

    hub_code: str | None = None


class RepoNotFound(HubError, NotFound):
    """No registered repository has this id (the client raises RepositoryNotFoundError)."""

    hub_code = "RepoNotFound"
    description: ClassVar[str] = "The repository is not registered (X-Error-Code: RepoNotFound)."


class RevisionNotFound(HubError, NotFound):
    """The repository is registered at another revision (the client raises RevisionNotFoundError)."""

    hub_code = "RevisionNotFound"
    description: ClassVar[str] = "No such revision (X-Error-Code: RevisionNotFound)."


class EntryNotFound(HubError, NotFound):
    """The repository has no such file (the client raises RemoteEntryNotFoundError)."""

    hub_code = "EntryNotFound"
    description: ClassVar[str] = "No such file (X-Error-Code: EntryNotFound)."


class NotAllowed(HubError, Forbidden):
    """The caller may not have this repository: no permission, or the registry refused it at ingest.

    Answered as the Hub answers a gated repository, so every client raises its own access error
    (`GatedRepoError`) with the reason, rather than falling back to its cache.
    """

    hub_code = "GatedRepo"
    description: ClassVar[str] = "No permission, or refused at registration (X-Error-Code: GatedRepo)."


class BadCredentials(HubError, Unauthorized):
    """A missing, malformed, expired or revoked token (the client raises its 401 HfHubHTTPError)."""

    hub_code = None
    description: ClassVar[str] = "Missing or bad token (the client raises its 401 HfHubHTTPError)."
