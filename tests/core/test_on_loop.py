"""Cheap getters as async dependencies: answered on the event loop, one wrapper per getter (overridable)."""

from __future__ import annotations

import asyncio
import threading

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from package.core.on_loop import on_loop


def test_the_same_getter_gets_the_same_async_wrapper():
    def getter() -> str:
        """The value."""
        return "value"

    wrapper = on_loop(getter)
    assert on_loop(getter) is wrapper
    assert asyncio.run(wrapper()) == "value"
    assert wrapper.__name__ == "getter" and wrapper.__doc__ == "The value."


def test_the_getter_runs_on_the_event_loop_not_in_the_thread_pool():
    threads: dict[str, threading.Thread] = {}

    def getter() -> int:
        threads["getter"] = threading.current_thread()
        return 1

    app = FastAPI()

    @app.get("/")
    async def route(value: int = Depends(on_loop(getter))) -> int:
        threads["route"] = threading.current_thread()
        return value

    with TestClient(app) as client:
        assert client.get("/").json() == 1
        app.dependency_overrides[on_loop(getter)] = lambda: 2
        assert client.get("/").json() == 2
    assert threads["getter"] is threads["route"]  # an async route runs on the loop's thread
