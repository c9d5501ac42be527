"""The segment index returns exactly the skeletons the linear pass finds, for every distance and length."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import pytest
from rapidfuzz import process

from package.routers.safety import names, segments
from package.routers.safety.segments import LengthScan, SegmentIndex

ALPHABET = "ab-c"  # few letters: many near-duplicates, every edit kind lands on another filed skeleton
WIDE = "abcdefghij-/0123456789\u00e9\u4e2d\u0434\u03c9"  # letters skeletons keep as they are (not folded)


def variant(rng: random.Random, text: str, letters: str) -> str:
    """Up to three random edits (insert, delete, substitute) of a text."""
    for _ in range(rng.randint(0, 3)):
        at = rng.randrange(len(text) + 1)
        kind = rng.random()
        if kind < 0.33 or not text:
            text = text[:at] + rng.choice(letters) + text[at:]
        elif kind < 0.66:
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + rng.choice(letters) + text[at + 1 :]
    return text


def corpus(rng: random.Random, size: int, letters: str) -> list[str]:
    """Short, long and near-duplicate skeletons."""
    bases = ["".join(rng.choice(letters) for _ in range(rng.randint(0, 40))) for _ in range(size // 4)]
    return sorted({variant(rng, rng.choice(bases), letters) for _ in range(size)} | set(bases))


@pytest.mark.parametrize("distance", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("letters", [ALPHABET, WIDE], ids=["narrow", "wide"])
@pytest.mark.parametrize("ratio", [0, segments.SCAN_RATIO], ids=["segments-only", "scan-when-shared"])
def test_same_skeletons_as_the_linear_pass(
    distance: int, letters: str, ratio: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segments, "SCAN_RATIO", ratio)  # 0: every length through its segments, never scanned
    monkeypatch.setattr(segments, "SMALL", 0 if ratio == 0 else segments.SMALL)
    rng = random.Random(f"{distance}{letters}")
    filed = corpus(rng, 1500, letters)
    index, linear = SegmentIndex(distance), LengthScan(distance)
    for skel in filed:
        index.add(skel)
        linear.add(skel)
    for skel in filed[::3]:  # removed ones must not come back
        index.remove(skel)
        linear.remove(skel)
    queries = [variant(rng, rng.choice(filed), letters) for _ in range(600)] + ["", "a", "abcd", "abcde"]
    found_any = 0
    for query in queries:
        allowed = names.allowed_edits(query, distance)
        expected = linear.near(query, allowed)
        assert index.near(query, allowed) == expected, (query, allowed)
        found_any += bool(expected)
    assert found_any > 50 or distance == 0  # the comparison is not between two empty answers


def test_the_found_are_exactly_those_within_the_allowed_edits() -> None:
    index = SegmentIndex(2)
    for skel in ["acme-sentiment-large", "acme-sentiment-larg", "acme-sentlment-large", "acme-sent-large"]:
        index.add(skel)
    found = index.near("acme-sentiment-lrge", 2)
    assert found == {"acme-sentiment-large", "acme-sentiment-larg", "acme-sentlment-large"}


def test_segments_cover_the_skeleton_and_short_lengths_are_kept_whole() -> None:
    index = SegmentIndex(2)
    assert index.layout(3) == ()  # no value is allowed an edit into a 3-character name
    assert index.layout(4) == ((0, 2), (2, 2))  # a 5-character value (1 edit) reaches it
    assert index.layout(11) == ((0, 3), (3, 4), (7, 4))
    assert SegmentIndex(5).layout(5) is None  # a 10-character value may make 5 edits: 6 parts of 5 letters
    for length in range(0, 60):
        layout = SegmentIndex(4).layout(length)
        if layout:
            assert [start for start, _ in layout] == [
                sum(size for _, size in layout[:i]) for i in range(len(layout))
            ]
            assert sum(size for _, size in layout) == length and min(size for _, size in layout) > 0


def test_a_lookup_verifies_only_the_skeletons_sharing_a_segment(monkeypatch: pytest.MonkeyPatch) -> None:
    index, linear = SegmentIndex(2), LengthScan(2)
    for n in range(5000):
        index.add(f"org-{n:05d}/model-{n % 97:02d}")
        linear.add(f"org-{n:05d}/model-{n % 97:02d}")
    verified: list[str] = []
    extract = process.extract

    def counted(query: str, choices: list[str], **options: Any) -> Any:
        verified.extend(choices)
        return extract(query, choices, **options)

    monkeypatch.setattr(segments, "process", SimpleNamespace(extract=counted))
    query = "org-01234/model-7x"
    found = index.near(query, 2)
    monkeypatch.undo()
    assert found == linear.near(query, 2) and "org-01234/model-70" in found
    # Of 5,000 names of the same length, only those sharing a segment (org-01|234/mo|del-7x): the 1,000
    # `org-01...` and 4 more `org-0?234/mo...`.
    assert len(verified) == 1004 and all(s.startswith("org-01") or s[6:12] == "234/mo" for s in verified)


def test_more_edits_than_the_rule_allows_is_refused() -> None:
    index = SegmentIndex(2)
    index.add("abcd")
    with pytest.raises(ValueError, match="not the rule"):
        index.near("abcdef", 2)  # a 6-character value is allowed 1 edit: "abcd" was cut in 2, not 3


def test_names_sharing_their_segments_are_scanned_instead_with_the_same_result() -> None:
    index, linear = SegmentIndex(2), LengthScan(2)
    for n in range(2000):  # one template: every name shares "bench" and "-model" with every other
        index.add(f"bench-model-{n:05d}")
        linear.add(f"bench-model-{n:05d}")
    for query in ("bench-model-0x234", "bench-modl-01234", "bench-model-012345", "xbench-model-0123"):
        assert index.near(query, 2) == linear.near(query, 2) != set()
