"""The GitHub side of the fake: a Starlette app serving a subset of the REST API (and codeload)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.fakehub import gh_json
from tests.fakehub.gh_pagination import paginate
from tests.fakehub.gh_repo import README_FILES, GitHubRepo
from tests.fakehub.gh_store import GitHubStore
from tests.fakehub.gh_zip import archive_folder, build_zip

DOCS = "https://docs.github.com/rest"
T = TypeVar("T")


def not_found(message: str = "Not Found") -> JSONResponse:
    return JSONResponse({"message": message, "documentation_url": DOCS, "status": "404"}, status_code=404)


def wants_raw(request: Request) -> bool:
    return ".raw" in request.headers.get("accept", "")


def raw_response(data: bytes) -> Response:
    try:
        data.decode("utf-8")
        media = "text/plain; charset=utf-8"
    except UnicodeDecodeError:
        media = "application/octet-stream"
    return Response(data, media_type=media)


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def paged(request: Request, items: Sequence[T], convert: Callable[[T], dict[str, Any]]) -> JSONResponse:
    """Convert only the requested page to JSON (some repos have thousands of commits)."""
    page, headers = paginate(items, request.url)
    return JSONResponse([convert(item) for item in page], headers=headers)


class GitHubApp:
    def __init__(self, store: GitHubStore) -> None:
        self.store = store

    def base(self, request: Request) -> str:
        return str(request.base_url).rstrip("/")

    def repo(self, request: Request) -> GitHubRepo:
        params = request.path_params
        if "repo_id" in params:  # /repositories/<id>/...: where GitHub sends a renamed repo's old name
            by_id = self.store.by_id(params["repo_id"])
            if by_id is None:
                raise HTTPException(404)
            return by_id
        found = self.store.lookup(params["owner"], params["repo"])
        if found is None:
            moved = self.store.moved(params["owner"], params["repo"])
            if moved is not None and request.url.path.startswith("/repos/"):
                rest = request.url.path.split("/", 4)[4:]  # after /repos/<owner>/<repo>
                tail = "/" + rest[0] if rest else ""
                query = f"?{request.url.query}" if request.url.query else ""
                raise Moved(f"{self.base(request)}/repositories/{moved.id}{tail}{query}")
            raise HTTPException(404)
        return found

    async def repository(self, request: Request) -> Response:
        return JSONResponse(gh_json.repository(self.repo(request), self.base(request)))

    async def readme(self, request: Request) -> Response:
        repo = self.repo(request)
        ref = request.query_params.get("ref")
        path = repo.find_file(request.path_params.get("folder", ""), README_FILES)
        if repo.resolve_ref(ref) is None or path is None:
            return not_found()
        if wants_raw(request):
            return raw_response(repo.files[path])
        base = self.base(request)
        return JSONResponse(gh_json.content_file(repo, path, ref or repo.default_branch, base, f"{base}/raw"))

    async def license(self, request: Request) -> Response:
        repo = self.repo(request)
        path = repo.license_path()
        if path is None or repo.license is None:
            return not_found()
        if wants_raw(request):
            return raw_response(repo.files[path])
        base = self.base(request)
        return JSONResponse(gh_json.license_file(repo, path, base, f"{base}/raw"))

    async def contents(self, request: Request) -> Response:
        repo = self.repo(request)
        ref = request.query_params.get("ref")
        if repo.resolve_ref(ref) is None:
            return not_found(f"No commit found for the ref {ref}")
        path = request.path_params.get("path", "").strip("/")
        base, ref_name = self.base(request), ref or repo.default_branch
        if path in repo.tree_shas:
            prefix = f"{path}/" if path else ""
            children = [
                child
                for child in [*repo.tree_shas, *repo.files]
                if child.startswith(prefix) and child != path and "/" not in child[len(prefix) :]
            ]
            entries = [
                gh_json.content_entry(repo, child, ref_name, base, f"{base}/raw")
                for child in sorted(children)
            ]
            return JSONResponse(entries)
        if path not in repo.files:
            return not_found()
        if wants_raw(request):
            return raw_response(repo.files[path])
        return JSONResponse(gh_json.content_file(repo, path, ref_name, base, f"{base}/raw"))

    async def raw(self, request: Request) -> Response:
        repo = self.repo(request)
        path = request.path_params["path"]
        if repo.resolve_ref(request.path_params["ref"]) is None or path not in repo.files:
            return Response("404: Not Found", status_code=404, media_type="text/plain")
        return raw_response(repo.files[path])

    async def tree(self, request: Request) -> Response:
        repo = self.repo(request)
        ref = request.path_params["ref"]
        recursive = request.query_params.get("recursive") not in (None, "", "0", "false")
        folder: str | None = ""
        if repo.resolve_ref(ref) is None:
            folder = next((path for path, tree_sha in repo.tree_shas.items() if tree_sha == ref), None)
        if folder is None:
            return not_found()
        tree_sha = repo.tree_shas[folder]
        return JSONResponse(gh_json.tree(repo, tree_sha, folder, recursive, self.base(request)))

    async def contributors(self, request: Request) -> Response:
        repo = self.repo(request)
        counts: dict[str, int] = {}
        bots: set[str] = set()
        anonymous: dict[tuple[str, str], int] = {}
        for commit in repo.commits:
            if commit.login is None:
                anonymous[(commit.name, commit.email)] = anonymous.get((commit.name, commit.email), 0) + 1
                continue
            counts[commit.login] = counts.get(commit.login, 0) + 1
            if commit.bot:
                bots.add(commit.login)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0].lower()))
        base = self.base(request)
        items = [gh_json.contributor(login, count, base, login in bots) for login, count in ranked]
        if request.query_params.get("anon") in ("1", "true"):
            items += [
                {"email": email, "name": name, "type": "Anonymous", "contributions": count}
                for (name, email), count in anonymous.items()
            ]
        return paged(request, items, lambda item: item)

    async def commits(self, request: Request) -> Response:
        repo = self.repo(request)
        since = parse_time(request.query_params.get("since"))
        until = parse_time(request.query_params.get("until"))
        author = request.query_params.get("author")
        selected = []
        for commit in repo.commits:
            moment = parse_time(commit.date)
            assert moment is not None
            if (since and moment < since) or (until and moment > until):
                continue
            if author and author not in (commit.login, commit.email):
                continue
            selected.append(commit)
        base = self.base(request)
        return paged(request, selected, lambda commit: gh_json.commit(repo, commit, base))

    async def commit(self, request: Request) -> Response:
        repo = self.repo(request)
        sha = repo.resolve_ref(request.path_params["ref"])
        found = next((commit for commit in repo.commits if commit.sha == sha), None)
        if found is None:
            return JSONResponse({"message": f"No commit found for SHA: {request.path_params['ref']}"}, 422)
        return JSONResponse(gh_json.commit(repo, found, self.base(request)))

    async def pulls(self, request: Request) -> Response:
        repo = self.repo(request)
        state = request.query_params.get("state", "open")
        selected = [pull for pull in repo.pulls if state == "all" or pull.state == state]
        key = "created_at" if request.query_params.get("sort", "created") == "created" else "updated"
        selected.sort(
            key=lambda pull: pull.created_at if key == "created_at" else (pull.closed_at or pull.created_at),
            reverse=request.query_params.get("direction", "desc") == "desc",
        )
        base = self.base(request)
        return paged(request, selected, lambda pull: gh_json.pull(repo, pull, base))

    def find_pull(self, request: Request) -> tuple[GitHubRepo, int]:
        repo = self.repo(request)
        number = int(request.path_params["number"])
        for index, pull in enumerate(repo.pulls):
            if pull.number == number:
                return repo, index
        raise HTTPException(404)

    async def pull(self, request: Request) -> Response:
        repo, index = self.find_pull(request)
        return JSONResponse(gh_json.pull(repo, repo.pulls[index], self.base(request)))

    async def reviews(self, request: Request) -> Response:
        repo, index = self.find_pull(request)
        pull = repo.pulls[index]
        base = self.base(request)
        reviews = list(enumerate(pull.reviews))
        return paged(request, reviews, lambda item: gh_json.review(repo, pull, item[0], item[1], base))

    async def pull_files(self, request: Request) -> Response:
        repo, index = self.find_pull(request)
        base = self.base(request)
        return paged(request, repo.pulls[index].files, lambda entry: gh_json.pull_file(repo, entry, base))

    async def zipball(self, request: Request) -> Response:
        repo = self.repo(request)
        ref = request.path_params.get("ref") or repo.default_branch
        if repo.resolve_ref(ref) is None:
            return not_found()
        location = f"{self.base(request)}/codeload/{repo.full_name}/zip/{ref}"
        return RedirectResponse(location, status_code=302)

    async def codeload(self, request: Request) -> Response:
        repo = self.repo(request)
        sha = repo.resolve_ref(request.path_params["ref"])
        if sha is None:
            return Response("404: Not Found", status_code=404, media_type="text/plain")
        data = self.store.cached_zip(repo, sha)
        if data is None:
            data = await run_in_threadpool(build_zip, repo, sha)
            self.store.store_zip(repo, sha, data)
        headers = {
            "Content-Disposition": f"attachment; filename={archive_folder(repo, sha)}.zip",
            "ETag": f'"{sha}"',
        }
        return Response(data, media_type="application/zip", headers=headers)

    async def rate_limit(self, request: Request) -> Response:
        core = {"limit": 5000, "used": 0, "remaining": 5000, "reset": int(time.time()) + 3600}
        return JSONResponse({"resources": {"core": core}, "rate": core})


async def not_found_handler(request: Request, exc: Exception) -> Response:
    return not_found()


class Moved(Exception):
    """A renamed repository asked for under its old name."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


