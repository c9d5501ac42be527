"""A local fake of Kaggle's dataset API (RPC-style v1, as the kaggle CLI calls it)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakehub.runner import BackgroundServers

USERNAME = "registry-tester"
KEY = "0123456789abcdef0123456789abcdef"


def _csv(rows: int, seed: int) -> bytes:
    lines = ["label," + ",".join(f"pixel{i}" for i in range(1, 9))]
    for row in range(rows):
        digest = hashlib.sha256(f"{seed}:{row}".encode()).digest()
        lines.append(",".join(str(b % 256) for b in digest[:9]))
    return ("\n".join(lines) + "\n").encode()


@dataclass
class KaggleDataset:
    """One dataset as Kaggle's API describes it."""

    owner: str
    slug: str
    title: str
    subtitle: str
    description: str
    license_name: str
    keywords: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    downloads: int = 0
    votes: int = 0


FASHION = KaggleDataset(
    owner="zalando-research",
    slug="fashionmnist",
    title="Fashion MNIST",
    subtitle="An MNIST-like dataset of 70,000 28x28 labeled fashion images",
    description="\n".join(
        [
            "# Context",
            "",
            "Fashion-MNIST is a dataset of Zalando's article images, consisting of a training set of 60,000",
            "examples and a test set of 10,000 examples. Each example is a 28x28 grayscale image, associated",
            "with a label from 10 classes.",
            "",
            "# Content",
            "",
            "Each row is a separate image: column 1 is the class label, the rest are pixel values.",
            "",
            "# License",
            "",
            "The MIT License (MIT) Copyright (c) 2017 Zalando SE",
        ]
    ),
    license_name="other",
    keywords=["arts and entertainment", "image data", "multiclass classification"],
    files={"fashion-mnist_train.csv": _csv(600, 1), "fashion-mnist_test.csv": _csv(100, 2)},
    downloads=312_554,
    votes=3_001,
)


class FakeKaggle:
    """Kaggle's dataset API on loopback; only the configured credentials are accepted."""

    def __init__(self) -> None:
        self.datasets = {f"{FASHION.owner}/{FASHION.slug}": FASHION}
        routes = [Route("/v1/datasets.DatasetApiService/{method}", self._rpc, methods=["POST"])]
        self._servers = BackgroundServers({"kaggle": Starlette(routes=routes)})

    def start(self) -> None:
        """Serve on a free port."""
        self._servers.start({})

    def stop(self) -> None:
        """Stop serving."""
        self._servers.stop()

    @property
    def url(self) -> str:
        """The API root (as REGISTRY_KAGGLE_API_URL)."""
        return f"http://127.0.0.1:{self._servers.ports['kaggle']}/v1"

    async def _rpc(self, request: Request) -> Response:
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{KEY}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"code": 401, "message": "Unauthenticated"}, status_code=401)
        body = await request.json()
        dataset = self.datasets.get(f"{body.get('ownerSlug')}/{body.get('datasetSlug')}")
        if dataset is None:
            return JSONResponse({"code": 404, "message": "Dataset not found"}, status_code=404)
        method = request.path_params["method"]
        if method == "GetDataset":
            return JSONResponse(
                {
                    "id": 2243,
                    "ref": f"{dataset.owner}/{dataset.slug}",
                    "title": dataset.title,
                    "subtitle": dataset.subtitle,
                    "totalBytes": sum(len(b) for b in dataset.files.values()),
                    "downloadCount": dataset.downloads,
                    "voteCount": dataset.votes,
                    "usabilityRating": 0.88,
                    "licenseName": dataset.license_name,
                    "currentVersionNumber": 4,
                    "lastUpdated": "2017-12-07T00:46:42.000Z",
                }
            )
        if method == "GetDatasetMetadata":
            return JSONResponse(
                {
                    "info": {
                        "title": dataset.title,
                        "subtitle": dataset.subtitle,
                        "description": dataset.description,
                        "keywords": dataset.keywords,
                        "licenses": [{"name": dataset.license_name}],
                    }
                }
            )
        if method == "ListDatasetFiles":
            files = [
                {"name": n, "totalBytes": len(b), "creationDate": "2017-12-07T00:46:42.000Z"}
                for n, b in sorted(dataset.files.items())
            ]
            return JSONResponse({"datasetFiles": files, "nextPageToken": ""})
        if method == "DownloadDataset":
            data = dataset.files.get(str(body.get("fileName")))
            if data is None:
                return JSONResponse({"code": 404, "message": "File not found"}, status_code=404)
            return Response(data, media_type="application/octet-stream")
        return JSONResponse({"code": 404, "message": f"unknown method {method}"}, status_code=404)
