"""A download's conditional headers, in RFC 9110's order (section 13.2.2)."""

from __future__ import annotations

import pytest

from package.core.errors import PreconditionFailed
from package.routers.artifacts.preconditions import Outcome, evaluate

ETAG = '"abc123"'
MTIME = 1_700_000_000  # Tue, 14 Nov 2023 22:13:20 GMT
BEFORE, AT, AFTER = (
    "Tue, 14 Nov 2023 22:13:19 GMT",
    "Tue, 14 Nov 2023 22:13:20 GMT",
    "Tue, 14 Nov 2023 22:13:21 GMT",
)


def decide(headers: dict[str, str], *, method: str = "GET", mtime: int | None = MTIME) -> Outcome:
    asked: list[int] = []

    def modified() -> int | None:
        asked.append(1)
        return mtime

    outcome = evaluate(headers, etag=ETAG, modified=modified, method=method)
    dated = any(name.endswith("modified-since") for name in headers)
    assert bool(asked) <= dated  # the file is looked at only for a date condition
    return outcome


@pytest.mark.parametrize("value", [ETAG, "*", f'"x", {ETAG}', f" {ETAG} "])
def test_if_match_that_lists_the_file_passes(value: str) -> None:
    assert decide({"if-match": value}) is Outcome.SEND


@pytest.mark.parametrize("value", ['"x"', f"W/{ETAG}", "", "abc123", '"x",' * 3000 + ETAG])
def test_if_match_that_does_not_fails_with_412(value: str) -> None:
    with pytest.raises(PreconditionFailed) as raised:
        decide({"if-match": value})
    assert raised.value.status_code == 412


def test_if_match_outranks_if_unmodified_since() -> None:
    assert decide({"if-match": ETAG, "if-unmodified-since": BEFORE}) is Outcome.SEND


@pytest.mark.parametrize(("date", "fails"), [(BEFORE, True), (AT, False), (AFTER, False)])
def test_if_unmodified_since(date: str, fails: bool) -> None:
    if fails:
        with pytest.raises(PreconditionFailed):
            decide({"if-unmodified-since": date})
    else:
        assert decide({"if-unmodified-since": date}) is Outcome.SEND


@pytest.mark.parametrize("value", [ETAG, f"W/{ETAG}", "*", f'"x", W/{ETAG}'])
def test_if_none_match_compares_weakly(value: str) -> None:
    assert decide({"if-none-match": value}) is Outcome.NOT_MODIFIED
    assert decide({"if-none-match": value}, method="HEAD") is Outcome.NOT_MODIFIED
    assert decide({"if-none-match": value}, method="POST") is Outcome.SEND


def test_if_none_match_outranks_if_modified_since() -> None:
    assert decide({"if-none-match": '"x"', "if-modified-since": AFTER}) is Outcome.SEND


@pytest.mark.parametrize(
    ("date", "outcome"), [(BEFORE, Outcome.SEND), (AT, Outcome.NOT_MODIFIED), (AFTER, Outcome.NOT_MODIFIED)]
)
def test_if_modified_since(date: str, outcome: Outcome) -> None:
    assert decide({"if-modified-since": date}) is outcome


@pytest.mark.parametrize(
    "date", ["yesterday", "", "Tue, 14 Nov 2023 22:13:21", "x" * 100, "Tue, 99 Nov 2023 99:99:99 GMT"]
)
def test_malformed_dates_are_ignored(date: str) -> None:
    assert decide({"if-modified-since": date}) is Outcome.SEND
    assert decide({"if-unmodified-since": date}) is Outcome.SEND


def test_dates_are_ignored_without_a_modification_time() -> None:
    assert decide({"if-modified-since": AFTER}, mtime=None) is Outcome.SEND
    assert decide({"if-unmodified-since": BEFORE}, mtime=None) is Outcome.SEND
