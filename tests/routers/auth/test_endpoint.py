"""The auth API end to end: logging in, tokens on every route, permissions, accounts, reset, throttling."""

from __future__ import annotations

import time

import pytest
from jose import jwt

from package.core import tokens
from package.core.config import get_settings
from package.core.storage import get_storage
from package.routers.auth.config import AuthSettings, get_auth_settings
from tests.conftest import DEFAULT_ADMIN, DEFAULT_ADMIN_PASSWORD, login
from tests.helpers import override_settings

BERT = "https://huggingface.co/google-bert/bert-base-uncased"


def auth_body(name=DEFAULT_ADMIN, password=DEFAULT_ADMIN_PASSWORD, is_admin=True):
    return {"user": {"name": name, "is_admin": is_admin}, "secret": {"password": password}}


def register(client, url=BERT, kind="model"):
    response = client.post(f"/artifact/{kind}", json={"url": url})
    assert response.status_code == 201, response.text
    return response.json()["metadata"]["id"]


class TestAuthenticate:
    def test_answers_a_bearer_json_string(self, anonymous_client):
        response = anonymous_client.put("/authenticate", json=auth_body())
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        assert response.text.startswith('"bearer ey')
        token = response.json()
        claims = jwt.get_unverified_claims(token.removeprefix("bearer "))
        assert claims["sub"] == DEFAULT_ADMIN and claims["adm"] is True
        assert set(claims["perms"]) == {"upload", "search", "download", "admin"}
        assert claims["exp"] - claims["iat"] == 10 * 3600 and claims["jti"]
        assert jwt.get_unverified_header(token.removeprefix("bearer "))["alg"] == "HS256"

    def test_token_lifetime_follows_the_auth_settings(self, client, anonymous_client):
        override_settings(client, get_auth_settings, AuthSettings(token_lifetime_hours=0.5))
        token = anonymous_client.put("/authenticate", json=auth_body()).json()
        claims = jwt.get_unverified_claims(token.removeprefix("bearer "))
        assert claims["exp"] - claims["iat"] == 1800

    def test_spec_password_with_quotes_backticks_and_sql_round_trips(self, anonymous_client):
        assert "'" in DEFAULT_ADMIN_PASSWORD and '"' in DEFAULT_ADMIN_PASSWORD
        assert "`;DROP TABLE" in DEFAULT_ADMIN_PASSWORD
        token = anonymous_client.put("/authenticate", json=auth_body()).json()
        response = anonymous_client.post(
            "/artifacts", json=[{"name": "*"}], headers={"X-Authorization": token}
        )
        assert response.status_code == 200 and response.json() == []
        # The quotes really matter: the password without its tail is wrong.
        wrong = auth_body(password=DEFAULT_ADMIN_PASSWORD.split("'")[0])
        assert anonymous_client.put("/authenticate", json=wrong).status_code == 401

    def test_is_admin_in_the_request_does_not_decide(self, anonymous_client):
        token = anonymous_client.put("/authenticate", json=auth_body(is_admin=False)).json()
        assert jwt.get_unverified_claims(token.removeprefix("bearer "))["adm"] is True

    @pytest.mark.parametrize(
        ("name", "password"),
        [(DEFAULT_ADMIN, "wrong"), (DEFAULT_ADMIN, ""), ("nobody", DEFAULT_ADMIN_PASSWORD), ("", "")],
    )
    def test_wrong_user_or_password_is_401(self, anonymous_client, name, password):
        response = anonymous_client.put("/authenticate", json=auth_body(name, password))
        assert response.status_code == 401
        assert response.json()["message"] == "The user or password is invalid."

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"user": {"name": DEFAULT_ADMIN, "is_admin": True}},
            {"secret": {"password": DEFAULT_ADMIN_PASSWORD}},
            {"user": {"name": DEFAULT_ADMIN}, "secret": {"password": DEFAULT_ADMIN_PASSWORD}},
            {"user": {"name": 5, "is_admin": True}, "secret": {"password": DEFAULT_ADMIN_PASSWORD}},
            {"user": {"name": DEFAULT_ADMIN, "is_admin": True}, "secret": {"password": 123}},
            {"user": DEFAULT_ADMIN, "secret": DEFAULT_ADMIN_PASSWORD},
            [DEFAULT_ADMIN],
            "null",
        ],
    )
    def test_malformed_body_is_400(self, anonymous_client, body):
        response = anonymous_client.put("/authenticate", json=body)
        assert response.status_code == 400
        assert response.json()["message"]

    def test_not_json_is_400(self, anonymous_client):
        response = anonymous_client.put(
            "/authenticate", content=b"user=admin", headers={"content-type": "text/plain"}
        )
        assert response.status_code == 400


