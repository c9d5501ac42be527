"""The Hub API routes in-process: headers, error shapes, listings, Range, permissions."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from tests.conftest import wait_for_mirrors

BERT = "google-bert/bert-base-uncased"


@pytest.fixture
def bert(register):
    artifact_id = register(f"https://huggingface.co/{BERT}")
    wait_for_mirrors()
    return artifact_id


def _bearer(client: TestClient) -> dict[str, str]:
    return {"Authorization": "Bearer " + client.headers["X-Authorization"].split(" ", 1)[1]}


class TestErrors:
    def test_unregistered_repo_is_the_hubs_404(self, client):
        response = client.get("/api/models/microsoft/resnet-50")
        assert response.status_code == 404
        assert response.headers["X-Error-Code"] == "RepoNotFound"
        assert "not registered" in response.json()["error"]

    def test_no_token_is_401_with_the_hubs_credentials_message(self, anonymous_client, bert):
        response = anonymous_client.get(f"/api/models/{BERT}")
        assert response.status_code == 401
        assert response.headers["X-Error-Message"] == "Invalid credentials in Authorization header"
        assert "Missing" in response.json()["error"]

    def test_unknown_revision(self, client, bert):
        response = client.get(f"/api/models/{BERT}/revision/v9")
        assert response.status_code == 404 and response.headers["X-Error-Code"] == "RevisionNotFound"

    def test_missing_file_names_the_commit(self, client, bert):
        response = client.head(f"/{BERT}/resolve/main/nope.bin")
        assert response.status_code == 404 and response.headers["X-Error-Code"] == "EntryNotFound"
        assert response.headers["X-Repo-Commit"] == client.get(f"/api/models/{BERT}").json()["sha"]

    @pytest.mark.parametrize(
        "path", ["/api/spaces/a/b", "/api/models/a/b/c", "/api/models/-bad-/x", "/api/models/a..b"]
    )
    def test_malformed_paths_are_404(self, client, path):
        assert client.get(path).status_code == 404

    def test_a_model_is_not_a_dataset(self, client, bert):
        assert client.get(f"/api/datasets/{BERT}").headers["X-Error-Code"] == "RepoNotFound"

    def test_search_only_user_reads_info_but_not_files(self, bert, user_client):
        reader = user_client("reader", permissions=["search"])
        assert reader.get(f"/api/models/{BERT}").status_code == 200
        response = reader.get(f"/{BERT}/resolve/main/config.json")
        assert response.status_code == 403 and response.headers["X-Error-Code"] == "GatedRepo"
        assert "download" in response.headers["X-Error-Message"]

    def test_upload_only_user_reads_nothing(self, bert, user_client):
        uploader = user_client("uploader", permissions=["upload"])
        assert uploader.get(f"/api/models/{BERT}").status_code == 403


class TestFiles:
    def test_head_of_an_lfs_file_carries_the_linked_headers(self, client, bert):
        info = client.get(f"/api/models/{BERT}").json()
        weights = next(s for s in info["siblings"] if s["rfilename"] == "model.safetensors")
        response = client.head(f"/{BERT}/resolve/main/model.safetensors", headers=_bearer(client))
        assert response.status_code == 200
        assert response.headers["X-Linked-Etag"] == f'"{weights["lfs"]["sha256"]}"'
        assert response.headers["X-Linked-Size"] == str(weights["size"])
        assert response.headers["X-Repo-Commit"] == info["sha"]
        assert response.headers["Content-Length"] == str(weights["size"])

    def test_small_file_etag_is_its_blob_id(self, client, bert):
        info = client.get(f"/api/models/{BERT}").json()
        config = next(s for s in info["siblings"] if s["rfilename"] == "config.json")
        response = client.get(f"/{BERT}/resolve/{info['sha']}/config.json")
        assert response.headers["ETag"] == f'"{config["blobId"]}"' and "X-Linked-Etag" not in response.headers
        assert len(response.content) == config["size"]

    def test_range_of_a_stored_file(self, client, bert):
        whole = client.get(f"/{BERT}/resolve/main/model.safetensors").content
        part = client.get(f"/{BERT}/resolve/main/model.safetensors", headers={"Range": "bytes=100-"})
        assert part.status_code == 206 and part.content == whole[100:]
        assert hashlib.sha256(whole).hexdigest() == part.headers["ETag"].strip('"')

    def test_range_beyond_the_end_is_416(self, client, bert):
        response = client.get(f"/{BERT}/resolve/main/config.json", headers={"Range": "bytes=999999-"})
        assert response.status_code == 416

    def test_each_download_is_audited(self, client, bert):
        client.get(f"/{BERT}/resolve/main/config.json")
        actions = [e["action"] for e in client.get(f"/artifact/model/{bert}/audit").json()]
        assert actions.count("DOWNLOAD") == 1


class TestListings:
    def test_tree_top_level_and_recursive(self, client, register):
        register("https://huggingface.co/onnx-community/trained-gender-ONNX")
        top = client.get("/api/models/onnx-community/trained-gender-ONNX/tree/main").json()
        assert {e["path"]: e["type"] for e in top}["onnx"] == "directory"
        assert "onnx/model.onnx" not in {e["path"] for e in top}
        deep = client.get(
            "/api/models/onnx-community/trained-gender-ONNX/tree/main", params={"recursive": "true"}
        )
        assert "onnx/model.onnx" in {e["path"] for e in deep.json()}
        sub = client.get("/api/models/onnx-community/trained-gender-ONNX/tree/main/onnx").json()
        assert {e["path"] for e in sub} == {
            "onnx/model.onnx",
            "onnx/model_fp16.onnx",
            "onnx/model_quantized.onnx",
        }
        missing = client.get("/api/models/onnx-community/trained-gender-ONNX/tree/main/nope")
        assert missing.headers["X-Error-Code"] == "EntryNotFound"

    def test_paths_info(self, client, register):
        register("https://huggingface.co/onnx-community/trained-gender-ONNX")
        response = client.post(
            "/api/models/onnx-community/trained-gender-ONNX/paths-info/main",
            data={"paths": ["onnx", "onnx/model.onnx", "nope"]},
        )
        assert [(e["path"], e["type"]) for e in response.json()] == [
            ("onnx", "directory"), ("onnx/model.onnx", "file")
        ]  # fmt: skip

    def test_single_part_repo_ids(self, client, register):
        register("https://huggingface.co/distilbert-base-uncased-distilled-squad")
        info = client.get("/api/models/distilbert-base-uncased-distilled-squad/revision/main")
        assert info.status_code == 200 and info.json()["id"] == "distilbert-base-uncased-distilled-squad"
        assert (
            client.head("/distilbert-base-uncased-distilled-squad/resolve/main/config.json").status_code
            == 200
        )


def test_paths_info_with_too_many_fields_is_400(client, register):
    register("https://huggingface.co/onnx-community/trained-gender-ONNX")
    body = "&".join(f"paths={i}" for i in range(2500))
    response = client.post(
        "/api/models/onnx-community/trained-gender-ONNX/paths-info/main",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400 and "fields" in response.json()["error"]
