"""The Hugging Face Hub side of the fake: a Starlette app over an HfStore."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.fakehub import hf_commits, hf_errors, hf_info, hf_tree
from tests.fakehub.hf_files import serve_file
from tests.fakehub.hf_paths import HubPath, parse
from tests.fakehub.hf_repo import GITATTRIBUTES, README, HfRepo
from tests.fakehub.hf_store import HfStore

# On gated repos the card stays public (the Hub shows it to everyone); every other file needs access.
PUBLIC_ON_GATED = (README, GITATTRIBUTES)
TRUE_VALUES = ("1", "true", "True")


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def raw_path(request: Request) -> str:
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path


def flag(request: Request, name: str) -> bool:
    return request.query_params.get(name) in TRUE_VALUES


class HfApp:
    def __init__(self, store: HfStore) -> None:
        self.store = store

    def has_access(self, repo: HfRepo, token: str | None) -> bool:
        return token is not None and token in self.store.valid_tokens

    async def dispatch(self, request: Request) -> Response:
        path = raw_path(request)
        if path.rstrip("/") == "/api/whoami-v2":
            return self.whoami(request)
        hub_path = parse(path, self.store.knows)
        if hub_path is None:
            return hf_errors.hub_error(404, "Sorry, we can't find the page you are looking for.")
        canonical = self.store.canonical_id(hub_path.kind, hub_path.repo_id)
        if canonical is not None:
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(hub_path.with_repo_id(canonical) + query, status_code=307)
        repo = self.store.lookup(hub_path.kind, hub_path.repo_id)
        token = bearer_token(request)
        if repo is None or (repo.private and not self.has_access(repo, token)):
            return hf_errors.repo_not_found()
        if repo.disabled:
            return hf_errors.disabled()
        if hub_path.revision not in (None, "main", repo.sha):
            return hf_errors.revision_not_found(hub_path.revision or "")
        return await self.handle(request, hub_path, repo, token)

    async def handle(self, request: Request, hub_path: HubPath, repo: HfRepo, token: str | None) -> Response:
        if hub_path.action == "paths-info" and request.method == "POST":
            form = parse_qs((await request.body()).decode("utf-8"))
            paths = form.get("paths", []) + form.get("paths[]", [])
            return JSONResponse(await run_in_threadpool(hf_tree.paths_info, repo, paths))
        if request.method not in ("GET", "HEAD"):
            return hf_errors.hub_error(405, "Method not allowed")
        if hub_path.action == "info":
            return await self.info(request, repo)
        if hub_path.action == "tree":
            entries = await run_in_threadpool(
                hf_tree.list_tree, repo, hub_path.path, flag(request, "recursive")
            )
            if entries is None:
                return hf_errors.entry_not_found(repo, hub_path.path, hub_path.revision or "main")
            return JSONResponse(entries)
        if hub_path.action == "commits":  # history is metadata: public on gated repos, like info and tree
            expand = request.query_params.getlist("expand") + request.query_params.getlist("expand[]")
            body, headers = hf_commits.page(repo.commits, request.url, "formatted" in expand)
            return JSONResponse(body, headers=headers)
        gated_out = repo.gated is not False and not self.has_access(repo, token)
        if hub_path.action == "auth-check":
            return hf_errors.gated(repo.kind, repo, token is not None) if gated_out else JSONResponse({})
        if gated_out and hub_path.path not in PUBLIC_ON_GATED:
            return hf_errors.gated(repo.kind, repo, token is not None)
        file = repo.files.get(hub_path.path)
        if file is None:
            return hf_errors.entry_not_found(repo, hub_path.path, hub_path.revision or "main")
        return await serve_file(repo, file, request.method, request.headers.get("range"))

    async def info(self, request: Request, repo: HfRepo) -> Response:
        expand = request.query_params.getlist("expand") + request.query_params.getlist("expand[]")
        blobs = flag(request, "blobs")
        try:
            if repo.kind == "model":
                body = await run_in_threadpool(
                    lambda: hf_info.model_info(
                        repo, self.store, blobs=blobs, expand=expand, security=flag(request, "securityStatus")
                    )
                )
            else:
                body = await run_in_threadpool(lambda: hf_info.dataset_info(repo, blobs=blobs, expand=expand))
        except hf_info.ExpandError as error:
            return hf_errors.bad_request(str(error))
        return JSONResponse(body)

    def whoami(self, request: Request) -> Response:
        token = bearer_token(request)
        if token is None or not token.startswith("hf_"):
            return hf_errors.hub_error(401, "Invalid credentials in Authorization header")
        return JSONResponse(
            {
                "type": "user",
                "id": "64f0c0ffee0000000000beef",
                "name": "fakehub-user",
                "fullname": "Fake Hub User",
                "isPro": False,
                "orgs": [],
                "auth": {"type": "access_token", "accessToken": {"displayName": "tests", "role": "read"}},
            }
        )


def create_hf_app(store: HfStore) -> Starlette:
    app = HfApp(store)
    return Starlette(routes=[Route("/{rest:path}", app.dispatch, methods=["GET", "HEAD", "POST"])])
