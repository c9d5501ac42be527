"""The split deployment of docker-compose.yml, run as local processes (tests/deploy/split.py): routing, a
domain going down and coming back, background work surviving a crash, and the same on the AWS driver."""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]  # no stubs pinned; used for one check
import pytest

from tests.aws import aws_storage_env, moto_server
from tests.conftest import CHEAP_PASSWORD_HASHING, DEFAULT_ADMIN, DEFAULT_ADMIN_PASSWORD
from tests.deploy.split import GATEWAY, ROOT, Split, compose, domain_services
from tests.deploy.tools import compose_schema

__all__ = ["moto_server"]
LOGIN = {
    "user": {"name": DEFAULT_ADMIN, "is_admin": True},
    "secret": {"password": DEFAULT_ADMIN_PASSWORD},
}
BERT = "https://huggingface.co/google-bert/bert-base-uncased"


def test_compose_file_describes_one_container_per_domain():
    from package.core.config import ALL_DOMAINS

    services = compose()["services"]
    domains = {name: svc["environment"]["REGISTRY_DOMAINS"] for name, svc in domain_services().items()}
    assert sorted(domains.values()) == sorted(ALL_DOMAINS)
    assert all(name == domain for name, domain in domains.items())
    gateway = services["gateway"]
    assert set(gateway["depends_on"]) == set(domains)
    upstreams = (GATEWAY / "upstreams.conf").read_text()
    for name in domains:
        assert f"upstream {name} " in upstreams and f"server {name}:8000" in upstreams
    for mount in gateway["volumes"]:
        source = mount.split(":")[0]
        assert (ROOT / source).exists() if source.startswith("./") else source in compose()["volumes"]
    extra = set(services) - set(domains) - {"gateway"}
    assert all(services[name].get("profiles") for name in extra), "helpers must not start by default"


def _schema_with_env_file_objects() -> dict[str, Any]:
    """The npm schema (1.0.0) predates Compose 2.24's `env_file` entries `{path, required}`: add them."""
    schema: dict[str, Any] = json.loads(compose_schema().read_text())
    entry = {
        "type": "object",
        "properties": {"path": {"type": "string"}, "required": {"type": "boolean"}},
        "required": ["path"],
        "additionalProperties": False,
    }
    schema["definitions"]["service"]["properties"]["env_file"] = {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"oneOf": [{"type": "string"}, entry]}}]
    }
    return schema


def test_compose_file_is_valid_against_the_compose_specification_schema():
    validator = jsonschema.Draft201909Validator(_schema_with_env_file_objects())
    assert [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(compose())] == []
    broken = compose()
    broken["services"]["auth"]["depends_on"] = {"health": {"condition": "when_ready"}}
    assert list(validator.iter_errors(broken))  # the schema does catch a mistake


def test_every_container_has_a_healthcheck_and_the_gateway_waits_for_them():
    services = compose()["services"]
    for name, svc in domain_services().items():
        probe = " ".join(svc["healthcheck"]["test"])
        assert "/health/ready" in probe, name
        assert services["gateway"]["depends_on"][name] == {"condition": "service_healthy"}
    assert "/health/gateway" in " ".join(services["gateway"]["healthcheck"]["test"])
    dockerfile = (ROOT / "backend" / "Dockerfile").read_text()
    assert "HEALTHCHECK" in dockerfile and "/health'" in dockerfile


def test_compose_shares_the_aws_driver_when_asked():
    for svc in domain_services().values():
        env = svc["environment"]
        assert env["REGISTRY_STORAGE"] == "${REGISTRY_STORAGE:-embedded}"
        for name in (
            "REGISTRY_DYNAMODB_TABLE",
            "REGISTRY_S3_BUCKET",
            "REGISTRY_AWS_ENDPOINT_URL",
            "AWS_REGION",
        ):
            assert env[name].startswith(f"${{{name}:-"), name


