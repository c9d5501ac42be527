"""Normalising declared licenses to SPDX ids and categories."""

from __future__ import annotations

import pytest

from package.routers.license.interface import LicenseCategory
from package.routers.license.spdx import category_of, lookup


@pytest.mark.parametrize(
    ("declared", "license_id", "spdx", "category"),
    [
        ("apache-2.0", "Apache-2.0", True, LicenseCategory.PERMISSIVE),
        ("Apache-2.0", "Apache-2.0", True, LicenseCategory.PERMISSIVE),
        ("mit", "MIT", True, LicenseCategory.PERMISSIVE),
        ("bsd-3-clause", "BSD-3-Clause", True, LicenseCategory.PERMISSIVE),
        ("BSD-2-Clause", "BSD-2-Clause", True, LicenseCategory.PERMISSIVE),
        ("GPL-3.0", "GPL-3.0-only", True, LicenseCategory.STRONG_COPYLEFT),
        ("gpl-3.0-or-later", "GPL-3.0-or-later", True, LicenseCategory.STRONG_COPYLEFT),
        ("LGPL-2.1", "LGPL-2.1-only", True, LicenseCategory.WEAK_COPYLEFT),
        ("mpl-2.0", "MPL-2.0", True, LicenseCategory.WEAK_COPYLEFT),
        ("agpl-3.0", "AGPL-3.0-only", True, LicenseCategory.STRONG_COPYLEFT),
        ("cc-by-sa-4.0", "CC-BY-SA-4.0", True, LicenseCategory.STRONG_COPYLEFT),
        ("cc-by-nc-4.0", "CC-BY-NC-4.0", True, LicenseCategory.NON_COMMERCIAL),
        ("cc-by-nc-sa-4.0", "CC-BY-NC-SA-4.0", True, LicenseCategory.NON_COMMERCIAL),
        ("cc-by-nd-4.0", "CC-BY-ND-4.0", True, LicenseCategory.NO_DERIVATIVES),
        ("cc-by-4.0", "CC-BY-4.0", True, LicenseCategory.PERMISSIVE),
        ("llama2", "llama2", False, LicenseCategory.USE_RESTRICTED),
        ("llama3.2", "llama3.2", False, LicenseCategory.USE_RESTRICTED),
        ("Llama 3.1", "llama3.1", False, LicenseCategory.USE_RESTRICTED),
        ("gemma", "gemma", False, LicenseCategory.USE_RESTRICTED),
        ("openrail", "openrail", False, LicenseCategory.USE_RESTRICTED),
        ("creativeml-openrail-m", "creativeml-openrail-m", False, LicenseCategory.USE_RESTRICTED),
        ("license:mit", "MIT", True, LicenseCategory.PERMISSIVE),
    ],
)
def test_known(declared, license_id, spdx, category):
    known = lookup(declared)
    assert known is not None
    assert (known.license_id, known.spdx, known.category) == (license_id, spdx, category)


@pytest.mark.parametrize("declared", [None, "", "other", "unknown", "NOASSERTION", "my-own-license", "cc"])
def test_unknown(declared):
    assert lookup(declared) is None
    assert category_of(declared) is LicenseCategory.UNKNOWN
