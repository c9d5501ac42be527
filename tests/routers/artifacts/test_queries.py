"""`POST /artifacts` filters: unknown fields refused, license / min_net_score / created_after, and the OpenAPI
document describing the 400 answers the server really gives."""

from __future__ import annotations

import pytest

from package.routers.artifacts import queries
from package.routers.artifacts.mirror import now_iso

BERT = "https://huggingface.co/google-bert/bert-base-uncased"
WHISPER_CODE = "https://github.com/openai/whisper"


def register(client, kind, url):
    response = client.post(f"/artifact/{kind}", json={"url": url})
    assert response.status_code == 201, response.text
    return response.json()["metadata"]


def names(client, *query):
    response = client.post("/artifacts", json=list(query))
    assert response.status_code == 200, response.text
    return sorted(item["name"] for item in response.json())


def test_unknown_field_is_a_400_naming_it(client):
    response = client.post("/artifacts", json=[{"name": "*", "licence": "apache-2.0"}])
    assert response.status_code == 400
    assert "licence" in response.json()["message"]


def test_license_filter_is_case_insensitive(client):
    bert = register(client, "model", BERT)
    register(client, "code", WHISPER_CODE)
    license_id = client.get(f"/artifact/model/{bert['id']}/details").json()["license"]
    assert license_id
    assert names(client, {"name": "*", "license": license_id.upper()}) == [bert["name"]]
    assert names(client, {"name": "*", "license": "no-such-license"}) == []
    assert names(client, {"name": "*", "license": "a long free-text license " * 40}) == []  # asked: 200


def test_created_after_keeps_only_later_registrations(client):
    first = register(client, "code", WHISPER_CODE)
    between = now_iso()
    second = register(client, "model", BERT)
    assert names(client, {"name": "*", "created_after": between}) == [second["name"]]
    assert names(client, {"name": "*", "created_after": "2000-01-01T00:00:00"}) == sorted(
        [first["name"], second["name"]]
    )
    assert client.post("/artifacts", json=[{"name": "*", "created_after": "yesterday"}]).status_code == 400


def test_min_net_score_reads_the_score_sources(client, monkeypatch):
    bert = register(client, "model", BERT)
    whisper = register(client, "code", WHISPER_CODE)
    monkeypatch.setattr(
        queries, "_score_sources", [lambda _storage, ids: {i: 0.7 for i in ids if i == bert["id"]}]
    )
    assert names(client, {"name": "*", "min_net_score": 0.5}) == [bert["name"]]
    assert names(client, {"name": "*", "min_net_score": 0.8}) == []
    assert whisper["name"] in names(client, {"name": "*"})
    assert client.post("/artifacts", json=[{"name": "*", "min_net_score": 2}]).status_code == 400


def test_rating_provides_current_net_scores(client):
    from package.routers.rating import services as rating_services

    assert rating_services.current_net_scores in queries._score_sources


@pytest.mark.parametrize("path", ["/artifacts", "/artifact/byRegEx"])
def test_openapi_says_400_error_bodies_not_422(client, path):
    document = client.get("/openapi.json").json()
    responses = document["paths"][path]["post"]["responses"]
    assert "422" not in responses
    assert responses["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "422" not in str(document["paths"])
