"""Which registered skeletons are within a few edits of a new one, without reading all of them.

The name check's rule (names.allowed_edits) allows a value of skeleton length q `k(q)` edits: 0 below 5
characters, 1 below 10, then the configured distance (2 by default, at most 5). The bound is small, fixed per
value and grows with length, which is the case the pigeonhole (segment) filter of PassJoin (Li, Deng, Wang and
Feng, VLDB 2011) is made for:

- a target skeleton of length L is cut into m = r(L) + 1 fixed segments, where r(L) (names.reach) is the most
  edits any value that can reach length L is allowed, and filed under (L, segment number, segment text);
- a value within k <= r(L) edits of it leaves at least one of those m segments untouched, and that segment
  appears in the value verbatim, moved by d places where |d| + |len(value) - L - d| <= k (the edits before it
  move it, the ones after make up the rest of the length difference);
- so a lookup tries, for each length within k, each segment and each such move: at most 5 x 3 x 5 exact
  dictionary probes at the default distance, whatever the registry's size, and verifies only the skeletons
  they return (rapidfuzz's Levenshtein with a cutoff).

The result is exactly the skeletons within k edits (the filter never drops one: the argument above), so the
findings are those of a comparison with every registered name. Alternatives weighed: a deletion neighbourhood
(SymSpell) files every way of deleting up to k characters, ~L^2/2 keys per long name at k = 2 (hundreds of
megabytes at 100,000 names and repo ids); a BK-tree still visits a large share of its nodes at k = 2 on short,
similar names; q-gram count filters read long posting lists for common grams (`ber`, `-ba`). Segments cost
r(L) + 1 keys per distinct skeleton. Targets too short to cut into r(L) + 1 non-empty segments (only with a
configured distance above 4) are kept whole per length and always verified; there are few such lengths.

The filter is only as selective as the segments are rare. Names made from one template (`bench-model-12345`:
every name of a length shares `bench` and `-model`) put most of a length's names behind one segment; where
the candidates would exceed 1 in SCAN_RATIO of a length's names, or a length has few names, that length is
compared in full instead (the linear pass below, in C++), so a lookup never costs more than the scan it
replaces, and costs a bounded number of probes plus the near-misses where names differ.

LengthScan is the pass this replaces (every skeleton of a near length compared, in C++): the baseline of
bench/safety_names.py and the reference of the tests.
"""

from __future__ import annotations

from typing import Protocol

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from package.routers.safety import names

Layout = tuple[tuple[int, int], ...]  # (start, size) of each segment
# Verifying a candidate found through the segments costs a few times what comparing one in the length scan
# does (collecting it, then rapidfuzz on the list): past 1 candidate in SCAN_RATIO of a length's names, scan.
SCAN_RATIO = 4
SMALL = 64  # names of one length, below which the scan is cheaper than the segment lookups


class NearIndex(Protocol):
    """Distinct skeletons, searchable by edit distance (built for one configured distance)."""

    def add(self, skel: str) -> None:
        """File a skeleton (called once per distinct skeleton)."""

    def remove(self, skel: str) -> None:
        """Forget a skeleton filed before."""

    def near(self, skel: str, allowed: int) -> set[str]:
        """The filed skeletons within `allowed` edits of `skel` (`allowed` from names.allowed_edits)."""
        ...


def _put(index: dict[str, str | set[str]], key: str, skel: str) -> None:
    held = index.get(key)  # most keys hold one skeleton: kept as itself, not as a set of one
    if held is None:
        index[key] = skel
    elif isinstance(held, str):
        index[key] = {held, skel}
    else:
        held.add(skel)


def _drop(index: dict[str, str | set[str]], key: str, skel: str) -> None:
    held = index.get(key)
    if held == skel:
        del index[key]
    elif isinstance(held, set):
        held.discard(skel)
        if len(held) == 1:
            index[key] = held.pop()


def _cut(length: int, parts: int) -> Layout | None:
    """`parts` segments covering a length: () for one part (not filed), None if some would be empty."""
    if parts == 1:
        return ()
    if length < parts:
        return None
    size, longer = divmod(length, parts)
    first_longer = parts - longer  # the last `longer` segments are one character longer
    return tuple((i * size + max(0, i - first_longer), size + (i >= first_longer)) for i in range(parts))


