"""Downloads that survive a dropped connection: resume with Range into `<file>.part`, verify sha256.

The registry sends a stored file or bundle with `ETag: "<sha256>"` and honours Range; a file still
streaming from upstream has no ETag yet, so its hash is computed and reported but cannot be checked.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from package.client.errors import RequestError, ServerError, for_status

CHUNK_BYTES = 1024 * 1024
ATTEMPTS = 4
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TOTAL = re.compile(r"/(\d+)$")


@dataclass(frozen=True)
class Downloaded:
    """A finished download."""

    path: Path
    size: int
    sha256: str
    verified: bool  # the registry named the content's sha256 (ETag) and the bytes match it
    resumed: bool  # some bytes came from an earlier, interrupted attempt


def _expected_sha(etag: str | None) -> str | None:
    text = (etag or "").removeprefix("W/").strip('"').lower()
    return text if _SHA256.match(text) else None


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(CHUNK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


def _attempt(
    http: httpx.Client,
    url: str,
    part: Path,
    headers: dict[str, str],
    progress: Callable[[int, int | None], None] | None,
) -> tuple[str | None, bool]:
    """One GET into `part`, from where it stopped; returns the ETag and whether it resumed."""
    have = part.stat().st_size if part.exists() else 0
    tag_file = part.with_name(part.name + ".etag")
    sent = dict(headers)
    if have:
        sent["Range"] = f"bytes={have}-"
        if tag_file.exists():  # only resume the same content: else the registry answers it whole
            sent["If-Range"] = tag_file.read_text().strip()
    with http.stream("GET", url, headers=sent) as response:
        if response.status_code == 416 and have:
            part.unlink()  # the partial file is not a prefix of this content: start again
            return None, False
        if 300 <= response.status_code < 400:
            target = response.headers.get("location", "")
            raise RequestError(f"The artifact is a reference: download it from its source, {target}")
        if response.status_code >= 400:
            response.read()
            raise for_status(response.status_code, response.text[:500])
        resumed = response.status_code == 206 and have > 0
        etag = response.headers.get("etag")
        if etag:
            tag_file.write_text(etag)
        total = _total(response, have if resumed else 0)
        done = have if resumed else 0
        with part.open("ab" if resumed else "wb") as out:
            for chunk in response.iter_bytes(CHUNK_BYTES):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    return etag, resumed


def _total(response: httpx.Response, already: int) -> int | None:
    match = _TOTAL.search(response.headers.get("content-range", ""))
    if match:
        return int(match.group(1))
    length = response.headers.get("content-length")
    return already + int(length) if length and length.isdigit() else None


def download(
    http: httpx.Client,
    url: str,
    destination: Path,
    *,
    headers: dict[str, str],
    progress: Callable[[int, int | None], None] | None = None,
) -> Downloaded:
    """GET `url` into `destination`, retrying a dropped connection from where it stopped."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    part = destination.with_name(destination.name + ".part")
    etag: str | None = None
    resumed_any = part.exists() and part.stat().st_size > 0
    failure: Exception | None = None
    for _ in range(ATTEMPTS):
        try:
            etag, resumed = _attempt(http, url, part, headers, progress)
        except httpx.TransportError as exc:  # dropped, reset or timed out: keep the bytes, go on
            failure = exc
            resumed_any = True
            continue
        if part.exists():
            resumed_any = resumed_any and resumed
            break
    else:
        raise ServerError(f"The download kept failing ({failure}); run it again to resume.")
    sha = _sha256_of(part)
    expected = _expected_sha(etag)
    if expected is not None and expected != sha:
        part.unlink()
        raise ServerError(f"The download's sha256 {sha} is not the registry's {expected}; it was removed.")
    part.replace(destination)
    part.with_name(part.name + ".etag").unlink(missing_ok=True)
    return Downloaded(destination, destination.stat().st_size, sha, expected is not None, resumed_any)
