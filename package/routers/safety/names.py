"""Name confusion: a name or repo id that looks like a registered or popular one without being it.

Both sides are folded to a skeleton first (Unicode compatibility forms, Cyrillic and Greek look-alikes,
`I`/`l`, `0`/`o`, `rn`/`m`, `_`/`-`), so homoglyph swaps compare equal; then a small edit distance catches
typos.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from package.routers.safety.interface import Finding, FindingKind, Verdict

POPULAR_FILE = Path(__file__).with_name("popular_repos.txt")
MAX_FINDINGS = 3
MIN_TYPO_LENGTH = 5  # shorter names are one edit away from too many others
LONG_NAME = 10

_LOOKALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",  # noqa: RUF001
    "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l",  # noqa: RUF001
    "ԛ": "q", "ԝ": "w", "ɡ": "g", "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o",  # noqa: RUF001
    "Р": "p", "С": "c", "Т": "t", "Х": "x", "У": "y", "І": "l", "Ј": "j", "Ѕ": "s",  # noqa: RUF001
    # Greek
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u", "Α": "a", "Β": "b",  # noqa: RUF001
    "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "l", "Κ": "k", "Μ": "m", "Ν": "n", "Ο": "o", "Ρ": "p", "Τ": "t",  # noqa: RUF001
    "Υ": "y", "Χ": "x",  # noqa: RUF001
    # Latin look-alikes (capital I before lower-casing: in most fonts it is a small L)
    "I": "l", "0": "o", "1": "l", "|": "l", "_": "-", ".": "-", " ": "-",
}  # fmt: skip
_TABLE = str.maketrans(_LOOKALIKES)
_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))


@lru_cache(maxsize=8192)  # the popular list is folded on every check; registered names are folded once
def skeleton(text: str) -> str:
    """What a reader sees: look-alike characters folded together, case ignored."""
    folded = unicodedata.normalize("NFKC", text).translate(_TABLE).lower()
    for pair, single in _PAIRS:
        folded = folded.replace(pair, single)
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))


@dataclass(frozen=True)
class Target:
    """Something a new name must not be confused with."""

    value: str
    label: str


@lru_cache(maxsize=1)
def popular_repos() -> tuple[str, ...]:
    """The shipped list of often-typosquatted repositories."""
    lines = POPULAR_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def popular_targets() -> tuple[list[Target], list[Target]]:
    """(repo ids, bare names) of the popular list as targets."""
    ids = [Target(repo, f"popular repository {repo}") for repo in popular_repos()]
    names = [Target(repo.rsplit("/", 1)[-1], f"popular repository {repo}") for repo in popular_repos()]
    return ids, names


def confusions(
    *, name: str, repo_id: str, id_targets: list[Target], name_targets: list[Target], distance: int
) -> list[Finding]:
    """Findings for a name and repo id that resemble, without being, one of the targets."""
    if repo_id.lower() in {repo.lower() for repo in popular_repos()}:
        return []  # a popular repository itself squats on nothing
    found: list[Finding] = []
    for value, targets, what in ((repo_id, id_targets, "repository"), (name, name_targets, "name")):
        for target, how in _near(value, targets, distance):
            found.append(
                Finding(
                    kind=FindingKind.NAME_CONFUSION,
                    severity=Verdict.SUSPICIOUS,
                    detail=f"the {what} {value!r} {how} {target.value!r} ({target.label})",
                    resembles=target.label,
                )
            )
    unique: dict[str, Finding] = {}
    for finding in found:  # one finding per artifact resembled
        unique.setdefault(str(finding.resembles), finding)
    return list(unique.values())[:MAX_FINDINGS]


def _near(value: str, targets: list[Target], distance: int) -> list[tuple[Target, str]]:
    if not value or any(value.lower() == t.value.lower() for t in targets):
        return []  # it is one of them (same repository or same name): no confusion
    mine = skeleton(value)
    skeletons = [skeleton(t.value) for t in targets]
    hits = [(t, "looks the same as") for t, s in zip(targets, skeletons, strict=True) if s == mine]
    allowed = _allowed(len(mine), distance)
    if allowed and not hits:  # a perfect look-alike says it all
        for _, score, index in process.extract(
            mine, skeletons, scorer=Levenshtein.distance, score_cutoff=allowed, limit=10
        ):
            if score > 0:
                hits.append((targets[index], f"is {int(score)} edit(s) away from"))
    return hits


def allowed_edits(value: str, distance: int) -> int:
    """Edits a name or repo id may be away from a target and still be a typo of it (0: look-alikes only)."""
    return _allowed(len(skeleton(value)), distance)


@lru_cache(maxsize=1024)  # asked per length on every lookup
def reach(length: int, distance: int) -> int:
    """The most edits any value may be allowed when compared with a target skeleton of this length.

    A value of skeleton length q may be `_allowed(q)` edits from a target, and a target of length L is within
    reach only if |q - L| <= that; the largest allowance among such q bounds how a target of length L can be
    edited into a value that finds it (names.confusions' rule, so an index can split targets accordingly).
    """
    lengths = range(max(0, length - distance), length + distance + 1)
    allowances = [_allowed(q, distance) for q in lengths]
    return max((a for q, a in zip(lengths, allowances, strict=True) if abs(q - length) <= a), default=0)


def _allowed(length: int, distance: int) -> int:
    if length < MIN_TYPO_LENGTH:
        return 0
    return distance if length >= LONG_NAME else min(1, distance)
