"""Upstream adapters against the fake hub: what ingest captures, and how upstream failures surface."""

from __future__ import annotations

import pytest

from package.core.errors import NotFound, UpstreamError
from package.core.upstream.clients import get_upstreams
from package.core.upstream.sources import parse_source_url


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
