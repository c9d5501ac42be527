"""The web interface in a real browser: headless Chromium driven by Selenium, axe-core on every page.

One registry and one browser serve the whole module; the tests run in file order, as a person would
use the registry: sign in, search, register, read an artifact, download, check a license, administer.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import DEFAULT_ADMIN, DEFAULT_ADMIN_PASSWORD
from tests.routers.web.conftest import LiveRegistry, check_page


@pytest.fixture(scope="module")
def seeded(live_registry: LiveRegistry) -> dict[str, str]:
    """A base model and its fine-tune, registered through the API."""
    return {
        "resnet": live_registry.register("https://huggingface.co/microsoft/resnet-50"),
        "gender": live_registry.register("https://huggingface.co/crangana/trained-gender"),
        "squad": live_registry.register("https://huggingface.co/datasets/rajpurkar/squad", kind="dataset"),
    }


def _by(kind: str) -> Any:
    from selenium.webdriver.common.by import By

    return getattr(By, kind)


def _find(driver: Any, css: str) -> Any:
    return driver.find_element(_by("CSS_SELECTOR"), css)


def _wait_for(driver: Any, css: str, timeout: float = 30.0) -> Any:
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(
        expected_conditions.presence_of_element_located((_by("CSS_SELECTOR"), css))
    )


def _submit(driver: Any, form_css: str, fields: dict[str, str], *, navigates: bool = True) -> None:
    for name, value in fields.items():
        box = _find(driver, f"{form_css} [name={name}]")
        box.clear()
        box.send_keys(value)
    driver.execute_script("window.__beforeSubmit = true")
    _find(driver, f"{form_css} button[type=submit]").click()
    if navigates:
        _wait_for_new_document(driver)


def _wait_for_new_document(driver: Any) -> None:
    """Wait until the submitted form's answer is a loaded new document.

    Not selenium's `staleness_of`: while the old document goes away, chromedriver can answer a question about
    its element with "Node with given id does not belong to the document" instead of a stale element.
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    new_document = "return window.__beforeSubmit === undefined && document.readyState === 'complete'"
    WebDriverWait(driver, 60, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(new_document)
    )


def test_sign_in(browser: Any, live_registry: LiveRegistry, seeded: dict[str, str]) -> None:
    browser.get(live_registry.url + "/")
    assert _find(browser, "h2#signin-heading").text == "Sign in"
    check_page(browser, "signin")
    _submit(browser, "form[action='/web/signin']", {"name": DEFAULT_ADMIN, "password": "wrong password"})
    assert "Wrong" in _wait_for(browser, "#signin-error").text or _find(browser, "#signin-error").text
    _submit(
        browser, "form[action='/web/signin']", {"name": DEFAULT_ADMIN, "password": DEFAULT_ADMIN_PASSWORD}
    )
    assert _wait_for(browser, "main h1").text == "Catalog"
    names = [cell.text for cell in browser.find_elements(_by("CSS_SELECTOR"), "table.catalog tbody th")]
    assert {"resnet-50", "trained-gender", "squad"} <= set(names)
    check_page(browser, "catalog")


def test_search_by_name_regex_and_type(browser: Any, live_registry: LiveRegistry) -> None:
    browser.get(live_registry.url + "/")
    _submit(browser, "form[role=search]", {"q": "GENDER"})
    rows = browser.find_elements(_by("CSS_SELECTOR"), "table.catalog tbody th")
    assert [r.text for r in rows] == ["trained-gender"]
    browser.get(live_registry.url + "/?q=%5Eres.*&mode=regex")
    assert [r.text for r in browser.find_elements(_by("CSS_SELECTOR"), "table.catalog tbody th")] == [
        "resnet-50"
    ]
    browser.get(live_registry.url + "/?type=dataset")
    assert [r.text for r in browser.find_elements(_by("CSS_SELECTOR"), "table.catalog tbody th")] == ["squad"]


def test_register_a_fixture_and_see_errors(browser: Any, live_registry: LiveRegistry) -> None:
    browser.get(live_registry.url + "/web/register")
    check_page(browser, "register")
    _submit(
        browser,
        "form[action='/web/register']",
        {"url": "https://huggingface.co/onnx-community/trained-gender-ONNX"},
    )
    assert _wait_for(browser, "main h1").text.startswith("trained-gender-ONNX")
    assert "/web/artifact/model/" in browser.current_url
    browser.get(live_registry.url + "/web/register")
    _submit(
        browser, "form[action='/web/register']", {"url": "https://huggingface.co/crangana/trained-gender"}
    )
    error = _wait_for(browser, "#register-error").text
    assert "Already registered" in error and "409" in error
    _submit(browser, "form[action='/web/register']", {"url": "https://huggingface.co/nobody/no-such-model"})
    assert "404" in _wait_for(browser, "#register-error").text
    check_page(browser, "register-error")


