"""HTTP answers in the Hub's shape: file headers (ETag, X-Repo-Commit, X-Linked-*), Range, and errors."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from urllib.parse import quote

from fastapi import Response
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, StreamingResponse

from package.core.errors import RangeNotSatisfiable, RegistryError
from package.core.storage import Storage
from package.routers.artifacts import services as artifact_services
from package.routers.hub.interface import BadCredentials, HubFile

logger = logging.getLogger("registry.hub")
_RANGE = re.compile(r"^bytes=(\d{0,19})-(\d{0,19})$")
OCTETS = "application/octet-stream"
# huggingface_hub treats a 401 as an authentication error (not a missing repository) only with this message.
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
_HEADER_MAX_CHARS = 1000


def _header_text(message: str) -> str:
    """A message made safe for a header: one line of printable ASCII."""
    text = message.encode("ascii", "replace").decode().replace("\r", " ").replace("\n", " ")
    return "".join(c for c in text if c.isprintable())[:_HEADER_MAX_CHARS]


def hub_error(exc: RegistryError) -> JSONResponse:
    """An error as the Hub sends it: `{"error": message}` with X-Error-Code and X-Error-Message."""
    if exc.status_code >= 500:
        logger.warning("%s: %s", exc.code, exc.message)
    headers = dict(exc.headers)
    code = getattr(exc, "hub_code", None)
    if code is None and exc.status_code == 403:
        code = "GatedRepo"  # any refusal (e.g. a download guard's finding) is the client's access error
    if code:
        headers["X-Error-Code"] = code
    headers["X-Error-Message"] = (
        INVALID_CREDENTIALS if isinstance(exc, BadCredentials) else _header_text(exc.message)
    )
    return JSONResponse({"error": exc.message}, status_code=exc.status_code, headers=headers)


def file_headers(hub_file: HubFile) -> dict[str, str]:
    """The headers the Hub sends with a file (HEAD and GET)."""
    name = hub_file.path.rsplit("/", 1)[-1]
    headers = {
        "X-Repo-Commit": hub_file.commit,
        "ETag": f'"{hub_file.etag}"',
        "Accept-Ranges": "bytes",
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "private, max-age=0, must-revalidate",
    }
    if hub_file.lfs:  # what the Hub's redirect for an LFS file carries: its sha256 and real size
        headers["X-Linked-Etag"] = f'"{hub_file.etag}"'
        headers["X-Linked-Size"] = str(hub_file.size)
    return headers


def head_response(hub_file: HubFile) -> Response:
    """A HEAD answer: the file's headers and length, no body."""
    headers = file_headers(hub_file) | {"Content-Length": str(hub_file.size)}
    return Response(status_code=200, headers=headers, media_type=OCTETS)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range asked for (end exclusive), None for the whole file; 416 when unsatisfiable."""
    if not header:
        return None
    match = _RANGE.match(header.split(",", 1)[0].strip())
    if match is None:
        return None  # a malformed Range is ignored, as RFC 9110 allows
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        start, end = max(0, size - int(last)), size
    else:
        start = int(first)
        if last and int(last) < start:
            return None  # an invalid range (last before first) is ignored, as RFC 9110 says
        end = min(int(last) + 1, size) if last else size
    if start >= size or start >= end:
        raise RangeNotSatisfiable(
            f"The requested range is outside the {size} bytes of the file.",
            headers={"Content-Range": f"bytes */{size}"},
        )
    return start, end


def _skip(chunks: Iterator[bytes], start: int, end: int) -> Iterator[bytes]:
    """The bytes [start, end) of a stream, read to its end so the copy into the cache completes."""
    position = 0
    for chunk in chunks:
        lo, hi = max(start - position, 0), min(end - position, len(chunk))
        position += len(chunk)
        if lo < hi:
            yield chunk[lo:hi]


def get_response(
    plan: artifact_services.DownloadPlan, hub_file: HubFile, range_header: str | None, storage: Storage
) -> Response:
    """A GET answer carrying out the download plan, with the Hub's headers and Range."""
    headers = file_headers(hub_file)
    if isinstance(plan, artifact_services.RedirectPlan):
        return RedirectResponse(plan.url, status_code=307)
    if isinstance(plan, artifact_services.BlobPlan) and plan.local_path is None:
        url = artifact_services.presigned_url(storage, plan)
        if url is not None:  # S3: the bytes come from the blob store itself, as the Hub's CDN redirects
            return RedirectResponse(url, status_code=302, headers=headers | {"Cache-Control": "no-store"})
    if isinstance(plan, artifact_services.BlobPlan) and plan.local_path is not None:
        # Starlette answers Range (and If-Range on our ETag) itself, reading the file off the event loop.
        return FileResponse(plan.local_path, media_type=OCTETS, headers=headers)
    span = parse_range(range_header, hub_file.size)
    if isinstance(plan, artifact_services.BlobPlan):
        start, end = span or (0, hub_file.size)
        chunks = storage.blobs.read_chunks(plan.sha256, start=start, end=end)
    else:
        start, end = span or (0, hub_file.size)
        chunks = _skip(plan.chunks, start, end) if span else plan.chunks
    headers["Content-Length"] = str(end - start)
    if span is None:
        return StreamingResponse(chunks, media_type=OCTETS, headers=headers)
    headers["Content-Range"] = f"bytes {start}-{end - 1}/{hub_file.size}"
    return StreamingResponse(chunks, status_code=206, media_type=OCTETS, headers=headers)