class TestTokenCheck:
    def test_token_works_with_and_without_bearer_prefix(self, client, anonymous_client):
        token = login(client)
        for value in (token, token.removeprefix("bearer "), f'"{token}"', f"Bearer  {token[7:]}"):
            response = anonymous_client.get("/artifact/byName/x", headers={"X-Authorization": value})
            assert response.status_code == 404, value  # authenticated; nothing is named x

    def test_parallel_requests_with_one_token(self, client):
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=16) as pool:
            codes = list(pool.map(lambda _: client.get("/artifact/byName/x").status_code, range(64)))
        assert codes == [404] * 64

    @pytest.mark.parametrize("header", [None, "", "bearer", "bearer ", "bearer not-a-jwt", "a.b.c"])
    def test_missing_or_malformed_token_is_403(self, anonymous_client, header):
        headers = {} if header is None else {"X-Authorization": header}
        response = anonymous_client.post("/artifacts", json=[{"name": "*"}], headers=headers)
        assert response.status_code == 403
        assert "X-Authorization" in response.json()["message"] or "token" in response.json()["message"]

    def test_forged_tokens_are_403(self, client, anonymous_client):
        real = login(client).removeprefix("bearer ")
        claims = jwt.get_unverified_claims(real)
        header, _, signature = real.split(".")
        edited = jwt.encode(claims | {"sub": "mallory"}, "k" * 40, algorithm="HS256").split(".")[1]
        forgeries = {
            "another key": jwt.encode(claims, "not-the-registry-secret-0123456789", algorithm="HS256"),
            "edited payload": f"{header}.{edited}.{signature}",
            "alg none": f"{_none()}.{real.split('.')[1]}.",
            "no signature": f"{header}.{real.split('.')[1]}.",
        }
        for what, forged in forgeries.items():
            response = anonymous_client.get(
                "/artifact/byName/x", headers={"X-Authorization": f"bearer {forged}"}
            )
            assert response.status_code == 403, what
            assert response.json()["error"] == "invalid_token", what

    def test_expired_token_is_403(self, client, anonymous_client):
        old = tokens.issue_token(
            get_storage(),
            get_settings(),
            subject=DEFAULT_ADMIN,
            is_admin=True,
            permissions=["search"],
            generation=tokens.PERMANENT_GENERATION,
            lifetime_seconds=10 * 3600,
            now=time.time() - 10 * 3600 - 1,
        )
        response = anonymous_client.get("/artifact/byName/x", headers={"X-Authorization": f"bearer {old}"})
        assert response.status_code == 403 and response.json()["error"] == "token_expired"

    def test_used_up_token_is_403(self, client, anonymous_client):
        capped = get_settings().model_copy(update={"token_max_uses": 3})
        override_settings(client, get_settings, capped)
        headers = {"X-Authorization": login(client)}
        codes = [anonymous_client.get("/artifact/byName/x", headers=headers).status_code for _ in range(4)]
        assert codes == [404, 404, 404, 403]
        response = anonymous_client.get("/artifact/byName/x", headers=headers)
        assert response.json()["error"] == "token_used_up"
        assert (
            anonymous_client.get("/artifact/byName/x", headers={"X-Authorization": login(client)}).status_code
            == 404
        )

    def test_open_routes_need_no_token(self, anonymous_client):
        for path in ("/health", "/tracks", "/openapi.json", "/docs"):
            assert anonymous_client.get(path).status_code == 200, path

    def test_every_other_spec_route_needs_a_token(self, anonymous_client):
        routes = [
            ("post", "/artifacts", [{"name": "*"}]),
            ("delete", "/reset", None),
            ("get", "/artifacts/model/abc", None),
            ("put", "/artifacts/model/abc", {}),
            ("delete", "/artifacts/model/abc", None),
            ("post", "/artifact/model", {"url": BERT}),
            ("get", "/artifact/byName/x", None),
            ("get", "/artifact/model/abc/audit", None),
            ("post", "/artifact/byRegEx", {"regex": "x"}),
            ("get", "/download/model/abc", None),
            ("get", "/users", None),
            ("post", "/users", {"name": "x", "password": "password1"}),
            ("get", "/users/me", None),
            ("delete", "/users/alice", None),
        ]
        for method, path, body in routes:
            kwargs = {} if body is None else {"json": body}
            response = anonymous_client.request(method.upper(), path, **kwargs)
            assert response.status_code == 403, (method, path, response.text)

    def test_openapi_declares_the_header_and_tags(self, anonymous_client):
        doc = anonymous_client.get("/openapi.json").json()
        scheme = doc["components"]["securitySchemes"]["X-Authorization"]
        assert scheme == scheme | {"type": "apiKey", "in": "header", "name": "X-Authorization"}
        assert {"X-Authorization": []} in doc["paths"]["/artifacts"]["post"]["security"]
        assert {"X-Authorization": []} in doc["paths"]["/reset"]["delete"]["security"]
        assert "security" not in doc["paths"]["/health"]["get"]
        assert "security" not in doc["paths"]["/authenticate"]["put"]
        assert doc["paths"]["/authenticate"]["put"]["tags"] == ["authentication"]
        assert doc["paths"]["/users"]["post"]["tags"] == ["users"]
        assert doc["paths"]["/users/{name}"]["delete"]["tags"] == ["users"]


