"""One artifact per source: which artifact types a source can be, and the canonical key that claims it.

Two URLs of one repository must claim the same key: the URL parser already folds case and `.git`, and after
the upstream read the key is rebuilt from the id the upstream itself reports (`details["canonical_id"]`: the
Hub's id after its legacy-id and rename redirects, GitHub's `full_name`), so `bert-base-uncased` and
`google-bert/bert-base-uncased` are one source. The record keeps the repo id as given (lineage matches on it).
"""

from __future__ import annotations

from dataclasses import replace

from package.core.errors import BadRequest
from package.core.storage import Storage
from package.core.upstream.snapshot import Snapshot
from package.core.upstream.sources import SourceKind, SourceRef
from package.routers.artifacts import database
from package.routers.artifacts.errors import DuplicateArtifact
from package.routers.artifacts.interface import ArtifactType

# GitHub holds code, datasets (fashion-mnist) and, in practice, models: its repositories are not typed.
ALLOWED_TYPES: dict[SourceKind, frozenset[ArtifactType]] = {
    SourceKind.HF_MODEL: frozenset({ArtifactType.MODEL}),
    SourceKind.HF_DATASET: frozenset({ArtifactType.DATASET}),
    SourceKind.KAGGLE: frozenset({ArtifactType.DATASET}),
    SourceKind.GITHUB: frozenset(ArtifactType),
}
_WHAT = {
    SourceKind.HF_MODEL: "a Hugging Face model",
    SourceKind.HF_DATASET: "a Hugging Face dataset",
    SourceKind.KAGGLE: "a Kaggle dataset",
}


class WrongArtifactType(BadRequest):
    """The URL names a source of another type than the path's."""

    code = "wrong_artifact_type"


def check_type(artifact_type: ArtifactType, source: SourceRef, url: str) -> None:
    """BadRequest naming the source's type when it cannot be an artifact of `artifact_type`."""
    allowed = ALLOWED_TYPES[source.kind]
    if artifact_type not in allowed:
        fits = " or ".join(sorted(t.value for t in allowed))
        raise WrongArtifactType(
            f"{url} is {_WHAT.get(source.kind, source.kind.value)}, not a {artifact_type.value}: "
            f"register it as a {fits} (POST /artifact/{sorted(t.value for t in allowed)[0]})."
        )


def canonical(source: SourceRef, snapshot: Snapshot) -> SourceRef:
    """The source under the id its upstream reports (the same ref when it reports none, or a bad one)."""
    reported = snapshot.details.get("canonical_id")
    if not isinstance(reported, str) or not reported or reported.lower() == source.repo_id.lower():
        return source
    if not set(reported) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./"):
        return source  # an upstream answer is input too: never build a key from odd characters
    return replace(source, repo_id=reported)


def refuse_duplicate(
    storage: Storage, artifact_type: ArtifactType, key: str, url: str, *, allowed: str | None = None
) -> None:
    """409 naming the artifact that already holds this source (`allowed`: the artifact being updated)."""
    holder = database.source_owner(storage, artifact_type, key)
    if holder and holder != allowed:
        raise DuplicateArtifact(
            f"A {artifact_type.value} artifact from {url} exists already: {holder} "
            f"(GET /artifacts/{artifact_type.value}/{holder}).",
            existing_id=holder,
        )
