"""The synthetic registry bench/regex_scale.py searches: generated models, registered through the service.

Each repository id (`repo_ids`: an organisation, a family and a suffix, the same for an index in every run)
gets a generated model card (`model_card`: front matter and a few sections of varied sentences naming
families, organisations and datasets, 1-5 kB) from a local upstream (`LocalUpstreams`), so `seed` registers
it through `artifacts.services.register` with no HTTP round trip to a hub.
"""

from __future__ import annotations

import random
import time
from typing import Any

from package.core.auth_middleware import Principal
from package.core.config import Settings
from package.core.storage import Storage
from package.core.upstream.clients import Upstreams
from package.core.upstream.snapshot import FileStream, RemoteFile, Snapshot, SourceAdapter
from package.core.upstream.sources import SourceKind, SourceRef
from package.routers.artifacts import services
from package.routers.artifacts.interface import ArtifactCreate, ArtifactType

ORGS = [
    "google",
    "facebook",
    "microsoft",
    "acme",
    "openai",
    "huggingface",
    "stanford-nlp",
    "allenai",
    "eleutherai",
    "bigscience",
    "nvidia",
    "intel",
    "uni-tartu",
    "deepset",
    "sentence-transformers",
]
FAMILIES = [
    "bert",
    "roberta",
    "distilbert",
    "albert",
    "electra",
    "gpt2",
    "t5",
    "bart",
    "llama",
    "mistral",
    "whisper",
    "wav2vec2",
    "resnet",
    "vit",
    "convnext",
    "clip",
    "deberta",
    "xlnet",
    "bloom",
    "falcon",
    "phi",
    "qwen",
    "gemma",
    "yolo",
    "segformer",
    "detr",
    "swin",
    "mobilenet",
    "efficientnet",
    "opt",
]
SUFFIXES = [
    "base",
    "large",
    "small",
    "tiny",
    "uncased",
    "cased",
    "finetuned-squad",
    "sst2",
    "ner",
    "v2",
    "instruct",
    "chat",
    "7b",
    "1b",
    "multilingual",
    "distilled",
    "onnx",
    "int8",
    "en",
    "de",
]
DATASETS = ["wikipedia", "common crawl", "the pile", "c4", "imagenet-1k", "coco", "librispeech", "squad",
            "glue", "openwebtext", "laion-400m", "mnli", "conll2003", "cc-news"]  # fmt: skip
SENTENCES = [
    "This model is a fine-tuned version of {base} on the {data} dataset.",
    "It achieves an accuracy of {score} on the evaluation set after {epochs} epochs.",
    "The {family} architecture was introduced in a paper by researchers at {org}.",
    "Use it for {task}; it is not intended for medical or legal decisions.",
    "Training used a learning rate of {lr}, a batch size of {batch} and the AdamW optimizer.",
    "Limitations: the model reflects biases present in {data} and may produce offensive output.",
    "We evaluated on {data} and report exact match and F1 in the table below.",
    "Inference runs on a single GPU with {memory} GB of memory at fp16 precision.",
    "The tokenizer is shared with {base} and uses a vocabulary of {vocab} tokens.",
    "Citation: please cite the original {family} paper when you use this checkpoint.",
    "Quantized weights are provided for edge deployment with ONNX Runtime and OpenVINO.",
    "Environmental impact: about {hours} GPU hours on cloud hardware in region {region}.",
]
TASKS = ["text classification", "question answering", "summarization", "speech recognition",
         "image classification", "object detection", "translation", "named entity recognition"]  # fmt: skip


def model_card(rng: random.Random, org: str, family: str, name: str) -> str:
    """A generated model card: front matter, a few sections of varied sentences, 1-5 kB."""
    data = rng.sample(DATASETS, 2) + (["bookcorpus"] if rng.random() < 0.03 else [])
    lines = [f"---\nlicense: {rng.choice(['apache-2.0', 'mit', 'cc-by-4.0', 'other'])}\n---", f"# {name}"]
    for section in ("Model description", "Intended uses", "Training data", "Evaluation", "Limitations"):
        lines.append(f"\n## {section}\n")
        for _ in range(rng.randint(1, 6)):
            lines.append(
                rng.choice(SENTENCES).format(
                    base=f"{org}/{family}-{rng.choice(SUFFIXES)}",
                    data=rng.choice(data),
                    score=f"{rng.uniform(0.6, 0.99):.3f}",
                    epochs=rng.randint(1, 20),
                    family=family,
                    org=org,
                    task=rng.choice(TASKS),
                    lr=f"{rng.choice([1, 2, 3, 5])}e-{rng.randint(4, 6)}",
                    batch=rng.choice([8, 16, 32, 64, 128]),
                    memory=rng.choice([8, 16, 24, 40, 80]),
                    vocab=rng.randint(30_000, 250_000),
                    hours=rng.randint(1, 5000),
                    region=rng.choice(["us-east-1", "eu-west-3", "ap-south-1"]),
                )
            )
    return "\n".join(lines) + "\n"


class CardAdapter:
    """A local upstream that answers every snapshot with a generated card (deterministic per repository)."""

    def snapshot(self, ref: SourceRef) -> Snapshot:
        """The repository's generated card and a one-file manifest."""
        rng = random.Random(ref.repo_id)
        org, repo = ref.repo_id.split("/", 1)
        family = next((f for f in FAMILIES if repo.startswith(f)), "bert")
        return Snapshot(
            source=ref,
            page_url=f"https://huggingface.co/{ref.repo_id}",
            revision="0" * 40,
            readme=model_card(rng, org, family, repo),
            license="apache-2.0",
            files=[RemoteFile(path="model.safetensors", size=rng.randint(1, 1 << 30))],
        )

    def open_file(self, snapshot: Snapshot, path: str) -> FileStream:
        """Never called: the bench mirrors nothing."""
        raise NotImplementedError("the regex bench downloads nothing")

    def iter_files(self, snapshot: Snapshot) -> Any:
        """Never called: the bench mirrors nothing."""
        raise NotImplementedError("the regex bench downloads nothing")


class LocalUpstreams(Upstreams):
    """Upstreams whose Hugging Face adapter is the local card generator."""

    def adapter(self, kind: SourceKind) -> SourceAdapter:
        """The card generator for every kind."""
        return CardAdapter()


def repo_ids(rng: random.Random, count: int, start: int) -> list[str]:
    """`count` distinct repository ids; the i-th is the same in every run."""
    ids = []
    for i in range(start, start + count):
        pick = random.Random(i)
        ids.append(f"{pick.choice(ORGS)}/{pick.choice(FAMILIES)}-{pick.choice(SUFFIXES)}-{i}")
    if start == 0 and count:
        ids[0] = "google-research/google-research-bert-0"  # the pattern of the same name has one owner
    return ids


def seed(storage: Storage, settings: Settings, ids: list[str]) -> float:
    """Register each repository through the artifacts service; returns the wall time."""
    upstreams = LocalUpstreams(settings)
    admin = Principal(name="bench", is_admin=True)
    started = time.perf_counter()
    for count, repo_id in enumerate(ids, 1):
        if count % 10_000 == 0:
            print(f"  {count} of {len(ids)} registered in {time.perf_counter() - started:.0f} s", flush=True)
        services.register(
            storage,
            upstreams,
            settings,
            artifact_type=ArtifactType.MODEL,
            body=ArtifactCreate(url=f"https://huggingface.co/{repo_id}"),
            principal=admin,
            base_url="http://bench.local",
        )
    return time.perf_counter() - started
