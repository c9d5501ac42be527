"""GET/HEAD /{repo}/resolve/{rev}/{path}: file bytes with the headers huggingface_hub relies on.

The real Hub redirects LFS files to a CDN (or answers with Xet headers). The fake serves every file
directly and never sends X-Xet-* headers, so huggingface_hub takes its plain HTTP download path; the
LFS identity is still given by X-Linked-Etag / X-Linked-Size, as on the real redirect.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from tests.fakehub.hf_repo import HfFile, HfRepo
from tests.fakehub.httprange import ByteRange, Unsatisfiable, parse_range

TEXT_SUFFIXES = (".md", ".txt", ".json", ".py", ".yaml", ".yml", ".csv", ".jsonl", ".gitattributes", ".cfg")


def content_type(path: str) -> str:
    if path.endswith(TEXT_SUFFIXES):
        return "text/plain; charset=utf-8"
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


async def file_headers(repo: HfRepo, file: HfFile) -> dict[str, str]:
    # For LFS files this hashes the content once (cached); keep it off the event loop.
    etag = await run_in_threadpool(file.lfs_sha256) if file.is_lfs else file.git_sha
    name = file.path.rsplit("/", 1)[-1]
    headers = {
        "ETag": f'"{etag}"',
        "X-Repo-Commit": repo.sha,
        "Accept-Ranges": "bytes",
        "Content-Type": content_type(file.path),
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}; filename=\"{name}\";",
        "Vary": "Origin, Accept",
    }
    if file.is_lfs:
        headers["X-Linked-Etag"] = f'"{etag}"'
        headers["X-Linked-Size"] = str(file.size)
    return headers


async def serve_file(repo: HfRepo, file: HfFile, method: str, range_header: str | None) -> Response:
    headers = await file_headers(repo, file)
    try:
        byte_range = parse_range(range_header, file.size)
    except Unsatisfiable:
        headers["Content-Range"] = f"bytes */{file.size}"
        headers["Content-Length"] = "0"
        return Response(b"", status_code=416, headers=headers)
    status = 200
    span = ByteRange(0, file.size)
    if byte_range is not None:
        status, span = 206, byte_range
        headers["Content-Range"] = byte_range.content_range(file.size)
    headers["Content-Length"] = str(span.length)
    if method == "HEAD":
        return Response(b"", status_code=status, headers=headers)
    return StreamingResponse(file.blob.iter_range(span.start, span.end), status_code=status, headers=headers)
