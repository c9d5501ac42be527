"""The artifact page's safety verdict, file formats and version history, over ASGI on the fake hub."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from package.routers.safety import services as safety_services
from tests.conftest import clear_process_caches, wait_for_mirrors
from tests.fakehub import FakeHub
from tests.fakehub.fixtures.safety_files import install_safety_repos

HF = "https://huggingface.co/"
BERT = HF + "google-bert/bert-base-uncased"
DISTILBERT = HF + "distilbert-base-uncased-distilled-squad"


@pytest.fixture(scope="module")
def safety_lab(hub: FakeHub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The safety fixture repos in the fake hub, and the file a payload would create if anything ran it."""
    canary = tmp_path_factory.mktemp("web-canary") / "payload-ran"
    install_safety_repos(hub, canary)
    yield canary
    assert not canary.exists(), "a payload ran"


def scanned_page(client: TestClient, artifact_id: str) -> str:
    """The artifact page once mirroring and scanning are done."""
    wait_for_mirrors()
    assert safety_services.wait_idle(), "scans did not finish"
    response = client.get(f"/web/artifact/model/{artifact_id}")
    assert response.status_code == 200, response.text
    return response.text


def file_format(page: str, path: str) -> str:
    """The Format cell of a file's row, tags stripped."""
    match = re.search(
        rf'<th scope="row" class="path">{re.escape(path)}</th>\s*<td class="format"[^>]*>(.*?)</td>', page
    )
    assert match, f"no row for {path}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def verdict(page: str) -> str:
    """The verdict badge's text, tags stripped."""
    match = re.search(r'<p id="safety-verdict" class="verdict-badge verdict-(\w+)">(.*?)</p>', page, re.S)
    assert match, "no verdict badge"
    return f"{match.group(1)}: " + " ".join(re.sub(r"<[^>]+>", " ", match.group(2)).split())


def approval(page: str) -> str:
    match = re.search(r'<dd id="safety-approval">(.*?)</dd>', page, re.S)
    assert match, "no approval state"
    return match.group(1).strip()


class TestSafety:
    def test_a_dangerous_pickle_says_so_in_words_with_its_finding(
        self, client: TestClient, register: Callable[..., str], safety_lab: Path
    ):
        model_id = register(HF + "safety-lab/os-system-model")
        page = scanned_page(client, model_id)
        assert verdict(page) == "dangerous: ✗ Verdict: Dangerous: loading it can run code"
        findings = page.split('<table class="findings">', 1)[1].split("</table>", 1)[0]
        assert "pytorch_model.bin" in findings and "dangerous import" in findings
        assert "os.system" in findings or "posix.system" in findings
        assert file_format(page, "pytorch_model.bin") == "pickle (can carry code)"
        assert file_format(page, "config.json") == "other"
        assert approval(page) == "not approved"

    def test_an_admin_approval_is_shown(
        self, client: TestClient, register: Callable[..., str], safety_lab: Path
    ):
        model_id = register(HF + "safety-lab/os-system-model")
        scanned_page(client, model_id)
        approved = client.post(f"/artifact/model/{model_id}/safety/approve", json={"reason": "sandbox use"})
        assert approved.status_code == 200, approved.text
        assert approval(scanned_page(client, model_id)).startswith("approved by ece30861defaultadminuser on ")

    def test_safetensors_weights_are_safe_and_marked(
        self, client: TestClient, register: Callable[..., str], safety_lab: Path
    ):
        page = scanned_page(client, register(HF + "safety-lab/clean-safetensors"))
        assert verdict(page).startswith("safe: ✓ Verdict: Safe")
        assert file_format(page, "model.safetensors") == "safetensors"
        assert "No findings." in page and approval(page) == "not needed"

    def test_a_pytorch_zip_is_named_as_such(
        self, client: TestClient, register: Callable[..., str], safety_lab: Path
    ):
        page = scanned_page(client, register(HF + "safety-lab/benign-torch"))
        assert file_format(page, "pytorch_model.bin") == "PyTorch zip (can carry code)"

    def test_unscanned_files_get_a_note(
        self, client: TestClient, register: Callable[..., str], safety_lab: Path, monkeypatch
    ):
        monkeypatch.setenv("REGISTRY_MIRROR", "off")
        clear_process_caches()
        model_id = register(HF + "safety-lab/os-system-model")
        page = client.get(f"/web/artifact/model/{model_id}").text
        assert verdict(page) == "unscanned: ? Verdict: Not scanned yet"
        assert re.search(r"\d+ of \d+ files are not scanned yet", page)
        assert "not scanned yet: its bytes" not in page  # one note, not a finding per file


class TestVersions:
    def test_a_put_adds_a_version_and_the_older_bundle_downloads(
        self, client: TestClient, register: Callable[..., str]
    ):
        model_id = register(BERT)
        wait_for_mirrors()
        meta = client.get(f"/artifacts/model/{model_id}").json()["metadata"]
        body = {"metadata": meta, "data": {"url": DISTILBERT}}
        assert client.put(f"/artifacts/model/{model_id}", json=body).status_code == 200
        wait_for_mirrors()
        page = client.get(f"/web/artifact/model/{model_id}").text
        table = page.split('<table class="versions">', 1)[1].split("</table>", 1)[0]
        rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">(\d+)(.*?)</th>", table, re.S)
        assert [(number, "current" in rest) for number, rest in rows] == [("2", True), ("1", False)]
        assert BERT in table and DISTILBERT in table and "ece30861defaultadminuser" in table
        link = f"/download/model/{model_id}?version=1"
        assert link in table
        assert client.get(link).status_code == 200

    def test_a_version_whose_bundle_retention_let_go_has_no_link(
        self, client: TestClient, register: Callable[..., str], monkeypatch
    ):
        monkeypatch.setenv("REGISTRY_VERSIONS_KEPT", "0")
        clear_process_caches()
        model_id = register(BERT)
        wait_for_mirrors()
        meta = client.get(f"/artifacts/model/{model_id}").json()["metadata"]
        body = {"metadata": meta, "data": {"url": DISTILBERT}}
        assert client.put(f"/artifacts/model/{model_id}", json=body).status_code == 200
        wait_for_mirrors()
        table = client.get(f"/web/artifact/model/{model_id}").text.split('<table class="versions">', 1)[1]
        assert "?version=1" not in table and "not kept" in table
        assert client.get(f"/download/model/{model_id}", params={"version": 1}).status_code == 404

    def test_each_version_shows_its_stored_net_score_with_a_link(
        self, client: TestClient, register: Callable[..., str], monkeypatch
    ):
        monkeypatch.setenv("REGISTRY_MIRROR", "off")
        monkeypatch.setenv("REGISTRY_RATE_ON_INGEST", "false")
        clear_process_caches()
        model_id = register(BERT)
        first = client.get(f"/artifact/model/{model_id}/rate").json()["net_score"]
        meta = client.get(f"/artifacts/model/{model_id}").json()["metadata"]
        body = {"metadata": meta, "data": {"url": DISTILBERT}}
        assert client.put(f"/artifacts/model/{model_id}", json=body).status_code == 200
        table = client.get(f"/web/artifact/model/{model_id}").text.split('<table class="versions">', 1)[1]
        rows = table.split("</table>", 1)[0].split("<tr")[2:]  # newest first, after the header row
        assert "not stored" in rows[0]  # version 2 is not rated yet
        link = f'href="/artifact/model/{model_id}/rate?version=1">{first:.2f}'
        assert link in rows[1]
