"""JSON bodies of the GitHub REST API (v3) objects the fake serves.

`api` is the fake's own base URL, so that `url` fields lead back to the fake; `html_url` fields keep
github.com, as they are only for humans.
"""

from __future__ import annotations

import base64
from typing import Any

from tests.fakehub.gh_activity import Commit
from tests.fakehub.gh_repo import GitHubRepo, numeric_id
from tests.fakehub.gh_specs import PullFileSpec, PullSpec, ReviewSpec
from tests.fakehub.licenses import LicenseInfo

WEB = "https://github.com"


def user(login: str, api: str, *, bot: bool = False, kind: str | None = None) -> dict[str, Any]:
    user_id = numeric_id(f"user:{login}")
    return {
        "login": login,
        "id": user_id,
        "node_id": f"U_kgDO{user_id:08d}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": f"{api}/users/{login}",
        "html_url": f"{WEB}/{login}",
        "type": kind or ("Bot" if bot or login.endswith("[bot]") else "User"),
        "site_admin": False,
    }


def license_summary(info: LicenseInfo | None, api: str) -> dict[str, Any] | None:
    if info is None:
        return None
    return {
        "key": info.key,
        "name": info.name,
        "spdx_id": info.spdx_id,
        "url": None if info.key == "other" else f"{api}/licenses/{info.key}",
        "node_id": f"MDc6TGljZW5zZ{len(info.key)}",
    }


def repository(repo: GitHubRepo, api: str) -> dict[str, Any]:
    base = f"{api}/repos/{repo.full_name}"
    return {
        "id": repo.id,
        "node_id": f"R_kgDO{repo.id:08d}",
        "name": repo.name,
        "full_name": repo.full_name,
        "private": False,
        "owner": user(repo.owner, api, kind=repo.owner_type),
        "html_url": f"{WEB}/{repo.full_name}",
        "description": repo.description,
        "fork": False,
        "url": base,
        "contributors_url": f"{base}/contributors",
        "commits_url": f"{base}/commits{{/sha}}",
        "pulls_url": f"{base}/pulls{{/number}}",
        "contents_url": f"{base}/contents/{{+path}}",
        "trees_url": f"{base}/git/trees{{/sha}}",
        "created_at": repo.created_at,
        "updated_at": repo.pushed_at,
        "pushed_at": repo.pushed_at,
        "git_url": f"git://github.com/{repo.full_name}.git",
        "clone_url": f"{WEB}/{repo.full_name}.git",
        "homepage": repo.homepage,
        "size": repo.size_kb,
        "stargazers_count": repo.stars,
        "watchers_count": repo.stars,
        "language": repo.language,
        "has_issues": True,
        "has_projects": True,
        "has_wiki": True,
        "has_pages": False,
        "forks_count": repo.forks,
        "archived": repo.archived,
        "disabled": False,
        "open_issues_count": repo.open_issues,
        "license": license_summary(repo.license, api),
        "allow_forking": True,
        "is_template": False,
        "topics": list(repo.topics),
        "visibility": "public",
        "forks": repo.forks,
        "open_issues": repo.open_issues,
        "watchers": repo.stars,
        "default_branch": repo.default_branch,
        "network_count": repo.forks,
        "subscribers_count": max(1, repo.stars // 40),
    }


def encoded(data: bytes) -> str:
    """Base64 wrapped at 60 characters per line, as GitHub sends it."""
    text = base64.b64encode(data).decode("ascii")
    return "".join(text[index : index + 60] + "\n" for index in range(0, len(text), 60))


def content_entry(repo: GitHubRepo, path: str, ref: str, api: str, raw: str) -> dict[str, Any]:
    is_dir = path in repo.tree_shas
    sha = repo.tree_shas[path] if is_dir else repo.blob_shas[path]
    url = f"{api}/repos/{repo.full_name}/contents/{path}?ref={ref}"
    html = f"{WEB}/{repo.full_name}/{'tree' if is_dir else 'blob'}/{ref}/{path}"
    return {
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": sha,
        "size": 0 if is_dir else len(repo.files[path]),
        "url": url,
        "html_url": html,
        "git_url": f"{api}/repos/{repo.full_name}/git/{'trees' if is_dir else 'blobs'}/{sha}",
        "download_url": None if is_dir else f"{raw}/{repo.full_name}/{ref}/{path}",
        "type": "dir" if is_dir else "file",
        "_links": {"self": url, "git": None, "html": html},
    }


def content_file(repo: GitHubRepo, path: str, ref: str, api: str, raw: str) -> dict[str, Any]:
    entry = content_entry(repo, path, ref, api, raw)
    return entry | {"content": encoded(repo.files[path]), "encoding": "base64"}


def license_file(repo: GitHubRepo, path: str, api: str, raw: str) -> dict[str, Any]:
    return content_file(repo, path, repo.default_branch, api, raw) | {
        "license": license_summary(repo.license, api)
        or {
            "key": "other",
            "name": "Other",
            "spdx_id": "NOASSERTION",
            "url": None,
            "node_id": "MDc6TGljZW5zZTA=",
        }
    }


def tree(repo: GitHubRepo, sha: str, folder: str, recursive: bool, api: str) -> dict[str, Any]:
    prefix = f"{folder}/" if folder else ""
    entries: list[dict[str, Any]] = []
    for directory, tree_sha in repo.tree_shas.items():
        relative = directory[len(prefix) :]
        if directory.startswith(prefix) and relative and (recursive or "/" not in relative):
            entries.append({"path": relative, "mode": "040000", "type": "tree", "sha": tree_sha})
    for path, blob_sha in repo.blob_shas.items():
        relative = path[len(prefix) :]
        if path.startswith(prefix) and (recursive or "/" not in relative):
            entries.append(
                {
                    "path": relative,
                    "mode": "100644",
                    "type": "blob",
                    "sha": blob_sha,
                    "size": len(repo.files[path]),
                }
            )
    for entry in entries:
        kind = "trees" if entry["type"] == "tree" else "blobs"
        entry["url"] = f"{api}/repos/{repo.full_name}/git/{kind}/{entry['sha']}"
    entries.sort(key=lambda entry: str(entry["path"]))
    return {
        "sha": sha,
        "url": f"{api}/repos/{repo.full_name}/git/trees/{sha}",
        "tree": entries,
        "truncated": False,
    }


def commit(repo: GitHubRepo, item: Commit, api: str) -> dict[str, Any]:
    base = f"{api}/repos/{repo.full_name}"
    signature = {"name": item.name, "email": item.email, "date": item.date}
    tree_sha = repo.tree_shas[""] if item.sha == repo.head_sha else item.sha[::-1]
    account = user(item.login, api, bot=item.bot) if item.login else None
    return {
        "sha": item.sha,
        "node_id": f"C_kwDO{item.sha[:12]}",
        "commit": {
            "author": signature,
            "committer": signature,
            "message": item.message,
            "tree": {"sha": tree_sha, "url": f"{base}/git/trees/{tree_sha}"},
            "url": f"{base}/git/commits/{item.sha}",
            "comment_count": 0,
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None},
        },
        "url": f"{base}/commits/{item.sha}",
        "html_url": f"{WEB}/{repo.full_name}/commit/{item.sha}",
        "comments_url": f"{base}/commits/{item.sha}/comments",
        "author": account,
        "committer": account,
        "parents": [{"sha": item.parent, "url": f"{base}/commits/{item.parent}"}] if item.parent else [],
    }