def _none() -> str:
    import base64

    return base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()


class TestPermissions:
    def test_reset_by_a_non_admin_is_401(self, user_client):
        alice = user_client(permissions=["upload", "search", "download"])
        response = alice.delete("/reset")
        assert response.status_code == 401
        assert "admin" in response.json()["message"]

    def test_searcher_may_read_but_not_upload_or_download(self, client, user_client):
        aid = register(client)
        reader = user_client(permissions=["search"])
        assert reader.get(f"/artifacts/model/{aid}").status_code == 200
        assert reader.post("/artifacts", json=[{"name": "*"}]).status_code == 200
        for response in (
            reader.post("/artifact/model", json={"url": "https://huggingface.co/openai/whisper-tiny"}),
            reader.delete(f"/artifacts/model/{aid}"),
            reader.get(f"/download/model/{aid}"),
            reader.get("/users"),
            reader.post("/users", json={"name": "bob", "password": "password1"}),
        ):
            assert response.status_code == 403, response.request.url
            assert response.json()["error"] == "permission_denied"
            assert "permission" in response.json()["message"]

    def test_uploader_without_search_cannot_list(self, user_client):
        uploader = user_client(permissions=["upload"])
        register(uploader)
        assert uploader.post("/artifacts", json=[{"name": "*"}]).status_code == 403

    def test_downloader_downloads(self, client, user_client):
        aid = register(client)
        downloader = user_client(permissions=["download"])
        response = downloader.get(f"/download/model/{aid}/config.json")
        assert response.status_code == 200

    def test_audit_names_the_real_user(self, client, user_client):
        uploader = user_client("uploader", permissions=["upload", "search", "download"])
        aid = register(uploader)
        uploader.get(f"/download/model/{aid}/config.json")
        entries = client.get(f"/artifact/model/{aid}/audit").json()
        users = [(e["action"], e["user"]["name"], e["user"]["is_admin"]) for e in entries]
        assert users == [("CREATE", "uploader", False), ("DOWNLOAD", "uploader", False)]