class SegmentIndex:
    """Skeletons filed by (length, segment number, segment text); see the module docstring."""

    def __init__(self, distance: int) -> None:
        self.distance = distance
        self._postings: dict[tuple[int, int], dict[str, str | set[str]]] = {}
        self._whole: dict[int, set[str]] = {}  # lengths too short for their segments: always verified
        self._layouts: dict[int, Layout | None] = {}
        self._scan = LengthScan(distance)  # for lengths whose names share their segments (templates)

    def layout(self, length: int) -> Layout | None:
        """A length's segments: () if no value may be edited into it, None if kept whole."""
        if length not in self._layouts:
            self._layouts[length] = _cut(length, names.reach(length, self.distance) + 1)
        return self._layouts[length]

    def add(self, skel: str) -> None:
        """File a skeleton under each of its segments."""
        self._scan.add(skel)
        layout = self.layout(len(skel))
        if layout is None:
            self._whole.setdefault(len(skel), set()).add(skel)
            return
        for number, (start, size) in enumerate(layout):
            _put(self._postings.setdefault((len(skel), number), {}), skel[start : start + size], skel)

    def remove(self, skel: str) -> None:
        """Unfile a skeleton."""
        self._scan.remove(skel)
        layout = self.layout(len(skel))
        if layout is None:
            self._whole.get(len(skel), set()).discard(skel)
            return
        for number, (start, size) in enumerate(layout):
            _drop(self._postings.get((len(skel), number), {}), skel[start : start + size], skel)

    def near(self, skel: str, allowed: int) -> set[str]:
        """The filed skeletons within `allowed` edits of `skel`, found through their segments and verified."""
        found: set[str] = set()
        for length in range(max(1, len(skel) - allowed), len(skel) + allowed + 1) if allowed else ():
            if allowed > names.reach(length, self.distance):  # fewer segments than the edits: could miss one
                raise ValueError(f"{allowed} edits for {skel!r}: not the rule this index was built for")
            if self._scan.count(length) <= SMALL:  # a handful: comparing them is cheaper than the lookups
                found |= self._scan.near_at(skel, allowed, length)
                continue
            held = self._held(skel, allowed, length)
            if sum(1 if isinstance(h, str) else len(h) for h in held) * SCAN_RATIO > self._scan.count(length):
                found |= self._scan.near_at(skel, allowed, length)  # shared segments: the scan is cheaper
                continue
            candidates = {h for h in held if isinstance(h, str)}
            candidates.update(*(h for h in held if not isinstance(h, str)))
            hits = process.extract(
                skel, list(candidates), scorer=Levenshtein.distance, score_cutoff=allowed, limit=None
            )
            found.update(candidate for candidate, _, _ in hits)
        return found

    def _held(self, skel: str, allowed: int, length: int) -> list[str | set[str]]:
        """What the segments of targets of `length` that `skel` contains (moved within reach) hold."""
        layout = self.layout(length)
        if layout is None:
            return [self._whole.get(length, set())]
        gap = len(skel) - length
        moves = [d for d in range(-allowed, allowed + 1) if abs(d) + abs(gap - d) <= allowed]
        held: list[str | set[str]] = []
        for number, (start, size) in enumerate(layout):
            postings = self._postings.get((length, number), {})
            for at in (start + move for move in moves):
                if at >= 0 and at + size <= len(skel) and (one := postings.get(skel[at : at + size])):
                    held.append(one)
        return held


class LengthScan:
    """The linear pass: every skeleton of a length within reach compared (rapidfuzz, in C++)."""

    def __init__(self, distance: int) -> None:
        self.distance = distance
        self._by_length: dict[int, list[str | None]] = {}
        self._slots: dict[str, int] = {}
        self._free: dict[int, list[int]] = {}

    def add(self, skel: str) -> None:
        """Put a skeleton in a free slot of its length's list."""
        bucket, free = self._by_length.setdefault(len(skel), []), self._free.setdefault(len(skel), [])
        slot = free.pop() if free else len(bucket)
        if slot == len(bucket):
            bucket.append(skel)
        else:
            bucket[slot] = skel
        self._slots[skel] = slot

    def remove(self, skel: str) -> None:
        """Free a skeleton's slot (None, which rapidfuzz skips)."""
        slot = self._slots.pop(skel)
        self._by_length[len(skel)][slot] = None
        self._free[len(skel)].append(slot)

    def count(self, length: int) -> int:
        """How many skeletons of this length are filed."""
        return len(self._by_length.get(length, ())) - len(self._free.get(length, ()))

    def near_at(self, skel: str, allowed: int, length: int) -> set[str]:
        """The skeletons of one length within `allowed` edits, every one compared."""
        bucket = self._by_length.get(length, [])
        hits = process.extract(skel, bucket, scorer=Levenshtein.distance, score_cutoff=allowed, limit=None)
        return {str(bucket[index]) for _, _, index in hits}

    def near(self, skel: str, allowed: int) -> set[str]:
        """Every skeleton of a near length, compared."""
        found: set[str] = set()
        for length in range(len(skel) - allowed, len(skel) + allowed + 1) if allowed else ():
            found |= self.near_at(skel, allowed, length)
        return found
