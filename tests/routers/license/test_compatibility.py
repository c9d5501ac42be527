"""The compatibility table: may the model be fine-tuned with the code and then used?"""

from __future__ import annotations

import pytest

from package.routers.license.compatibility import decide

LICENSES = ["apache-2.0", "mit", "bsd-3-clause", "gpl-3.0", "lgpl-2.1", "cc-by-nc-4.0", "llama2", None]
# MODEL license (row) by CODE license (column), in the order of LICENSES.
T, F = True, False
MATRIX = {
    "apache-2.0":   [T, T, T, T, T, F, T, F],
    "mit":          [T, T, T, T, T, F, T, F],
    "bsd-3-clause": [T, T, T, T, T, F, T, F],
    "gpl-3.0":      [T, T, T, T, T, F, F, F],
    "lgpl-2.1":     [T, T, T, T, T, F, T, F],
    "cc-by-nc-4.0": [F, F, F, F, F, F, F, F],
    "llama2":       [T, T, T, F, T, F, T, F],
    None:           [F, F, F, F, F, F, F, F],
}  # fmt: skip


@pytest.mark.parametrize("model", LICENSES)
@pytest.mark.parametrize("code", LICENSES)
def test_matrix(model, code):
    verdict = decide(model, code)
    assert verdict.compatible is MATRIX[model][LICENSES.index(code)], verdict.reason
    assert verdict.reason


@pytest.mark.parametrize(
    ("model", "code", "expected"),
    [
        ("apache-2.0", "GPL-2.0", False),  # Apache-2.0's patent terms are GPL-2.0-only incompatible
        ("apache-2.0", "gpl-2.0-or-later", True),
        ("gpl-2.0", "gpl-3.0", False),
        ("agpl-3.0", "gpl-3.0", True),
        ("cc-by-sa-4.0", "gpl-3.0", True),
        ("epl-1.0", "gpl-3.0", False),
        ("mpl-2.0", "gpl-3.0", True),
        ("eupl-1.2", "gpl-3.0", False),
        ("gemma", "MIT", True),
        ("openrail", "AGPL-3.0", False),
        ("cc-by-nd-4.0", "mit", False),
        ("mit", "cc-by-nc-sa-4.0", False),
        ("other", "mit", False),
        ("mit", "NOASSERTION", False),
    ],
)
def test_special_cases(model, code, expected):
    assert decide(model, code).compatible is expected


def test_reasons_name_the_problem():
    assert "commercial" in decide("cc-by-nc-4.0", "mit").reason
    assert "none" in decide(None, "mit").reason
    assert "restrictions" in decide("llama2", "gpl-3.0").reason
