"""X-Request-ID in and out, one JSON log line per request with its fields, observers and annotations."""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from package.core.events import ArtifactEvent, clear_hooks, emit_artifact_event
from package.core.request_log import (
    RequestRecord,
    add_request_observer,
    current_request_id,
    install_request_log,
    note,
)
from tests.helpers import LogLines, captured_log_lines


@pytest.fixture
def lines() -> Iterator[LogLines]:
    with captured_log_lines("INFO") as handler:
        yield handler


@pytest.fixture
def app() -> FastAPI:
    clear_hooks()
    app = FastAPI()
    install_request_log(app)

    @app.get("/artifacts/{artifact_type}/{id}")
    def read(artifact_type: str, id: str) -> dict[str, str]:
        note(user="alice")
        logging.getLogger("registry.test").info("inside the route")
        return {"id": id, "request_id": current_request_id() or ""}

    @app.post("/artifact/{artifact_type}")
    def create(artifact_type: str) -> dict[str, str]:
        emit_artifact_event(ArtifactEvent.CREATED, "4242")
        return {"created": "4242"}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("bug")

    return app


class TestRequestId:
    def test_a_well_formed_id_is_kept_and_returned(self, app, lines):
        response = TestClient(app).get("/artifacts/model/7", headers={"X-Request-ID": "gateway-abc.123"})
        assert response.headers["X-Request-ID"] == "gateway-abc.123"
        assert response.json()["request_id"] == "gateway-abc.123"
        assert lines.requests()[-1]["request_id"] == "gateway-abc.123"

    def test_an_id_is_generated_when_absent(self, app, lines):
        first = TestClient(app).get("/artifacts/model/7").headers["X-Request-ID"]
        second = TestClient(app).get("/artifacts/model/7").headers["X-Request-ID"]
        assert len(first) == 32 and first != second
        assert [line["request_id"] for line in lines.requests()] == [first, second]

    @pytest.mark.parametrize("bad", ["x" * 200, "has space", 'quote"s', ""])
    def test_a_malformed_id_is_replaced(self, app, lines, bad):
        response = TestClient(app).get("/artifacts/model/7", headers={"X-Request-ID": bad})
        assert response.headers["X-Request-ID"] != bad
        assert len(response.headers["X-Request-ID"]) == 32

    def test_other_log_lines_of_the_request_carry_its_id(self, app, lines):
        TestClient(app).get("/artifacts/model/7", headers={"X-Request-ID": "trace-1"})
        inside = [line for line in lines.lines if line["message"] == "inside the route"]
        assert inside and inside[0]["request_id"] == "trace-1"


class TestLogLine:
    def test_one_line_per_request_with_every_field(self, app, lines):
        TestClient(app).get("/artifacts/dataset/99", headers={"X-Request-ID": "r1"})
        (line,) = lines.requests()
        assert line["level"] == "INFO"
        assert line["message"] == "GET /artifacts/{artifact_type}/{id} 200"
        assert line["request_id"] == "r1"
        assert line["method"] == "GET"
        assert line["route"] == "/artifacts/{artifact_type}/{id}"
        assert line["path"] == "/artifacts/dataset/99"
        assert line["status"] == 200
        assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
        assert line["user"] == "alice"
        assert line["artifact_id"] == "99"
        assert line["artifact_type"] == "dataset"
        assert line["response_bytes"] > 0

    def test_a_registration_logs_the_id_it_created(self, app, lines):
        TestClient(app).post("/artifact/code")
        (line,) = lines.requests()
        assert line["artifact_id"] == "4242"
        assert line["artifact_type"] == "code"
        assert line["route"] == "/artifact/{artifact_type}"

    def test_an_unknown_path_is_logged_under_one_route(self, app, lines):
        TestClient(app).get("/no/such/thing/123")
        (line,) = lines.requests()
        assert line["route"] == "(unmatched)"
        assert line["status"] == 404

    def test_an_unhandled_error_is_logged_as_500(self, app, lines):
        response = TestClient(app, raise_server_exceptions=False).get("/boom")
        assert response.status_code == 500
        (line,) = lines.requests()
        assert line["status"] == 500
        assert line["level"] == "WARNING"

    def test_artifact_type_outside_the_three_is_not_recorded(self, app, lines):
        TestClient(app).get("/artifacts/weights/1")
        assert lines.requests()[0]["artifact_type"] is None


class TestObservers:
    def test_observers_see_each_request_and_a_failing_one_breaks_nothing(self, app, lines):
        seen: list[RequestRecord] = []

        def broken(_: RequestRecord) -> None:
            raise ValueError("observer bug")

        add_request_observer(app, broken)
        add_request_observer(app, seen.append)
        response = TestClient(app).get("/artifacts/code/5", headers={"X-Authorization": "bearer t"})
        assert response.status_code == 200
        (record,) = seen
        assert record.route_key == "GET /artifacts/{artifact_type}/{id}"
        assert record.credential_digest is not None
        assert record.client == "testclient"
        assert any(line["message"] == "request observer failed" for line in lines.lines)

    def test_installing_twice_adds_one_middleware(self, app):
        install_request_log(app)
        assert len(app.user_middleware) == 1

    def test_note_outside_a_request_does_nothing(self):
        note(user="nobody")
        assert current_request_id() is None


class TestPathsend:
    def test_a_file_the_server_sends_itself_counts_its_content_length(self, lines, tmp_path):
        """Under granian, Starlette's FileResponse sends `http.response.pathsend` instead of body chunks."""
        import asyncio

        from package.core.request_log import RequestLogMiddleware

        blob = tmp_path / "blob"
        blob.write_bytes(b"x" * 1234)
        seen: list[RequestRecord] = []
        sent: list[dict[str, Any]] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            headers = [(b"content-length", b"1234")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.pathsend", "path": str(blob)})

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(dict(message))

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        scope = {"type": "http", "method": "GET", "path": "/blob", "headers": [], "extensions": {}}
        asyncio.run(RequestLogMiddleware(app, observers=[seen.append])(scope, receive, send))
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.pathsend"]
        assert seen[0].response_bytes == 1234
        assert lines.requests()[-1]["response_bytes"] == 1234
