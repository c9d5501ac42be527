"""byRegEx encodes its answer itself (no second validation per match): its bytes, byName's and a page's
must be what the framework's JSON response of the same list would send."""

from __future__ import annotations

import pytest
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from package.core.config import Settings, get_settings
from tests.helpers import override_settings

BERT = "https://huggingface.co/google-bert/bert-base-uncased"
WHISPER_CODE = "https://github.com/openai/whisper"


def register(client: TestClient, kind: str, url: str, name: str) -> str:
    response = client.post(f"/artifact/{kind}", json={"url": url, "name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["metadata"]["id"])


@pytest.mark.parametrize("name", ["twin", 'tw\u00efn "quoted" \\ \u2028 \U0001f600'])
def test_answers_are_byte_for_byte_the_frameworks_json(client: TestClient, name: str) -> None:
    first = register(client, "model", BERT, name)
    second = register(client, "code", WHISPER_CODE, name)
    by_name = client.get("/artifact/byName/" + name.replace("\\", "%5C").replace('"', "%22"))
    assert by_name.status_code == 200, by_name.text
    regex = client.post("/artifact/byRegEx", json={"regex": "^" + name.replace("\\", "\\\\") + "$"})
    assert regex.status_code == 200, regex.text
    assert [a["id"] for a in regex.json()] == [first, second]  # oldest first
    assert regex.json() == [
        {"name": name, "id": first, "type": "model"},
        {"name": name, "id": second, "type": "code"},
    ]
    framework = JSONResponse(regex.json())  # what a route returning the list itself would send
    page = client.post("/artifacts", json=[{"name": name}])
    for answer in (regex, by_name, page):
        assert answer.content == framework.body
        assert answer.headers["content-type"] == framework.headers["content-type"]
        assert answer.headers["content-length"] == str(len(answer.content))


def test_a_page_names_the_next_in_its_offset_header(client: TestClient) -> None:
    ids = [
        register(client, kind, url, f"m{n}")
        for n, (kind, url) in enumerate([("model", BERT), ("code", WHISPER_CODE)])
    ]
    override_settings(client, get_settings, Settings(page_size=1))
    first = client.post("/artifacts", json=[{"name": "*"}])
    last = client.post("/artifacts", json=[{"name": "*"}], params={"offset": first.headers["offset"]})
    assert [a["id"] for a in [*first.json(), *last.json()]] == ids and "offset" not in last.headers


def test_regex_errors_stay_json(client: TestClient) -> None:
    register(client, "model", BERT, "bert-base-uncased")
    missing = client.post("/artifact/byRegEx", json={"regex": "ece461rules"})
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"
    bad = client.post("/artifact/byRegEx", json={"regex": "("})
    assert bad.status_code == 400 and "regular expression" in bad.json()["message"].lower()
