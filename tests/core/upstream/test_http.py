"""One mapping of upstream HTTP answers to registry errors, with each adapter's special cases first."""

from __future__ import annotations

import httpx
import pytest

from package.core.errors import NotFound, TooManyRequests, UpstreamError
from package.core.upstream.http import raise_for_status


def answer(status: int) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", "https://upstream.test/x"))


def test_success_passes():
    raise_for_status(answer(200), upstream="Hub", what="x")


def test_404_is_not_found_with_the_default_or_given_message():
    with pytest.raises(NotFound, match="Not found on Hub: the file"):
        raise_for_status(answer(404), upstream="Hub", what="the file")
    with pytest.raises(NotFound, match="gone"):
        raise_for_status(answer(404), upstream="Hub", what="x", not_found="gone")


def test_other_failures_are_upstream_errors():
    with pytest.raises(UpstreamError, match="Hub answered 503 for x"):
        raise_for_status(answer(503), upstream="Hub", what="x")


def test_the_special_case_speaks_first_and_may_pass():
    def slow_down(response: httpx.Response) -> None:
        if response.status_code == 429:
            raise TooManyRequests("slow down")

    with pytest.raises(TooManyRequests):
        raise_for_status(answer(429), upstream="Hub", what="x", special=slow_down)
    with pytest.raises(NotFound):
        raise_for_status(answer(404), upstream="Hub", what="x", special=slow_down)
