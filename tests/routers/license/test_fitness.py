"""How well a license suits ACME's LGPL-2.1 product: the families the rating's license metric scores."""

from __future__ import annotations

import pytest

from package.routers.license.fitness import identifier_named_in, normalise_identifier, product_fit


@pytest.mark.parametrize(
    ("identifier", "score"),
    [
        ("MIT", 1.0),
        ("Apache 2.0", 1.0),
        ("lgpl-2.1", 1.0),
        ("mpl-2.0", 0.8),
        ("openrail", 0.7),
        ("lgpl-3.0", 0.6),
        ("llama3", 0.5),
        ("cc-by-sa-4.0", 0.5),
        ("cc-by-nd-4.0", 0.3),
        ("other", 0.3),
        ("something-new", 0.3),
        ("gpl-3.0", 0.25),
        ("agpl-3.0", 0.1),
        ("cc-by-nc-4.0", 0.1),
        ("unknown", 0.0),
    ],
)
def test_families_score_as_documented(identifier: str, score: float):
    assert product_fit(identifier)[0] == score


def test_spellings_are_normalised():
    assert normalise_identifier(" Apache_2 ") == "apache-2.0"


def test_identifier_named_in_prose():
    assert identifier_named_in("Released under the MIT License.") == "mit"
    assert identifier_named_in("Ask us first.") is None
