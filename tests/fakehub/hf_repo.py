"""A Hugging Face repository (model or dataset) as the fake hub stores it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from tests.fakehub.blobs import Blob, FileInput, GeneratedBlob, StaticBlob, as_blob
from tests.fakehub.cards import render_card, split_card
from tests.fakehub.gitobj import LFS_SUFFIXES, blob_git_sha, git_blob_sha, is_lfs_path, lfs_pointer
from tests.fakehub.hf_commits import HubCommit, HubHistory, default_history, generate

RepoKind = Literal["model", "dataset"]
Gated = Literal[False, "auto", "manual"]

DEFAULT_CREATED_AT = "2022-03-02T23:29:04.000Z"  # the Hub's lowest creation date
README = "README.md"
GITATTRIBUTES = ".gitattributes"


@dataclass
class HfFile:
    path: str
    blob: Blob

    @property
    def size(self) -> int:
        return self.blob.size

    @property
    def is_lfs(self) -> bool:
        return is_lfs_path(self.path, self.blob.size)

    def lfs_sha256(self) -> str:
        return self.blob.sha256()

    def pointer(self) -> bytes:
        return lfs_pointer(self.blob.sha256(), self.blob.size)

    @cached_property
    def git_sha(self) -> str:
        """The git blob id: of the LFS pointer for LFS files, of the content otherwise."""
        return git_blob_sha(self.pointer()) if self.is_lfs else blob_git_sha(self.blob)

    def fingerprint(self) -> str:
        """Cheap identity of the content (no hashing of generated data)."""
        if isinstance(self.blob, StaticBlob):
            return git_blob_sha(self.blob.data)
        if isinstance(self.blob, GeneratedBlob):
            return f"gen:{self.blob.seed}:{self.blob.size}:{hashlib.sha1(self.blob.prefix).hexdigest()}"
        return f"blob:{id(self.blob)}"


@dataclass
class HfRepo:
    kind: RepoKind
    repo_id: str
    files: dict[str, HfFile]
    gated: Gated = False
    private: bool = False
    disabled: bool = False
    downloads: int = 0
    likes: int = 0
    created_at: str = DEFAULT_CREATED_AT
    last_modified: str = DEFAULT_CREATED_AT
    library_name: str | None = None
    pipeline_tag: str | None = None
    extra_tags: tuple[str, ...] = ()
    spaces: tuple[str, ...] = ()
    description: str | None = None
    citation: str | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)
    history: HubHistory | None = None  # None: one upload by the namespace after the initial commit

    @property
    def author(self) -> str | None:
        return self.repo_id.split("/")[0] if "/" in self.repo_id else None

    @cached_property
    def card_data(self) -> dict[str, Any] | None:
        readme = self.files.get(README)
        if readme is None:
            return None
        data, _ = split_card(readme.blob.read(0, readme.size).decode("utf-8", errors="replace"))
        return data

    @cached_property
    def sha(self) -> str:
        """Stable 40-hex commit id for the current content of the repo."""
        digest = hashlib.sha1(f"{self.kind}:{self.repo_id}".encode())
        for path in sorted(self.files):
            digest.update(f"\n{path}:{self.files[path].fingerprint()}".encode())
        return digest.hexdigest()

    @cached_property
    def commits(self) -> tuple[HubCommit, ...]:
        """The commit history, newest first (the newest is `sha`, at `last_modified`)."""
        history = self.history or default_history(self.author)
        key = f"{self.kind}/{self.repo_id}"
        return generate(key, self.created_at, self.last_modified, self.sha, history)

    @property
    def object_id(self) -> str:
        """24-hex id in the style of the Hub's `_id`."""
        return hashlib.sha1(f"{self.kind}/{self.repo_id}".encode()).hexdigest()[:24]

    def json_file(self, path: str) -> dict[str, Any] | None:
        file = self.files.get(path)
        if file is None or file.size > 1024 * 1024:
            return None
        try:
            loaded = json.loads(file.blob.read(0, file.size))
        except ValueError:
            return None
        return loaded if isinstance(loaded, dict) else None

    def used_storage(self) -> int:
        return sum(file.size for file in self.files.values())


def default_gitattributes() -> str:
    lines = [f"*{suffix} filter=lfs diff=lfs merge=lfs -text" for suffix in LFS_SUFFIXES]
    return "\n".join([*lines, "*tfevents* filter=lfs diff=lfs merge=lfs -text", ""])


def build_files(
    *,
    readme: str | None,
    card_data: Mapping[str, Any] | None,
    card_body: str | None,
    license: str | None,
    files: Mapping[str, FileInput] | None,
    config: Mapping[str, Any] | None,
    gitattributes: bool,
) -> dict[str, HfFile]:
    """Assemble the repo's files. A README.md exists only if readme/card_data/card_body/license is given."""
    contents: dict[str, Blob] = {}
    if gitattributes:
        contents[GITATTRIBUTES] = as_blob(default_gitattributes())
    text = readme
    if text is None and (card_data is not None or card_body is not None or license is not None):
        data = dict(card_data or {})
        if license is not None:
            data["license"] = license
        text = render_card(data, card_body or "")
    if text is not None:
        contents[README] = as_blob(text)
    if config is not None:
        contents["config.json"] = as_blob(json.dumps(config, indent=2) + "\n")
    for path, value in (files or {}).items():
        contents[path.lstrip("/")] = as_blob(value)
    return {path: HfFile(path, contents[path]) for path in sorted(contents)}


def build_repo(
    kind: RepoKind,
    repo_id: str,
    *,
    readme: str | None = None,
    card_data: Mapping[str, Any] | None = None,
    card_body: str | None = None,
    license: str | None = None,
    files: Mapping[str, FileInput] | None = None,
    config: Mapping[str, Any] | None = None,
    gitattributes: bool = True,
    gated: Gated = False,
    private: bool = False,
    disabled: bool = False,
    downloads: int = 0,
    likes: int = 0,
    created_at: str = DEFAULT_CREATED_AT,
    last_modified: str | None = None,
    library_name: str | None = None,
    pipeline_tag: str | None = None,
    tags: Sequence[str] = (),
    spaces: Sequence[str] = (),
    description: str | None = None,
    citation: str | None = None,
    aliases: Sequence[str] = (),
    history: HubHistory | None = None,
) -> HfRepo:
    return HfRepo(
        kind=kind,
        repo_id=repo_id,
        files=build_files(
            readme=readme,
            card_data=card_data,
            card_body=card_body,
            license=license,
            files=files,
            config=config,
            gitattributes=gitattributes,
        ),
        gated=gated,
        private=private,
        disabled=disabled,
        downloads=downloads,
        likes=likes,
        created_at=created_at,
        last_modified=last_modified or created_at,
        library_name=library_name,
        pipeline_tag=pipeline_tag,
        extra_tags=tuple(tags),
        spaces=tuple(spaces),
        description=description,
        citation=citation,
        aliases=tuple(aliases),
        history=history,
    )
