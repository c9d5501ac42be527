"""Entries of GET /api/{type}s/{id}/tree/{rev}/{path} and POST .../paths-info/{rev}."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tests.fakehub.gitobj import git_tree_shas
from tests.fakehub.hf_repo import HfFile, HfRepo


def file_entry(file: HfFile) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "file", "oid": file.git_sha, "size": file.size, "path": file.path}
    if file.is_lfs:
        entry["lfs"] = {"oid": file.lfs_sha256(), "size": file.size, "pointerSize": len(file.pointer())}
    return entry


def folder_entry(path: str, tree_shas: dict[str, str]) -> dict[str, Any]:
    return {"type": "directory", "oid": tree_shas[path], "size": 0, "path": path}


def tree_shas(repo: HfRepo) -> dict[str, str]:
    return git_tree_shas({path: file.git_sha for path, file in repo.files.items()})


def list_tree(repo: HfRepo, folder: str, recursive: bool) -> list[dict[str, Any]] | None:
    """Entries under `folder` ("" = root); None when the folder does not exist."""
    folder = folder.strip("/")
    shas = tree_shas(repo)
    if folder not in shas:
        return None
    prefix = f"{folder}/" if folder else ""
    folders: set[str] = set()
    files: list[HfFile] = []
    for path, file in repo.files.items():
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix) :].split("/")
        for depth in range(1, len(parts)):
            if recursive or depth == 1:
                folders.add(prefix + "/".join(parts[:depth]))
        if recursive or len(parts) == 1:
            files.append(file)
    entries = [folder_entry(path, shas) for path in sorted(folders)]
    return entries + [file_entry(file) for file in files]


def paths_info(repo: HfRepo, paths: Iterable[str]) -> list[dict[str, Any]]:
    shas = tree_shas(repo)
    entries: list[dict[str, Any]] = []
    for raw in paths:
        path = raw.strip("/")
        if path in repo.files:
            entries.append(file_entry(repo.files[path]))
        elif path in shas and path:
            entries.append(folder_entry(path, shas))
    return entries
