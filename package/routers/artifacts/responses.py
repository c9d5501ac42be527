"""Turn a download plan into an HTTP response (Range, ETag, Content-Disposition)."""

from __future__ import annotations

import os
import re
from functools import lru_cache, partial
from pathlib import Path

from fastapi import Response
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.datastructures import Headers

from package.core.accel_answer import front_answer
from package.core.config import Settings
from package.core.errors import RangeNotSatisfiable
from package.core.request_log import note_proxy_answer
from package.core.storage import Storage
from package.routers.artifacts.config import ArtifactsSettings, get_artifacts_settings
from package.routers.artifacts.downloads import (
    BlobPlan,
    DownloadPlan,
    RedirectPlan,
    StreamPlan,
    disposition,
    presigned_url,
)
from package.routers.artifacts.opened_file import OpenedFileResponse
from package.routers.artifacts.preconditions import Outcome, evaluate

# ASCII digits only (\d takes any script's digits, which int() may refuse), and few enough for int().
_RANGE = re.compile(r"^bytes=([0-9]{0,18})-([0-9]{0,18})$")
_CONDITIONS = ("if-match", "if-none-match", "if-modified-since", "if-unmodified-since")


def to_response(
    plan: DownloadPlan,
    asked: Headers,
    storage: Storage,
    settings: Settings,
    downloads: ArtifactsSettings | None = None,
) -> Response:
    """The response that carries out a plan, given the request's headers (`asked`: Range, conditions)."""
    if isinstance(plan, RedirectPlan):
        return RedirectResponse(plan.url, status_code=307)
    if isinstance(plan, StreamPlan):
        headers = {"Content-Disposition": disposition(plan.filename), "Cache-Control": "no-store"}
        if plan.size is not None:
            headers["Content-Length"] = str(plan.size)
        return StreamingResponse(plan.chunks, media_type=plan.media_type, headers=headers)
    presigned = _presigned(plan, storage, downloads or get_artifacts_settings())
    if presigned is not None:
        return presigned
    return _blob_response(plan, asked, storage, settings)


def _presigned(plan: BlobPlan, storage: Storage, downloads: ArtifactsSettings) -> Response | None:
    """A redirect to the blob store's own short-lived URL (Range and ETag are then S3's), when it has one."""
    url = presigned_url(storage, plan, downloads)
    if url is None:
        return None
    # The URL expires: no cache may keep the redirect longer than the signature lives.
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})


def _blob_response(plan: BlobPlan, asked: Headers, storage: Storage, settings: Settings) -> Response:
    etag = f'"{plan.sha256}"'
    headers = {"Content-Disposition": disposition(plan.filename), "ETag": etag, "Accept-Ranges": "bytes"}
    conditions = {n: ", ".join(asked.getlist(n)) for n in _CONDITIONS if n in asked}
    if conditions:  # downloads are GET and HEAD only: a 304 answers either
        modified = partial(_mtime, plan.local_path)
        if evaluate(conditions, etag=etag, modified=modified) is Outcome.NOT_MODIFIED:
            return Response(status_code=304, headers={"ETag": etag})
    span = _range(asked.get("range"), plan.size)
    # nginx judges If-Match and If-Unmodified-Since again after an X-Accel-Redirect, by its own rules (its own
    # ETag, dates it reads otherwise) and answers HTML 412: a request that carries either (it passed here)
    # gets the file from the registry, as without nginx.
    judged = "if-match" in conditions or "if-unmodified-since" in conditions
    if plan.local_path is not None and settings.accel_redirect_prefix and not judged:
        # nginx sends the file itself (sendfile, Range): the bytes never pass through Python.
        relative = _under(plan.local_path, _resolved(settings.blob_dir))
        headers["X-Accel-Redirect"] = settings.accel_redirect_prefix.rstrip("/") + "/" + relative
        del headers["Accept-Ranges"]  # nginx adds its own to the file it sends
        _note_front_answer(plan, asked, etag)
        return Response(status_code=200, media_type=plan.media_type, headers=headers)
    if plan.local_path is not None:
        # Starlette serves files with Range/If-Range support (one or many ranges), chunked off the event loop.
        return OpenedFileResponse(plan.local_path, media_type=plan.media_type, headers=headers)
    if span is None:
        headers["Content-Length"] = str(plan.size)
        return StreamingResponse(
            storage.blobs.read_chunks(plan.sha256), media_type=plan.media_type, headers=headers
        )
    start, end = span
    headers.update(
        {"Content-Range": f"bytes {start}-{end - 1}/{plan.size}", "Content-Length": str(end - start)}
    )
    return StreamingResponse(
        storage.blobs.read_chunks(plan.sha256, start=start, end=end),
        status_code=206,
        media_type=plan.media_type,
        headers=headers,
    )


@lru_cache(maxsize=4)
def _resolved(folder: Path) -> str:
    """The blob folder's real path, resolved once (a `resolve()` is a system call per path component)."""
    return str(folder.resolve())


def _under(path: Path, folder: str) -> str:
    """`path` relative to `folder`, with forward slashes (ValueError when it is not inside): what
    `relative_to(...).as_posix()` answers, without pathlib's parsing on every download."""
    text, prefix = str(path), folder.rstrip(os.sep) + os.sep
    if not text.startswith(prefix):
        raise ValueError(f"{text!r} is not inside {folder!r}")
    return text[len(prefix) :].replace(os.sep, "/")


def _mtime(path: Path | None) -> int | None:
    """A stored file's modification time in whole seconds (its Last-Modified), None when not a local file."""
    try:
        return None if path is None else int(path.stat().st_mtime)
    except OSError:  # gone meanwhile: nginx answers 404, not a range
        return None


def _note_front_answer(plan: BlobPlan, headers: Headers, etag: str) -> None:
    """The status and bytes nginx will send, for the request log, activity and metrics (core.accel_answer)."""
    modified = partial(_mtime, plan.local_path)
    status, sent = front_answer(
        headers.get("range"),
        headers.get("if-range"),
        etag=etag,
        size=plan.size,
        media_type=plan.media_type,
        modified=modified,
    )
    note_proxy_answer(status, sent)


def _range(header: str | None, size: int) -> tuple[int, int] | None:
    """The single byte range asked for (end exclusive); JSON 416 when it cannot be satisfied."""
    if not header:
        return None
    first = header.split(",", 1)[0].strip()
    match = _RANGE.match(first)
    if match is None:
        return None  # malformed ranges are ignored, as RFC 9110 allows
    start_text, end_text = match.groups()
    if not start_text:
        suffix = int(end_text or 0)
        if suffix == 0:
            raise _unsatisfiable(size)
        return max(0, size - suffix), size
    start = int(start_text)
    end = min(int(end_text) + 1, size) if end_text else size
    if start >= size or start >= end:
        raise _unsatisfiable(size)
    return start, end


def _unsatisfiable(size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable(
        f"The requested range is outside the {size} bytes available.",
        headers={"Content-Range": f"bytes */{size}"},
    )