class TestUsers:
    def test_create_list_me_delete(self, client, user_client):
        created = client.post(
            "/users", json={"name": "carol", "password": "carol-pass", "permissions": ["search", "download"]}
        )
        assert created.status_code == 201
        body = created.json()
        assert body["name"] == "carol" and body["is_admin"] is False and body["created_by"] == DEFAULT_ADMIN
        assert body["permissions"] == ["search", "download"] and "password" not in str(body)
        listed = client.get("/users").json()
        assert [u["name"] for u in listed] == ["carol", DEFAULT_ADMIN]
        assert all("hash" not in str(u) for u in listed)
        assert client.get("/users/me").json()["name"] == DEFAULT_ADMIN
        assert client.delete("/users/carol").json() == {"deleted": "carol"}
        assert [u["name"] for u in client.get("/users").json()] == [DEFAULT_ADMIN]

    def test_admins_hold_every_permission(self, client):
        created = client.post("/users", json={"name": "root2", "password": "password1", "is_admin": True})
        assert created.json()["permissions"] == ["upload", "search", "download", "admin"]
        by_permission = client.post(
            "/users", json={"name": "root3", "password": "password1", "permissions": ["admin"]}
        )
        assert by_permission.json()["is_admin"] is True

    def test_duplicate_name_is_409(self, client):
        body = {"name": "dave", "password": "password1"}
        assert client.post("/users", json=body).status_code == 201
        assert client.post("/users", json=body).status_code == 409
        default = client.post("/users", json={"name": DEFAULT_ADMIN, "password": "password1"})
        assert default.status_code == 409

    @pytest.mark.parametrize(
        "body",
        [
            {"name": "x", "password": "short"},
            {"name": "", "password": "password1"},
            {"name": "has space", "password": "password1"},
            {"name": "a" * 65, "password": "password1"},
            {"name": "x", "password": "password1", "permissions": ["fly"]},
            {"name": "x", "password": "password1", "extra": True},
            {"password": "password1"},
        ],
    )
    def test_bad_new_user_is_400(self, client, body):
        assert client.post("/users", json=body).status_code == 400

    def test_deleted_users_tokens_stop_working(self, client, user_client):
        erin = user_client("erin")
        assert erin.get("/users/me").status_code == 200
        assert client.delete("/users/erin").status_code == 200
        response = erin.get("/users/me")
        assert response.status_code == 403 and "no longer exists" in response.json()["message"]
        assert client.put("/authenticate", json=auth_body("erin", "alice-password-1")).status_code == 401

    def test_recreated_user_does_not_revive_old_tokens(self, client, user_client):
        old = user_client("frank")
        client.delete("/users/frank")
        user_client("frank")
        assert old.get("/users/me").status_code == 403

    def test_users_may_delete_only_themselves(self, client, user_client):
        gina, hank = user_client("gina"), user_client("hank")
        assert gina.delete("/users/hank").status_code == 403
        assert gina.delete("/users/nobody").status_code == 403  # no probing for names either
        assert gina.delete("/users/gina").status_code == 200
        assert hank.get("/users/me").status_code == 200

    def test_unknown_user_is_404_and_default_admin_is_kept(self, client):
        assert client.delete("/users/nobody").status_code == 404
        assert client.delete(f"/users/{DEFAULT_ADMIN}").status_code == 409
        assert client.get("/users/me").status_code == 200


class TestReset:
    def test_reset_restores_the_default_admin_and_removes_everyone_else(
        self, client, user_client, anonymous_client
    ):
        ivan = user_client("ivan", permissions=["search", "upload"])
        register(ivan)
        assert client.delete("/reset").status_code == 200
        assert [u["name"] for u in client.get("/users").json()] == [DEFAULT_ADMIN]  # same admin token
        assert ivan.get("/users/me").status_code == 403
        assert (
            anonymous_client.put("/authenticate", json=auth_body("ivan", "alice-password-1")).status_code
            == 401
        )
        fresh = anonymous_client.put("/authenticate", json=auth_body()).json()
        assert anonymous_client.get("/users/me", headers={"X-Authorization": fresh}).status_code == 200
        assert client.post("/artifacts", json=[{"name": "*"}]).json() == []

    def test_no_token_reset_is_403(self, client, anonymous_client):
        register(client)
        assert anonymous_client.delete("/reset").status_code == 403
        assert len(client.post("/artifacts", json=[{"name": "*"}]).json()) == 1


class TestThrottle:
    def test_repeated_failures_wait_then_recover(self, client, anonymous_client):
        quick = AuthSettings(login_backoff_base_seconds=0.3)
        override_settings(client, get_auth_settings, quick)
        wrong = auth_body(password="guess")
        codes = [anonymous_client.put("/authenticate", json=wrong).status_code for _ in range(6)]
        assert codes == [401] * 5 + [429]
        blocked = anonymous_client.put("/authenticate", json=auth_body())  # even the right password waits
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) >= 1
        assert "Too many failed logins" in blocked.json()["message"]
        time.sleep(0.35)
        assert anonymous_client.put("/authenticate", json=auth_body()).status_code == 200

    def test_one_name_failing_does_not_block_another(self, client, anonymous_client, user_client):
        # A wait far longer than the test, so a slow machine cannot outlast it between the 6th and 7th try.
        override_settings(client, get_auth_settings, AuthSettings(login_backoff_base_seconds=60))
        user_client("judy")
        for _ in range(6):
            anonymous_client.put("/authenticate", json=auth_body("judy", "guess"))
        assert anonymous_client.put("/authenticate", json=auth_body("judy", "guess")).status_code == 429
        assert anonymous_client.put("/authenticate", json=auth_body()).status_code == 200

    def test_a_client_guessing_many_names_is_slowed(self, client, anonymous_client):
        codes = [
            anonymous_client.put("/authenticate", json=auth_body(f"user{i}", "guess")).status_code
            for i in range(21)
        ]
        assert codes == [401] * 20 + [429]