def contributor(login: str, contributions: int, api: str, bot: bool) -> dict[str, Any]:
    return user(login, api, bot=bot) | {"contributions": contributions}


def pull(repo: GitHubRepo, item: PullSpec, api: str) -> dict[str, Any]:
    base = f"{api}/repos/{repo.full_name}"
    head_sha = f"{item.number:04d}{repo.id:08d}".ljust(40, "a")
    updated = item.closed_at or item.merged_at or item.created_at
    return {
        "url": f"{base}/pulls/{item.number}",
        "id": numeric_id(f"{repo.full_name}#{item.number}"),
        "node_id": f"PR_kwDO{item.number:06d}",
        "html_url": f"{WEB}/{repo.full_name}/pull/{item.number}",
        "number": item.number,
        "state": item.state,
        "locked": False,
        "title": item.title,
        "user": user(item.author, api),
        "body": item.body or None,
        "created_at": item.created_at,
        "updated_at": updated,
        "closed_at": item.closed_at,
        "merged_at": item.merged_at,
        "merge_commit_sha": head_sha[::-1] if item.merged_at else None,
        "assignees": [],
        "requested_reviewers": [],
        "labels": [],
        "draft": False,
        "head": {
            "label": f"{item.author}:patch-{item.number}",
            "ref": f"patch-{item.number}",
            "sha": head_sha,
        },
        "base": {
            "label": f"{repo.owner}:{repo.default_branch}",
            "ref": repo.default_branch,
            "sha": repo.head_sha,
        },
        "author_association": "CONTRIBUTOR",
        "review_comments_url": f"{base}/pulls/{item.number}/comments",
        "commits_url": f"{base}/pulls/{item.number}/commits",
    }


def review(repo: GitHubRepo, item: PullSpec, index: int, entry: ReviewSpec, api: str) -> dict[str, Any]:
    review_id = numeric_id(f"{repo.full_name}#{item.number}/review/{index}")
    return {
        "id": review_id,
        "node_id": f"PRR_kwDO{review_id:08d}",
        "user": user(entry.user, api),
        "body": entry.body,
        "state": entry.state,
        "html_url": f"{WEB}/{repo.full_name}/pull/{item.number}#pullrequestreview-{review_id}",
        "pull_request_url": f"{api}/repos/{repo.full_name}/pulls/{item.number}",
        "author_association": "MEMBER",
        "submitted_at": entry.submitted_at,
        "commit_id": f"{item.number:04d}{repo.id:08d}".ljust(40, "a"),
    }


def pull_file(repo: GitHubRepo, entry: PullFileSpec, api: str) -> dict[str, Any]:
    sha = repo.blob_shas.get(entry.filename, "0" * 40)
    return {
        "sha": sha,
        "filename": entry.filename,
        "status": entry.status,
        "additions": entry.additions,
        "deletions": entry.deletions,
        "changes": entry.additions + entry.deletions,
        "blob_url": f"{WEB}/{repo.full_name}/blob/{sha}/{entry.filename}",
        "raw_url": f"{WEB}/{repo.full_name}/raw/{sha}/{entry.filename}",
        "contents_url": f"{api}/repos/{repo.full_name}/contents/{entry.filename}?ref={sha}",
        "patch": f"@@ -1,{entry.deletions} +1,{entry.additions} @@",
    }
