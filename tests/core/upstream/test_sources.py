"""URL parsing and default naming of sources."""

from __future__ import annotations

import pytest

from package.core.errors import BadRequest
from package.core.upstream.sources import SourceKind, parse_source_url


class TestParseSourceUrl:
    @pytest.mark.parametrize(
        ("url", "kind", "repo_id", "revision", "subpath", "name"),
        [
            (
                "https://huggingface.co/google-bert/bert-base-uncased",
                SourceKind.HF_MODEL,
                "google-bert/bert-base-uncased",
                None,
                "",
                "bert-base-uncased",
            ),
            (
                "https://huggingface.co/distilbert-base-uncased-distilled-squad",
                SourceKind.HF_MODEL,
                "distilbert-base-uncased-distilled-squad",
                None,
                "",
                "distilbert-base-uncased-distilled-squad",
            ),
            (
                "https://huggingface.co/openai/whisper-tiny/tree/main",
                SourceKind.HF_MODEL,
                "openai/whisper-tiny",
                "main",
                "",
                "whisper-tiny",
            ),
            (
                "https://huggingface.co/bert-base-uncased/tree/main",
                SourceKind.HF_MODEL,
                "bert-base-uncased",
                "main",
                "",
                "bert-base-uncased",
            ),
            (
                "https://huggingface.co/vikhyatk/moondream2/blob/main/README.md",
                SourceKind.HF_MODEL,
                "vikhyatk/moondream2",
                "main",
                "",
                "moondream2",
            ),
            (
                "https://huggingface.co/datasets/bookcorpus/bookcorpus",
                SourceKind.HF_DATASET,
                "bookcorpus/bookcorpus",
                None,
                "",
                "bookcorpus",
            ),
            ("https://huggingface.co/datasets/squad", SourceKind.HF_DATASET, "squad", None, "", "squad"),
            (
                "http://hf.co/microsoft/resnet-50/",
                SourceKind.HF_MODEL,
                "microsoft/resnet-50",
                None,
                "",
                "resnet-50",
            ),
            (
                "https://github.com/google-research/bert",
                SourceKind.GITHUB,
                "google-research/bert",
                None,
                "",
                "google-research-bert",
            ),
            (
                "https://github.com/openai/whisper.git",
                SourceKind.GITHUB,
                "openai/whisper",
                None,
                "",
                "openai-whisper",
            ),
            (
                "https://www.github.com/huggingface/transformers/tree/main/examples/pytorch/text-classification",
                SourceKind.GITHUB,
                "huggingface/transformers",
                "main",
                "examples/pytorch/text-classification",
                "huggingface-transformers-text-classification",
            ),
            (
                "https://www.kaggle.com/datasets/zalando-research/fashionmnist",
                SourceKind.KAGGLE,
                "zalando-research/fashionmnist",
                None,
                "",
                "fashionmnist",
            ),
        ],
    )
    def test_reads_supported_urls(self, url, kind, repo_id, revision, subpath, name):
        ref = parse_source_url(url)
        assert (ref.kind, ref.repo_id, ref.revision, ref.subpath) == (kind, repo_id, revision, subpath)
        assert ref.default_name() == name

    @pytest.mark.parametrize(
        "url",
        [
            "ftp://huggingface.co/x/y",
            "file:///etc/passwd",
            "https://example.com/x/y",
            "not a url",
            "https://huggingface.co/",
            "https://huggingface.co/spaces/owner/app",
            "https://huggingface.co/datasets",
            "https://github.com/onlyowner",
            "https://github.com/owner/re po",
            "https://github.com/../etc",
            "https://www.kaggle.com/competitions/titanic",
            "https://gitlab.com/a/b",
        ],
    )
    def test_refuses_other_hosts_and_shapes(self, url):
        with pytest.raises(BadRequest):
            parse_source_url(url)

    def test_equivalent_urls_share_a_key(self):
        a = parse_source_url("https://github.com/Openai/Whisper.git")
        b = parse_source_url("https://github.com/openai/whisper/")
        assert a.key == b.key
        assert (
            parse_source_url("https://huggingface.co/x/y").key
            != parse_source_url("https://huggingface.co/datasets/x/y").key
        )


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/google-research/bert/tree/..%2F..%2Frepos%2Fopenai%2Fwhisper%2Fgit%2Ftrees%2Fmain",
        "https://github.com/google-research/bert/tree/main/..",
        "https://github.com/google-research/bert/tree/main/a%3Fb",
        "https://github.com/google-research/bert/tree/ma%23in/x",
        "https://huggingface.co/openai/whisper-tiny/tree/..%2F..%2Fapi",
    ],
)
def test_revisions_and_folders_cannot_leave_their_path_segment(url):
    with pytest.raises(BadRequest, match="invalid revision or folder"):
        parse_source_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://[::1",  # unbalanced IPv6 bracket: urllib raises ValueError
        "https://evil.com\uff0f@huggingface.co/google-bert/bert-base-uncased",  # fullwidth solidus
        "https://evil.com\\@huggingface.co/google-bert/bert-base-uncased",  # browsers go to evil.com
        "https://user:pw@huggingface.co/google-bert/bert-base-uncased",
        "https://huggingface.co:8443/google-bert/bert-base-uncased",
        "https://huggingface.co/google-bert/bert-base-uncased\r\nX-Injected: 1",
        "https://huggingface.co/google-bert/bert base",
        "https://huggingface.co/" + "a" * 3000,
    ],
)
def test_crafted_urls_are_bad_requests_not_errors(url):
    with pytest.raises(BadRequest):
        parse_source_url(url)
