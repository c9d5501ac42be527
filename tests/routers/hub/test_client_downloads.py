"""The real huggingface_hub client against the registry: info, listings, downloads, errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

BERT = "google-bert/bert-base-uncased"


def _sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_model_info_lists_the_registered_files(live, hub, hub_files):
    live.register(f"https://huggingface.co/{BERT}")
    info = HfApi(endpoint=live.url, token=live.admin_jwt).model_info(BERT, files_metadata=True)
    assert info.id == BERT and info.sha == HfApi(endpoint=hub.hf_url).model_info(BERT).sha
    ours = hub_files(BERT, live.url, live.admin_jwt)
    assert ours == hub_files(BERT) and "model.safetensors" in ours
    assert info.card_data is not None and info.pipeline_tag == "fill-mask"


def test_snapshot_download_is_byte_identical(live, hub, tmp_path):
    live.register(f"https://huggingface.co/{BERT}")
    ours = snapshot_download(BERT, endpoint=live.url, token=live.admin_jwt, cache_dir=tmp_path / "ours")
    theirs = snapshot_download(BERT, endpoint=hub.hf_url, cache_dir=tmp_path / "theirs")
    mine = {p.relative_to(ours).as_posix(): _sha256(p) for p in Path(ours).rglob("*") if p.is_file()}
    real = {p.relative_to(theirs).as_posix(): _sha256(p) for p in Path(theirs).rglob("*") if p.is_file()}
    assert mine == real and "model.safetensors" in mine


@pytest.mark.parametrize("hub_env", [{"REGISTRY_MIRROR": "off"}], indirect=True)
def test_unmirrored_files_stream_through(live, hub_files, tmp_path):
    live.register(f"https://huggingface.co/{BERT}", mirrored=False)
    path = hf_hub_download(
        BERT, "model.safetensors", endpoint=live.url, token=live.admin_jwt, cache_dir=tmp_path
    )
    assert _sha256(path) == hub_files(BERT)["model.safetensors"]


def test_dataset_download_and_listing(live, hub, tmp_path):
    live.register("https://huggingface.co/datasets/rajpurkar/squad", kind="dataset")
    api = HfApi(endpoint=live.url, token=live.admin_jwt)
    assert api.dataset_info("rajpurkar/squad").id == "rajpurkar/squad"
    files = api.list_repo_files("rajpurkar/squad", repo_type="dataset")
    assert "plain_text/train-00000-of-00001.parquet" in files
    folder = snapshot_download("rajpurkar/squad", repo_type="dataset", endpoint=live.url,
                               token=live.admin_jwt, cache_dir=tmp_path / "ours")  # fmt: skip
    theirs = snapshot_download("rajpurkar/squad", repo_type="dataset", endpoint=hub.hf_url,
                               cache_dir=tmp_path / "theirs")  # fmt: skip
    for name in files:
        assert _sha256(Path(folder) / name) == _sha256(Path(theirs) / name)


def test_unregistered_repo_is_the_clients_repository_not_found(live, tmp_path):
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("microsoft/resnet-50", "config.json", endpoint=live.url, token=live.admin_jwt,
                        cache_dir=tmp_path)  # fmt: skip
    with pytest.raises(RepositoryNotFoundError):
        snapshot_download("microsoft/resnet-50", endpoint=live.url, token=live.admin_jwt, cache_dir=tmp_path)


def test_no_download_permission_is_the_clients_auth_error(live, tmp_path):
    live.register(f"https://huggingface.co/{BERT}")
    search_only = live.token(["search"])
    with pytest.raises(GatedRepoError, match="download"):
        hf_hub_download(BERT, "config.json", endpoint=live.url, token=search_only, cache_dir=tmp_path)
    with pytest.raises(HfHubHTTPError) as caught:
        HfApi(endpoint=live.url, token="tmr_bad.token").model_info(BERT)
    assert caught.value.response.status_code == 401


def test_download_only_access_token_downloads(live, tmp_path):
    live.register(f"https://huggingface.co/{BERT}")
    token = live.token(["download"])
    path = snapshot_download(BERT, endpoint=live.url, token=token, cache_dir=tmp_path)
    assert (Path(path) / "config.json").is_file()
