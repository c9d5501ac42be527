"""The locust user of bench/soak_locust.py, in its own module: importing locust monkey-patches the process
for gevent, so bench/soak_locust.py imports this only when its load phase starts."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any, ClassVar

import gevent  # type: ignore[import-untyped]  # no stubs; locust's own dependency
from locust import HttpUser, between, task

from bench.registry import ADMIN
from bench.soak_locust import Pool


class Visitor(HttpUser):
    """One client of the registry, mixing what teams do all day."""

    pool: ClassVar[Pool] = Pool()
    sources: ClassVar[int] = 0
    statuses: ClassVar[Counter[str]] = Counter()
    wait_time = between(0.0, 0.05)

    def on_start(self) -> None:
        self.rng = random.Random(id(self))
        self.calls = 0
        self._login()

    def _login(self) -> None:
        """Log in (a token lives 1,000 calls); 429 while another user's login of the name is checked."""
        for _ in range(50):
            with self.client.put("/authenticate", json=ADMIN, name="login", catch_response=True) as r:
                self._judge(r, "login", count=False)
                if r.status_code == 200:
                    self.client.headers["X-Authorization"] = r.json()
                    return
            gevent.sleep(0.1 + self.rng.random() / 2)

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            self._judge(response, name)

    def _judge(self, response: Any, name: str, *, count: bool = True) -> None:
        self.calls += count
        if count and (self.calls % 300 == 0 or response.status_code == 403):
            self._login()  # a token lives 1,000 calls (REGISTRY_TOKEN_MAX_USES)
        self.statuses[f"{name} {response.status_code}"] += 1
        if response.status_code >= 500 or response.status_code == 0:
            response.failure(f"server error {response.status_code}")
        else:  # 404/409 after another user's delete are the registry answering correctly
            response.success()

    def _artifact(self) -> str:
        return self.pool.any_id(self.rng) or "00000000-0000-0000-0000-000000000000"

    @task(6)
    def read(self) -> None:
        self._get(f"/artifacts/model/{self._artifact()}", "read")

    @task(3)
    def listing(self) -> None:
        with self.client.post("/artifacts", json=[{"name": "*"}], name="list", catch_response=True) as r:
            self._judge(r, "list")

    @task(2)
    def regex(self) -> None:
        body = {"regex": f"model-{self.rng.randrange(10)}.*"}
        with self.client.post("/artifact/byRegEx", json=body, name="regex", catch_response=True) as r:
            self._judge(r, "regex")

    @task(2)
    def by_name(self) -> None:
        self._get(f"/artifact/byName/model-{self.rng.randrange(self.sources)}", "byName")

    @task(3)
    def rate(self) -> None:
        self._get(f"/artifact/model/{self._artifact()}/rate", "rate")

    @task(3)
    def download(self) -> None:
        self._get(f"/download/model/{self._artifact()}", "download")

    @task(2)
    def audit(self) -> None:
        self._get(f"/artifact/model/{self._artifact()}/audit", "audit")

    @task(2)
    def health(self) -> None:
        self._get("/health", "health")

    @task(1)
    def components(self) -> None:
        self._get("/health/components", "components")

    @task(1)
    def churn(self) -> None:
        """Delete one artifact and register a free source: the registry keeps its size."""
        with self.pool.lock:
            if not self.pool.registered or not self.pool.free:
                return
            n, artifact_id = self.pool.registered.popitem()
            fresh = self.pool.free.pop(0)
        with self.client.delete(f"/artifacts/model/{artifact_id}", name="delete", catch_response=True) as r:
            self._judge(r, "delete")
        with self.pool.lock:
            self.pool.free.append(n)
        body = {"url": f"https://huggingface.co/soak/model-{fresh}"}
        with self.client.post("/artifact/model", json=body, name="register", catch_response=True) as r:
            self._judge(r, "register")
            with self.pool.lock:
                if r.status_code == 201:
                    self.pool.registered[fresh] = r.json()["metadata"]["id"]
                else:
                    self.pool.free.append(fresh)
