"""Registration at first request (REGISTRY_HUB_PULL_THROUGH): same gates as any ingest."""

from __future__ import annotations

import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

PULL = {"REGISTRY_HUB_PULL_THROUGH": "true"}


@pytest.mark.parametrize("hub_env", [PULL], indirect=True)
def test_first_request_registers_the_repo(live, tmp_path):
    path = hf_hub_download("microsoft/resnet-50", "config.json", endpoint=live.url, token=live.admin_jwt,
                           cache_dir=tmp_path)  # fmt: skip
    assert path.endswith("config.json")
    found = live.admin.get("/artifact/byName/resnet-50").json()
    assert [a["type"] for a in found] == ["model"]
    audit = live.admin.get(f"/artifact/model/{found[0]['id']}/audit").json()
    assert [e["action"] for e in audit][:1] == ["CREATE"] and "DOWNLOAD" in [e["action"] for e in audit]


@pytest.mark.parametrize("hub_env", [PULL], indirect=True)
def test_pulled_dataset(live):
    info = HfApi(endpoint=live.url, token=live.admin_jwt).dataset_info("rajpurkar/squad")
    assert info.id == "rajpurkar/squad"
    assert [a["type"] for a in live.admin.get("/artifact/byName/squad").json()] == ["dataset"]


@pytest.mark.parametrize("hub_env", [PULL], indirect=True)
def test_repo_missing_upstream_is_not_found(live):
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=live.url, token=live.admin_jwt).model_info("nobody/nothing-here")


@pytest.mark.parametrize("hub_env", [PULL | {"REGISTRY_INGEST_MIN_SCORE": "0.99"}], indirect=True)
def test_refused_repo_is_the_clients_403_with_the_reason_and_nothing_is_stored(live, tmp_path):
    with pytest.raises(GatedRepoError, match="refused") as caught:
        hf_hub_download("microsoft/resnet-50", "config.json", endpoint=live.url, token=live.admin_jwt,
                        cache_dir=tmp_path)  # fmt: skip
    assert caught.value.response.status_code == 403
    assert "REGISTRY_INGEST_MIN_SCORE" in caught.value.response.headers["X-Error-Message"] or "below" in str(
        caught.value
    )
    assert live.admin.get("/artifact/byName/resnet-50").status_code == 404


def test_without_the_setting_nothing_is_registered(live):
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=live.url, token=live.admin_jwt).model_info("microsoft/resnet-50")
    assert live.admin.get("/artifact/byName/resnet-50").status_code == 404


@pytest.mark.parametrize("hub_env", [PULL], indirect=True)
def test_a_search_only_token_does_not_pull_through(live):
    search_only = live.token(["search"])
    with pytest.raises(RepositoryNotFoundError, match="download"):
        HfApi(endpoint=live.url, token=search_only).model_info("microsoft/resnet-50")
    assert live.admin.get("/artifact/byName/resnet-50").status_code == 404
