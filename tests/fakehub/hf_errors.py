"""Error responses with the status codes, X-Error-* headers and bodies of the real Hub."""

from __future__ import annotations

from starlette.responses import JSONResponse

from tests.fakehub.hf_repo import HfRepo, RepoKind


def hub_error(status: int, message: str, code: str | None = None, commit: str | None = None) -> JSONResponse:
    headers = {"X-Error-Message": message}
    if code is not None:
        headers["X-Error-Code"] = code
    if commit is not None:
        headers["X-Repo-Commit"] = commit
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def repo_not_found() -> JSONResponse:
    # The Hub answers 401 (not 404) so as not to reveal whether a private repo exists.
    return hub_error(401, "Repository not found", "RepoNotFound")


def revision_not_found(revision: str) -> JSONResponse:
    return hub_error(404, f"Invalid rev id: {revision}", "RevisionNotFound")


def entry_not_found(repo: HfRepo, path: str, revision: str) -> JSONResponse:
    return hub_error(404, f'{path} does not exist on "{revision}"', "EntryNotFound", commit=repo.sha)


def gated(kind: RepoKind, repo: HfRepo, authenticated: bool) -> JSONResponse:
    if not authenticated:
        message = (
            f"Access to {kind} {repo.repo_id} is restricted. You must have access to it and be authenticated"
            " to access it. Please log in."
        )
        return hub_error(401, message, "GatedRepo")
    message = (
        f"Access to {kind} {repo.repo_id} is restricted and you are not in the authorized list. Visit"
        f" https://huggingface.co/{'datasets/' if kind == 'dataset' else ''}{repo.repo_id} to ask for access."
    )
    return hub_error(403, message, "GatedRepo")


def bad_request(message: str) -> JSONResponse:
    return hub_error(400, message)


def disabled() -> JSONResponse:
    return hub_error(403, "Access to this resource is disabled.", "DisabledRepo")
