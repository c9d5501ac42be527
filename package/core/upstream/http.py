"""The one mapping of an upstream HTTP answer to the registry's errors, shared by every source adapter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from package.core.errors import NotFound, UpstreamError

CHUNK_BYTES = 1024 * 1024
# An adapter's own reading of a failed answer (a rate limit, a gate, refused credentials): raises or returns.
SpecialCase = Callable[[httpx.Response], None]


def raise_for_status(
    response: httpx.Response,
    *,
    upstream: str,
    what: str,
    not_found: str | None = None,
    special: SpecialCase | None = None,
) -> None:
    """Nothing for a success; else the adapter's special case, NotFound for 404, UpstreamError otherwise."""
    if response.status_code < 400:
        return
    if special is not None:
        special(response)
    if response.status_code == 404:
        raise NotFound(not_found or f"Not found on {upstream}: {what}.")
    raise UpstreamError(f"{upstream} answered {response.status_code} for {what}.")


@contextmanager
def stream_checked(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    upstream: str,
    sending: str,
    check: Callable[[httpx.Response], None],
    **request: Any,
) -> Iterator[Iterator[bytes]]:
    """Stream an upstream file: `check` maps a failed answer; a broken transfer becomes UpstreamError."""
    try:
        with client.stream(method, url, **request) as response:
            if response.status_code >= 400:
                response.read()  # the check may read the error body (e.g. GitHub's rate-limit wording)
            check(response)
            yield response.iter_bytes(CHUNK_BYTES)
    except httpx.HTTPError as exc:
        raise UpstreamError(f"{upstream} failed while sending {sending}: {exc}") from exc
