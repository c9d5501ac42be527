"""Which datasets, code repositories and parent models a model refers to, and which of them are registered.

References come from what ingest captured: the card's `datasets` and `base_model`, the Hub's `dataset:*` and
`base_model:*` tags, and the GitHub / Hugging Face dataset links in the README. A reference names a registered
artifact when it equals the artifact's repository id, its repository name (for owner-less references such
as `squad`) or its registered name. A code artifact also belongs to a model when both come from the same
owner and the model's name starts with the repository's (`openai/whisper` for `openai/whisper-tiny`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from package.core.upstream.sources import SourceKind
from package.routers.artifacts.interface import ArtifactRecord, ArtifactSnapshot, ArtifactType
from package.routers.lineage import services as lineage_services
from package.routers.lineage.interface import ModelRefs
from package.routers.rating.inputs.card import Card

_TOKEN = re.compile(r"[a-z0-9]+")
names_artifact = lineage_services.names_artifact
github_repo_ids = lineage_services.github_repo_ids


@dataclass(frozen=True)
class Links:
    """The registered artifacts a model refers to, and the GitHub repository its code metrics read."""

    datasets: tuple[ArtifactRecord, ...]
    code: tuple[ArtifactRecord, ...]
    code_repository: str | None
    code_artifact: ArtifactRecord | None


def model_refs(record: ArtifactRecord, snapshot: ArtifactSnapshot, card: Card) -> ModelRefs:
    """Everything the model names upstream (lineage owns the reading; the card's links come from here)."""
    return lineage_services.model_refs(record.repo_id, snapshot, card.links)


def _same_family(record: ArtifactRecord, refs: ModelRefs) -> bool:
    if record.source_kind is not SourceKind.GITHUB or not refs.owner or "/" not in record.repo_id:
        return False
    owner, name = record.repo_id.lower().split("/", 1)
    return owner == refs.owner and len(name) >= 3 and refs.model_name.startswith(name)


def refers_to(refs: ModelRefs, record: ArtifactRecord) -> bool:
    """Whether a model with these references would read this artifact (used to invalidate its rating)."""
    if record.type is ArtifactType.DATASET:
        return any(names_artifact(ref, record) for ref in (*refs.dataset_refs, *refs.code_refs))
    if record.type is ArtifactType.CODE:
        return any(names_artifact(ref, record) for ref in refs.code_refs) or _same_family(record, refs)
    return any(names_artifact(ref, record) for ref in refs.parent_refs)


def _overlap(repo_id: str, refs: ModelRefs) -> int:
    """How many name tokens a repository shares with the model (ranks candidate code repositories)."""
    repo_tokens = {t for t in _TOKEN.findall(repo_id.lower()) if len(t) >= 3}
    model_tokens = {t for t in _TOKEN.findall(f"{refs.owner or ''} {refs.model_name}") if len(t) >= 3}
    return len(repo_tokens & model_tokens)


def resolve(refs: ModelRefs, records: Iterable[ArtifactRecord], self_id: str) -> Links:
    """The registered datasets and code a model refers to, and its code repository."""
    others = [r for r in records if r.id != self_id]
    datasets = tuple(r for r in others if r.type is ArtifactType.DATASET and refers_to(refs, r))
    code = tuple(r for r in others if r.type is ArtifactType.CODE and refers_to(refs, r))
    github_code = sorted(
        (r for r in code if r.source_kind is SourceKind.GITHUB),
        key=lambda r: -_overlap(r.repo_id, refs),
    )
    if github_code:
        chosen = github_code[0]
        return Links(datasets, code, chosen.repo_id, chosen)
    dataset_repos = {r.repo_id.lower() for r in datasets}
    candidates = [ref for ref in refs.code_refs if ref not in dataset_repos]
    # A stable sort keeps the card's order among equally related links.
    candidates.sort(key=lambda ref: -_overlap(ref, refs))
    return Links(datasets, code, candidates[0] if candidates else None, None)
