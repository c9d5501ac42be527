"""Read the upstream references an artifact's captured metadata names: base models, datasets, code.

Only structured metadata counts: the model card's `base_model` / `base_model_relation` / `datasets`, the
Hub's `base_model:*` and `dataset:*` tags, `config.json` / `adapter_config.json` fields naming a base, and the
code links the ingest found. Pure functions over the typed snapshot; no storage, no network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from package.core.values import string_list as _strings
from package.routers.artifacts.interface import ArtifactRecord, ArtifactSnapshot
from package.routers.lineage.interface import ModelRefs


class RefKind(StrEnum):
    """What a reference points at."""

    MODEL = "model"
    DATASET = "dataset"
    CODE = "code"


class Evidence(StrEnum):
    """Where in the metadata a reference was found (a lineage node's `source`)."""

    MODEL_CARD = "model_card"
    HUB_TAGS = "hub_tags"
    CONFIG_JSON = "config_json"
    ADAPTER_CONFIG_JSON = "adapter_config_json"
    CODE_LINK = "code_link"


# Card relations the Hub knows (`base_model_relation`; the middle of `base_model:<relation>:<id>` tags).
RELATIONS = ("finetune", "adapter", "quantized", "merge")
# Top-level config.json / adapter_config.json keys that name the model a checkpoint was built from.
_CONFIG_BASE_KEYS = ("base_model_name_or_path", "base_model", "_name_or_path")
# A Hugging Face repo id: an optional owner and a name, letters, digits, `-`, `_`, `.`.
_REPO_ID = re.compile(r"^(?:[A-Za-z0-9][\w.\-]{0,95}/)?[A-Za-z0-9][\w.\-]{0,95}$")
_GITHUB = re.compile(r"github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)", re.IGNORECASE)
_HF_DATASET = re.compile(r"huggingface\.co/datasets/([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)?)", re.IGNORECASE)
# GitHub paths that are not repositories.
_GITHUB_NON_REPOS = {"orgs", "sponsors", "settings", "marketplace", "topics", "features", "about", "apps"}


@dataclass(frozen=True)
class Reference:
    """One upstream thing an artifact names: its kind, repo id, the edge's relationship and the evidence."""

    kind: RefKind
    target: str
    relationship: str
    evidence: Evidence
    relation: str | None = None
    # False for an owner-less id read from a config (`_name_or_path` is often a local folder such as
    # `output`): such a reference makes an edge only when it names a registered artifact.
    confirmed: bool = True

    def to_item(self) -> dict[str, Any]:
        """JSON-ready form (stored in the lineage index)."""
        return {
            "kind": self.kind.value,
            "target": self.target,
            "relationship": self.relationship,
            "evidence": self.evidence.value,
            "relation": self.relation,
            "confirmed": self.confirmed,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Reference:
        """Rebuild a stored reference."""
        return cls(
            kind=RefKind(item["kind"]),
            target=str(item["target"]),
            relationship=str(item["relationship"]),
            evidence=Evidence(item["evidence"]),
            relation=item.get("relation"),
            confirmed=bool(item.get("confirmed", True)),
        )


class MalformedMetadata(ValueError):
    """The captured metadata has the wrong shape (not merely missing fields)."""


def clean_repo_id(value: object) -> str | None:
    """A Hugging Face repo id from a metadata value (URLs and `hf.co/` prefixes removed), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip().rstrip("/")
    for prefix in ("https://huggingface.co/", "http://huggingface.co/", "https://hf.co/", "hf.co/"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    text = text.removeprefix("models/")
    if text.startswith("datasets/"):
        text = text[len("datasets/") :]
    return text if _REPO_ID.match(text) and ".." not in text else None


def model_references(snapshot: ArtifactSnapshot, own_repo_id: str) -> list[Reference]:
    """The base models a model's metadata names, strongest evidence first, each target once."""
    card = snapshot.card_data
    relation = _relation(card.get("base_model_relation"))
    found: list[Reference] = []
    for target in _strings(card.get("base_model")):
        found.append(_base(target, Evidence.MODEL_CARD, relation))
    for tag in snapshot.tags:
        parts = tag.split(":")
        if parts[0] != "base_model" or len(parts) < 2:
            continue
        tag_relation = parts[1] if len(parts) == 3 and parts[1] in RELATIONS else None
        found.append(_base(parts[-1], Evidence.HUB_TAGS, tag_relation or relation))
    if not found:
        # Configs copy `_name_or_path` along when a checkpoint is re-exported, so they speak only when the
        # card and tags are silent (an ONNX conversion must not point past its parent at its grandparent).
        details = snapshot.details
        adapter = _config(details, "adapter_config_json", "adapter_config.json")
        for key in _CONFIG_BASE_KEYS:
            found += [
                _base(t, Evidence.ADAPTER_CONFIG_JSON, "adapter", strict=False)
                for t in _strings(adapter.get(key))
            ]
        config = _config(details, "config_json", "config.json")
        for key in _CONFIG_BASE_KEYS:
            found += [
                _base(t, Evidence.CONFIG_JSON, relation, strict=False) for t in _strings(config.get(key))
            ]
    own = own_repo_id.lower()
    return _unique(r for r in found if r.target and r.target.lower() != own)


def dataset_references(snapshot: ArtifactSnapshot, *, fine_tuned: bool) -> list[Reference]:
    """The datasets a model's card and tags name."""
    card = snapshot.card_data
    relationship = "fine_tuning_dataset" if fine_tuned else "training_dataset"
    found = [
        Reference(RefKind.DATASET, target, relationship, Evidence.MODEL_CARD)
        for target in (clean_repo_id(v) for v in _strings(card.get("datasets")))
        if target
    ]
    for tag in snapshot.tags:
        if tag.startswith("dataset:"):
            target = clean_repo_id(tag.split(":", 1)[1])
            if target:
                found.append(Reference(RefKind.DATASET, target, relationship, Evidence.HUB_TAGS))
    return _unique(found)


def github_repo_ids(texts: Iterable[str]) -> list[str]:
    """`owner/name` of every GitHub repository linked in the texts, in order (duplicates kept)."""
    found = []
    for text in texts:
        for owner, name in _GITHUB.findall(text):
            name = name.removesuffix(".git").rstrip(".")
            if owner.lower() not in _GITHUB_NON_REPOS and name and not _only_dots(owner, name):
                found.append(f"{owner}/{name}")
    return found


def _only_dots(owner: str, name: str) -> bool:
    # `github.com/../user` is a path trick, not a repository.
    return not owner.strip(".") or not name.strip(".")


def code_references(snapshot: ArtifactSnapshot) -> list[Reference]:
    """The GitHub repositories the ingest found linked from the artifact's card."""
    found = [
        Reference(RefKind.CODE, repo, "code_repository", Evidence.CODE_LINK)
        for url in snapshot.linked.code
        for repo in github_repo_ids([url])[:1]
    ]
    return _unique(found)


def model_refs(repo_id: str, snapshot: ArtifactSnapshot, card_links: Iterable[str]) -> ModelRefs:
    """Everything a model names upstream: what ingest linked, plus dataset and GitHub links in its card."""
    links = list(card_links)
    linked = snapshot.linked
    datasets = [*linked.datasets, *_HF_DATASET.findall(" ".join(links))]
    code = github_repo_ids([*linked.code, *links])
    return ModelRefs(
        dataset_refs=_lower_unique(datasets),
        code_refs=_lower_unique(code),
        parent_refs=_lower_unique(linked.base_models),
        owner=repo_id.split("/", 1)[0].lower() if "/" in repo_id else None,
        model_name=repo_id.rsplit("/", 1)[-1].lower(),
    )


def names_artifact(ref: str, record: ArtifactRecord) -> bool:
    """Whether a (lower-case) reference names this artifact: its repo id, registered name or repo name."""
    own = record.repo_id.lower()
    if ref == own or ref == record.name.lower():
        return True
    return "/" not in ref and ref == own.rsplit("/", 1)[-1]


def _lower_unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip().lower() for v in values if v and v.strip()))