async def moved_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Moved)
    body = {"message": "Moved Permanently", "url": exc.location, "documentation_url": DOCS}
    return JSONResponse(body, status_code=301, headers={"Location": exc.location})


def create_github_app(store: GitHubStore) -> Starlette:
    app = GitHubApp(store)
    routes: list[Route] = []
    for repo in ("/repos/{owner}/{repo}", "/repositories/{repo_id:int}"):
        routes += repo_routes(app, repo)
    routes += [
        Route("/codeload/{owner}/{repo}/zip/{ref:path}", app.codeload),
        Route("/raw/{owner}/{repo}/{ref}/{path:path}", app.raw),
        Route("/rate_limit", app.rate_limit),
    ]
    handlers = {404: not_found_handler, 405: not_found_handler, Moved: moved_handler}
    return Starlette(routes=routes, exception_handlers=handlers)


def repo_routes(app: GitHubApp, repo: str) -> list[Route]:
    """The routes of one repository under `repo` (its name, or its numeric id after a rename)."""
    return [
        Route(repo, app.repository),
        Route(f"{repo}/readme", app.readme),
        Route(f"{repo}/readme/{{folder:path}}", app.readme),
        Route(f"{repo}/license", app.license),
        Route(f"{repo}/contents", app.contents),
        Route(f"{repo}/contents/{{path:path}}", app.contents),
        Route(f"{repo}/git/trees/{{ref:path}}", app.tree),
        Route(f"{repo}/contributors", app.contributors),
        Route(f"{repo}/commits", app.commits),
        Route(f"{repo}/commits/{{ref}}", app.commit),
        Route(f"{repo}/pulls", app.pulls),
        Route(f"{repo}/pulls/{{number:int}}", app.pull),
        Route(f"{repo}/pulls/{{number:int}}/reviews", app.reviews),
        Route(f"{repo}/pulls/{{number:int}}/files", app.pull_files),
        Route(f"{repo}/zipball", app.zipball),
        Route(f"{repo}/zipball/{{ref:path}}", app.zipball),
    ]
