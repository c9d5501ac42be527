"""What nginx answers after an X-Accel-Redirect (its Range and If-Range rules), as the request log records it.

tests/deploy/test_serve.py checks the same answers against nginx itself.
"""

from __future__ import annotations

from email.utils import formatdate

import pytest

from package.core.accel_answer import RANGE_REFUSED_JSON, front_answer

SIZE = 1000
ETAG = '"' + "ab" * 32 + '"'
MTIME = 1_700_000_000


def answer(
    range_header: str | None, if_range: str | None = None, mtime: int | None = MTIME
) -> tuple[int, int]:
    return front_answer(
        range_header, if_range, etag=ETAG, size=SIZE, media_type="application/zip", modified=lambda: mtime
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, (200, SIZE)),
        ("bytes=10-19", (206, 10)),
        ("Bytes=10-19", (206, 10)),  # nginx takes the unit in any case
        ("bytes= 10 - 19 ", (206, 10)),  # and spaces around the numbers
        ("bytes=-5", (206, 5)),
        ("bytes=990-", (206, 10)),
        ("bytes=990-5000", (206, 10)),  # an end past the file is the file's end
        ("bytes=-5000", (206, SIZE)),  # a suffix longer than the file: all of it, still as a range
        ("bytes=0-", (206, SIZE)),
        ("items=0-9", (200, SIZE)),  # another unit: ignored
        ("bytes=0-,0-", (200, SIZE)),  # ranges adding up past the file: nginx sends it whole
        ("bytes=abc", (416, len(RANGE_REFUSED_JSON))),
        ("bytes=5-x", (416, len(RANGE_REFUSED_JSON))),
        ("bytes=1000-", (416, len(RANGE_REFUSED_JSON))),
        ("bytes=99999999999999999999-", (416, len(RANGE_REFUSED_JSON))),  # past nginx's off_t
    ],
)
def test_range_rules(header: str | None, expected: tuple[int, int]) -> None:
    assert answer(header) == expected


def test_several_ranges_are_one_multipart_answer_with_boundaries() -> None:
    boundary = "0" * 20
    head = f"\r\n--{boundary}\r\nContent-Type: application/zip\r\nContent-Range: bytes "
    body = (
        head
        + "0-1/1000\r\n\r\n"
        + "xx"
        + head
        + "990-999/1000\r\n\r\n"
        + "x" * 10
        + f"\r\n--{boundary}--\r\n"
    )
    assert answer("bytes=0-1,990-") == (206, len(body))
    assert answer("bytes=0-1,5000-6000") == (206, 2)  # an unsatisfiable part is dropped


def test_if_range_by_etag_must_match_byte_for_byte() -> None:
    assert answer("bytes=10-19", ETAG) == (206, 10)
    assert answer("bytes=10-19", '"another"') == (200, SIZE)
    assert answer("bytes=10-19", "W/" + ETAG) == (200, SIZE)  # a weak validator never matches


def test_if_range_by_date_must_equal_the_files_mtime() -> None:
    assert answer("bytes=10-19", formatdate(MTIME, usegmt=True)) == (206, 10)
    assert answer("bytes=10-19", formatdate(MTIME - 1, usegmt=True)) == (200, SIZE)
    assert answer("bytes=10-19", "not a date") == (200, SIZE)
    assert answer("bytes=10-19", formatdate(MTIME, usegmt=True), mtime=None) == (200, SIZE)  # file gone
