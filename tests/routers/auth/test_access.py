"""Access tokens for scripts, `Authorization: Bearer`, and account changes through PATCH /users/{name}."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from package.core.storage import get_storage
from tests.conftest import DEFAULT_ADMIN, login
from tests.helpers import override_settings


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _new_token(client: TestClient, name: str = "ci", **body: object) -> dict[str, object]:
    response = client.post("/tokens", json={"name": name, **body})
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


class TestBearerHeader:
    def test_the_session_token_works_as_authorization_bearer(self, client):
        token = client.headers["X-Authorization"].split(" ", 1)[1]
        plain = TestClient(client.app)
        assert plain.get("/users/me", headers=_bearer(token)).json()["name"] == DEFAULT_ADMIN

    def test_a_bad_bearer_token_is_refused(self, anonymous_client):
        assert anonymous_client.get("/users/me", headers=_bearer("nope")).status_code == 403


class TestCreate:
    def test_secret_is_shown_once_and_stored_hashed(self, client):
        created = _new_token(client, permissions=["download"], expires_in_days=1)
        secret = str(created["token"])
        assert secret.startswith("tmr_") and created["permissions"] == ["download"]
        listed = client.get("/tokens").json()
        assert [t["id"] for t in listed] == [created["id"]] and "token" not in listed[0]
        stored = [r.item for r in get_storage().records.query("ACCESS_TOKEN")]
        assert stored and secret.split(".", 1)[1] not in str(stored)

    def test_a_token_gets_only_a_subset_of_its_owners_permissions(self, user_client):
        alice = user_client("alice", permissions=["search"])
        response = alice.post("/tokens", json={"name": "x", "permissions": ["search", "upload"]})
        assert response.status_code == 403 and "upload" in response.json()["message"]

    def test_names_are_unique_per_user(self, client):
        _new_token(client, "same")
        assert client.post("/tokens", json={"name": "same"}).status_code == 409

    @pytest.mark.parametrize(
        "body",
        [{"name": ""}, {"name": "x", "expires_in_days": 0}, {"name": "x", "expires_in_days": 1000},
         {"name": "x", "permissions": ["fly"]}, {"name": "x", "extra": 1}, {"name": "x", "permissions": []}],
    )  # fmt: skip
    def test_bad_bodies_are_400(self, client, body):
        assert client.post("/tokens", json=body).status_code == 400

    def test_an_access_token_cannot_mint_more_tokens(self, client):
        secret = str(_new_token(client)["token"])
        plain = TestClient(client.app)
        response = plain.post("/tokens", json={"name": "more"}, headers=_bearer(secret))
        assert response.status_code == 403 and "access token" in response.json()["message"]


class TestUse:
    def test_download_only_token_cannot_search(self, client):
        secret = str(_new_token(client, permissions=["download"])["token"])
        plain = TestClient(client.app)
        assert plain.post("/artifacts", json=[{"name": "*"}], headers=_bearer(secret)).status_code == 403
        assert plain.get("/users/me", headers={"X-Authorization": secret}).status_code == 200

    def test_not_limited_to_a_thousand_calls(self, client):
        from package.core.config import get_settings

        capped = get_settings().model_copy(update={"token_max_uses": 3})  # session tokens' cap only
        override_settings(client, get_settings, capped)
        secret = str(_new_token(client, permissions=["search"])["token"])
        plain = TestClient(client.app)
        codes = {plain.get("/users/me", headers=_bearer(secret)).status_code for _ in range(8)}
        assert codes == {200}
        listed = client.get("/tokens").json()
        assert listed[0]["uses"] == 8 and listed[0]["last_used_at"] is not None

    def test_revoked_token_stops_at_once_and_is_audited(self, client):
        created = _new_token(client)
        plain = TestClient(client.app)
        assert client.delete(f"/tokens/{created['id']}").status_code == 200
        assert plain.get("/users/me", headers=_bearer(str(created["token"]))).status_code == 403
        actions = [e["action"] for e in client.get(f"/users/{DEFAULT_ADMIN}/audit").json()]
        assert actions == ["token_created", "token_revoked"]

    def test_expired_token_is_refused(self, client):
        created = _new_token(client, expires_in_days=0.00001)  # under a second
        import time

        time.sleep(1.0)
        response = TestClient(client.app).get("/users/me", headers=_bearer(str(created["token"])))
        assert response.status_code == 403 and "expired" in response.json()["message"]

    @pytest.mark.parametrize("forged", ["tmr_" + "A" * 24 + "." + "B" * 40, "tmr_x"])
    def test_forged_tokens_are_refused(self, anonymous_client, forged):
        assert anonymous_client.get("/users/me", headers=_bearer(forged)).status_code == 403

    def test_deleting_the_account_revokes_its_tokens(self, client, user_client):
        alice = user_client("alice", permissions=["search", "download"])
        secret = str(_new_token(alice)["token"])
        assert client.delete("/users/alice").status_code == 200
        user_client("alice", permissions=["search", "download"])  # same name again: a new account
        assert TestClient(client.app).get("/users/me", headers=_bearer(secret)).status_code == 403

    def test_only_owner_or_admin_revokes(self, client, user_client):
        created = _new_token(client)
        bob = user_client("bob", permissions=["search"])
        assert bob.delete(f"/tokens/{created['id']}").status_code == 404
        assert bob.get("/tokens", params={"user": DEFAULT_ADMIN}).status_code == 403


class TestPatchUser:
    def test_admin_changes_permissions_and_tokens_follow(self, client, user_client):
        alice = user_client("alice", permissions=["search", "download"])
        secret = str(_new_token(alice)["token"])
        changed = client.patch("/users/alice", json={"permissions": ["search"]})
        assert changed.status_code == 200 and changed.json()["permissions"] == ["search"]
        plain = TestClient(client.app)
        assert plain.get("/users/me", headers=_bearer(secret)).status_code == 200  # kept, narrowed
        assert client.get("/tokens", params={"user": "alice"}).json()[0]["permissions"] == ["search"]
        assert alice.get("/users/me").status_code == 403  # the old session ended

    def test_a_user_cannot_change_permissions(self, user_client):
        alice = user_client("alice", permissions=["search"])
        assert alice.patch("/users/alice", json={"permissions": ["upload"]}).status_code == 403

    def test_own_password_needs_the_old_one(self, client, user_client):
        alice = user_client("alice", permissions=["search"])
        wrong = alice.patch("/users/alice", json={"password": "new-password-2", "old_password": "bad-one"})
        assert wrong.status_code == 403
        missing = alice.patch("/users/alice", json={"password": "new-password-2"})
        assert missing.status_code == 400
        right = alice.patch(
            "/users/alice", json={"password": "new-password-2", "old_password": "alice-password-1"}
        )
        assert right.status_code == 200
        assert login(TestClient(client.app), "alice", "new-password-2").startswith("bearer ")

    def test_admin_cannot_set_another_users_password(self, client, user_client):
        user_client("alice")
        body = {"password": "new-password-2", "old_password": "x"}
        assert client.patch("/users/alice", json=body).status_code == 403

    def test_default_admin_keeps_its_permissions(self, client):
        assert client.patch(f"/users/{DEFAULT_ADMIN}", json={"permissions": ["search"]}).status_code == 409

    def test_empty_change_and_unknown_user(self, client):
        assert client.patch(f"/users/{DEFAULT_ADMIN}", json={}).status_code == 400
        assert client.patch("/users/nobody", json={"permissions": ["search"]}).status_code == 404


def test_guessing_the_old_password_is_throttled_like_logins(user_client):
    alice = user_client("alice", permissions=["search"])
    body = {"password": "new-password-2", "old_password": "wrong-guess"}
    codes = [alice.patch("/users/alice", json=body).status_code for _ in range(7)]
    assert codes[:5] == [403] * 5 and codes[-1] == 429


def test_a_reset_removes_access_tokens(client):
    secret = str(_new_token(client)["token"])
    assert client.delete("/reset").status_code == 200
    assert TestClient(client.app).get("/users/me", headers=_bearer(secret)).status_code == 403
    assert client.get("/tokens").json() == []  # the admin's session survives the reset