def _env(hub, tmp_path: Path, gateway_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    return (
        env
        | CHEAP_PASSWORD_HASHING
        | {
            "REGISTRY_DATA_DIR": str(tmp_path / "data"),
            "HF_ENDPOINT": hub.hf_url,
            "GITHUB_API_URL": hub.github_url,
            "REGISTRY_PUBLIC_URL": gateway_url,
            "HF_HOME": str(tmp_path / "hf"),
        }
    )


@pytest.fixture
def make_split(registry_env, hub, tmp_path) -> Iterator[Callable[..., Split]]:
    """Start a split (extra environment for every container); everything stops after the test."""
    started: list[Split] = []

    def make(**extra: str) -> Split:
        split = Split(tmp_path, {})
        split.env = _env(hub, tmp_path, split.url) | extra
        started.append(split)
        split.start()
        return split

    yield make
    for split in started:
        split.stop()


@contextmanager
def _admin(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=60) as http:
        login = http.put("/authenticate", json=LOGIN)  # the auth container
        assert login.status_code == 200, login.text
        http.headers["X-Authorization"] = login.json()
        yield http


def _register(http: httpx.Client, url: str = BERT) -> dict[str, object]:
    created = http.post("/artifact/model", json={"url": url})
    assert created.status_code in (201, 202), created.text
    body: dict[str, object] = created.json()
    return body


def _until(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _mirrored(http: httpx.Client, aid: str) -> bool:
    overview = http.get(f"/artifact/model/{aid}/details")
    return overview.status_code == 200 and overview.json()["mirror"]["status"] == "complete"


def _check_routes(http: httpx.Client, gateway: str, *, aws: bool) -> None:
    artifact = _register(http)
    assert artifact["data"]["download_url"].startswith(gateway)  # type: ignore[index]
    aid = artifact["metadata"]["id"]  # type: ignore[index]
    assert http.get(f"/artifacts/model/{aid}").json() == artifact
    assert http.get("/tracks").status_code == 200  # health container
    assert http.get("/health").status_code == 200
    download = http.get(f"/download/model/{aid}/config.json")  # streamed through nginx
    assert download.status_code == 200 and download.json()
    _until(lambda: _mirrored(http, aid))
    stored = http.get(f"/download/model/{aid}")
    if aws:  # S3 blobs: a redirect to the presigned URL, which serves the bytes itself
        assert stored.status_code == 302, stored.text
        stored = httpx.get(stored.headers["location"], timeout=60)
    assert stored.status_code == 200, stored.text
    assert stored.headers["etag"]  # from the blob store: by nginx (X-Accel-Redirect) or by S3
    assert "x-accel-redirect" not in stored.headers
    assert stored.headers["content-length"] == str(len(stored.content))
    assert zipfile.ZipFile(io.BytesIO(stored.content)).testzip() is None
    ranged = {"Range": "bytes=10-19"}
    part = (
        httpx.get(stored.url, headers=ranged) if aws else http.get(f"/download/model/{aid}", headers=ranged)
    )
    assert part.status_code == 206 and part.content == stored.content[10:20]
    if not aws:  # nginx passes the registry's ETag on: a client's If-None-Match and If-Range match it
        assert stored.headers["etag"] == f'"{hashlib.sha256(stored.content).hexdigest()}"'
        assert (
            http.get(f"/download/model/{aid}", headers={"If-None-Match": stored.headers["etag"]}).status_code
            == 304
        )
        same = http.get(f"/download/model/{aid}", headers=ranged | {"If-Range": stored.headers["etag"]})
        assert same.status_code == 206 and same.content == stored.content[10:20]
        # An If-Match is the registry's to judge (nginx would compare an ETag of its own, and answer HTML).
        listed = http.get(f"/download/model/{aid}", headers={"If-Match": stored.headers["etag"]})
        assert listed.status_code == 200 and listed.content == stored.content
        refused = http.get(f"/download/model/{aid}", headers={"If-Match": '"other"'})
        assert refused.status_code == 412 and refused.json()["error"] == "precondition_failed"
    assert http.delete("/reset").status_code == 200
    assert http.post("/artifacts", json=[{"name": "*"}]).json() == []


def _check_probes(split: Split) -> None:
    """Every container answers liveness and readiness, whatever it serves."""
    for name, port in split.ports.items():
        live = httpx.get(f"http://127.0.0.1:{port}/health")
        assert live.status_code == 200 and live.json()["status"] == "ok", name
        ready = httpx.get(f"http://127.0.0.1:{port}/health/ready")
        assert ready.status_code == 200, name
        assert ready.json()["domains"] == [name] and all(c["ok"] for c in ready.json()["checks"].values())


def _check_web(http: httpx.Client, gateway: str) -> None:
    """The web container alone serves the pages, listing what the artifacts container registered."""
    with httpx.Client(base_url=gateway, timeout=60) as anonymous:
        home = anonymous.get("/")
        assert home.status_code == 200 and "Sign in" in home.text
        assert anonymous.get("/web/static/app.css").status_code == 200
    aid = _register(http, "https://huggingface.co/microsoft/resnet-50")["metadata"]["id"]  # type: ignore[index]
    catalog = http.get("/")
    assert catalog.status_code == 200 and f"/web/artifact/model/{aid}" in catalog.text
    page = http.get(f"/web/artifact/model/{aid}")
    assert page.status_code == 200 and "resnet-50" in page.text
    assert http.get("/docs").status_code == 200  # from local assets, whichever container answers


def test_requests_reach_the_right_container(make_split):
    split = make_split()
    _check_probes(split)
    with _admin(split.url) as http:
        _check_routes(http, split.url, aws=False)
        _check_web(http, split.url)


def test_the_split_runs_on_the_aws_driver_shared_by_every_container(make_split, moto_server, request):
    split = make_split(**aws_storage_env(moto_server, request.node.name), AWS_REGION="us-east-1")
    assert not (split.tmp_path / "data" / "registry.sqlite3").exists()  # nothing on a local volume
    with _admin(split.url) as http:
        _check_routes(http, split.url, aws=True)


def test_a_down_domain_answers_503_naming_it_and_traffic_resumes_when_it_returns(make_split):
    split = make_split()
    with _admin(split.url) as http:
        aid = _register(http)["metadata"]["id"]  # type: ignore[index]
        assert http.get(f"/artifact/model/{aid}/lineage").status_code == 200
        split.stop_domain("lineage")
        down = http.get(f"/artifact/model/{aid}/lineage")
        assert down.status_code == 503
        assert down.headers["content-type"].startswith("application/json") and down.headers["retry-after"]
        assert down.json()["error"] == "domain_unavailable" and down.json()["details"] == {
            "domain": "lineage"
        }
        assert http.get(f"/artifact/model/{aid}/cost").json()["details"]["domain"] == "lineage"
        # every other domain keeps working meanwhile
        assert http.get(f"/artifacts/model/{aid}").status_code == 200
        assert http.get(f"/artifact/model/{aid}/rate").status_code == 200
        assert http.get("/tracks").status_code == 200
        assert http.put("/authenticate", json=LOGIN).status_code == 200
        split.start_domain("lineage")
        assert http.get(f"/artifact/model/{aid}/lineage").status_code == 200


def test_background_work_survives_a_crash_of_the_container_that_accepted_it(make_split, hub):
    split = make_split(REGISTRY_ASYNC_RATING="true")  # a model stays hidden until rated in the background
    with _admin(split.url) as http:
        # Every Hub and GitHub answer takes a second: the copy and the rating are under way at the crash.
        hub.set_latency("hf", 1.0)
        hub.set_latency("github", 1.0)
        try:
            aid = _register(http)["metadata"]["id"]  # type: ignore[index]
            assert http.get(f"/artifacts/model/{aid}").status_code == 404  # hidden until rated
            assert not _mirrored(http, aid)
            split.kill_domain("artifacts")  # SIGKILL: no shutdown hook runs
        finally:
            hub.set_latency("hf", 0)
            hub.set_latency("github", 0)
        split.start_domain("artifacts")  # resumes from storage: the rating publishes, the copy completes
        _until(lambda: http.get(f"/artifacts/model/{aid}").status_code == 200, timeout=90)
        _until(lambda: _mirrored(http, aid), timeout=90)
        assert http.get(f"/artifact/model/{aid}/rate").status_code == 200
