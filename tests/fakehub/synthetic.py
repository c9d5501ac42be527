"""Many deterministic synthetic repos for scale tests and benchmarks: a family tree of models on the fake Hub.

`add_synthetic_registry(hub, count)` adds `count` Hugging Face models, a few datasets and GitHub repositories
they name, all derived from a seed: each model has a card (front matter with license, pipeline tag, datasets
and, for most, a `base_model` naming an EARLIER synthetic model so the lineage forms trees), a config.json, a
README body with a GitHub link, and a small weights file. The same seed always gives the same repos.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tests.fakehub.hub import FakeHub

_TASKS = ("text-classification", "token-classification", "question-answering", "summarization")
_LICENSES = ("apache-2.0", "mit", "bsd-3-clause", "cc-by-4.0")
_ARCHS = ("BertForSequenceClassification", "RobertaForTokenClassification", "T5ForConditionalGeneration")


@dataclass(frozen=True)
class SyntheticRegistry:
    """The repo ids added: models (in registration order), datasets and GitHub code repositories."""

    models: tuple[str, ...]
    datasets: tuple[str, ...]
    code: tuple[str, ...]


def _owner(index: int) -> str:
    return f"synth-org{index % 40:02d}"


def model_id(index: int) -> str:
    """The repo id of synthetic model number `index`."""
    return f"{_owner(index)}/synth-model-{index:05d}"


def _card(index: int, rng: random.Random, datasets: tuple[str, ...], code: tuple[str, ...]) -> str:
    license_id = rng.choice(_LICENSES)
    task = rng.choice(_TASKS)
    lines = ["---", f"license: {license_id}", f"pipeline_tag: {task}", "library_name: transformers"]
    named = rng.sample(datasets, k=min(len(datasets), rng.randint(1, 2)))
    lines += ["datasets:", *(f"- {d}" for d in named)]
    base = None
    if index > 0 and rng.random() < 0.8:  # most models are fine-tunes of an earlier one
        base = model_id(rng.randrange(max(0, index - 200), index))
        lines += [f"base_model: {base}", "base_model_relation: finetune"]
    repo = code[index % len(code)]
    lines += ["---", "", f"# Synthetic model {index}", ""]
    if base:
        lines.append(f"This model is a fine-tuned version of [{base}](https://huggingface.co/{base}).")
    lines += [
        f"It was trained for {task} on {', '.join(named)}.",
        "",
        "## Usage",
        "",
        "```python",
        "from transformers import pipeline",
        f'classifier = pipeline("{task}", model="{model_id(index)}")',
        'print(classifier("hello world"))',
        "```",
        "",
        "## Evaluation",
        "",
        "| metric | value |",
        "|---|---|",
        f"| accuracy | {0.7 + rng.random() * 0.25:.3f} |",
        "",
        f"Training code: https://github.com/{repo}",
        "",
    ]
    return "\n".join(lines)


def add_synthetic_registry(hub: FakeHub, count: int, *, seed: int = 461) -> SyntheticRegistry:
    """Add `count` synthetic models (plus the datasets and code they name) to the fake hub."""
    rng = random.Random(seed)
    datasets = tuple(f"synth-data/corpus-{i:02d}" for i in range(max(2, min(20, count // 50 + 2))))
    code = tuple(f"synth-code/trainer-{i:02d}" for i in range(max(1, min(10, count // 100 + 1))))
    for repo in datasets:
        hub.add_dataset(
            repo, card_data={"license": "cc-by-4.0", "task_categories": ["text-classification"]},
            card_body=f"# {repo}\n\nA synthetic corpus.\n", files={"data/train.parquet": (4096, 7)},
        )  # fmt: skip
    for repo in code:
        hub.add_github_repo(
            repo, files={"README.md": f"# {repo}\n\nTraining scripts.\n", "train.py": "print('train')\n",
                         "LICENSE": "MIT License\n"},
            license="mit", contributors={"alice": 30, "bob": 12, "carol": 3},
        )  # fmt: skip
    models = []
    for index in range(count):
        repo = model_id(index)
        hub.add_model(
            repo,
            readme=_card(index, rng, datasets, code),
            config={"architectures": [rng.choice(_ARCHS)], "_name_or_path": repo, "hidden_size": 256},
            files={"model.safetensors": (2048 + index % 97, index)},
            downloads=rng.randint(0, 50_000),
            likes=rng.randint(0, 300),
        )
        models.append(repo)
    return SyntheticRegistry(tuple(models), datasets, code)
