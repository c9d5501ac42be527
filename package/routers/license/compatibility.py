"""Decide whether a model's license and a code project's license fit the spec's use.

The use: fine-tune the model with the project's code, then use the result for inference or generation. The
registry serves an organisation, so the use may be commercial; and the decision takes the strictest reading,
as if the fine-tuned model and the project's code were shipped together as one work (docs/license.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from package.routers.license.interface import LicenseCategory
from package.routers.license.spdx import KnownLicense, lookup

_GPL2_ONLY = {"GPL-2.0-only"}
# Licenses that can all end up in one GPL-3.0 (or AGPL-3.0) work: GPL-2.0-or-later upgrades, AGPL-3.0 and
# GPL-3.0 combine by their section 13, CC-BY-SA-4.0 is one-way compatible with GPL-3.0 (Creative Commons).
_GPL3_FAMILY = {
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "CC-BY-SA-4.0",
}
_GPL2_FAMILY = {"GPL-2.0-only", "GPL-2.0-or-later"}
_GPL_ALL = _GPL3_FAMILY | _GPL2_FAMILY
# Non-copyleft-strong licenses the GPL cannot absorb: Apache-2.0 (patent terms) and the v3 LGPL with GPL-2.0
# only; EPL and CDDL with any GPL (their own copyleft clauses conflict).
_CONFLICTS_GPL2_ONLY = {"Apache-2.0", "LGPL-3.0-only", "LGPL-3.0-or-later"}
_CONFLICTS_ANY_GPL = {"EPL-1.0", "EPL-2.0", "CDDL-1.0"}


@dataclass(frozen=True)
class Verdict:
    """A compatibility decision and the reason for it, in words."""

    compatible: bool
    reason: str


def decide(model_license: str | None, code_license: str | None) -> Verdict:
    """Whether a model under `model_license` may be fine-tuned with code under `code_license`, then used."""
    model, code = lookup(model_license), lookup(code_license)
    if model is None:
        return Verdict(False, f"The model's license ({model_license or 'none'}) is absent or not recognised.")
    if code is None:
        return Verdict(False, f"The code's license ({code_license or 'none'}) is absent or not recognised.")
    for side, known in (("model", model), ("code", code)):
        if known.category is LicenseCategory.NON_COMMERCIAL:
            return Verdict(False, f"The {side}'s license {known.license_id} forbids commercial use.")
        if known.category is LicenseCategory.NO_DERIVATIVES:
            return Verdict(False, f"The {side}'s license {known.license_id} forbids derivative works.")
    categories = {model.category, code.category}
    if LicenseCategory.USE_RESTRICTED in categories and LicenseCategory.STRONG_COPYLEFT in categories:
        return Verdict(
            False,
            f"{model.license_id} and {code.license_id} cannot meet: a strong copyleft license forbids the "
            "further use restrictions the other one imposes.",
        )
    conflict = _copyleft_conflict(model, code)
    if conflict:
        return Verdict(False, conflict)
    return Verdict(
        True, f"{model.license_id} (model) and {code.license_id} (code) allow fine-tuning and use."
    )


def _copyleft_conflict(model: KnownLicense, code: KnownLicense) -> str | None:
    ids = {model.license_id, code.license_id}
    strong = [k for k in (model, code) if k.category is LicenseCategory.STRONG_COPYLEFT]
    if len(strong) == 2 and len(ids) == 2:
        if ids <= _GPL3_FAMILY or ids <= _GPL2_FAMILY:
            return None
        return (
            f"{model.license_id} and {code.license_id} are different copyleft licenses that cannot combine."
        )
    if not strong or not ids & _GPL_ALL:
        return None
    other = next(iter(ids - {strong[0].license_id}), strong[0].license_id)
    if other in _CONFLICTS_ANY_GPL or (strong[0].license_id in _GPL2_ONLY and other in _CONFLICTS_GPL2_ONLY):
        return f"{other} is not compatible with {strong[0].license_id}."
    return None
