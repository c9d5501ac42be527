"""The one mapping of an upstream HTTP answer to the registry's errors, shared by every source adapter."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import stamina

from package.core.errors import NotFound, UpstreamError
from package.core.upstream.retry import TRANSIENT_STATUSES, TransientUpstreamError, get_retry_settings

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


class TransferCut(TransientUpstreamError):
    """An upstream file stopped part-way (a dropped connection): resumed from the byte reached."""


_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def resume_offset(response: httpx.Response) -> int | None:
    """Where a 206 answer's bytes start (its Content-Range), or None when it is not a ranged answer."""
    match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
    return int(match.group(1)) if response.status_code == 206 and match else None


@dataclass
class _Progress:
    """How far a resumable transfer got, kept across its tries."""

    hasher: Any
    reached: int = 0
    etag: str | None = None


def stream_resumable(
    client: httpx.Client,
    url: str,
    *,
    upstream: str,
    sending: str,
    check: Callable[[httpx.Response], None],
    size: int | None = None,
    sha256: str | None = None,
    headers: dict[str, str] | None = None,
) -> Generator[bytes, None, None]:
    """GET an upstream file's bytes; a transfer cut part-way is resumed with `Range: bytes=<reached>-`.

    The resume asks the same URL (so the same host and redirect rules as the first request), with
    `If-Range` on the first answer's ETag so a file changed meanwhile is not spliced. Tries are bounded by
    REGISTRY_UPSTREAM_RETRY_ATTEMPTS (stamina, jittered backoff; no overall time limit, since a large file
    may stream for minutes before it is cut). The whole is checked against the upstream's stated size and
    sha256 (LFS oid) when they are known.
    """
    progress = _Progress(hasher=hashlib.sha256() if sha256 else None)
    for attempt in stamina.retry_context(
        on=TransientUpstreamError,
        attempts=get_retry_settings().upstream_retry_attempts,
        timeout=None,
        wait_initial=0.2,
        wait_max=2.0,
    ):
        with attempt:
            try:
                yield from _one_try(client, url, progress, upstream, sending, check, headers or {})
            except httpx.HTTPError as exc:
                if size is None or progress.reached != size:  # else only the answer's end was lost
                    raise TransferCut(
                        f"{upstream} stopped sending {sending} at byte {progress.reached}: {exc}"
                    ) from exc
    digest = None if progress.hasher is None else progress.hasher.hexdigest()
    if size is not None and progress.reached != size:
        raise UpstreamError(f"{upstream} sent {progress.reached} bytes of {sending}; it states {size}.")
    if sha256 and digest != sha256:
        raise UpstreamError(f"{upstream} sent {sending} with sha256 {digest}; it states {sha256}.")


def _one_try(
    client: httpx.Client,
    url: str,
    progress: _Progress,
    upstream: str,
    sending: str,
    check: Callable[[httpx.Response], None],
    headers: dict[str, str],
) -> Iterator[bytes]:
    # Byte offsets must count the file's own bytes: a compressed answer's ranges would count encoded ones.
    asked = {"Accept-Encoding": "identity", **headers}
    if progress.reached:
        asked["Range"] = f"bytes={progress.reached}-"
        if progress.etag:
            asked["If-Range"] = progress.etag
    with client.stream("GET", url, headers=asked) as response:
        if response.status_code in TRANSIENT_STATUSES:
            raise TransientUpstreamError(f"{upstream} answered {response.status_code} for {sending}.")
        if response.status_code >= 400:
            response.read()  # the check may read the error body
        check(response)
        etag = response.headers.get("ETag")
        if progress.reached and progress.etag and etag not in {progress.etag, None}:
            raise UpstreamError(f"{upstream} changed {sending} while sending it; try again.")
        progress.etag = progress.etag or etag
        skip = progress.reached - (resume_offset(response) or 0)  # a 200 (Range ignored) starts at byte 0
        if skip < 0:
            raise UpstreamError(f"{upstream} resumed {sending} past the byte reached.")
        for chunk in response.iter_bytes(CHUNK_BYTES):
            if skip:
                chunk, skip = chunk[skip:], max(0, skip - len(chunk))
            if chunk:
                progress.reached += len(chunk)
                if progress.hasher is not None:
                    progress.hasher.update(chunk)
                yield chunk
