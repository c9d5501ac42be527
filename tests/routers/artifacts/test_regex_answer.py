"""byRegEx encodes its answer itself (no second validation per match): the bytes must be the framework's."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

BERT = "https://huggingface.co/google-bert/bert-base-uncased"
WHISPER_CODE = "https://github.com/openai/whisper"


def register(client: TestClient, kind: str, url: str, name: str) -> str:
    response = client.post(f"/artifact/{kind}", json={"url": url, "name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["metadata"]["id"])


@pytest.mark.parametrize("name", ["twin", 'tw\u00efn "quoted" \\ \u2028 \U0001f600'])
def test_regex_answer_is_byte_for_byte_what_by_name_answers(client: TestClient, name: str) -> None:
    # byName's answer goes through the framework's response model: the same artifacts must read the same.
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
    assert regex.content == by_name.content
    assert regex.headers["content-type"] == by_name.headers["content-type"]
    assert regex.headers["content-length"] == str(len(regex.content))


def test_regex_errors_stay_json(client: TestClient) -> None:
    register(client, "model", BERT, "bert-base-uncased")
    missing = client.post("/artifact/byRegEx", json={"regex": "ece461rules"})
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"
    bad = client.post("/artifact/byRegEx", json={"regex": "("})
    assert bad.status_code == 400 and "regular expression" in bad.json()["message"].lower()
