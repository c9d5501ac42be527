"""The web pages over ASGI: who sees what, sign-in and sign-out, CSRF, HTML errors, offline docs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx2
from fastapi.testclient import TestClient

from tests.conftest import DEFAULT_ADMIN, DEFAULT_ADMIN_PASSWORD
from tests.helpers import override_settings

RESNET = "https://huggingface.co/microsoft/resnet-50"


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


def _browser(client: TestClient) -> TestClient:
    """A client of the same app without the API header, as a browser is."""
    return TestClient(client.app, base_url="http://testserver")


def _sign_in(
    browser: TestClient, *, form: str = "/web/signin", password: str = DEFAULT_ADMIN_PASSWORD, **fields: str
) -> httpx2.Response:
    """Post the sign-in form as the admin, as a browser does: the CSRF token from the `form` page first."""
    token = _csrf(browser.get(form).text)
    data = {"name": DEFAULT_ADMIN, "password": password, "csrf_token": token, **fields}
    return browser.post("/web/signin", data=data, follow_redirects=False)


def _signed_in(client: TestClient) -> TestClient:
    browser = _browser(client)
    response = _sign_in(browser)
    assert response.status_code == 303, response.text
    return browser


class TestHome:
    def test_without_a_session_is_the_sign_in_page(self, anonymous_client: TestClient):
        response = anonymous_client.get("/")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "Sign in" in response.text and 'name="password"' in response.text
        assert "script-src 'self'" in response.headers["content-security-policy"]

    def test_with_the_api_header_is_the_catalog(self, client: TestClient, register: Callable[..., str]):
        model_id = register(RESNET)
        response = client.get("/")
        assert response.status_code == 200 and "Catalog" in response.text
        assert f"/web/artifact/model/{model_id}" in response.text

    def test_a_stale_token_is_sent_to_sign_in_with_a_message(self, anonymous_client: TestClient):
        response = anonymous_client.get(
            "/", headers={"X-Authorization": "bearer not.a.token"}, follow_redirects=False
        )
        assert response.status_code == 303 and "/web/signin" in response.headers["location"]
        assert "reason=invalid" in response.headers["location"]
        page = anonymous_client.get(response.headers["location"])
        assert "no longer valid" in page.text

    def test_filters_by_type_and_refuses_unknown_types_as_a_page(
        self, client: TestClient, register: Callable[..., str]
    ):
        register(RESNET)
        assert "resnet-50" not in client.get("/?type=dataset").text
        bad = client.get("/?type=spaceship")
        assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/html")

    def test_a_bad_regex_is_reported_on_the_page(self, client: TestClient, register: Callable[..., str]):
        register(RESNET)
        response = client.get("/", params={"q": "(unclosed", "mode": "regex"})
        assert response.status_code == 200 and 'role="alert"' in response.text


class TestSignInAndOut:
    def test_cookie_is_httponly_and_samesite(self, client: TestClient):
        browser = _browser(client)
        response = _sign_in(browser)
        cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("registry_session="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
        assert browser.get("/web/admin").status_code == 200

    def test_wrong_password_shows_the_form_again(self, client: TestClient):
        response = _sign_in(_browser(client), password="nope")
        assert response.status_code == 401 and 'role="alert"' in response.text

    def test_sign_in_without_the_csrf_token_is_refused(self, client: TestClient):
        browser = _browser(client)
        browser.get("/web/signin")
        response = browser.post(
            "/web/signin", data={"name": DEFAULT_ADMIN, "password": DEFAULT_ADMIN_PASSWORD}
        )
        assert response.status_code == 403 and "security token" in response.text

    def test_next_never_leaves_the_site(self, client: TestClient):
        response = _sign_in(_browser(client), form="/web/signin?next=//evil.example/x", next="//evil.example")
        assert response.headers["location"] == "/"

    def test_sign_out_forgets_the_cookie(self, client: TestClient):
        browser = _signed_in(client)
        page = browser.get("/")
        response = browser.post("/web/signout", data={"csrf_token": _csrf(page.text)}, follow_redirects=False)
        assert response.status_code == 303 and "registry_session" not in browser.cookies
        assert browser.get("/web/admin", follow_redirects=False).status_code == 303


class TestArtifactPage:
    def test_shows_the_artifact_and_its_downloads(self, client: TestClient, register: Callable[..., str]):
        model_id = register(RESNET)
        response = client.get(f"/web/artifact/model/{model_id}")
        assert response.status_code == 200
        assert f"/download/model/{model_id}" in response.text and "config.json" in response.text
        assert client.get(f"/web/artifact/model/{model_id}/progress").json()["status"]

    def test_the_session_cookie_downloads_files(self, client: TestClient, register: Callable[..., str]):
        model_id = register(RESNET)
        browser = _signed_in(client)
        response = browser.get(f"/download/model/{model_id}/config.json")
        assert response.status_code == 200 and response.content

    def test_the_cookie_alone_changes_nothing_through_the_api(self, client: TestClient):
        browser = _signed_in(client)
        assert browser.delete("/reset").status_code == 403

    def test_unknown_artifact_is_an_html_404(self, client: TestClient):
        response = client.get("/web/artifact/model/no-such-id")
        assert response.status_code == 404 and "Not found" in response.text

    def test_license_check_needs_the_csrf_token(self, client: TestClient, register: Callable[..., str]):
        model_id = register(RESNET)
        browser = _signed_in(client)
        page = browser.get(f"/web/artifact/model/{model_id}")
        url = f"/web/artifact/model/{model_id}/license-check"
        assert (
            browser.post(url, data={"github_url": "https://github.com/google-research/bert"}).status_code
            == 403
        )
        response = browser.post(
            url,
            data={"github_url": "https://github.com/google-research/bert", "csrf_token": _csrf(page.text)},
        )
        assert response.status_code == 200 and 'id="license-result"' in response.text


class TestRegisterAndAdmin:
    def test_register_shows_the_registry_error(self, client: TestClient, register: Callable[..., str]):
        register(RESNET)
        browser = _signed_in(client)
        page = browser.get("/web/register")
        data = {"artifact_type": "model", "url": RESNET, "csrf_token": _csrf(page.text)}
        response = browser.post("/web/register", data=data)
        assert response.status_code == 409 and "Already registered" in response.text

    def test_a_user_without_upload_cannot_register(self, user_client: Callable[..., TestClient]):
        reader = user_client("reader", permissions=["search"])
        assert reader.get("/web/register").status_code == 403
        assert reader.get("/web/admin").status_code == 403

    def test_admin_creates_and_deletes_a_user(self, client: TestClient):
        browser = _signed_in(client)
        page = browser.get("/web/admin")
        data = {
            "name": "dave",
            "password": "dave-password",
            "permissions": ["search", "download"],
            "csrf_token": _csrf(page.text),
        }
        assert browser.post("/web/admin/users", data=data).status_code == 200
        assert {"name": "dave"}.items() <= next(
            u for u in client.get("/users").json() if u["name"] == "dave"
        ).items()
        browser.post("/web/admin/users/delete", data={"name": "dave", "csrf_token": _csrf(page.text)})
        assert all(u["name"] != "dave" for u in client.get("/users").json())

    def test_reset_needs_the_typed_phrase(self, client: TestClient, register: Callable[..., str]):
        register(RESNET)
        browser = _signed_in(client)
        token = _csrf(browser.get("/web/admin").text)
        assert (
            browser.post("/web/admin/reset", data={"confirmation": "yes", "csrf_token": token}).status_code
            == 400
        )
        assert "resnet-50" in client.get("/").text
        browser.post("/web/admin/reset", data={"confirmation": "reset the registry", "csrf_token": token})
        assert "No artifacts yet" in client.get("/").text

    def test_health_page(self, client: TestClient):
        response = client.get("/web/health")
        assert response.status_code == 200 and "Components" in response.text


class TestOfflineDocs:
    def test_docs_and_redoc_load_nothing_from_elsewhere(self, anonymous_client: TestClient):
        for path in ("/docs", "/redoc"):
            page = anonymous_client.get(path).text
            assert "cdn" not in page.lower() and "fonts.googleapis" not in page
            for asset in re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', page):
                assert anonymous_client.get(asset).status_code == 200, asset


class TestSessionEnds:
    def test_a_used_up_token_is_sent_to_sign_in_with_its_reason(self, client: TestClient):
        from package.core.config import get_settings

        capped = get_settings().model_copy(update={"token_max_uses": 2})
        override_settings(client, get_settings, capped)
        browser = _signed_in(client)
        assert browser.get("/").status_code == 200
        assert browser.get("/").status_code == 200
        response = browser.get("/", follow_redirects=False)
        assert response.status_code == 303 and "reason=used_up" in response.headers["location"]
        assert "used up" in browser.get(response.headers["location"]).text

    def test_the_cookie_is_secure_behind_https(self, client: TestClient):
        behind_gateway = _browser(client).get("/web/signin", headers={"X-Forwarded-Proto": "https"})
        assert "Secure" in behind_gateway.headers["set-cookie"]
        response = _sign_in(TestClient(client.app, base_url="https://testserver"))
        cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("registry_session="))
        assert "Secure" in cookie


class TestRegisterErrors:
    def _post(self, client: TestClient, url: str) -> Any:
        browser = _signed_in(client)
        page = browser.get("/web/register")
        return browser.post(
            "/web/register", data={"artifact_type": "model", "url": url, "csrf_token": _csrf(page.text)}
        )

    def test_upstream_down_is_a_readable_502(self, client: TestClient, hub):
        hub.set_down("hf")
        try:
            response = self._post(client, RESNET)
        finally:
            hub.set_down("hf", False)
        assert response.status_code == 502 and "The upstream did not answer" in response.text

    def test_a_rating_below_the_floor_is_a_readable_424(self, client: TestClient, monkeypatch):
        from package.core.config import clear_settings_caches

        monkeypatch.setenv("REGISTRY_INGEST_MIN_SCORE", "0.99")
        clear_settings_caches()  # the rating domain's settings too
        response = self._post(client, RESNET)
        assert response.status_code == 424 and "Refused: rating too low" in response.text
        assert client.post("/artifacts", json=[{"name": "*"}]).json() == []

    def test_an_unknown_url_is_a_readable_400(self, client: TestClient):
        response = self._post(client, "https://example.com/not/a/source")
        assert response.status_code == 400 and "Not a source the registry can read" in response.text


class TestRateAndPages:
    def test_rate_now_stores_a_rating_the_page_shows(
        self, client: TestClient, register: Callable[..., str], monkeypatch
    ):
        from package.core.config import clear_settings_caches

        monkeypatch.setenv("REGISTRY_RATE_ON_INGEST", "false")
        clear_settings_caches()  # the rating domain's settings too
        model_id = register(RESNET)
        browser = _signed_in(client)
        page = browser.get(f"/web/artifact/model/{model_id}")
        assert "Rate now" in page.text
        response = browser.post(f"/web/artifact/model/{model_id}/rate", data={"csrf_token": _csrf(page.text)})
        assert (
            response.status_code == 200 and "Bus factor" in response.text and "Rate now" not in response.text
        )
        actions = [entry["action"] for entry in client.get(f"/artifact/model/{model_id}/audit").json()]
        assert "RATE" in actions

    def test_the_catalog_is_paginated(self, client: TestClient, register: Callable[..., str]):
        from package.routers.web.config import WebSettings, get_web_settings

        override_settings(client, get_web_settings, WebSettings(web_page_size=5))
        for repo in ("microsoft/resnet-50", "crangana/trained-gender", "google-bert/bert-base-uncased"):
            register(f"https://huggingface.co/{repo}")
        for repo in ("rajpurkar/squad", "ILSVRC/imagenet-1k", "bookcorpus/bookcorpus"):
            register(f"https://huggingface.co/datasets/{repo}", kind="dataset")
        first, second = client.get("/").text, client.get("/?page=2").text
        assert "Page 1 of 2" in first and 'rel="next"' in first
        assert "Page 2 of 2" in second and 'rel="prev"' in second
        assert first.count("/web/artifact/") == 5 and second.count("/web/artifact/") == 1
