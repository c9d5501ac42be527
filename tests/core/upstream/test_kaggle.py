"""Kaggle datasets: a reference without credentials, metadata and files through Kaggle's API with them."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest

from tests.conftest import clear_process_caches, wait_for_mirrors
from tests.fakekaggle import KEY, USERNAME, FakeKaggle

URL = "https://www.kaggle.com/datasets/zalando-research/fashionmnist"


@pytest.fixture(scope="module")
def kaggle() -> Iterator[FakeKaggle]:
    fake = FakeKaggle()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def with_credentials(client, kaggle, monkeypatch):
    monkeypatch.setenv("REGISTRY_KAGGLE_API_URL", kaggle.url)
    monkeypatch.setenv("KAGGLE_USERNAME", USERNAME)
    monkeypatch.setenv("KAGGLE_KEY", KEY)
    clear_process_caches()
    return client


def test_with_credentials_registers_metadata_and_mirrors_files(with_credentials):
    client = with_credentials
    created = client.post("/artifact/dataset", json={"url": URL})
    assert created.status_code == 201, created.text
    aid = created.json()["metadata"]["id"]
    found = client.post("/artifact/byRegEx", json={"regex": "Zalando's article images"}).json()
    assert [a["id"] for a in found] == [aid]  # the description is searchable like a README
    wait_for_mirrors()
    bundle = client.get(f"/download/dataset/{aid}")
    assert bundle.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert names == ["fashion-mnist_test.csv", "fashion-mnist_train.csv"]
    one = client.get(f"/download/dataset/{aid}/fashion-mnist_test.csv")
    assert one.content.startswith(b"label,pixel1")


def test_unknown_dataset_is_404(with_credentials):
    response = with_credentials.post(
        "/artifact/dataset", json={"url": "https://www.kaggle.com/datasets/no/such"}
    )
    assert response.status_code == 404


def test_wrong_credentials_are_502(with_credentials, monkeypatch):
    monkeypatch.setenv("KAGGLE_KEY", "wrong")
    clear_process_caches()
    response = with_credentials.post("/artifact/dataset", json={"url": URL})
    assert response.status_code == 502
    assert "credentials" in response.json()["message"]


def test_without_credentials_is_a_reference(client):
    created = client.post("/artifact/dataset", json={"url": URL})
    assert created.status_code == 201
    download = client.get(f"/download/dataset/{created.json()['metadata']['id']}", follow_redirects=False)
    assert download.status_code == 307
    assert download.headers["location"] == URL
