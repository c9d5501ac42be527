"""How well a license suits ACME, which ships LGPL-2.1 software and uses models commercially.

The rating's `license` metric scores this; the license domain owns it beside its SPDX table so there is one
place that knows license families. Families, from most to least suitable:
  1.0  MIT, Apache-2.0, BSD, ISC, Zlib, Unlicense, CC0, CC-BY, BSL-1.0, Artistic-2.0, AFL, PDDL, ODC-By,
       LGPL-2.1 (only / or later), Python-2.0
  0.8  MPL-2.0 (file-level copyleft, explicitly (L)GPL-compatible)
  0.7  RAIL / OpenRAIL family (permissive but with use-based restrictions)
  0.6  LGPL-3.0
  0.5  CC-BY-SA, ODbL, EPL, community model licenses (Llama, Gemma, Qwen...): use restrictions or
       share-alike
  0.3  custom ("other") or unrecognised terms: unclear
  0.3  CC-BY-ND (no adaptations)
  0.25 GPL-2.0 / GPL-3.0 (clear, but copyleft over the combined product)
  0.1  AGPL-3.0, non-commercial (CC-BY-NC*) and research-only terms
  0.0  "unknown"

These families read spellings the SPDX table (`spdx.py`) does not know (`qwen`, `mistral-ai`, bare
`apache`), which is why they are patterns rather than a column of that table.
"""

from __future__ import annotations

import re

FAMILIES: tuple[tuple[re.Pattern[str], float, str], ...] = tuple(
    (re.compile(pattern), score, label)
    for pattern, score, label in (
        (r"^unknown$", 0.0, "declared as unknown"),
        (r"agpl", 0.1, "AGPL: network copyleft over the combined product"),
        (r"(^|-)nc(-|$)|non-?commercial|research-only|noncommercial", 0.1, "non-commercial terms"),
        (r"^lgpl-?2\.1|^lgpl-?2(\.0)?(-or-later|\+)", 1.0, "LGPL-2.1, ACME's own license"),
        (r"^lgpl", 0.6, "LGPL-3.0: adaptations must follow LGPL-3.0"),
        (r"^gpl|^gnu-gpl", 0.25, "GPL: clear, but the combined product would have to be GPL"),
        (r"(^|-)nd(-|$)", 0.3, "no-derivatives terms forbid adapting the model"),
        (
            r"openrail|(^|-)rail(-|$)|bigscience|bigcode",
            0.7,
            "a RAIL license: permissive with use restrictions",
        ),
        (r"^mpl", 0.8, "MPL-2.0: file-level copyleft, compatible with LGPL"),
        (r"(^|-)sa(-|$)|odbl", 0.5, "share-alike terms carry over to adaptations"),
        (r"^epl|^eupl|^cddl", 0.5, "weak copyleft that conflicts with (L)GPL-2.1 in combined works"),
        (r"llama|gemma|qwen|tongyi|deepseek|falcon|mistral-ai|community", 0.5, "a community model license"),
        (
            r"^(mit|apache|bsd|isc|zlib|unlicense|cc0|cc-by|bsl|boost|artistic|afl|pddl|odc-by|python|"
            r"postgresql|ncsa|wtfpl|x11|0bsd|mit-0|ms-pl)",
            1.0,
            "a permissive license",
        ),
        (r"^other$", 0.3, "custom terms ('other'): unclear until a person reads them"),
    )
)
NAMED_IN_TEXT = (
    ("apache", "apache-2.0"),
    ("mit license", "mit"),
    ("bsd", "bsd-3-clause"),
    ("gnu general public license", "gpl-3.0"),
    ("lesser general public", "lgpl-2.1"),
    ("creative commons attribution-noncommercial", "cc-by-nc-4.0"),
    ("creative commons attribution 4.0", "cc-by-4.0"),
)


def normalise_identifier(identifier: str) -> str:
    """Lower case, spaces as dashes: `Apache 2.0` -> `apache-2.0`."""
    text = identifier.strip().lower().replace(" ", "-").replace("_", "-")
    return {"apache-2": "apache-2.0", "apache2": "apache-2.0", "apache-license-2.0": "apache-2.0"}.get(
        text, text
    )


def product_fit(identifier: str) -> tuple[float, str]:
    """How well a license suits ACME's LGPL-2.1 product (0..1) and why, for a declared identifier."""
    key = normalise_identifier(identifier)
    for pattern, score, label in FAMILIES:
        if pattern.search(key):
            return score, label
    return 0.3, "an unrecognised license: unclear until a person reads it"


def identifier_named_in(text: str) -> str | None:
    """The license identifier a prose passage names (`... under the MIT License`), or None."""
    lowered = text.lower()
    return next((identifier for phrase, identifier in NAMED_IN_TEXT if phrase in lowered), None)
