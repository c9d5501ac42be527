"""Hostile upstream file names and links (issue 13): nothing leaves its folder, no token leaves its host."""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest

from package.core.errors import NotFound
from package.core.upstream.clients import get_upstreams
from package.core.upstream.github import is_api_path
from package.core.upstream.huggingface import HuggingFaceAdapter
from package.core.upstream.paths import is_safe_relative_path
from package.core.upstream.sources import parse_source_url
from package.routers.artifacts.bundle import UnsafeEntryName, stream_zip

HOSTILE_NAMES = [
    "../../../tmp/x",
    "/abs/evil.txt",
    "a/../../b",
    "evil\r\nX-Header: 1",
    "nul\x00.txt",
    "C:evil",
]


@pytest.mark.parametrize("path", [*HOSTILE_NAMES, "", "a//b", "./a", "a\\b", "x" * 1025])
def test_unsafe_relative_paths(path):
    assert not is_safe_relative_path(path)


@pytest.mark.parametrize("path", ["README.md", "onnx/model.onnx", "a b/c:d.txt", ".gitattributes", "..x"])
def test_safe_relative_paths(path):
    assert is_safe_relative_path(path)


def test_bundles_refuse_unsafe_entry_names():
    entries = [("ok.txt", 1, [b"x"]), ("../../../tmp/x", 1, [b"x"])]
    with pytest.raises(UnsafeEntryName):
        b"".join(stream_zip(entries))


def snapshot(url):
    ref = parse_source_url(url)
    return get_upstreams().adapter(ref.kind).snapshot(ref)


def test_hugging_face_file_names_that_leave_the_folder_are_dropped(registry_env, hub):
    names = ["../../../tmp/x", "/abs/evil.txt", "line\r\nbreak.txt", "ok.txt"]
    hub.add_model("hostile/names", files={name: b"payload" for name in names})
    paths = {f.path for f in snapshot("https://huggingface.co/hostile/names").files}
    assert "ok.txt" in paths
    assert all(is_safe_relative_path(p) for p in paths)


def test_served_zip_holds_only_safe_names(client, hub):
    hub.add_model("hostile/zip", files={"../../../tmp/x": b"1", "a\r\nb.txt": b"2", "ok.txt": b"3"})
    artifact_id = client.post("/artifact/model", json={"url": "https://huggingface.co/hostile/zip"}).json()
    response = client.get(f"/download/model/{artifact_id['metadata']['id']}")
    assert response.status_code == 200, response.text
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "ok.txt" in names and all(is_safe_relative_path(n) for n in names)


@pytest.mark.parametrize(
    "path", ["/repos/../user", "/repos/a/../../user", "//evil.test/x", "/x?y", "/repos/%2e%2e/u"]
)
def test_github_api_paths_that_leave_the_repo_api_are_refused(path):
    assert not is_api_path(path)


def test_a_readme_link_to_dot_dot_makes_no_github_call(registry_env, hub):
    hub.clear_requests()
    with pytest.raises(NotFound):
        get_upstreams().github().get_json("/repos/../user", what="a linked repository")
    assert not [r for r in hub.requests if r[0] == "github"]


def test_readme_links_with_dot_segments_name_no_repository():
    from package.routers.lineage.services import github_repo_ids

    assert github_repo_ids(["see https://github.com/../user and github.com/./.. or github.com/a/.."]) == []
    assert github_repo_ids(["https://github.com/openai/whisper"]) == ["openai/whisper"]


def test_hub_next_links_to_another_host_are_not_followed():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        link = '<https://evil.test/api/models/a/b/commits/main?p=1>; rel="next"'
        return httpx.Response(200, json=[], headers={"Link": link, "X-Total-Count": "200"})

    adapter = HuggingFaceAdapter(endpoint="https://hub.test", token="hf_secret", timeout=5)
    adapter._http = httpx.Client(transport=httpx.MockTransport(answer))
    history = adapter.commit_history(parse_source_url("https://huggingface.co/a/b"))
    assert [r.url.host for r in seen] == ["hub.test"]
    assert history.note and "another host" in history.note
