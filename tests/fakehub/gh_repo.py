"""A GitHub repository as the fake stores it: files of the default branch plus generated history."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from tests.fakehub.gh_activity import Commit, generate_commits, generate_pulls
from tests.fakehub.gh_specs import ActivitySpec, PullSpec, single_author
from tests.fakehub.gitobj import git_blob_sha, git_tree_shas
from tests.fakehub.licenses import LICENSES, LicenseInfo

LICENSE_FILES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "COPYING", "COPYING.md", "LICENCE")
README_FILES = ("README.md", "README.rst", "README.txt", "README")


def numeric_id(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16) % 900_000_000 + 1_000_000


@dataclass
class GitHubRepo:
    owner: str
    name: str
    files: dict[str, bytes]
    license_key: str | None = None
    description: str | None = None
    default_branch: str = "main"
    stars: int = 0
    forks: int = 0
    open_issues: int = 0
    topics: tuple[str, ...] = ()
    language: str | None = "Python"
    homepage: str | None = None
    archived: bool = False
    owner_type: str = "Organization"
    created_at: str = "2019-01-01T00:00:00Z"
    activity: ActivitySpec = field(default_factory=lambda: single_author("octocat"))

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def id(self) -> int:
        return numeric_id(self.full_name)

    @cached_property
    def blob_shas(self) -> dict[str, str]:
        return {path: git_blob_sha(data) for path, data in self.files.items()}

    @cached_property
    def tree_shas(self) -> dict[str, str]:
        """Tree id per directory, "" being the root."""
        return git_tree_shas(self.blob_shas)

    @cached_property
    def commits(self) -> list[Commit]:
        return generate_commits(self.full_name, self.activity)

    @cached_property
    def pulls(self) -> list[PullSpec]:
        return generate_pulls(self.full_name, self.activity, sorted(self.files))

    @property
    def head_sha(self) -> str:
        return self.commits[0].sha

    @property
    def pushed_at(self) -> str:
        return self.commits[0].date

    @property
    def license(self) -> LicenseInfo | None:
        return LICENSES.get(self.license_key) if self.license_key else None

    @property
    def size_kb(self) -> int:
        return max(1, sum(len(data) for data in self.files.values()) // 1024)

    def resolve_ref(self, ref: str | None) -> str | None:
        """Commit sha for a branch name, HEAD, or a (possibly abbreviated) commit sha."""
        if ref is None or ref in (self.default_branch, "HEAD", f"refs/heads/{self.default_branch}"):
            return self.head_sha
        if len(ref) >= 7 and all(char in "0123456789abcdef" for char in ref.lower()):
            for commit in self.commits:
                if commit.sha.startswith(ref.lower()):
                    return commit.sha
        return None

    def find_file(self, folder: str, candidates: Sequence[str]) -> str | None:
        """First file of `folder` whose name matches one of `candidates` (case-insensitive)."""
        prefix = f"{folder.strip('/')}/" if folder.strip("/") else ""
        names = {path[len(prefix) :].lower(): path for path in self.files if path.startswith(prefix)}
        for candidate in candidates:
            if candidate.lower() in names:
                return names[candidate.lower()]
        return None

    def license_path(self) -> str | None:
        return self.find_file("", LICENSE_FILES)


def build_github_repo(
    full_name: str,
    files: Mapping[str, bytes | str],
    *,
    license: str | None = None,
    activity: ActivitySpec | None = None,
    description: str | None = None,
    default_branch: str = "main",
    stars: int = 0,
    forks: int = 0,
    open_issues: int = 0,
    topics: Sequence[str] = (),
    language: str | None = "Python",
    homepage: str | None = None,
    archived: bool = False,
    owner_type: str = "Organization",
    created_at: str = "2019-01-01T00:00:00Z",
) -> GitHubRepo:
    owner, _, name = full_name.partition("/")
    if not owner or not name or "/" in name:
        raise ValueError(f"GitHub repos are named owner/name, got {full_name!r}")
    contents = {
        path.strip("/"): data.encode() if isinstance(data, str) else data for path, data in files.items()
    }
    return GitHubRepo(
        owner=owner,
        name=name,
        files=dict(sorted(contents.items())),
        license_key=license,
        description=description,
        default_branch=default_branch,
        stars=stars,
        forks=forks,
        open_issues=open_issues,
        topics=tuple(topics),
        language=language,
        homepage=homepage,
        archived=archived,
        owner_type=owner_type,
        created_at=created_at,
        activity=activity or single_author(owner),
    )
