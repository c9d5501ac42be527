"""Derived metadata the Hub computes: library, pipeline, base models and the `tags` list."""

from __future__ import annotations

import re
from typing import Any

from tests.fakehub.hf_repo import HfRepo

ARXIV_LINK = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})")
FILE_FORMAT_TAGS = (
    ("pytorch_model.bin", "pytorch"),
    ("tf_model.h5", "tf"),
    ("flax_model.msgpack", "jax"),
    (".onnx", "onnx"),
    (".safetensors", "safetensors"),
    (".gguf", "gguf"),
)
DATASET_CARD_TAG_KEYS = (
    "task_categories",
    "task_ids",
    "annotations_creators",
    "language_creators",
    "multilinguality",
    "source_datasets",
    "language",
    "size_categories",
)


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value if item is not None]
    return [str(value)]


def card(repo: HfRepo) -> dict[str, Any]:
    return repo.card_data or {}


def library_name(repo: HfRepo) -> str | None:
    if repo.library_name is not None:
        return repo.library_name
    declared = card(repo).get("library_name")
    if isinstance(declared, str):
        return declared
    return "transformers" if "config.json" in repo.files and repo.kind == "model" else None


def pipeline_tag(repo: HfRepo) -> str | None:
    if repo.pipeline_tag is not None:
        return repo.pipeline_tag
    declared = card(repo).get("pipeline_tag")
    return declared if isinstance(declared, str) else None


def base_models(repo: HfRepo) -> list[str]:
    return as_list(card(repo).get("base_model"))


def base_model_relation(repo: HfRepo) -> str | None:
    """Declared relation, or `finetune` (the Hub's default guess) for a single base model."""
    declared = card(repo).get("base_model_relation")
    if isinstance(declared, str):
        return declared
    return "finetune" if len(base_models(repo)) == 1 else None


def arxiv_ids(repo: HfRepo) -> list[str]:
    readme = repo.files.get("README.md")
    if readme is None:
        return []
    text = readme.blob.read(0, readme.size).decode("utf-8", errors="replace")
    return list(dict.fromkeys(ARXIV_LINK.findall(text)))


def model_tags(repo: HfRepo) -> list[str]:
    data = card(repo)
    tags: list[str] = []
    library = library_name(repo)
    if library:
        tags.append(library)
    for marker, tag in FILE_FORMAT_TAGS:
        if any(path.endswith(marker) for path in repo.files):
            tags.append(tag)
    model_type = (repo.json_file("config.json") or {}).get("model_type")
    if isinstance(model_type, str):
        tags.append(model_type)
    pipeline = pipeline_tag(repo)
    if pipeline:
        tags.append(pipeline)
    tags += as_list(data.get("tags"))
    tags += as_list(data.get("language"))
    tags += [f"dataset:{name}" for name in as_list(data.get("datasets"))]
    tags += [f"arxiv:{paper}" for paper in arxiv_ids(repo)]
    relation = base_model_relation(repo)
    for parent in base_models(repo):
        tags.append(f"base_model:{parent}")
        if relation:
            tags.append(f"base_model:{relation}:{parent}")
    tags += [f"license:{name}" for name in as_list(data.get("license"))]
    tags += list(repo.extra_tags)
    tags.append("region:us")
    return list(dict.fromkeys(tags))


def dataset_tags(repo: HfRepo) -> list[str]:
    data = card(repo)
    tags: list[str] = []
    for key in DATASET_CARD_TAG_KEYS:
        tags += [f"{key}:{value}" for value in as_list(data.get(key))]
    tags += [f"license:{name}" for name in as_list(data.get("license"))]
    if any(path.endswith(".parquet") for path in repo.files):
        tags += ["format:parquet", "library:datasets", "library:pandas"]
    tags += [f"arxiv:{paper}" for paper in arxiv_ids(repo)]
    tags += as_list(data.get("tags"))
    tags += list(repo.extra_tags)
    tags.append("region:us")
    return list(dict.fromkeys(tags))
