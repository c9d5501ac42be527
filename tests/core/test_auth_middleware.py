"""The token check every domain declares: header parsing, principals, and the codes of each alias."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from package.core import tokens
from package.core.auth_middleware import (
    CanAdminister,
    CanDownload,
    CanSearch,
    CanUpload,
    CurrentUser,
    IsAdmin,
    Permission,
    Principal,
    token_from_header,
)
from package.core.config import get_settings
from package.core.errors import install_error_handlers
from package.core.events import run_reset_hooks
from package.core.storage import get_storage
from package.core.tokens import TokenRejected


class TestTokenFromHeader:
    @pytest.mark.parametrize(
        "value",
        [
            "bearer abc.def.ghi",
            "Bearer abc.def.ghi",
            "BEARER   abc.def.ghi ",
            "abc.def.ghi",
            '"bearer abc.def.ghi"',
        ],
    )
    def test_accepts_the_usual_forms(self, value):
        assert token_from_header(value) == "abc.def.ghi"

    @pytest.mark.parametrize("value", [None, "", "   ", "bearer", "bearer   ", '""'])
    def test_missing(self, value):
        with pytest.raises(TokenRejected, match="Missing X-Authorization"):
            token_from_header(value)


def test_principal_may_only_what_it_holds():
    reader = Principal(name="r", is_admin=False, permissions=frozenset({Permission.SEARCH}))
    assert reader.may(Permission.SEARCH) and not reader.may(Permission.UPLOAD)


@pytest.fixture
def app_client(registry_env):
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/who")
    def who(user: CurrentUser) -> dict[str, object]:
        return {"name": user.name, "admin": user.is_admin, "perms": sorted(user.permissions)}

    @app.get("/upload")
    def upload(_: CanUpload) -> str:
        return "ok"

    @app.get("/search")
    def search(_: CanSearch) -> str:
        return "ok"

    @app.get("/download")
    def download(_: CanDownload) -> str:
        return "ok"

    @app.get("/reset")
    def reset(_: IsAdmin) -> str:
        return "ok"

    @app.get("/manage")
    def manage(_: CanAdminister) -> str:
        return "ok"

    return TestClient(app)


def _token(subject, permissions, *, is_admin=False):
    storage = get_storage()
    storage.records.put(*_grant_item(subject))
    token = tokens.issue_token(
        storage,
        get_settings(),
        subject=subject,
        is_admin=is_admin,
        permissions=permissions,
        generation="g",
        lifetime_seconds=3600,
    )
    return {"X-Authorization": f"bearer {token}"}


def _grant_item(subject):
    op = tokens.grant_operation(subject, "g")
    return op.pk, op.sk, op.item


class TestAliases:
    def test_principal_comes_from_the_token(self, app_client):
        response = app_client.get("/who", headers=_token("ann", ["search", "fly"]))
        assert response.json() == {"name": "ann", "admin": False, "perms": ["search"]}  # unknown ones dropped

    @pytest.mark.parametrize(
        ("path", "permission"), [("/upload", "upload"), ("/search", "search"), ("/download", "download")]
    )
    def test_each_permission_guards_its_routes(self, app_client, path, permission):
        assert app_client.get(path, headers=_token("ann", [permission])).status_code == 200
        others = [p for p in ("upload", "search", "download") if p != permission]
        denied = app_client.get(path, headers=_token("ann", others))
        assert denied.status_code == 403 and denied.json()["error"] == "permission_denied"
        assert permission in denied.json()["message"]

    def test_admin_routes_answer_401_for_reset_and_403_for_accounts(self, app_client):
        everyone_but_admin = _token("ann", ["upload", "search", "download"])
        assert app_client.get("/reset", headers=everyone_but_admin).status_code == 401
        assert app_client.get("/manage", headers=everyone_but_admin).status_code == 403
        admin = _token("root", ["admin"], is_admin=True)
        assert app_client.get("/reset", headers=admin).status_code == 200
        assert app_client.get("/manage", headers=admin).status_code == 200

    def test_no_token_is_403_even_for_reset(self, app_client):
        for path in ("/who", "/reset", "/manage"):
            response = app_client.get(path)
            assert response.status_code == 403 and response.json()["error"] == "invalid_token"

    def test_every_app_restores_the_secret_after_a_reset(self, registry_env):
        from main import create_app

        create_app(["health"])  # a container without the auth domain
        storage = get_storage()
        storage.records.clear()
        run_reset_hooks(storage)
        assert storage.records.get("AUTH_SECRET", "jwt") is not None
