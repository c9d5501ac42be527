"""FakeHub: a local Hugging Face Hub + GitHub REST API for tests, with fixtures and failure controls."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

from tests.fakehub.blobs import FileInput
from tests.fakehub.controls import Controls, Service
from tests.fakehub.gh_app import create_github_app
from tests.fakehub.gh_repo import build_github_repo
from tests.fakehub.gh_specs import ActivitySpec, Contributor
from tests.fakehub.gh_store import GitHubStore
from tests.fakehub.hf_app import create_hf_app
from tests.fakehub.hf_commits import HubHistory
from tests.fakehub.hf_repo import DEFAULT_CREATED_AT, Gated, RepoKind, build_repo
from tests.fakehub.hf_store import HfStore
from tests.fakehub.middleware import ControlMiddleware
from tests.fakehub.runner import BackgroundServers

DEFAULT_GRANTED_TOKENS = ("hf_test_granted",)


class FakeHub:
    """Local fake of huggingface.co and api.github.com. Nothing listens until start()."""

    def __init__(self, *, fixtures: bool = True, host: str = "127.0.0.1") -> None:
        self.controls = Controls()
        self.hf_store = HfStore(DEFAULT_GRANTED_TOKENS)
        self.github_store = GitHubStore()
        self._servers = BackgroundServers(
            {
                "hf": ControlMiddleware(create_hf_app(self.hf_store), "hf", self.controls),
                "github": ControlMiddleware(create_github_app(self.github_store), "github", self.controls),
            },
            host=host,
        )
        self.host = host
        if fixtures:
            from tests.fakehub.fixtures import install_fixtures

            install_fixtures(self)

    # ----- lifecycle -------------------------------------------------------------------------------
    def start(self, hf_port: int = 0, github_port: int = 0) -> None:
        """Serve both APIs from a background thread (port 0 = any free port); returns once they answer."""
        self._servers.start({"hf": hf_port, "github": github_port})

    def stop(self) -> None:
        self._servers.stop()

    @property
    def running(self) -> bool:
        return self._servers.running

    def __enter__(self) -> FakeHub:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _url(self, service: str) -> str:
        if service not in self._servers.ports:
            raise RuntimeError("FakeHub is not started: call start() first")
        return f"http://{self.host}:{self._servers.ports[service]}"

    @property
    def hf_url(self) -> str:
        """Base URL to use as HF_ENDPOINT."""
        return self._url("hf")

    @property
    def github_url(self) -> str:
        """API root to use as GITHUB_API_URL (like https://api.github.com)."""
        return self._url("github")

    # ----- controls (thread-safe) ------------------------------------------------------------------
    def set_down(self, service: Service, down: bool = True) -> None:
        """While down, every request to "hf" or "github" gets a 503 with a JSON error body.

        set_down(service, False) brings the whole service back, paths put down by set_path_down included."""
        self.controls.set_down(service, down)

    def set_path_down(self, service: Service, fragment: str, down: bool = True) -> None:
        """While down, requests of "hf" or "github" whose path contains `fragment` get the outage's 503
        (e.g. set_path_down("hf", "/commits/") breaks only the Hub's commit listings)."""
        self.controls.set_path_down(service, fragment, down)

    def set_latency(self, service: Service, seconds: float) -> None:
        """Delay each answer of "hf" or "github" by `seconds` (asyncio.sleep: the other service goes on)."""
        self.controls.set_latency(service, seconds)

    def set_chunk_delay(self, service: Service, seconds: float) -> None:
        """Wait `seconds` before each body chunk (256 KiB for files) of "hf" or "github": a slow transfer."""
        self.controls.set_chunk_delay(service, seconds)

    def fail_next(self, service: Service, *statuses: int) -> None:
        """The next requests to "hf" or "github" answer these statuses, one each, in order (e.g. 503, 429
        with Retry-After: 1); TRUNCATE (0) promises a body and closes the connection part-way."""
        self.controls.fail_next(service, list(statuses))

    def cut_next(self, service: Service, fragment: str, *after_bytes: int) -> None:
        """The next requests to `service` whose path contains `fragment` answer as usual but close the
        connection after these many body bytes, one cut per request, in order (a transfer cut mid-file)."""
        self.controls.cut_next(service, fragment, list(after_bytes))

    def set_rate_limited(self, limited: bool = True) -> None:
        """GitHub API answers 403 "API rate limit exceeded ..." with X-RateLimit-Remaining: 0."""
        self.controls.set_rate_limited(limited)

    def reset_controls(self) -> None:
        """Back to normal: both services up (no path down), no latency, no rate limit (the log is kept)."""
        self.controls.reset()

    @property
    def requests(self) -> list[tuple[str, str, str]]:
        """Live log of (service, method, path) received."""
        return self.controls.requests

    @property
    def ranges(self) -> list[tuple[str, str]]:
        """Live log of (path, Range header) of the requests that asked for a byte range."""
        return self.controls.ranges

    def clear_requests(self) -> None:
        self.controls.clear_requests()

    @property
    def valid_hf_tokens(self) -> set[str]:
        """Bearer tokens granted access to gated (and private) HF repos."""
        return self.hf_store.valid_tokens

    @valid_hf_tokens.setter
    def valid_hf_tokens(self, tokens: Iterable[str]) -> None:
        self.hf_store.valid_tokens.clear()
        self.hf_store.valid_tokens.update(tokens)

    # ----- fixtures at runtime ---------------------------------------------------------------------
    def add_model(
        self,
        repo_id: str,
        *,
        readme: str | None = None,
        card_data: Mapping[str, Any] | None = None,
        card_body: str | None = None,
        license: str | None = None,
        files: Mapping[str, FileInput] | None = None,
        config: Mapping[str, Any] | None = None,
        gated: Gated = False,
        private: bool = False,
        tags: Sequence[str] = (),
        library_name: str | None = None,
        pipeline_tag: str | None = None,
        downloads: int = 0,
        likes: int = 0,
        created_at: str = DEFAULT_CREATED_AT,
        last_modified: str | None = None,
        spaces: Sequence[str] = (),
        aliases: Sequence[str] = (),
        history: HubHistory | None = None,
    ) -> None:
        """Add (or replace) a model repo. See add_hf_repo for the meaning of the arguments."""
        self.add_hf_repo(
            "model", repo_id, readme=readme, card_data=card_data, card_body=card_body, license=license,
            files=files, config=config, gated=gated, private=private, tags=tags, library_name=library_name,
            pipeline_tag=pipeline_tag, downloads=downloads, likes=likes, created_at=created_at,
            last_modified=last_modified, spaces=spaces, aliases=aliases, history=history,
        )  # fmt: skip

    def add_dataset(
        self,
        repo_id: str,
        *,
        readme: str | None = None,
        card_data: Mapping[str, Any] | None = None,
        card_body: str | None = None,
        license: str | None = None,
        files: Mapping[str, FileInput] | None = None,
        gated: Gated = False,
        private: bool = False,
        tags: Sequence[str] = (),
        downloads: int = 0,
        likes: int = 0,
        created_at: str = DEFAULT_CREATED_AT,
        last_modified: str | None = None,
        description: str | None = None,
        citation: str | None = None,
        aliases: Sequence[str] = (),
        history: HubHistory | None = None,
    ) -> None:
        """Add (or replace) a dataset repo. See add_hf_repo for the meaning of the arguments."""
        self.add_hf_repo(
            "dataset", repo_id, readme=readme, card_data=card_data, card_body=card_body, license=license,
            files=files, gated=gated, private=private, tags=tags, downloads=downloads, likes=likes,
            created_at=created_at, last_modified=last_modified, description=description, citation=citation,
            aliases=aliases, history=history,
        )  # fmt: skip

    def add_hf_repo(self, kind: RepoKind, repo_id: str, **options: Any) -> None:
        """Add (or replace) a Hugging Face repo.

        - readme: full README.md text (YAML front matter included), used verbatim; otherwise a README.md is
          rendered from card_data (front matter dict) + card_body (markdown) + license (put in card_data).
          With none of the four, the repo has no README.md.
        - files: {path: bytes | str | Blob | (size, seed)}; (size, seed) is a generated pseudo-random file,
          streamed and never held in memory. tests.fakehub.safetensors_blob builds valid safetensors.
        - config: written as config.json. A default .gitattributes is always added.
        - gated: False | "auto" | "manual"; files other than README.md/.gitattributes then need a token
          from valid_hf_tokens. private: the repo answers RepoNotFound without such a token.
        - aliases: old ids that redirect (307) to this repo, like renamed repos on the Hub.
        - history: who committed how often (HubHistory), served by /api/{models|datasets}/{id}/commits/{rev}
          between created_at and last_modified; None: the initial commit by `system` and one upload by the
          namespace.
        """
        self.hf_store.add(build_repo(kind, repo_id, **options))

    def add_github_repo(
        self,
        full_name: str,
        *,
        files: Mapping[str, bytes | str],
        license: str | None = None,
        contributors: Mapping[str, int] | None = None,
        activity: ActivitySpec | None = None,
        description: str | None = None,
        default_branch: str = "main",
        stars: int = 0,
        forks: int = 0,
        open_issues: int = 0,
        topics: Sequence[str] = (),
        language: str | None = "Python",
        archived: bool = False,
        created_at: str = "2019-01-01T00:00:00Z",
    ) -> None:
        """Add (or replace) a GitHub repo "owner/name".

        - files: the default branch's files {path: content}; a LICENSE file should match `license`.
        - license: GitHub license key ("apache-2.0", "mit", "gpl-3.0", "bsd-3-clause", "other") or None.
        - contributors: {login: commit count} shortcut for a history without pull requests;
          activity: full ActivitySpec (contributors, pull request counts/ratios or explicit PullSpecs).
        """
        if activity is None and contributors is not None:
            activity = ActivitySpec(tuple(Contributor(login, count) for login, count in contributors.items()))
        repo = build_github_repo(
            full_name, files, license=license, activity=activity, description=description,
            default_branch=default_branch, stars=stars, forks=forks, open_issues=open_issues, topics=topics,
            language=language, archived=archived, created_at=created_at,
        )  # fmt: skip
        self.github_store.add(repo)
