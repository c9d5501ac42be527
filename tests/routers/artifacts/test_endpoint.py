"""The artifacts API end to end against the fake hub: codes and shapes of the contract."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.conftest import wait_for_mirrors

BERT = "https://huggingface.co/google-bert/bert-base-uncased"
WHISPER_CODE = "https://github.com/openai/whisper"


def register(client, kind, url, name=None, expect=201):
    body = {"url": url} | ({"name": name} if name else {})
    response = client.post(f"/artifact/{kind}", json=body)
    assert response.status_code == expect, response.text
    return response.json()


class TestRegister:
    def test_hf_model_with_name(self, client):
        art = register(client, "model", BERT, name="bert-base-uncased")
        assert art["metadata"]["name"] == "bert-base-uncased"
        assert art["metadata"]["type"] == "model"
        assert art["data"]["url"] == BERT
        assert art["data"]["download_url"] == f"http://registry.test/download/model/{art['metadata']['id']}"

    @pytest.mark.parametrize(
        ("kind", "url", "name"),
        [
            (
                "model",
                "https://huggingface.co/distilbert-base-uncased-distilled-squad",
                "distilbert-base-uncased-distilled-squad",
            ),
            ("model", "https://huggingface.co/openai/whisper-tiny/tree/main", "whisper-tiny"),
            ("dataset", "https://huggingface.co/datasets/bookcorpus/bookcorpus", "bookcorpus"),
            ("dataset", "https://github.com/zalandoresearch/fashion-mnist", "zalandoresearch-fashion-mnist"),
            ("code", "https://github.com/google-research/bert", "google-research-bert"),
            ("code", "https://github.com/openai/whisper.git", "openai-whisper"),
            (
                "code",
                "https://github.com/huggingface/transformers/tree/main/examples/pytorch/text-classification",
                "huggingface-transformers-text-classification",
            ),
            ("dataset", "https://www.kaggle.com/datasets/zalando-research/fashionmnist", "fashionmnist"),
        ],
    )
    def test_derives_names_when_absent(self, client, kind, url, name):
        art = register(client, kind, url)
        assert art["metadata"]["name"] == name
        assert art["metadata"]["type"] == kind

    def test_same_source_twice_conflicts(self, client):
        register(client, "code", WHISPER_CODE)
        error = register(client, "code", "https://github.com/openai/whisper.git", expect=409)
        assert "exists" in error["message"]
        register(client, "dataset", WHISPER_CODE)  # another type is another artifact

    def test_names_may_repeat(self, client):
        a = register(client, "model", BERT, name="shared")
        b = register(client, "code", WHISPER_CODE, name="shared")
        assert a["metadata"]["id"] != b["metadata"]["id"]

    @pytest.mark.parametrize(
        "body",
        [{}, {"url": ""}, {"url": 5}, {"name": "x"}, {"url": BERT, "name": "*"}, [BERT], "null"],
    )
    def test_malformed_bodies_are_400(self, client, body):
        response = client.post("/artifact/model", json=body)
        assert response.status_code == 400
        assert response.json()["message"]

    @pytest.mark.parametrize(
        "url", ["https://example.com/a/b", "ftp://huggingface.co/a/b", "huggingface.co/x"]
    )
    def test_unsupported_sources_are_400(self, client, url):
        assert register(client, "model", url, expect=400)["error"] == "bad_request"

    def test_unknown_type_is_400(self, client):
        assert client.post("/artifact/widget", json={"url": BERT}).status_code == 400

    def test_missing_upstream_repo_is_404(self, client):
        error = register(client, "model", "https://huggingface.co/nobody/nothing-here", expect=404)
        assert "nobody/nothing-here" in error["message"]
        register(client, "code", "https://github.com/nobody/nothing-here", expect=404)

    def test_upstream_down_is_502_and_leaves_nothing(self, client, hub):
        hub.set_down("hf", True)
        register(client, "model", BERT, expect=502)
        hub.set_down("hf", False)
        listing = client.post("/artifacts", json=[{"name": "*"}]).json()
        assert listing == []

    def test_github_rate_limit_is_502(self, client, hub):
        hub.set_rate_limited(True)
        error = register(client, "code", WHISPER_CODE, expect=502)
        assert "rate limit" in error["message"]

    def test_gated_repo_registers_and_download_names_the_gate(self, client):
        art = register(client, "model", "https://huggingface.co/meta-llama/Llama-3.2-1B")
        response = client.get(f"/download/model/{art['metadata']['id']}")
        assert response.status_code == 502
        assert "gated" in response.json()["message"]


class TestReadUpdateDelete:
    def test_get_returns_the_envelope(self, client):
        art = register(client, "model", BERT)
        got = client.get(f"/artifacts/model/{art['metadata']['id']}")
        assert got.status_code == 200
        assert got.json() == art

    def test_wrong_type_or_unknown_id_is_404_and_malformed_id_400(self, client):
        art = register(client, "model", BERT)
        assert client.get(f"/artifacts/dataset/{art['metadata']['id']}").status_code == 404
        assert client.get("/artifacts/model/does-not-exist").status_code == 404
        assert client.get("/artifacts/model/bad_id!").status_code == 400

    def test_put_reingests_from_the_new_url(self, client):
        art = register(client, "model", BERT, name="m")
        new_url = "https://huggingface.co/openai/whisper-tiny"
        body = {"metadata": art["metadata"], "data": {"url": new_url}}
        response = client.put(f"/artifacts/model/{art['metadata']['id']}", json=body)
        assert response.status_code == 200
        assert client.get(f"/artifacts/model/{art['metadata']['id']}").json()["data"]["url"] == new_url
        # the old source is free again
        register(client, "model", BERT)

    def test_put_must_match_name_and_id(self, client):
        art = register(client, "model", BERT, name="m")
        meta = art["metadata"]
        url = f"/artifacts/model/{meta['id']}"
        assert (
            client.put(url, json={"metadata": meta | {"name": "other"}, "data": {"url": BERT}}).status_code
            == 400
        )
        assert (
            client.put(url, json={"metadata": meta | {"id": "x1"}, "data": {"url": BERT}}).status_code == 400
        )
        assert client.put(url, json={"metadata": meta}).status_code == 400
        assert (
            client.put(
                "/artifacts/model/nope", json={"metadata": meta | {"id": "nope"}, "data": {"url": BERT}}
            ).status_code
            == 404
        )

    def test_delete_removes_record_and_unshared_blobs(self, client, registry_env):
        art = register(client, "model", "https://huggingface.co/google-bert/bert-base-uncased")
        wait_for_mirrors()
        blobs = [p for p in (registry_env / "blobs").rglob("*") if p.is_file() and p.parent.name != "tmp"]
        assert blobs
        aid = art["metadata"]["id"]
        assert client.delete(f"/artifacts/model/{aid}").status_code == 200
        assert client.get(f"/artifacts/model/{aid}").status_code == 404
        assert client.delete(f"/artifacts/model/{aid}").status_code == 404
        left = [p for p in (registry_env / "blobs").rglob("*") if p.is_file() and p.parent.name != "tmp"]
        assert left == []

    def test_delete_keeps_blobs_another_artifact_uses(self, client):
        a = register(client, "code", WHISPER_CODE)
        b = register(client, "dataset", WHISPER_CODE)  # same content, another type (GitHub takes any)
        wait_for_mirrors()
        client.delete(f"/artifacts/code/{a['metadata']['id']}")
        download = client.get(f"/download/dataset/{b['metadata']['id']}")
        assert download.status_code == 200
        assert zipfile.ZipFile(io.BytesIO(download.content)).testzip() is None


class TestQueries:
    def test_enumerate_filter_and_paginate(self, client, monkeypatch):
        from tests.conftest import clear_process_caches

        monkeypatch.setenv("REGISTRY_PAGE_SIZE", "2")
        clear_process_caches()
        ids = [
            register(client, kind, url)["metadata"]["id"]
            for kind, url in [
                ("model", BERT),
                ("code", WHISPER_CODE),
                ("dataset", "https://huggingface.co/datasets/rajpurkar/squad"),
                ("model", "https://huggingface.co/openai/whisper-tiny"),
                ("code", "https://github.com/google-research/bert"),
            ]
        ]
        seen, offset = [], None
        while True:
            response = client.post(
                "/artifacts" + (f"?offset={offset}" if offset else ""), json=[{"name": "*"}]
            )
            assert response.status_code == 200
            seen += [a["id"] for a in response.json()]
            offset = response.headers.get("offset")
            if offset is None:
                break
        assert seen == ids  # oldest first, every artifact once
        code = client.post("/artifacts", json=[{"name": "*", "types": ["code"]}]).json()
        assert {a["type"] for a in code} == {"code"} and len(code) == 2

    def test_exact_names_and_union_of_queries(self, client):
        register(client, "model", BERT, name="bert-base-uncased")
        register(client, "code", WHISPER_CODE, name="openai-whisper")
        found = client.post(
            "/artifacts", json=[{"name": "bert-base-uncased"}, {"name": "openai-whisper"}]
        ).json()
        assert sorted(a["name"] for a in found) == ["bert-base-uncased", "openai-whisper"]
        assert client.post("/artifacts", json=[{"name": "BERT-base-uncased"}]).json() == []

    @pytest.mark.parametrize("body", [[], {}, [{}], [{"name": "*", "types": ["widget"]}], "x"])
    def test_malformed_queries_are_400(self, client, body):
        assert client.post("/artifacts", json=body).status_code == 400

    def test_bad_offset_is_400(self, client):
        assert client.post("/artifacts?offset=-1", json=[{"name": "*"}]).status_code == 400

    def test_by_name(self, client):
        a = register(client, "model", BERT, name="twin")
        b = register(client, "code", WHISPER_CODE, name="twin")
        found = client.get("/artifact/byName/twin").json()
        assert [x["id"] for x in found] == [a["metadata"]["id"], b["metadata"]["id"]]
        assert client.get("/artifact/byName/Twin").status_code == 404
        assert client.get("/artifact/byName/*").status_code == 400

    def test_regex_over_names_and_readmes(self, client):
        register(client, "model", BERT, name="bert-base-uncased")
        register(
            client, "dataset", "https://huggingface.co/datasets/bookcorpus/bookcorpus", name="bookcorpus"
        )
        register(client, "code", WHISPER_CODE, name="openai-whisper")
        names = {a["name"] for a in client.post("/artifact/byRegEx", json={"regex": ".*bookcorpus.*"}).json()}
        assert "bookcorpus" in names and "bert-base-uncased" in names  # BERT's card mentions BookCorpus data
        assert client.post("/artifact/byRegEx", json={"regex": "ece461rules"}).status_code == 404
        assert client.post("/artifact/byRegEx", json={"regex": "["}).status_code == 400
        assert client.post("/artifact/byRegEx", json={}).status_code == 400

    @pytest.mark.parametrize("pattern", ["(a|aa)*$", "(a+)+$", "(a{1,99999}){1,99999}$"])
    def test_redos_probes_answer_quickly(self, client, pattern):
        register(client, "model", BERT)
        response = client.post("/artifact/byRegEx", json={"regex": pattern})
        assert response.status_code in {200, 404}


class TestDownloads:
    def test_bundle_streams_before_mirror_then_serves_from_store(self, client, monkeypatch):
        from tests.conftest import clear_process_caches

        monkeypatch.setenv("REGISTRY_MIRROR", "lazy")
        clear_process_caches()
        art = register(client, "model", BERT)
        aid = art["metadata"]["id"]
        first = client.get(f"/download/model/{aid}")
        assert first.status_code == 200
        assert "attachment" in first.headers["content-disposition"]
        archive = zipfile.ZipFile(io.BytesIO(first.content))
        assert "config.json" in archive.namelist()
        wait_for_mirrors()
        second = client.get(f"/download/model/{aid}")
        assert second.status_code == 200
        assert second.headers["content-length"] == str(len(second.content))
        assert second.headers["etag"]
        assert zipfile.ZipFile(io.BytesIO(second.content)).namelist() == archive.namelist()
        ranged = client.get(f"/download/model/{aid}", headers={"Range": "bytes=0-9"})
        assert ranged.status_code == 206 and ranged.content == second.content[:10]
        bad = client.get(f"/download/model/{aid}", headers={"Range": f"bytes={len(second.content) + 5}-"})
        assert bad.status_code == 416 and bad.json()["error"] == "range_not_satisfiable"

    def test_single_file(self, client):
        art = register(client, "model", BERT)
        aid = art["metadata"]["id"]
        streamed = client.get(f"/download/model/{aid}/config.json")
        assert streamed.status_code == 200 and streamed.json()
        wait_for_mirrors()
        stored = client.get(f"/download/model/{aid}/config.json")
        assert stored.content == streamed.content and stored.headers["etag"]
        assert client.get(f"/download/model/{aid}/no/such/file").status_code == 404

    def test_kaggle_reference_redirects(self, client):
        art = register(client, "dataset", "https://www.kaggle.com/datasets/zalando-research/fashionmnist")
        response = client.get(f"/download/dataset/{art['metadata']['id']}", follow_redirects=False)
        assert response.status_code == 307
        assert response.headers["location"].startswith("https://www.kaggle.com/datasets/")

    def test_github_subfolder_bundle(self, client):
        url = "https://github.com/huggingface/transformers/tree/main/examples/pytorch/text-classification"
        art = register(client, "code", url)
        wait_for_mirrors()
        content = client.get(f"/download/code/{art['metadata']['id']}").content
        names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        assert "README.md" in names and all(not n.startswith("examples/") for n in names)


class TestAuditAndReset:
    def test_audit_trail(self, client):
        art = register(client, "model", BERT)
        aid = art["metadata"]["id"]
        client.put(f"/artifacts/model/{aid}", json={"metadata": art["metadata"], "data": {"url": BERT}})
        client.get(f"/download/model/{aid}/config.json")
        entries = client.get(f"/artifact/model/{aid}/audit").json()
        assert [e["action"] for e in entries] == ["CREATE", "UPDATE", "DOWNLOAD"]
        assert entries[0]["date"].endswith("Z") and entries[0]["artifact"]["id"] == aid
        assert client.get("/artifact/model/unknown-id/audit").status_code == 404

    def test_reset_leaves_nothing(self, client, registry_env):
        register(client, "model", BERT)
        wait_for_mirrors()
        assert client.delete("/reset").status_code == 200
        assert client.post("/artifacts", json=[{"name": "*"}]).json() == []
        assert [p for p in (registry_env / "blobs").rglob("*") if p.is_file()] == []
        register(client, "model", BERT)  # the source is free again


class TestService:
    def test_health_and_tracks(self, client):
        assert client.get("/health").status_code == 200
        tracks = client.get("/tracks").json()["plannedTracks"]
        assert "Performance track" in tracks and len(tracks) == 4

    def test_unknown_route_is_json_404(self, client):
        response = client.get("/nope")
        assert response.status_code == 404 and response.json()["error"] == "not_found"


class TestDetails:
    def test_overview_shows_source_license_size_and_mirror_progress(self, client):
        art = register(client, "model", BERT)
        aid = art["metadata"]["id"]
        wait_for_mirrors()
        overview = client.get(f"/artifact/model/{aid}/details").json()
        assert overview["metadata"] == art["metadata"]
        assert overview["license"] == "apache-2.0"
        assert overview["repo_id"] == "google-bert/bert-base-uncased"
        assert overview["file_count"] > 0
        assert overview["total_bytes"] > 0
        assert overview["mirror"]["status"] == "complete"
        assert overview["mirror"]["bytes_done"] == overview["total_bytes"]
        assert "bookcorpus" in " ".join(overview["linked"]["datasets"])
        assert client.get("/artifact/model/nope/details").status_code == 404

    def test_oversized_artifact_is_not_mirrored_and_streams(self, client, monkeypatch):
        from tests.conftest import clear_process_caches

        monkeypatch.setenv("REGISTRY_MAX_ARTIFACT_BYTES", "1000")
        clear_process_caches()
        art = register(client, "model", BERT)
        aid = art["metadata"]["id"]
        overview = client.get(f"/artifact/model/{aid}/details").json()
        assert overview["mirror"]["status"] == "skipped"
        assert "cap" in overview["mirror"]["message"]
        assert client.get(f"/download/model/{aid}/config.json").status_code == 200


def test_accel_redirect_hands_stored_blobs_to_the_front_server(client, monkeypatch):
    from tests.conftest import clear_process_caches

    art = register(client, "model", BERT)
    wait_for_mirrors()
    monkeypatch.setenv("REGISTRY_ACCEL_REDIRECT_PREFIX", "/_blobs")
    clear_process_caches()
    response = client.get(f"/download/model/{art['metadata']['id']}")
    assert response.status_code == 200
    assert response.content == b""
    location = response.headers["x-accel-redirect"]
    assert location.startswith("/_blobs/")
    assert location.endswith(response.headers["etag"].strip('"'))


def test_accel_redirect_answers_count_the_bytes_the_front_server_sends(client, monkeypatch):
    from tests.conftest import clear_process_caches
    from tests.helpers import captured_log_lines

    art = register(client, "model", BERT)
    wait_for_mirrors()
    size = len(client.get(f"/download/model/{art['metadata']['id']}").content)
    monkeypatch.setenv("REGISTRY_ACCEL_REDIRECT_PREFIX", "/_blobs")
    clear_process_caches()
    path = f"/download/model/{art['metadata']['id']}"
    with captured_log_lines("INFO") as log:
        whole = client.get(path)
        ranged = client.get(path, headers={"Range": "bytes=5-14"})
        stale = client.get(path, headers={"Range": "bytes=5-14", "If-Range": '"another"'})
        fresh = client.get(path, headers={"Range": "bytes=5-14", "If-Range": whole.headers["etag"]})
    assert "accept-ranges" not in whole.headers  # nginx adds its own to the file it sends
    assert whole.headers["x-accel-redirect"] == ranged.headers["x-accel-redirect"]
    assert {whole.status_code, ranged.status_code, stale.status_code, fresh.status_code} == {
        200
    }  # headers only
    # The log line says what nginx sends: 206 and the range's bytes, or the whole file when If-Range is stale.
    logged = [(line["status"], line["response_bytes"]) for line in log.requests()]
    assert logged == [(200, size), (206, 10), (200, size), (206, 10)]


def test_read_only_download_url_in_a_registration_body_is_ignored(client):
    response = client.post("/artifact/model", json={"url": BERT, "download_url": "http://elsewhere/x"})
    assert response.status_code == 201
    assert response.json()["data"]["download_url"].startswith("http://registry.test/download/model/")
