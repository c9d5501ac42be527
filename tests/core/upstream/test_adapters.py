"""Upstream adapters against the fake hub: what ingest captures, and how upstream failures surface."""

from __future__ import annotations

import pytest

from package.core.errors import NotFound, UpstreamError
from package.core.upstream.clients import get_upstreams
from package.core.upstream.huggingface import HUB_COMMITS_MAX, HuggingFaceAdapter
from package.core.upstream.sources import parse_source_url
from tests.fakehub import HubHistory


def snapshot(url):
    ref = parse_source_url(url)
    return get_upstreams().adapter(ref.kind).snapshot(ref)


class TestHuggingFace:
    def test_model_snapshot_captures_card_files_links_and_stats(self, registry_env):
        snap = snapshot("https://huggingface.co/crangana/trained-gender")
        assert snap.license == "apache-2.0"
        assert "microsoft/resnet-50" in snap.linked["base_models"]
        assert snap.card_data["base_model"] == "microsoft/resnet-50"
        assert snap.details["config_json"]
        assert all(f.size >= 0 for f in snap.files)
        assert snap.revision and len(snap.revision) == 40
        assert snap.readme and "trained-gender" in snap.readme.lower()

    def test_renamed_repo_follows_the_redirect(self, registry_env):
        snap = snapshot("https://huggingface.co/bert-base-uncased")
        assert any(f.path == "config.json" for f in snap.files)

    def test_lfs_files_carry_sha256(self, registry_env):
        snap = snapshot("https://huggingface.co/acme/tiny-weights-20mb")
        weights = next(f for f in snap.files if f.path == "model.safetensors")
        assert weights.size == 20 * 1024 * 1024
        assert weights.sha256 and len(weights.sha256) == 64

    def test_repo_without_readme(self, registry_env):
        snap = snapshot("https://huggingface.co/acme/no-readme-model")
        assert snap.readme is None
        assert snap.files

    def test_gated_repo_metadata_is_public(self, registry_env):
        snap = snapshot("https://huggingface.co/meta-llama/Llama-3.2-1B")
        assert snap.gated == "manual"
        assert snap.license == "llama3.2"

    def test_unknown_revision_is_not_found(self, registry_env):
        with pytest.raises(NotFound, match="revision"):
            snapshot("https://huggingface.co/openai/whisper-tiny/tree/no-such-branch")

    def test_hub_down_is_upstream_error(self, registry_env, hub):
        hub.set_down("hf", True)
        with pytest.raises(UpstreamError):
            snapshot("https://huggingface.co/openai/whisper-tiny")


class TestHubCommitHistory:
    def test_snapshot_captures_who_committed_when(self, registry_env):
        details = snapshot("https://huggingface.co/microsoft/resnet-50").details
        commits = details["hub_commits"]
        assert details["hub_commits_total"] == len(commits) == 13
        assert "hub_commits_note" not in details and "hub_commits_error" not in details
        assert commits[0]["date"].startswith("2024-02-13T21:21:45")  # newest first
        assert commits[-1] == {"authors": ["system"], "date": commits[-1]["date"], "title": "initial commit"}
        assert [c["date"] for c in commits] == sorted((c["date"] for c in commits), reverse=True)
        assert {a for c in commits for a in c["authors"]} == {
            "system", "francesco-ms", "nielsr-hf", "amy-roberts", "SFconvertbot"
        }  # fmt: skip
        solo = snapshot("https://huggingface.co/parvk11/audience_classifier_model").details["hub_commits"]
        assert {a for c in solo for a in c["authors"]} == {"system", "parvk11"}
        dataset = snapshot("https://huggingface.co/datasets/rajpurkar/squad").details
        assert dataset["hub_commits"][-1]["title"] == "initial commit"

    def test_a_long_history_is_cut_to_the_newest_commits(self, registry_env, hub):
        hub.add_model("history/long", files={"w.bin": (64, 3)}, history=HubHistory((("ann", 400),)))
        hub.clear_requests()
        details = snapshot("https://huggingface.co/history/long").details
        assert len(details["hub_commits"]) == HUB_COMMITS_MAX
        assert details["hub_commits_total"] == 401
        assert f"newest {HUB_COMMITS_MAX}" in details["hub_commits_note"]
        listed = [path for service, _, path in hub.requests if "/commits/" in path]
        assert len(listed) == 3  # 100 a page, never the 4th and 5th page

    def test_a_failing_history_does_not_fail_the_snapshot(self, registry_env, hub):
        hub.set_path_down("hf", "/commits/")
        try:
            snap = snapshot("https://huggingface.co/openai/whisper-tiny")
        finally:
            hub.set_path_down("hf", "/commits/", False)
        assert snap.readme and snap.files
        assert snap.details["hub_commits"] is None
        assert "503" in snap.details["hub_commits_error"]
        assert snapshot("https://huggingface.co/openai/whisper-tiny").details["hub_commits"]

    def test_the_time_budget_ends_the_listing_early(self, registry_env, hub):
        hub.add_model("history/slow", files={"w.bin": (64, 4)}, history=HubHistory((("ann", 250),)))
        adapter = HuggingFaceAdapter(endpoint=hub.hf_url, token=None, timeout=0.8)
        ref = parse_source_url("https://huggingface.co/history/slow")
        hub.set_latency("hf", 0.5)  # the first page arrives within 0.8 s, the second would not
        try:
            history = adapter.commit_history(ref)
            hub.set_path_down("hf", "/commits/")
            with pytest.raises(UpstreamError, match="503"):
                adapter.commit_history(ref)  # nothing read at all: the caller decides
        finally:
            hub.set_latency("hf", 0)
            hub.set_down("hf", False)
        assert len(history.commits) == 100 and history.total == 251
        assert history.note and "stopped after 100 commits" in history.note


class TestGitHub:
    def test_repo_snapshot(self, registry_env):
        snap = snapshot("https://github.com/openai/whisper")
        assert snap.license == "MIT"
        assert snap.readme
        assert snap.details["contributors"]
        assert snap.details["commits"]
        assert any(f.path == ".github/workflows/ci.yml" for f in snap.files)

    def test_subfolder_manifest_is_relative(self, registry_env):
        snap = snapshot(
            "https://github.com/huggingface/transformers/tree/main/examples/pytorch/text-classification"
        )
        assert snap.files
        assert all(not f.path.startswith("examples/") for f in snap.files)
        assert snap.readme

    def test_missing_subfolder_is_not_found(self, registry_env):
        with pytest.raises(NotFound, match="Folder"):
            snapshot("https://github.com/huggingface/transformers/tree/main/no/such/folder")

    def test_repo_without_license(self, registry_env):
        assert snapshot("https://github.com/acme/no-license-repo").license is None

    def test_github_down_and_latency(self, registry_env, hub):
        hub.set_down("github", True)
        with pytest.raises(UpstreamError, match="503"):
            snapshot("https://github.com/openai/whisper")
