"""Benchmarks some of these tests run in this process silence its logging (`logging.disable`, so a log line
per operation is not timed): every test here gives the process its logging back, whatever runs next."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def logging_given_back() -> Iterator[None]:
    yield
    logging.disable(logging.NOTSET)
