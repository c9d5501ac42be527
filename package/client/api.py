"""`RegistryClient`: every operation of the registry's HTTP API as a method (HTTP only, no server code)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from package.client import transfer
from package.client.errors import NotFoundError, ServerError, for_status

ARTIFACT_TYPES = ("model", "dataset", "code")
DEFAULT_TIMEOUT = 60.0


def normalise_token(token: str | None) -> str | None:
    """The bare token: `PUT /authenticate`'s JSON string (`"bearer <JWT>"`), with or without the prefix."""
    if token is None:
        return None
    text = token.strip().strip('"').strip()
    scheme, _, rest = text.partition(" ")
    if scheme.lower() == "bearer" and rest.strip():
        text = rest.strip()
    return text or None


class RegistryClient:
    """A client of one registry; `token` is a session token from `login` or an access token (`tmr_...`)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = normalise_token(token)
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API call; an error status becomes the matching ClientError."""
        try:
            response = self._http.request(method, path, headers=self._headers(), **kwargs)
        except httpx.HTTPError as exc:
            raise ServerError(f"Could not reach the registry at {self.base_url}: {exc}") from exc
        if response.status_code >= 400:
            raise for_status(response.status_code, _message(response))
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise ServerError(f"{method} {path} answered something other than JSON.") from exc

    # Accounts and tokens.
    def login(self, name: str, password: str) -> str:
        """Log in; keeps and returns the session token (bare, without `bearer `)."""
        body = {"user": {"name": name, "is_admin": False}, "secret": {"password": password}}
        token = normalise_token(str(self._json("PUT", "/authenticate", json=body)))
        if token is None:
            raise ServerError("The registry answered an empty token.")
        self.token = token
        return token

    def whoami(self) -> dict[str, Any]:
        """The caller's account and permissions."""
        result: dict[str, Any] = self._json("GET", "/users/me")
        return result

    def users(self) -> list[dict[str, Any]]:
        """Every account (admin)."""
        result: list[dict[str, Any]] = self._json("GET", "/users")
        return result

    def add_user(
        self, name: str, password: str, *, permissions: list[str], is_admin: bool = False
    ) -> dict[str, Any]:
        """Create an account (admin)."""
        body = {"name": name, "password": password, "permissions": permissions, "is_admin": is_admin}
        result: dict[str, Any] = self._json("POST", "/users", json=body)
        return result

    def update_user(self, name: str, **changes: Any) -> dict[str, Any]:
        """Change an account: `permissions`/`is_admin` (admin) or `password` with `old_password`."""
        body = {k: v for k, v in changes.items() if v is not None}
        result: dict[str, Any] = self._json("PATCH", f"/users/{name}", json=body)
        return result

    def delete_user(self, name: str) -> None:
        """Delete an account (admin, or the account itself)."""
        self.request("DELETE", f"/users/{name}")

    def create_token(
        self, name: str, *, permissions: list[str] | None = None, expires_in_days: float = 90.0
    ) -> dict[str, Any]:
        """A new access token (its secret is in `token`, shown once)."""
        body: dict[str, Any] = {"name": name, "expires_in_days": expires_in_days}
        if permissions is not None:
            body["permissions"] = permissions
        result: dict[str, Any] = self._json("POST", "/tokens", json=body)
        return result

    def tokens(self, *, user: str | None = None) -> list[dict[str, Any]]:
        """Access tokens (the caller's; an admin may name a user or `*`)."""
        result: list[dict[str, Any]] = self._json("GET", "/tokens", params={"user": user} if user else None)
        return result

    def revoke_token(self, token_id: str) -> dict[str, Any]:
        """Revoke an access token."""
        result: dict[str, Any] = self._json("DELETE", f"/tokens/{token_id}")
        return result

    # Artifacts.
    def add(self, artifact_type: str, url: str, *, name: str | None = None) -> dict[str, Any]:
        """Register an artifact from a URL; its spec envelope (metadata, data)."""
        body = {"url": url} | ({"name": name} if name else {})
        result: dict[str, Any] = self._json("POST", f"/artifact/{artifact_type}", json=body)
        return result

    def artifacts(self, *, name: str = "*", artifact_type: str | None = None) -> list[dict[str, Any]]:
        """Every artifact with this name ('*': all), of one type if given, following the pages."""
        query: dict[str, Any] = {"name": name} | ({"types": [artifact_type]} if artifact_type else {})
        found: list[dict[str, Any]] = []
        offset: str | None = None
        while True:
            params = {"offset": offset} if offset else None
            response = self.request("POST", "/artifacts", json=[query], params=params)
            found.extend(response.json())
            offset = response.headers.get("offset")
            if not offset:
                return found

    def search(self, pattern: str) -> list[dict[str, Any]]:
        """Artifacts whose name or README matches a regular expression."""
        result: list[dict[str, Any]] = self._json("POST", "/artifact/byRegEx", json={"regex": pattern})
        return result

    def type_of(self, artifact_id: str) -> str:
        """The type of the artifact with this id (NotFoundError when none has it)."""
        for artifact_type in ARTIFACT_TYPES:
            try:
                self.request("GET", f"/artifacts/{artifact_type}/{artifact_id}")
            except NotFoundError:
                continue
            return artifact_type
        raise NotFoundError(f"No artifact has id {artifact_id}.", status=404)

    def show(self, artifact_id: str) -> dict[str, Any]:
        """Source, license, size and mirror progress of an artifact."""
        artifact_type = self.type_of(artifact_id)
        result: dict[str, Any] = self._json("GET", f"/artifact/{artifact_type}/{artifact_id}/details")
        return result

    def rate(self, artifact_id: str, *, explain: bool = False, version: int | None = None) -> dict[str, Any]:
        """A model's trust scores (with `explain`: the report saying why; `version`: an earlier version's)."""
        suffix = "/details" if explain else ""
        result: dict[str, Any] = self._json(
            "GET", f"/artifact/model/{artifact_id}/rate{suffix}", params=_version(version)
        )
        return result

    def lineage(self, artifact_id: str, *, version: int | None = None) -> dict[str, Any]:
        """A model's lineage graph (nodes and edges); `version`: as an earlier version named its bases."""
        result: dict[str, Any] = self._json(
            "GET", f"/artifact/model/{artifact_id}/lineage", params=_version(version)
        )
        return result

    def cost(
        self, artifact_id: str, *, dependencies: bool = True, version: int | None = None
    ) -> dict[str, Any]:
        """Download size in MB of an artifact (and of what it depends on); `version`: an earlier one's."""
        artifact_type = self.type_of(artifact_id)
        params = {"dependency": str(dependencies).lower(), **_version(version)}
        result: dict[str, Any] = self._json(
            "GET", f"/artifact/{artifact_type}/{artifact_id}/cost", params=params
        )
        return result

    def license_check(self, artifact_id: str, github_url: str) -> bool:
        """Whether the model's license allows use with the GitHub project's."""
        body = {"github_url": github_url}
        return bool(self._json("POST", f"/artifact/model/{artifact_id}/license-check", json=body))

    def download(
        self,
        artifact_id: str,
        destination: Path,
        *,
        path: str | None = None,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> transfer.Downloaded:
        """Download the artifact's zip (or one file) to `destination`, resuming and verifying sha256."""
        artifact_type = self.type_of(artifact_id)
        url = f"/download/{artifact_type}/{artifact_id}" + (f"/{path.lstrip('/')}" if path else "")
        return transfer.download(self._http, url, destination, headers=self._headers(), progress=progress)

    def reset(self) -> None:
        """Remove every artifact (admin)."""
        self.request("DELETE", "/reset")


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code}: {response.text[:300]}"
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body)
    return str(body)


def _version(number: int | None) -> dict[str, str]:
    """The `?version=N` query of an earlier version (none: the current one, as the spec's endpoints)."""
    return {} if number is None else {"version": str(number)}
