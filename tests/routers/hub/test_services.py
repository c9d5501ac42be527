"""The hub domain's pure helpers: repository ids, API paths, times, ranges."""

from __future__ import annotations

import pytest

from package.core.errors import RangeNotSatisfiable
from package.routers.hub.endpoint import RepoRequest, parse_api_path
from package.routers.hub.interface import RepoKind, RepoNotFound
from package.routers.hub.responses import parse_range
from package.routers.hub.services import hub_time, valid_repo_id

M = RepoKind.MODEL


@pytest.mark.parametrize("repo_id", ["gpt2", "google-bert/bert-base-uncased", "a/b.c_d-e", "x1/y"])
def test_valid_repo_ids(repo_id):
    assert valid_repo_id(repo_id)


@pytest.mark.parametrize(
    "repo_id", ["", "a/b/c", "-a/b", "a/b-", "a..b/c", "a--b/c", "a b", "../x", "a/" + "b" * 97]
)
def test_invalid_repo_ids(repo_id):
    assert not valid_repo_id(repo_id)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("gpt2", RepoRequest(M, "gpt2")),
        ("org/model", RepoRequest(M, "org/model")),
        ("org/model/revision/main", RepoRequest(M, "org/model", "revision", "main")),
        ("gpt2/revision/abc", RepoRequest(M, "gpt2", "revision", "abc")),
        ("org/model/tree/main/onnx/sub", RepoRequest(M, "org/model", "tree", "main", "onnx/sub")),
        ("org/model/paths-info/main", RepoRequest(M, "org/model", "paths-info", "main")),
    ],
)
def test_api_paths(path, expected):
    assert parse_api_path(M, path) == expected


@pytest.mark.parametrize("path", ["a/b/c", "org/model/tree", "", "a//b"])
def test_api_paths_that_name_nothing(path):
    with pytest.raises(RepoNotFound):
        parse_api_path(M, path)


@pytest.mark.parametrize(
    ("stored", "hub"),
    [
        ("2024-02-19T11:06:12+00:00", "2024-02-19T11:06:12.000Z"),
        ("2024-02-19T11:06:12.345678+02:00", "2024-02-19T09:06:12.345Z"),
        ("2024-02-19T11:06:12.000Z", "2024-02-19T11:06:12.000Z"),
        ("yesterday", None),
        (None, None),
    ],
)
def test_hub_time(stored, hub):
    assert hub_time(stored) == hub


@pytest.mark.parametrize(
    ("header", "span"),
    [(None, None), ("bytes=0-", (0, 100)), ("bytes=10-19", (10, 20)), ("bytes=-10", (90, 100)),
     ("bytes=90-500", (90, 100)), ("items=1-2", None), ("bytes=-", None), ("bytes=5-1,7-8", None)],
)  # fmt: skip
def test_ranges(header, span):
    assert parse_range(header, 100) == span


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=200-300", "bytes=" + "9" * 19 + "-"])
def test_unsatisfiable_ranges(header):
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 100)


def test_any_refusal_is_answered_as_the_hubs_access_error():
    from package.core.errors import Forbidden
    from package.routers.hub.responses import hub_error

    response = hub_error(Forbidden("blocked: dangerous pickle\nin weights"))
    assert response.status_code == 403 and response.headers["X-Error-Code"] == "GatedRepo"
    assert response.headers["X-Error-Message"] == "blocked: dangerous pickle in weights"
