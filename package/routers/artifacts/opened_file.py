"""Serve a stored blob from a file opened before the answer starts.

A concurrent delete or update releases blobs no other artifact uses; a download that had already looked the
blob up would then find its file gone half-way through Starlette's FileResponse (after the 200 went out).
Opening the file first closes that window: POSIX keeps an open file readable after it is unlinked.
Under a server with ASGI `http.response.pathsend` (granian, `make run`), Starlette hands the server the path
instead and the server opens it as it starts sending: a blob released in that instant answers an error status
from the server, never a cut-off body (the server reads on from the file it opened).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from package.core.errors import Conflict


class BlobVanished(Conflict):
    """The blob was released between the download's lookup and its start (a concurrent delete or update)."""

    code = "changed_meanwhile"


class OpenedFileResponse(FileResponse):
    """A FileResponse (Range, If-Range, HEAD) reading from a descriptor opened at construction."""

    def __init__(self, path: Path, **kwargs: Any) -> None:
        try:
            self._fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError as exc:
            raise BlobVanished("The artifact changed while the download started; ask again.") from exc
        super().__init__(
            path, stat_result=os.fstat(self._fd), background=BackgroundTask(os.close, self._fd), **kwargs
        )

    @asynccontextmanager
    async def _open_file(self) -> AsyncIterator[anyio.AsyncFile[bytes]]:
        # Starlette opens `self.path` here; read a duplicate of the descriptor opened at construction instead.
        file = anyio.wrap_file(os.fdopen(os.dup(self._fd), "rb"))
        try:
            yield file
        finally:
            with anyio.CancelScope(shield=True):
                await file.aclose()