def test_artifact_page_with_rating_and_lineage(
    browser: Any, live_registry: LiveRegistry, seeded: dict[str, str]
) -> None:
    browser.get(live_registry.url + "/?q=trained-gender")
    links = browser.find_elements(_by("CSS_SELECTOR"), "table.catalog tbody th a")
    target = next(link for link in links if link.text == "trained-gender")
    target.click()
    assert seeded["gender"] in browser.current_url
    deadline = time.monotonic() + 60
    while not browser.find_elements(_by("CSS_SELECTOR"), ".scores li") and time.monotonic() < deadline:
        time.sleep(1)
        browser.refresh()
    bars = browser.find_elements(_by("CSS_SELECTOR"), ".scores li")
    assert len(bars) >= 10
    assert "Bus factor" in _find(browser, ".scores").text
    parent = _find(browser, "svg.lineage a.node-link")
    assert seeded["resnet"] in parent.get_dom_attribute("href")
    assert "README" in _find(browser, "#readme-heading").text
    assert "Verdict:" in _find(browser, "#safety-verdict").text  # in words, not colour alone
    assert "current" in _find(browser, "table.versions").text.lower()  # the tag is upper-cased by CSS
    check_page(browser, "artifact")
    parent.click()
    assert seeded["resnet"] in browser.current_url and _find(browser, "main h1").text.startswith("resnet-50")


def test_download_a_file_and_the_bundle(
    browser: Any, live_registry: LiveRegistry, seeded: dict[str, str]
) -> None:
    browser.get(f"{live_registry.url}/web/artifact/model/{seeded['gender']}")
    download_dir: Path = browser.download_dir
    link = next(
        a
        for a in browser.find_elements(_by("CSS_SELECTOR"), "table.files a")
        if "config.json" in a.get_attribute("href")
    )
    link.click()
    deadline = time.monotonic() + 30
    while not (download_dir / "config.json").exists() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert (download_dir / "config.json").exists()
    with httpx.Client() as api:  # the same file through the API matches byte for byte
        expected = api.get(
            f"{live_registry.url}/download/model/{seeded['gender']}/config.json",
            headers={"X-Authorization": live_registry.token},
        ).content
    assert (download_dir / "config.json").read_bytes() == expected
    _find(browser, ".actions a[download]").click()
    deadline = time.monotonic() + 30
    while not list(download_dir.glob("*.zip")) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert list(download_dir.glob("*.zip"))


def test_license_check(browser: Any, live_registry: LiveRegistry, seeded: dict[str, str]) -> None:
    browser.get(f"{live_registry.url}/web/artifact/model/{seeded['gender']}")
    _submit(
        browser, "form[action$='/license-check']", {"github_url": "https://github.com/google-research/bert"}
    )
    verdict = _wait_for(browser, "#license-result").text
    assert "Compatible" in verdict or "Not compatible" in verdict
    check_page(browser, "license-check")


def test_health_page(browser: Any, live_registry: LiveRegistry, seeded: dict[str, str]) -> None:
    body = {
        "artifact_type": "model",
        "artifact_id": seeded["gender"],
        "clients": 2,
        "downloads_per_client": 2,
    }
    with live_registry.api() as api:  # the latest download benchmark is on the page
        run = api.post("/health/download-benchmark", json=body).json()
        deadline = time.monotonic() + 60
        while run["state"] not in {"done", "failed"} and time.monotonic() < deadline:
            time.sleep(0.2)
            run = api.get(f"/health/download-benchmark/{run['job_id']}").json()
    assert run["state"] == "done", run
    browser.get(live_registry.url + "/web/health")
    assert _find(browser, "main h1").text == "Health"
    assert browser.find_elements(_by("CSS_SELECTOR"), ".components li")
    assert browser.find_elements(_by("CSS_SELECTOR"), "svg.activity rect.activity-bar")
    assert _find(browser, "#benchmark-state").text == "done"
    assert "MB/s" in _find(browser, "#benchmark-figures").text
    check_page(browser, "health")


def test_admin_creates_a_user_and_resets_with_confirmation(browser: Any, live_registry: LiveRegistry) -> None:
    browser.get(live_registry.url + "/web/admin")
    check_page(browser, "admin")
    _submit(browser, "form[action='/web/admin/users']", {"name": "carol", "password": "carol-password-1"})
    assert "created" in _wait_for(browser, ".notice").text
    assert "carol" in _find(browser, "table.users").text
    _submit(
        browser, "form[action='/web/admin/reset']", {"confirmation": "reset"}, navigates=False
    )  # inert button
    assert browser.current_url.endswith("/web/admin?done=created")
    browser.execute_script("document.getElementById('reset-submit').removeAttribute('aria-disabled')")
    _find(browser, "form[action='/web/admin/reset'] button").click()
    assert "Nothing was reset" in _wait_for(browser, "#admin-error").text
    _submit(browser, "form[action='/web/admin/reset']", {"confirmation": "reset the registry"})
    assert "reset" in _wait_for(browser, ".notice").text
    assert "No artifacts yet" in _find(browser, ".empty").text


def test_a_form_post_without_its_csrf_token_is_refused(browser: Any, live_registry: LiveRegistry) -> None:
    session = browser.get_cookie("registry_session")["value"]
    response = httpx.post(
        f"{live_registry.url}/web/admin/users",
        data={"name": "mallory", "password": "mallory-password"},
        cookies={"registry_session": session},
    )
    assert response.status_code == 403 and "security token" in response.text
    with httpx.Client(base_url=live_registry.url, headers={"X-Authorization": live_registry.token}) as api:
        assert "mallory" not in api.get("/users").text


def test_sign_out(browser: Any, live_registry: LiveRegistry) -> None:
    browser.get(live_registry.url + "/")
    _find(browser, "form.signout button").click()
    assert "signed out" in _wait_for(browser, ".notice").text
    assert browser.get_cookie("registry_session") is None
    browser.get(live_registry.url + "/web/admin")
    assert "/web/signin" in browser.current_url
