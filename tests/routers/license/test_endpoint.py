"""POST /artifact/model/{id}/license-check (and the license views for people) against the fake hub."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from package.core.on_loop import on_loop
from package.routers.license.config import LicenseSettings, get_license_settings

BERT = "https://huggingface.co/google-bert/bert-base-uncased"  # apache-2.0
ONNX = "https://huggingface.co/onnx-community/trained-gender-ONNX"  # card declares no license
BERT_CODE = "https://github.com/google-research/bert"  # Apache-2.0
GPL_CODE = "https://github.com/acme/gpl-tool"  # GPL-3.0
NO_LICENSE_CODE = "https://github.com/acme/no-license-repo"


@pytest.fixture
def register(client):
    def run(url: str, kind: str = "model") -> str:
        response = client.post(f"/artifact/{kind}", json={"url": url})
        assert response.status_code == 201, response.text
        artifact_id: str = response.json()["metadata"]["id"]
        return artifact_id

    return run


@pytest.fixture
def licensed_model(hub, register):
    """Register a throw-away model whose card declares `license`."""

    def run(license: str) -> str:
        repo_id = f"lic{uuid.uuid4().hex[:8]}/model"
        hub.add_model(repo_id, card_data={"license": license}, files={"model.safetensors": (256, 7)})
        artifact_id: str = register(f"https://huggingface.co/{repo_id}")
        return artifact_id

    return run


@pytest.fixture
def licensed_repo(hub):
    """Add a throw-away GitHub repo under a license key; returns its URL."""

    def run(license: str | None) -> str:
        name = f"lic{uuid.uuid4().hex[:8]}/tool"
        hub.add_github_repo(
            name, files={"README.md": "# tool\n", "main.py": "print('hi')\n"}, license=license
        )
        return f"https://github.com/{name}"

    return run


def check(client, model_id: str, body: Any) -> Any:
    return client.post(f"/artifact/model/{model_id}/license-check", json=body)


def compatible(client, model_id: str, github_url: str) -> bool:
    response = check(client, model_id, {"github_url": github_url})
    assert response.status_code == 200, response.text
    result = response.json()
    assert isinstance(result, bool)
    return result


class TestVerdicts:
    def test_apache_model_with_apache_code(self, client, register):
        assert compatible(client, register(BERT), BERT_CODE) is True

    def test_apache_model_with_gpl_code(self, client, register):
        assert compatible(client, register(BERT), GPL_CODE) is True

    def test_code_without_license(self, client, register):
        assert compatible(client, register(BERT), NO_LICENSE_CODE) is False

    def test_model_without_license(self, client, register):
        assert compatible(client, register(ONNX), BERT_CODE) is False

    def test_non_commercial_model(self, client, licensed_model):
        assert compatible(client, licensed_model("cc-by-nc-4.0"), BERT_CODE) is False

    @pytest.mark.parametrize(
        ("code", "expected"), [("apache-2.0", True), ("lgpl-2.1", True), ("gpl-3.0", False)]
    )
    def test_llama2_model(self, client, licensed_model, licensed_repo, code, expected):
        assert compatible(client, licensed_model("llama2"), licensed_repo(code)) is expected

    @pytest.mark.parametrize(("code", "expected"), [("bsd-3-clause", True), ("mit", True), ("other", False)])
    def test_mit_model(self, client, licensed_model, licensed_repo, code, expected):
        assert compatible(client, licensed_model("mit"), licensed_repo(code)) is expected

    @pytest.mark.parametrize("suffix", [".git", "/tree/main/src", "/"])
    def test_github_url_forms(self, client, register, suffix):
        assert compatible(client, register(BERT), BERT_CODE + suffix) is True


class TestErrors:
    @pytest.mark.parametrize(
        "body",
        [
            None,
            {},
            {"github_url": ""},
            {"github_url": 42},
            {"github_url": "not a url"},
            {"github_url": "https://huggingface.co/google-bert/bert-base-uncased"},
            {"github_url": "https://github.com/google-research"},
            {"github_url": "ftp://github.com/google-research/bert"},
        ],
    )
    def test_malformed_is_400(self, client, register, body):
        model_id = register(BERT)
        response = client.post(f"/artifact/model/{model_id}/license-check", json=body)
        assert response.status_code == 400, response.text
        assert response.json()["message"]

    def test_unknown_artifact_is_404(self, client):
        assert check(client, "no-such-model", {"github_url": BERT_CODE}).status_code == 404

    def test_dataset_is_404(self, client, register):
        dataset = register("https://huggingface.co/datasets/rajpurkar/squad", kind="dataset")
        assert check(client, dataset, {"github_url": BERT_CODE}).status_code == 404

    def test_unknown_github_repo_is_404(self, client, register):
        response = check(client, register(BERT), {"github_url": "https://github.com/nobody/nothing-here"})
        assert response.status_code == 404
        assert "nobody/nothing-here" in response.json()["message"]

    def test_rate_limited_is_502(self, client, hub, register, licensed_repo):
        model_id, url = register(BERT), licensed_repo("mit")
        hub.set_rate_limited(True)
        try:
            assert check(client, model_id, {"github_url": url}).status_code == 502
        finally:
            hub.set_rate_limited(False)

    def test_github_down_is_502(self, client, hub, register, licensed_repo):
        model_id, url = register(BERT), licensed_repo("mit")
        hub.set_down("github", True)
        try:
            assert check(client, model_id, {"github_url": url}).status_code == 502
        finally:
            hub.set_down("github", False)

    def test_without_token_is_403(self, anonymous_client, register):
        response = anonymous_client.post(
            f"/artifact/model/{register(BERT)}/license-check", json={"github_url": BERT_CODE}
        )
        assert response.status_code == 403


class TestCache:
    def test_answers_are_reused_while_fresh(self, client, hub, register):
        model_id = register(BERT)
        assert compatible(client, model_id, BERT_CODE) is True
        hub.set_down("github", True)
        try:
            assert compatible(client, model_id, BERT_CODE) is True
        finally:
            hub.set_down("github", False)

    def test_zero_seconds_disables_the_cache(self, client, hub, register):
        client.app.dependency_overrides[on_loop(get_license_settings)] = lambda: LicenseSettings(
            license_cache_seconds=0
        )
        model_id = register(BERT)
        assert compatible(client, model_id, BERT_CODE) is True
        hub.set_down("github", True)
        try:
            assert check(client, model_id, {"github_url": BERT_CODE}).status_code == 502
        finally:
            hub.set_down("github", False)


class TestForPeople:
    def test_report_explains(self, client, licensed_model):
        model_id = licensed_model("cc-by-nc-4.0")
        response = client.post(f"/artifact/model/{model_id}/license-report", json={"github_url": BERT_CODE})
        assert response.status_code == 200
        report = response.json()
        assert report["compatible"] is False
        assert report["model"]["license_id"] == "CC-BY-NC-4.0"
        assert report["model"]["category"] == "non_commercial"
        assert report["code"]["license_id"] == "Apache-2.0"
        assert "commercial" in report["reason"]

    @pytest.mark.parametrize(
        ("kind", "url", "license_id"),
        [
            ("model", BERT, "Apache-2.0"),
            ("code", GPL_CODE, "GPL-3.0-only"),
            ("dataset", "https://huggingface.co/datasets/rajpurkar/squad", "CC-BY-SA-4.0"),
        ],
    )
    def test_normalised_license(self, client, register, kind, url, license_id):
        artifact_id = register(url, kind=kind)
        response = client.get(f"/artifact/{kind}/{artifact_id}/license")
        assert response.status_code == 200
        assert response.json()["license"]["license_id"] == license_id
        assert response.json()["license"]["spdx"] is True

    def test_unknown_license_is_shown_as_unknown(self, client, register):
        artifact_id = register(ONNX)
        body = client.get(f"/artifact/model/{artifact_id}/license").json()
        assert body["license"] == {
            "declared": None,
            "license_id": None,
            "spdx": False,
            "name": None,
            "category": "unknown",
        }


def test_non_json_body_is_400(client, register):
    response = client.post(
        f"/artifact/model/{register(BERT)}/license-check",
        content=b"github_url=https://github.com/google-research/bert",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
