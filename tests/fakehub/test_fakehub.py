"""The fake hub, exercised through the real client libraries (huggingface_hub, httpx)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from tests.fakehub import (
    ActivitySpec,
    Contributor,
    FakeHub,
    HubHistory,
    PullFileSpec,
    PullSpec,
    ReviewSpec,
)

GRANTED = "hf_test_granted"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def hub() -> Iterator[FakeHub]:
    fake = FakeHub()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def normal_service(hub: FakeHub) -> Iterator[None]:
    hub.reset_controls()
    yield
    hub.reset_controls()


@pytest.fixture
def api(hub: FakeHub) -> HfApi:
    return HfApi(endpoint=hub.hf_url, token=False)


@pytest.fixture
def gh(hub: FakeHub) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hub.github_url, timeout=10) as client:
        yield client


# ----- Hugging Face: metadata -------------------------------------------------------------------------


def test_model_info_with_files_metadata(api: HfApi) -> None:
    info = api.model_info("google-bert/bert-base-uncased", files_metadata=True)
    assert info.id == "google-bert/bert-base-uncased"
    assert info.author == "google-bert"
    assert info.sha is not None
    assert len(info.sha) == 40
    assert info.card_data is not None
    assert info.card_data.license == "apache-2.0"
    assert info.card_data.datasets == ["bookcorpus", "wikipedia"]
    assert info.tags is not None
    assert {"license:apache-2.0", "dataset:bookcorpus", "region:us"} <= set(info.tags)
    assert info.library_name == "transformers"
    assert info.pipeline_tag == "fill-mask"
    assert info.config is not None
    assert info.config["model_type"] == "bert"
    siblings = {sibling.rfilename: sibling for sibling in info.siblings or []}
    assert {"README.md", "config.json", "model.safetensors", ".gitattributes"} <= set(siblings)
    weights = siblings["model.safetensors"]
    assert weights.lfs is not None
    assert weights.lfs.size == weights.size
    assert len(weights.lfs.sha256) == 64
    config = siblings["config.json"]
    assert config.lfs is None
    assert config.blob_id is not None
    assert config.size is not None
    assert info.safetensors is not None
    assert info.safetensors.total > 0
    assert info.used_storage == sum(sibling.size or 0 for sibling in siblings.values())


def test_blob_id_is_the_git_blob_sha(api: HfApi, hub: FakeHub) -> None:
    info = api.model_info("openai/whisper-tiny", files_metadata=True)
    config = next(s for s in info.siblings or [] if s.rfilename == "config.json")
    data = httpx.get(f"{hub.hf_url}/openai/whisper-tiny/resolve/main/config.json").content
    assert config.blob_id == hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def test_model_index_and_lineage(api: HfApi) -> None:
    resnet = api.model_info("microsoft/resnet-50")
    assert resnet.model_index is not None
    assert resnet.model_index[0]["name"] == "resnet-50"
    assert resnet.card_data is not None
    assert resnet.card_data.eval_results
    child = api.model_info("crangana/trained-gender")
    assert child.card_data is not None
    assert child.card_data.base_model == "microsoft/resnet-50"
    assert child.tags is not None
    assert "base_model:finetune:microsoft/resnet-50" in child.tags
    grandchild = api.model_info("onnx-community/trained-gender-ONNX")
    assert grandchild.tags is not None
    assert "base_model:quantized:crangana/trained-gender" in grandchild.tags
    expanded = api.model_info("microsoft/resnet-50", expand=["childrenModelCount", "baseModels"])
    assert expanded.children_model_count == 1
    assert expanded.base_models is None


def test_model_without_owner_and_without_readme(api: HfApi, tmp_path: Path) -> None:
    info = api.model_info("distilbert-base-uncased-distilled-squad")
    assert info.id == "distilbert-base-uncased-distilled-squad"
    assert info.author is None
    path = hf_hub_download(
        "distilbert-base-uncased-distilled-squad", "config.json", endpoint=api.endpoint, cache_dir=tmp_path,
        token=False,
    )  # fmt: skip
    assert json.loads(Path(path).read_text())["_name_or_path"] == "distilbert-base-uncased"
    bare = api.model_info("acme/no-readme-model", files_metadata=True)
    assert bare.card_data is None
    assert "README.md" not in {sibling.rfilename for sibling in bare.siblings or []}


def test_revisions(api: HfApi) -> None:
    sha = api.model_info("microsoft/resnet-50").sha
    assert sha is not None
    assert api.model_info("microsoft/resnet-50", revision=sha).sha == sha
    with pytest.raises(RevisionNotFoundError):
        api.model_info("microsoft/resnet-50", revision="v9.9")


def test_dataset_info_and_renamed_alias(api: HfApi) -> None:
    info = api.dataset_info("rajpurkar/squad", files_metadata=True)
    assert info.card_data is not None
    assert info.card_data.license == "cc-by-sa-4.0"
    assert info.tags is not None
    assert "task_categories:question-answering" in info.tags
    assert any(sibling.rfilename.endswith(".parquet") and sibling.lfs for sibling in info.siblings or [])
    assert info.description
    assert info.citation
    assert api.dataset_info("squad").id == "rajpurkar/squad"  # old name redirects (307), as on the Hub
    assert api.dataset_info("ILSVRC/imagenet-1k").gated == "auto"


def test_unknown_repo_and_file(api: HfApi, tmp_path: Path) -> None:
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("nobody/nothing")
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download(
            "nobody/nothing", "config.json", endpoint=api.endpoint, cache_dir=tmp_path, token=False
        )
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(
            "microsoft/resnet-50", "nope.bin", endpoint=api.endpoint, cache_dir=tmp_path, token=False
        )


def test_commit_histories_through_list_repo_commits(api: HfApi, hub: FakeHub) -> None:
    resnet = api.list_repo_commits("microsoft/resnet-50")
    assert resnet[0].commit_id == api.model_info("microsoft/resnet-50").sha  # newest first, at the head
    assert resnet[0].created_at.isoformat().startswith("2024-02-13T21:21:45")  # = lastModified
    assert (resnet[-1].title, resnet[-1].authors) == ("initial commit", ["system"])
    assert resnet[-1].created_at.isoformat().startswith("2022-03-16T15:42:43")  # = createdAt
    people = {author for c in resnet for author in c.authors} - {"system", "SFconvertbot"}
    assert len(people) == 3
    assert {a for c in api.list_repo_commits("parvk11/audience_classifier_model") for a in c.authors} == {
        "system",
        "parvk11",
    }
    whisper = api.list_repo_commits("openai/whisper-tiny", formatted=True)
    assert any(len(c.authors) == 2 for c in whisper)  # co-authored commits
    assert whisper[0].formatted_title is not None
    assert api.list_repo_commits("rajpurkar/squad", repo_type="dataset")[-1].title == "initial commit"
    # Pages of `limit` linked by rel="next" (followed by the client), X-Total-Count on each page.
    hub.add_model("history/busy", files={"w.bin": (64, 1)}, history=HubHistory((("ann", 90), ("bo", 30))))
    assert len(api.list_repo_commits("history/busy")) == 121
    first = httpx.get(f"{hub.hf_url}/api/models/history/busy/commits/main", params={"limit": 50})
    assert (len(first.json()), first.headers["x-total-count"]) == (50, "121")
    assert "p=1" in first.headers["link"] and 'rel="next"' in first.headers["link"]
    last = httpx.get(f"{hub.hf_url}/api/models/history/busy/commits/main", params={"limit": 50, "p": 2})
    assert len(last.json()) == 21 and "link" not in last.headers
    with pytest.raises(RevisionNotFoundError):
        api.list_repo_commits("history/busy", revision="no-such-branch")


def test_tree_and_snapshot_download(api: HfApi, tmp_path: Path) -> None:
    files = api.list_repo_files("onnx-community/trained-gender-ONNX")
    assert "onnx/model_quantized.onnx" in files
    folder = snapshot_download(
        "microsoft/resnet-50", endpoint=api.endpoint, cache_dir=tmp_path, allow_patterns=["*.json", "*.md"],
        token=False,
    )  # fmt: skip
    assert sorted(path.name for path in Path(folder).iterdir()) == [
        "README.md", "config.json", "preprocessor_config.json",
    ]  # fmt: skip


# ----- Hugging Face: downloads ------------------------------------------------------------------------


def test_hf_hub_download_into_cache(api: HfApi, hub: FakeHub, tmp_path: Path) -> None:
    path = hf_hub_download(
        "google-bert/bert-base-uncased", "config.json", endpoint=hub.hf_url, cache_dir=tmp_path, token=False
    )
    assert json.loads(Path(path).read_text())["architectures"] == ["BertForMaskedLM"]
    assert str(tmp_path) in path


def test_gated_repo(api: HfApi, hub: FakeHub, tmp_path: Path) -> None:
    info = api.model_info("meta-llama/Llama-3.2-1B")
    assert info.gated == "manual"
    assert info.card_data is not None
    assert "extra_gated_prompt" in info.card_data
    repo = "meta-llama/Llama-3.2-1B"
    with pytest.raises(GatedRepoError, match="Please log in"):
        hf_hub_download(repo, "config.json", endpoint=hub.hf_url, cache_dir=tmp_path, token=False)
    with pytest.raises(GatedRepoError, match="authorized list"):
        hf_hub_download(repo, "config.json", endpoint=hub.hf_url, cache_dir=tmp_path, token="hf_not_granted")
    path = hf_hub_download(repo, "config.json", endpoint=hub.hf_url, cache_dir=tmp_path, token=GRANTED)
    assert json.loads(Path(path).read_text())["model_type"] == "llama"
    readme = hf_hub_download(repo, "README.md", endpoint=hub.hf_url, cache_dir=tmp_path / "anon", token=False)
    assert "Llama 3.2" in Path(readme).read_text()


def test_range_requests(hub: FakeHub) -> None:
    url = f"{hub.hf_url}/google-bert/bert-base-uncased/resolve/main/model.safetensors"
    head = httpx.head(url)
    size = int(head.headers["content-length"])
    assert head.headers["accept-ranges"] == "bytes"
    assert head.headers["x-linked-size"] == str(size)
    assert head.headers["etag"] == head.headers["x-linked-etag"]
    assert "x-repo-commit" in head.headers
    response = httpx.get(url, headers={"Range": "bytes=0-7"})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes 0-7/{size}"
    (header_length,) = struct.unpack("<Q", response.content)
    header = httpx.get(url, headers={"Range": f"bytes=8-{7 + header_length}"}).content
    assert json.loads(header)["__metadata__"] == {"format": "pt"}
    assert httpx.get(url, headers={"Range": "bytes=-4"}).content == httpx.get(url).content[-4:]
    unsatisfiable = httpx.get(url, headers={"Range": f"bytes={size}-"})
    assert unsatisfiable.status_code == 416
    assert unsatisfiable.headers["content-range"] == f"bytes */{size}"


def test_20mb_file_streams_with_right_sha256(api: HfApi, hub: FakeHub, tmp_path: Path) -> None:
    info = api.model_info("acme/tiny-weights-20mb", files_metadata=True)
    weights = next(s for s in info.siblings or [] if s.rfilename == "model.safetensors")
    assert weights.size == 20 * MIB
    assert weights.lfs is not None
    path = hf_hub_download(
        "acme/tiny-weights-20mb", "model.safetensors", endpoint=hub.hf_url, cache_dir=tmp_path, token=False
    )
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    assert Path(path).stat().st_size == 20 * MIB
    assert digest == weights.lfs.sha256
    assert Path(path).resolve().name == weights.lfs.sha256  # huggingface_hub names blobs by ETag


def test_multi_gb_file_is_declared_and_rangeable(api: HfApi, hub: FakeHub) -> None:
    info = api.model_info("vikhyatk/moondream2", files_metadata=True)
    weights = next(s for s in info.siblings or [] if s.rfilename == "model.safetensors")
    assert weights.size is not None
    assert 3_500_000_000 < weights.size < 4_000_000_000
    url = f"{hub.hf_url}/vikhyatk/moondream2/resolve/main/model.safetensors"
    tail = httpx.get(url, headers={"Range": f"bytes={weights.size - 1024}-"})
    assert tail.status_code == 206
    assert len(tail.content) == 1024
    assert info.card_data is not None
    assert info.card_data.base_model == [
        "google/siglip-so400m-patch14-384",
        "microsoft/phi-1_5",
    ]


# ----- GitHub -----------------------------------------------------------------------------------------


def test_github_repo_and_rate_limit_headers(gh: httpx.Client) -> None:
    response = gh.get("/repos/google-research/bert")
    body = response.json()
    assert body["full_name"] == "google-research/bert"
    assert body["owner"]["login"] == "google-research"
    assert body["license"]["spdx_id"] == "Apache-2.0"
    assert body["default_branch"] == "master"
    assert body["stargazers_count"] > 1000
    assert isinstance(body["topics"], list)
    assert int(response.headers["x-ratelimit-remaining"]) > 0
    assert "x-ratelimit-reset" in response.headers
    missing = gh.get("/repos/nobody/nothing")
    assert missing.status_code == 404
    assert missing.json()["message"] == "Not Found"


def test_github_readme_license_contents(gh: httpx.Client) -> None:
    raw = gh.get("/repos/openai/whisper/readme", headers={"Accept": "application/vnd.github.raw+json"})
    assert raw.text.startswith("# Whisper")
    as_json = gh.get("/repos/openai/whisper/readme").json()
    assert as_json["encoding"] == "base64"
    assert base64.b64decode(as_json["content"]).decode() == raw.text
    sub = gh.get(
        "/repos/huggingface/transformers/readme/examples/pytorch/text-classification",
        headers={"Accept": "application/vnd.github.raw"},
    )
    assert sub.text.lstrip().startswith("<!---")
    assert "run_glue.py" in sub.text
    assert gh.get("/repos/openai/whisper/license").json()["license"]["spdx_id"] == "MIT"
    assert gh.get("/repos/acme/no-license-repo/license").status_code == 404
    assert gh.get("/repos/acme/gpl-tool").json()["license"]["key"] == "gpl-3.0"
    setup = gh.get(
        "/repos/openai/whisper/contents/setup.py", headers={"Accept": "application/vnd.github.raw"}
    )
    assert "openai-whisper" in setup.text
    listing = gh.get("/repos/zalandoresearch/fashion-mnist/contents/data/fashion").json()
    assert {entry["name"] for entry in listing} >= {"train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}


def test_github_tree(gh: httpx.Client) -> None:
    tree = gh.get("/repos/openai/whisper/git/trees/main", params={"recursive": "1"}).json()
    paths = {entry["path"]: entry for entry in tree["tree"]}
    assert paths["tests"]["type"] == "tree"
    assert paths["tests/test_audio.py"]["type"] == "blob"
    assert ".github/workflows/ci.yml" in paths
    assert tree["truncated"] is False
    assert paths["setup.py"]["size"] > 0
    assert len(paths["setup.py"]["sha"]) == 40


def test_github_history(gh: httpx.Client) -> None:
    first = gh.get("/repos/huggingface/transformers/contributors", params={"per_page": 10})
    assert len(first.json()) == 10
    assert 'rel="next"' in first.headers["link"]
    assert first.json()[0]["contributions"] >= first.json()[1]["contributions"]
    solo = gh.get("/repos/acme/no-license-repo/contributors").json()
    assert solo[0]["login"] == "solo-maintainer"
    assert solo[0]["contributions"] > 50 * solo[1]["contributions"]
    commits = gh.get("/repos/openai/whisper/commits", params={"per_page": 5, "since": "2024-01-01T00:00:00Z"})
    assert len(commits.json()) == 5
    assert all(c["commit"]["author"]["date"] >= "2024" for c in commits.json())
    pulls = gh.get("/repos/acme/gpl-tool/pulls", params={"state": "closed", "per_page": 100}).json()
    assert {pull["number"] for pull in pulls} == {1, 2, 3, 4, 5}
    assert sum(1 for pull in pulls if pull["merged_at"]) == 4
    reviews = gh.get("/repos/acme/gpl-tool/pulls/1/reviews").json()
    assert [review["state"] for review in reviews] == ["CHANGES_REQUESTED", "APPROVED"]
    files = gh.get("/repos/acme/gpl-tool/pulls/3/files").json()
    assert (files[0]["filename"], files[0]["additions"], files[0]["changes"]) == (
        "src/gpltool/core.py",
        200,
        240,
    )


def test_zipball(gh: httpx.Client) -> None:
    redirect = gh.get("/repos/openai/whisper/zipball/main")
    assert redirect.status_code == 302
    assert "/codeload/openai/whisper/zip/main" in redirect.headers["location"]
    archive = gh.get("/repos/openai/whisper/zipball/main", follow_redirects=True)
    sha = gh.get("/repos/openai/whisper/commits", params={"per_page": 1}).json()[0]["sha"]
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        names = zipped.namelist()
        top = f"openai-whisper-{sha[:7]}/"
        assert all(name.startswith(top) for name in names)
        assert zipped.read(top + "setup.py").decode().count("openai-whisper") >= 1


# ----- controls and runtime fixtures ------------------------------------------------------------------


def test_down_services_answer_503(hub: FakeHub, gh: httpx.Client) -> None:
    hub.set_down("hf", True)
    response = httpx.get(f"{hub.hf_url}/api/models/microsoft/resnet-50")
    assert response.status_code == 503
    assert "error" in response.json()
    assert gh.get("/repos/openai/whisper").status_code == 200
    hub.set_down("github", True)
    assert gh.get("/repos/openai/whisper").status_code == 503
    hub.set_down("hf", False)
    assert httpx.get(f"{hub.hf_url}/api/models/microsoft/resnet-50").status_code == 200


def test_rate_limited(hub: FakeHub, gh: httpx.Client) -> None:
    hub.set_rate_limited(True)
    response = gh.get("/repos/openai/whisper")
    assert response.status_code == 403
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.json()["message"].startswith("API rate limit exceeded")
    hub.set_rate_limited(False)
    assert gh.get("/repos/openai/whisper").status_code == 200


def test_latency_and_request_log(hub: FakeHub, gh: httpx.Client) -> None:
    hub.clear_requests()
    hub.set_latency("github", 0.3)
    started = time.perf_counter()
    gh.get("/repos/acme/gpl-tool")
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    httpx.get(f"{hub.hf_url}/api/models/microsoft/resnet-50")
    assert time.perf_counter() - started < 0.3
    assert ("github", "GET", "/repos/acme/gpl-tool") in hub.requests
    assert ("hf", "GET", "/api/models/microsoft/resnet-50") in hub.requests


def test_chunk_delay_slows_a_transfer_down_and_resets(hub: FakeHub) -> None:
    hub.add_model("slow/weights", files={"w.bin": (3 * 256 * 1024, 5)})  # three chunks
    url = f"{hub.hf_url}/slow/weights/resolve/main/w.bin"
    hub.set_chunk_delay("hf", 0.3)
    started = time.perf_counter()
    assert len(httpx.get(url, timeout=30).content) == 3 * 256 * 1024
    assert time.perf_counter() - started >= 0.9
    with pytest.raises(ValueError, match=">= 0"):
        hub.set_chunk_delay("hf", -1)
    hub.reset_controls()
    assert hub.controls.chunk_delay("hf") == 0


def test_runtime_fixtures(hub: FakeHub, api: HfApi, gh: httpx.Client) -> None:
    hub.add_model(
        "late/child",
        card_data={"base_model": "late/parent", "datasets": ["rajpurkar/squad"]},
        card_body="# Child\n\n```python\nprint('hi')\n```\n",
        license="mit",
        files={"model.safetensors": (4096, 7)},
    )
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("late/parent")
    hub.add_model("late/parent", license="apache-2.0", config={"model_type": "bert"}, gated="auto")
    assert api.model_info("late/parent").gated == "auto"
    child = api.model_info("late/child", files_metadata=True)
    assert child.card_data is not None
    assert child.card_data.license == "mit"
    assert child.tags is not None
    assert "base_model:finetune:late/parent" in child.tags
    hub.add_github_repo(
        "late/code",
        files={"README.md": "# Code\n"},
        activity=ActivitySpec(
            contributors=(Contributor("a", 3), Contributor("b", 1)),
            pulls=(
                PullSpec(
                    1, "b", "Fix", "2024-01-01T00:00:00Z", merged_at="2024-01-02T00:00:00Z",
                    reviews=(ReviewSpec("a", "APPROVED", "2024-01-01T12:00:00Z"),),
                    files=(PullFileSpec("README.md", 3, 1),),
                ),
            ),
        ),
    )  # fmt: skip
    assert [c["contributions"] for c in gh.get("/repos/late/code/contributors").json()] == [3, 1]
    assert gh.get("/repos/late/code/pulls", params={"state": "all"}).json()[0]["merged_at"] is not None
