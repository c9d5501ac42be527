"""Auth services without HTTP where it matters: passwords, the default admin, split deployments."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from package.core import tokens
from package.core.config import get_settings
from package.core.errors import Conflict, Unauthorized
from package.core.storage import get_storage
from package.routers.auth import database, passwords, services
from package.routers.auth.config import AuthSettings
from tests.conftest import CHEAP_PASSWORD_HASHING, DEFAULT_ADMIN, DEFAULT_ADMIN_PASSWORD, login

BERT = "https://huggingface.co/google-bert/bert-base-uncased"


def cheap_settings(**changes: Any) -> AuthSettings:
    """Auth settings with the cheapest password hashing (and `changes`), whatever the environment says."""
    cheap: dict[str, Any] = {
        "password_hash_time_cost": 1,
        "password_hash_memory_kib": 8,
        "password_hash_parallelism": 1,
    }
    return AuthSettings(**(cheap | changes))


@pytest.fixture
def cheap(registry_env):
    return cheap_settings()


class TestPasswords:
    def test_salted_argon2id_never_the_password(self, cheap):
        first = passwords.hash_password(cheap, "s3cret-pass")
        second = passwords.hash_password(cheap, "s3cret-pass")
        assert first.startswith("$argon2id$") and first != second and "s3cret" not in first
        assert passwords.verify_password(cheap, first, "s3cret-pass")
        assert not passwords.verify_password(cheap, first, "s3cret-pasS")
        assert not passwords.verify_password(cheap, "not a hash", "s3cret-pass")

    def test_default_cost_is_the_real_one(self, registry_env, monkeypatch):
        for name in CHEAP_PASSWORD_HASHING:
            monkeypatch.delenv(name)
        settings = AuthSettings()
        assert (settings.password_hash_time_cost, settings.password_hash_memory_kib) == (3, 65536)
        hasher = passwords.hasher(settings)
        assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)

    def test_login_upgrades_a_hash_made_with_other_parameters(self, cheap):
        storage = get_storage()
        services.ensure_default_admin(storage, cheap)
        settings = cheap_settings(password_hash_time_cost=2)
        services.authenticate(
            storage,
            get_settings(),
            name=DEFAULT_ADMIN,
            password=DEFAULT_ADMIN_PASSWORD,
            client="c",
            auth_settings=settings,
        )
        stored = database.get_user(storage, DEFAULT_ADMIN)
        assert stored is not None and "t=2" in stored.password_hash
        assert not passwords.needs_rehash(settings, stored.password_hash)


class TestDefaultAdmin:
    def test_created_once(self, cheap):
        storage = get_storage()
        assert services.ensure_default_admin(storage, cheap) is True
        assert services.ensure_default_admin(storage, cheap) is False
        [admin] = database.list_users(storage)
        assert admin.is_admin and admin.generation == tokens.PERMANENT_GENERATION

    def test_an_existing_admin_costs_no_hash(self, cheap, monkeypatch):
        storage = get_storage()
        assert services.ensure_default_admin(storage, cheap) is True

        def no_hash(*_):
            raise AssertionError("hashed the default admin's password again")

        monkeypatch.setattr(passwords, "hash_once", no_hash)
        assert services.ensure_default_admin(storage, cheap) is False

    def test_password_comes_from_settings(self, cheap):
        storage, settings = get_storage(), get_settings()
        own = cheap_settings(default_admin_password="another-admin-password")
        token = services.authenticate(
            storage,
            settings,
            name=DEFAULT_ADMIN,
            password="another-admin-password",
            client="c",
            auth_settings=own,
        )
        assert token.startswith("bearer ")
        with pytest.raises(Unauthorized):
            services.authenticate(
                storage,
                settings,
                name=DEFAULT_ADMIN,
                password=DEFAULT_ADMIN_PASSWORD,
                client="c",
                auth_settings=own,
            )

    def test_token_lifetime_comes_from_settings(self, cheap):
        token = services.authenticate(
            get_storage(),
            get_settings(),
            name=DEFAULT_ADMIN,
            password=DEFAULT_ADMIN_PASSWORD,
            client="c",
            auth_settings=cheap_settings(token_lifetime_hours=0.5),
        )
        claims = tokens.verify_token(get_storage(), get_settings(), token.removeprefix("bearer "))
        assert claims.expires_at - claims.issued_at == 1800

    def test_cannot_be_deleted(self, cheap):
        from package.core.auth_middleware import Permission, Principal

        admin = Principal(name=DEFAULT_ADMIN, is_admin=True, permissions=frozenset(Permission))
        with pytest.raises(Conflict):
            services.delete_user(get_storage(), name=DEFAULT_ADMIN, by=admin)


class TestSplitDeployment:
    """Containers mount different domains over shared storage; reset may run where auth is not mounted."""

    def test_tokens_work_where_auth_is_not_mounted_and_survive_its_reset(self, cheap):
        from main import create_app

        auth_app = create_app(["auth", "health"])
        with TestClient(auth_app) as auth:
            admin_token = login(auth)
            auth.headers["X-Authorization"] = admin_token
            created = auth.post(
                "/users", json={"name": "kim", "password": "kim-password", "permissions": ["search"]}
            )
            assert created.status_code == 201
            kim_token = login(auth, "kim", "kim-password")
        artifacts_app = create_app(["artifacts", "health"])  # its own hooks only, as in its own container
        with TestClient(artifacts_app, headers={"X-Authorization": admin_token}) as artifacts:
            assert artifacts.post("/artifact/model", json={"url": BERT}).status_code == 201
            kim = {"X-Authorization": kim_token}
            assert artifacts.post("/artifacts", json=[{"name": "*"}], headers=kim).status_code == 200
            assert artifacts.delete("/reset").status_code == 200
            tokens._secrets_by_storage.clear()  # and a container that never saw the secret
            assert artifacts.post("/artifacts", json=[{"name": "*"}]).json() == []
            assert artifacts.post("/artifacts", json=[{"name": "*"}], headers=kim).status_code == 403
        with TestClient(create_app(["auth"])) as auth:
            assert login(auth).startswith("bearer ")  # the default admin is back, created on demand
            wrong = {"user": {"name": "kim", "is_admin": False}, "secret": {"password": "kim-password"}}
            assert auth.put("/authenticate", json=wrong).status_code == 401
