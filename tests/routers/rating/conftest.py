"""Helpers of the rating tests: register through the API, rate, and make throw-away Hub / GitHub repos."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from package.core.config import clear_settings_caches
from package.core.storage import Storage
from package.routers.rating import services as rating_services
from package.routers.rating.interface import ModelRating, RatingInputs, RatingReport, SizeScore
from tests.fakehub import FakeHub
from tests.fakehub.gh_specs import ActivitySpec, Contributor, PullFileSpec, PullSpec, ReviewSpec

HF = "https://huggingface.co/"
GH = "https://github.com/"


@pytest.fixture(autouse=True)
def fresh_pipeline(registry_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with an idle rating pipeline of its own and leaves none running.

    Ratings read metadata only, so the tests do not copy artifacts' files (REGISTRY_MIRROR=off).
    """
    monkeypatch.setenv("REGISTRY_MIRROR", "off")
    clear_settings_caches()
    rating_services.get_pipeline().wait_idle(timeout=60)  # jobs an earlier test (of any domain) left running
    rating_services.reset_pipeline()
    yield
    rating_services.get_pipeline().wait_idle(timeout=60)
    rating_services.reset_pipeline()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Set REGISTRY_ settings for the rest of the test (the settings are read again on next use)."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"REGISTRY_{name.upper()}", value)
        clear_settings_caches()

    return apply


def rate(client: TestClient, artifact_id: str) -> dict[str, Any]:
    """GET /rate (asserting 200)."""
    response = client.get(f"/artifact/model/{artifact_id}/rate")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def explain(client: TestClient, artifact_id: str) -> dict[str, Any]:
    """GET the rating with every metric's reason (asserting 200)."""
    response = client.get(f"/artifact/model/{artifact_id}/rate/details")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_ratings() -> None:
    """Block until the background ratings are done."""
    assert rating_services.get_pipeline().wait_idle(timeout=60), "background ratings did not finish"


def count_reads(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, str]]:
    """From now on, the record store's reads counted by (method, partition): `get`, `query`, `get_many`."""
    reads: Counter[tuple[str, str]] = Counter()
    for name in ("get", "query", "get_many"):
        original = getattr(storage.records, name)

        def counted(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            keys = [args[0]] if isinstance(args[0], str) else [pk for pk, _ in args[0]]
            for pk in keys:
                reads[(_name, pk)] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(storage.records, name, counted)
    return reads


@pytest.fixture
def unique() -> str:
    """A short token that keeps runtime fixture names apart."""
    return uuid.uuid4().hex[:8]


def days_ago(days: int) -> str:
    """A date `days` before today (ISO), so activity-dependent fixtures do not age."""
    return (dt.date.today() - dt.timedelta(days=days)).isoformat()


def card(body: str, **front: Any) -> dict[str, Any]:
    """Keyword arguments of hub.add_model for a card with front matter and a body."""
    return {"card_data": front, "card_body": body}


@pytest.fixture
def github_repo(hub: FakeHub, unique: str) -> Callable[..., str]:
    """Add a GitHub repo `rt<unique>/<name>` with the given contributors {login: commits}; returns its id."""

    def add(
        name: str, contributors: dict[str, int], *, files: dict[str, str] | None = None, **kw: Any
    ) -> str:
        full_name = f"rt{unique}/{name}"
        activity = kw.pop("activity", None) or ActivitySpec(
            contributors=tuple(Contributor(login, count) for login, count in contributors.items()),
            first_commit=kw.pop("first_commit", days_ago(400)),
            last_commit=kw.pop("last_commit", days_ago(20)),
        )
        hub.add_github_repo(
            full_name,
            files=files or {"README.md": f"# {name}\n", "main.py": "print(1)\n"},
            activity=activity,
            **kw,
        )
        return full_name

    return add


@pytest.fixture
def hf_model(hub: FakeHub, unique: str) -> Callable[..., str]:
    """Add a model `rt<unique>/<name>` to the fake Hub (small weights unless files are given); its id."""

    def add(name: str, **options: Any) -> str:
        repo_id = f"rt{unique}/{name}"
        options.setdefault("files", {"model.safetensors": (4096, 7)})
        hub.add_model(repo_id, **options)
        return repo_id

    return add


USAGE_BODY = """# Demo model

A sentiment classifier fine-tuned on product reviews. It labels English text as positive or negative and
returns a confidence score for each label, which makes it handy for triaging customer feedback at scale.

## Installation

```bash
pip install transformers torch
```

## Usage

```python
from transformers import pipeline

classifier = pipeline("text-classification", model="{repo}")
print(classifier("I love this registry."))
```

## Training

Trained for three epochs on fifty thousand reviews with a learning rate of 2e-5 and a batch size of 32, using
the AdamW optimiser and a linear schedule with warm-up over the first tenth of the steps.

## Limitations

English only; it was not evaluated on sarcasm, code-switched text or very short inputs of one or two words.
"""


def pull(
    number: int,
    author: str,
    *,
    lines: int,
    path: str = "src/x.py",
    reviewer: str | None = None,
    merged: bool = True,
) -> PullSpec:
    """A fake-hub pull request: merged (or closed) on 2025-01-<number+2>, adding `lines` to `path`."""
    reviews = (ReviewSpec(reviewer, "APPROVED", "2025-01-02T00:00:00Z"),) if reviewer else ()
    moment = f"2025-01-{number + 2:02d}T00:00:00Z"
    return PullSpec(
        number,
        author,
        f"change {number}",
        "2025-01-01T00:00:00Z",
        merged_at=moment if merged else None,
        closed_at=moment,
        reviews=reviews,
        files=(PullFileSpec(path, lines, 0),),
    )


_SCORES = (
    "net_score", "ramp_up_time", "bus_factor", "performance_claims", "license", "dataset_and_code_score",
    "dataset_quality", "code_quality", "reproducibility", "reviewedness", "tree_score",
)  # fmt: skip


def make_report(model: str, inputs: RatingInputs, *, rated_at: str = "2026-01-01T00:00:00Z") -> RatingReport:
    """A stored rating of every score 0.5 with these inputs (for storage and refresh tests)."""
    fields: dict[str, object] = {"name": model, "category": "MODEL"}
    for metric in (*_SCORES, "size_score"):
        fields[metric] = 0.5
        fields[f"{metric}_latency"] = 0.01
    fields["size_score"] = dict.fromkeys(SizeScore.model_fields, 0.5)
    return RatingReport(
        artifact_id=model,
        generation="g1",
        rated_at=rated_at,
        wall_seconds=0.1,
        rating=ModelRating.model_validate(fields),
        metrics={},
        inputs=inputs,
    )
