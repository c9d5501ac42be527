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
from package.routers.rating.card import Card

_GITHUB = re.compile(r"github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)", re.IGNORECASE)
_HF_DATASET = re.compile(r"huggingface\.co/datasets/([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)?)", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z0-9]+")
# GitHub paths that are not repositories.
_GITHUB_NON_REPOS = {"orgs", "sponsors", "settings", "marketplace", "topics", "features", "about", "apps"}


@dataclass(frozen=True)
class ModelRefs:
    """What a model names upstream (lower-case)."""

    dataset_refs: tuple[str, ...]
    code_refs: tuple[str, ...]
    parent_refs: tuple[str, ...]
    owner: str | None
    model_name: str


@dataclass(frozen=True)
class Links:
    """The registered artifacts a model refers to, and the GitHub repository its code metrics read."""

    datasets: tuple[ArtifactRecord, ...]
    code: tuple[ArtifactRecord, ...]
    code_repository: str | None
    code_artifact: ArtifactRecord | None


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip().lower() for v in values if v and v.strip()))


def github_repo_ids(texts: Iterable[str]) -> list[str]:
    """`owner/name` of every GitHub repository linked in the texts."""
    found = []
    for text in texts:
        for owner, name in _GITHUB.findall(text):
            name = name.removesuffix(".git").rstrip(".")
            if owner.lower() not in _GITHUB_NON_REPOS and name:
                found.append(f"{owner}/{name}")
    return found


def model_refs(record: ArtifactRecord, snapshot: ArtifactSnapshot, card: Card) -> ModelRefs:
    """Everything the model names upstream."""
    linked = snapshot.linked
    datasets = [*linked.datasets, *_HF_DATASET.findall(" ".join(card.links))]
    code = github_repo_ids([*linked.code, *card.links])
    owner = record.repo_id.split("/", 1)[0].lower() if "/" in record.repo_id else None
    return ModelRefs(
        dataset_refs=_unique(datasets),
        code_refs=_unique(code),
        parent_refs=_unique(linked.base_models),
        owner=owner,
        model_name=record.repo_id.rsplit("/", 1)[-1].lower(),
    )


def names_artifact(ref: str, record: ArtifactRecord) -> bool:
    """Whether a (lower-case) reference names this artifact."""
    repo_id = record.repo_id.lower()
    if ref == repo_id or ref == record.name.lower():
        return True
    return "/" not in ref and ref == repo_id.rsplit("/", 1)[-1]


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
