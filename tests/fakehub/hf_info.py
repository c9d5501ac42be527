"""JSON bodies of GET /api/models/{id} and /api/datasets/{id}, shaped like the real Hub's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tests.fakehub import hf_tags
from tests.fakehub.hf_repo import HfRepo
from tests.fakehub.hf_store import HfStore
from tests.fakehub.st_format import SafetensorsBlob

Property = Callable[[], Any]

MODEL_DEFAULT = (
    "private", "pipeline_tag", "library_name", "tags", "downloads", "likes", "modelId", "author", "sha",
    "lastModified", "gated", "disabled", "model-index", "config", "cardData", "transformersInfo", "siblings",
    "spaces", "createdAt", "safetensors", "usedStorage",
)  # fmt: skip
DATASET_DEFAULT = (
    "author", "sha", "lastModified", "private", "gated", "disabled", "downloads", "likes", "tags", "cardData",
    "siblings", "createdAt", "description", "citation", "paperswithcode_id", "usedStorage",
)  # fmt: skip
CONFIG_KEYS = ("architectures", "model_type", "auto_map", "quantization_config")
AUTO_MODELS = {
    "fill-mask": "AutoModelForMaskedLM",
    "text-classification": "AutoModelForSequenceClassification",
    "question-answering": "AutoModelForQuestionAnswering",
    "image-classification": "AutoModelForImageClassification",
    "automatic-speech-recognition": "AutoModelForSpeechSeq2Seq",
    "text-generation": "AutoModelForCausalLM",
    "image-text-to-text": "AutoModelForCausalLM",
}
IMAGE_TASKS = ("image-classification",)
AUDIO_OR_MULTIMODAL = ("automatic-speech-recognition", "image-text-to-text")


class ExpandError(ValueError):
    """An `expand` value the Hub would reject with 400."""


def siblings(repo: HfRepo, blobs: bool) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for file in repo.files.values():
        entry: dict[str, Any] = {"rfilename": file.path}
        if blobs:
            entry["blobId"] = file.git_sha
            entry["size"] = file.size
            if file.is_lfs:
                entry["lfs"] = {
                    "sha256": file.lfs_sha256(),
                    "size": file.size,
                    "pointerSize": len(file.pointer()),
                }
        result.append(entry)
    return result


def config_summary(repo: HfRepo) -> dict[str, Any] | None:
    config = repo.json_file("config.json")
    if config is None:
        return None
    summary = {key: config[key] for key in CONFIG_KEYS if key in config}
    tokenizer = repo.json_file("tokenizer_config.json")
    if tokenizer is not None:
        summary["tokenizer_config"] = {
            key: value for key, value in tokenizer.items() if key.endswith("_token") or key == "chat_template"
        }
    return summary


def transformers_info(repo: HfRepo) -> dict[str, Any] | None:
    pipeline = hf_tags.pipeline_tag(repo)
    if hf_tags.library_name(repo) != "transformers" or pipeline not in AUTO_MODELS:
        return None
    info: dict[str, Any] = {"auto_model": AUTO_MODELS[pipeline], "pipeline_tag": pipeline}
    auto_map = (repo.json_file("config.json") or {}).get("auto_map")
    if isinstance(auto_map, dict) and AUTO_MODELS[pipeline] in auto_map:
        info["custom_class"] = auto_map[AUTO_MODELS[pipeline]]
    if pipeline in IMAGE_TASKS:
        info["processor"] = "AutoImageProcessor"
    elif pipeline in AUDIO_OR_MULTIMODAL:
        info["processor"] = "AutoProcessor"
    else:
        info["processor"] = "AutoTokenizer"
    return info


def safetensors_summary(repo: HfRepo) -> dict[str, Any] | None:
    parameters: dict[str, int] = {}
    for file in repo.files.values():
        if isinstance(file.blob, SafetensorsBlob):
            for dtype, count in file.blob.parameters().items():
                parameters[dtype] = parameters.get(dtype, 0) + count
    if not parameters:
        return None
    return {"parameters": parameters, "total": sum(parameters.values())}


def base_models_property(repo: HfRepo) -> dict[str, Any] | None:
    parents = hf_tags.base_models(repo)
    if not parents:
        return None
    return {"relation": hf_tags.base_model_relation(repo), "models": [{"id": parent} for parent in parents]}


def children_count(repo: HfRepo, store: HfStore) -> int:
    return sum(1 for other in store.all("model") if repo.repo_id in hf_tags.base_models(other))


def common_properties(repo: HfRepo, blobs: bool) -> dict[str, Property]:
    return {
        "author": lambda: repo.author,
        "sha": lambda: repo.sha,
        "lastModified": lambda: repo.last_modified,
        "createdAt": lambda: repo.created_at,
        "private": lambda: repo.private,
        "gated": lambda: repo.gated,
        "disabled": lambda: repo.disabled,
        "downloads": lambda: repo.downloads,
        "downloadsAllTime": lambda: repo.downloads * 12,
        "likes": lambda: repo.likes,
        "trendingScore": lambda: 0,
        "cardData": lambda: repo.card_data,
        "siblings": lambda: siblings(repo, blobs),
        "usedStorage": repo.used_storage,
        "resourceGroup": lambda: None,
    }


def model_properties(repo: HfRepo, store: HfStore, blobs: bool) -> dict[str, Property]:
    return common_properties(repo, blobs) | {
        "modelId": lambda: repo.repo_id,
        "pipeline_tag": lambda: hf_tags.pipeline_tag(repo),
        "library_name": lambda: hf_tags.library_name(repo),
        "tags": lambda: hf_tags.model_tags(repo),
        "model-index": lambda: hf_tags.card(repo).get("model-index"),
        "config": lambda: config_summary(repo),
        "transformersInfo": lambda: transformers_info(repo),
        "spaces": lambda: list(repo.spaces),
        "safetensors": lambda: safetensors_summary(repo),
        "baseModels": lambda: base_models_property(repo),
        "childrenModelCount": lambda: children_count(repo, store),
        "widgetData": lambda: None,
        "mask_token": lambda: "[MASK]" if hf_tags.pipeline_tag(repo) == "fill-mask" else None,
        "inference": lambda: None,
        "inferenceProviderMapping": lambda: [],
        "evalResults": lambda: None,
        "gguf": lambda: None,
    }


def dataset_properties(repo: HfRepo, blobs: bool) -> dict[str, Property]:
    return common_properties(repo, blobs) | {
        "tags": lambda: hf_tags.dataset_tags(repo),
        "description": lambda: repo.description,
        "citation": lambda: repo.citation,
        "paperswithcode_id": lambda: hf_tags.card(repo).get("paperswithcode_id"),
        "mainSize": repo.used_storage,
    }


def render(
    repo: HfRepo, properties: dict[str, Property], defaults: Sequence[str], expand: Sequence[str]
) -> dict[str, Any]:
    body: dict[str, Any] = {"_id": repo.object_id, "id": repo.repo_id}
    for name in expand:
        if name not in properties:
            raise ExpandError(f'"expand" must be one of [{", ".join(sorted(properties))}], got "{name}"')
    for name in expand or defaults:
        value = properties[name]()
        if value is not None or expand or name in ("author", "pipeline_tag", "library_name", "gated"):
            body[name] = value
    return body


def model_info(
    repo: HfRepo, store: HfStore, *, blobs: bool, expand: Sequence[str], security: bool
) -> dict[str, Any]:
    body = render(repo, model_properties(repo, store, blobs), MODEL_DEFAULT, expand)
    if security and not expand:
        body["securityRepoStatus"] = {"scansDone": True, "filesWithIssues": []}
    return body


def dataset_info(repo: HfRepo, *, blobs: bool, expand: Sequence[str]) -> dict[str, Any]:
    return render(repo, dataset_properties(repo, blobs), DATASET_DEFAULT, expand)