def references(snapshot: ArtifactSnapshot, own_repo_id: str) -> list[Reference]:
    """Every reference of a model's snapshot: base models, then datasets, then code."""
    models = model_references(snapshot, own_repo_id)
    return models + dataset_references(snapshot, fine_tuned=bool(models)) + code_references(snapshot)


def card_relation(snapshot: ArtifactSnapshot) -> str | None:
    """The card's `base_model_relation` (finetune, adapter, quantized, merge), lower-cased, or None."""
    return _relation(snapshot.card_data.get("base_model_relation"))


def _config(details: dict[str, Any], key: str, filename: str) -> dict[str, Any]:
    value = details.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict) or value.get("_unparsable"):
        raise MalformedMetadata(f"{filename} is not a JSON object.")
    return value


def _base(value: str, evidence: Evidence, relation: str | None, *, strict: bool = True) -> Reference:
    target = clean_repo_id(value) or ""
    confirmed = strict or "/" in target
    return Reference(RefKind.MODEL, target, "base_model", evidence, relation, confirmed)


def _relation(value: object) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def _unique(found: Any) -> list[Reference]:
    seen: dict[tuple[RefKind, str], Reference] = {}
    for ref in found:
        key = (ref.kind, ref.target.lower())
        if key not in seen:
            seen[key] = ref
        elif seen[key].relation is None and ref.relation is not None:
            first = seen[key]
            seen[key] = Reference(
                first.kind, first.target, first.relationship, first.evidence, ref.relation, first.confirmed
            )
    return list(seen.values())
