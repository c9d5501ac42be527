"""Zip archives of a repo the way codeload.github.com builds them."""

from __future__ import annotations

import io
import zipfile

from tests.fakehub.gh_repo import GitHubRepo

FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def archive_folder(repo: GitHubRepo, sha: str) -> str:
    return f"{repo.owner}-{repo.name}-{sha[:7]}"


def build_zip(repo: GitHubRepo, sha: str) -> bytes:
    """All files under a top folder `{owner}-{repo}-{sha[:7]}/`, with directory entries like codeload."""
    top = archive_folder(repo, sha)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.comment = sha.encode("ascii")
        for folder in sorted(repo.tree_shas):
            archive.writestr(zipfile.ZipInfo(f"{top}/{folder}/" if folder else f"{top}/", FIXED_TIME), b"")
        for path, data in repo.files.items():
            info = zipfile.ZipInfo(f"{top}/{path}", FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
