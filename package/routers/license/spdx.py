"""Normalise license identifiers (Hugging Face card ids, GitHub keys, SPDX ids) and sort them into categories.

Every spelling the Hub (`license:` in cards and `license:*` tags) or GitHub (`key` / `spdx_id`) uses maps to
the SPDX id where one exists, otherwise to the Hub's own id (llama3, gemma, openrail...). The category decides
compatibility (see `compatibility.py` and docs/license.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from package.routers.license.interface import LicenseCategory


@dataclass(frozen=True)
class KnownLicense:
    """A license the table knows: its normalised id (SPDX where one exists), name and category."""

    license_id: str
    name: str
    category: LicenseCategory
    spdx: bool = True


_P = LicenseCategory.PERMISSIVE
_W = LicenseCategory.WEAK_COPYLEFT
_S = LicenseCategory.STRONG_COPYLEFT
_NC = LicenseCategory.NON_COMMERCIAL
_ND = LicenseCategory.NO_DERIVATIVES
_R = LicenseCategory.USE_RESTRICTED

# normalised id, name, category, aliases (lower-case spellings other than the id itself)
_TABLE: list[tuple[str, str, LicenseCategory, tuple[str, ...]]] = [
    ("MIT", "MIT License", _P, ("expat",)),
    ("MIT-0", "MIT No Attribution", _P, ()),
    ("Apache-2.0", "Apache License 2.0", _P, ("apache 2.0", "apache2", "apache-2", "apache license 2.0")),
    ("BSD-2-Clause", 'BSD 2-Clause "Simplified" License', _P, ("bsd-2", "freebsd")),
    ("BSD-3-Clause", 'BSD 3-Clause "New" or "Revised" License', _P, ("bsd", "bsd-3", "new-bsd")),
    ("BSD-3-Clause-Clear", "BSD 3-Clause Clear License", _P, ()),
    ("ISC", "ISC License", _P, ()),
    ("Zlib", "zlib License", _P, ()),
    ("0BSD", "BSD Zero Clause License", _P, ()),
    ("Unlicense", "The Unlicense", _P, ()),
    ("WTFPL", "Do What The F*ck You Want To Public License", _P, ()),
    ("BSL-1.0", "Boost Software License 1.0", _P, ()),
    ("PSF-2.0", "Python Software Foundation License 2.0", _P, ("python-2.0",)),
    ("AFL-3.0", "Academic Free License v3.0", _P, ()),
    ("Artistic-2.0", "Artistic License 2.0", _P, ()),
    ("ECL-2.0", "Educational Community License v2.0", _P, ()),
    ("NCSA", "University of Illinois/NCSA Open Source License", _P, ()),
    ("PostgreSQL", "PostgreSQL License", _P, ()),
    ("MS-PL", "Microsoft Public License", _P, ()),
    ("CC0-1.0", "Creative Commons Zero v1.0 Universal", _P, ("cc0",)),
    ("CC-BY-2.0", "Creative Commons Attribution 2.0", _P, ()),
    ("CC-BY-2.5", "Creative Commons Attribution 2.5", _P, ()),
    ("CC-BY-3.0", "Creative Commons Attribution 3.0", _P, ()),
    ("CC-BY-4.0", "Creative Commons Attribution 4.0", _P, ("cc-by",)),
    ("CDLA-Permissive-1.0", "Community Data License Agreement Permissive 1.0", _P, ()),
    ("CDLA-Permissive-2.0", "Community Data License Agreement Permissive 2.0", _P, ()),
    ("ODC-By-1.0", "Open Data Commons Attribution License v1.0", _P, ("odc-by",)),
    ("PDDL-1.0", "Open Data Commons Public Domain Dedication & License 1.0", _P, ("pddl",)),
    ("OFL-1.1", "SIL Open Font License 1.1", _P, ()),
    ("etalab-2.0", "Etalab Open License 2.0", _P, ()),
    (
        "LGPL-2.1-only",
        "GNU Lesser General Public License v2.1 only",
        _W,
        ("lgpl-2.1", "lgpl-2.1-only", "lgpl"),
    ),
    ("LGPL-2.1-or-later", "GNU Lesser General Public License v2.1 or later", _W, ("lgpl-2.1+",)),
    ("LGPL-3.0-only", "GNU Lesser General Public License v3.0 only", _W, ("lgpl-3.0",)),
    ("LGPL-3.0-or-later", "GNU Lesser General Public License v3.0 or later", _W, ("lgpl-3.0+",)),
    ("MPL-2.0", "Mozilla Public License 2.0", _W, ()),
    ("EPL-1.0", "Eclipse Public License 1.0", _W, ()),
    ("EPL-2.0", "Eclipse Public License 2.0", _W, ()),
    ("CDDL-1.0", "Common Development and Distribution License 1.0", _W, ()),
    ("CDLA-Sharing-1.0", "Community Data License Agreement Sharing 1.0", _W, ()),
    ("LPPL-1.3c", "LaTeX Project Public License v1.3c", _W, ()),
    ("GPL-2.0-only", "GNU General Public License v2.0 only", _S, ("gpl-2.0", "gpl-2.0-only", "gpl-2")),
    ("GPL-2.0-or-later", "GNU General Public License v2.0 or later", _S, ("gpl-2.0+", "gpl")),
    ("GPL-3.0-only", "GNU General Public License v3.0 only", _S, ("gpl-3.0", "gpl-3", "gplv3")),
    ("GPL-3.0-or-later", "GNU General Public License v3.0 or later", _S, ("gpl-3.0+",)),
    ("AGPL-3.0-only", "GNU Affero General Public License v3.0", _S, ("agpl-3.0", "agpl")),
    ("AGPL-3.0-or-later", "GNU Affero General Public License v3.0 or later", _S, ()),
    ("OSL-3.0", "Open Software License 3.0", _S, ()),
    ("EUPL-1.1", "European Union Public License 1.1", _S, ()),
    ("EUPL-1.2", "European Union Public License 1.2", _S, ()),
    ("GFDL-1.3-only", "GNU Free Documentation License v1.3", _S, ("gfdl", "gfdl-1.3")),
    ("ODbL-1.0", "Open Data Commons Open Database License v1.0", _S, ("odbl",)),
    ("CC-BY-SA-3.0", "Creative Commons Attribution Share Alike 3.0", _S, ()),
    ("CC-BY-SA-4.0", "Creative Commons Attribution Share Alike 4.0", _S, ("cc-by-sa",)),
    ("CC-BY-NC-2.0", "Creative Commons Attribution Non Commercial 2.0", _NC, ()),
    ("CC-BY-NC-3.0", "Creative Commons Attribution Non Commercial 3.0", _NC, ()),
    ("CC-BY-NC-4.0", "Creative Commons Attribution Non Commercial 4.0", _NC, ("cc-by-nc",)),
    ("CC-BY-NC-SA-2.0", "Creative Commons Attribution Non Commercial Share Alike 2.0", _NC, ()),
    ("CC-BY-NC-SA-3.0", "Creative Commons Attribution Non Commercial Share Alike 3.0", _NC, ()),
    ("CC-BY-NC-SA-4.0", "Creative Commons Attribution Non Commercial Share Alike 4.0", _NC, ()),
    ("CC-BY-NC-ND-3.0", "Creative Commons Attribution Non Commercial No Derivatives 3.0", _NC, ()),
    ("CC-BY-NC-ND-4.0", "Creative Commons Attribution Non Commercial No Derivatives 4.0", _NC, ()),
    ("CC-BY-ND-4.0", "Creative Commons Attribution No Derivatives 4.0", _ND, ("cc-by-nd",)),
]

# Model licenses without SPDX ids (the Hub's ids): they allow fine-tuning and use, under use restrictions
# (acceptable-use policies, RAIL behavioural clauses, user-count caps) or only for research.
_MODEL_TABLE: list[tuple[str, str, LicenseCategory]] = [
    ("llama2", "Llama 2 Community License", _R),
    ("llama3", "Meta Llama 3 Community License", _R),
    ("llama3.1", "Llama 3.1 Community License", _R),
    ("llama3.2", "Llama 3.2 Community License", _R),
    ("llama3.3", "Llama 3.3 Community License", _R),
    ("llama4", "Llama 4 Community License", _R),
    ("gemma", "Gemma Terms of Use", _R),
    ("openrail", "Open RAIL License", _R),
    ("openrail++", "Open RAIL++-M License", _R),
    ("creativeml-openrail-m", "CreativeML Open RAIL-M", _R),
    ("bigscience-openrail-m", "BigScience Open RAIL-M", _R),
    ("bigscience-bloom-rail-1.0", "BigScience BLOOM RAIL 1.0", _R),
    ("bigcode-openrail-m", "BigCode Open RAIL-M", _R),
    ("deepfloyd-if-license", "DeepFloyd IF License", _NC),
    ("fair-noncommercial-research-license", "FAIR Noncommercial Research License", _NC),
    ("lgpl-lr", "Lesser General Public License For Linguistic Resources", _W),
    ("apple-ascl", "Apple Sample Code License", _P),
    ("apple-amlr", "Apple Machine Learning Research Model License", _NC),
    ("c-uda", "Computational Use of Data Agreement", _NC),
    ("h-research", "H Research License", _NC),
    ("intel-research", "Intel Research Use License", _NC),
]

_BY_ALIAS: dict[str, KnownLicense] = {}
for _id, _name, _category, _aliases in _TABLE:
    _known = KnownLicense(_id, _name, _category)
    for _alias in (_id.lower(), *_aliases):
        _BY_ALIAS[_alias] = _known
for _id, _name, _category in _MODEL_TABLE:
    _BY_ALIAS[_id] = KnownLicense(_id, _name, _category, spdx=False)

# Values that say "no usable license information".
_UNKNOWN = {
    "",
    "other",
    "unknown",
    "noassertion",
    "none",
    "proprietary",
    "custom",
    "unlicensed",
    "see license",
}
_LLAMA = re.compile(r"^llama[\s\-_]?(\d(?:\.\d)?)")


def lookup(raw: str | None) -> KnownLicense | None:
    """The table's license for an identifier in any common spelling, or None when unknown or absent."""
    if raw is None:
        return None
    text = raw.strip().lower().replace("_", "-")
    text = text.removeprefix("license:").strip()
    if text in _UNKNOWN:
        return None
    if text in _BY_ALIAS:
        return _BY_ALIAS[text]
    spaced = re.sub(r"\s+", "-", text)
    if spaced in _BY_ALIAS:
        return _BY_ALIAS[spaced]
    llama = _LLAMA.match(text)
    if llama:
        return _BY_ALIAS.get(f"llama{llama.group(1)}")
    return None


def category_of(raw: str | None) -> LicenseCategory:
    """The category of an identifier (UNKNOWN for absent or unrecognised ones)."""
    known = lookup(raw)
    return known.category if known else LicenseCategory.UNKNOWN
