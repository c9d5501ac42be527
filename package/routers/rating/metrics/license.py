"""license: is the model's license clear, and does it let ACME use it in its LGPL-2.1 product?

Inputs: the license the model declares (card `license` / `license_name`, the Hub's `license:*` tag), else a
"License" section of its card naming one, else a LICENSE file in the repository.
Reasoning: ACME ships LGPL-2.1 software and uses models commercially. Permissive licenses (and LGPL-2.1
itself) impose nothing incompatible; weak copyleft keeps obligations on the licensed files; share-alike and
LGPL-3.0 carry their terms over to adaptations; community licenses add use restrictions; GPL/AGPL would make
the combined product GPL; non-commercial terms forbid ACME's use.
Score by license family: the license domain's `product_fit` (package/routers/license/fitness.py); a LICENSE
file without a declared identifier scores 0.3 (unclear), no license at all 0.0.
"""

from __future__ import annotations

import re

from package.routers.license import services as license_services
from package.routers.rating.metrics.base import Metric, Outcome, RatingContext

LICENSE_SECTION = re.compile(r"licen[cs]e", re.IGNORECASE)
LICENSE_FILE = re.compile(r"^(license|licence|copying)(\.[a-z]+)?$", re.IGNORECASE)


def compute(ctx: RatingContext) -> Outcome:
    """Score the model's license."""
    declared = ctx.record.license or ctx.snapshot.license
    if declared:
        score, label = license_services.product_fit(str(declared))
        return Outcome(score, f"declares '{declared}': {label}")
    for section in ctx.card.sections_matching(LICENSE_SECTION):
        identifier = license_services.identifier_named_in(ctx.card.section_text(section))
        if identifier is not None:
            score, label = license_services.product_fit(identifier)
            return Outcome(
                score, f"no license metadata; the card's '{section.title}' names {identifier}: {label}"
            )
    files = [f.path for f in ctx.files]
    license_files = [p for p in files if LICENSE_FILE.match(str(p).rsplit("/", 1)[-1])]
    if license_files:
        return Outcome(0.3, f"no declared license, only a {license_files[0]} file: unclear terms")
    return Outcome(0.0, "no license declared: nobody may use it without permission")


METRIC = Metric(name="license", weight=0.15, compute=compute)
