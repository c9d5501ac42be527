"""dataset_quality: how well documented, described, adopted and available the model's datasets are.

Inputs: every registered dataset the model names (see dataset_and_code_score): its card (README), card
metadata, license, download / like / star counts, files and gating, as captured at ingest.
Formula per dataset (weights sum to 1), then the mean over the model's datasets:
  0.40 documentation  0.1 each: a summary (>= 50 words of prose), its structure (a fields / splits / features
                      section or `dataset_info`), a declared license, a citation (BibTeX or citation section)
  0.30 metadata       0.1 task categories, 0.1 size (size categories or split sizes), 0.05 languages,
                      0.05 provenance (source datasets or annotation creators); a dataset hosted on GitHub
                      gets the size and task parts for a README table of its files or splits
  0.20 adoption       Hub: 0.1 x log-share of downloads (full at 100k) + 0.1 x log-share of likes
                      (full at 300); GitHub: 0.2 x log-share of stars (full at 1000)
  0.10 availability   files readable here 0.1; gated 0.05; a reference only (e.g. Kaggle) 0
No data rule: no registered dataset is named by the model: 0 (the registry rates only data it holds).
"""

from __future__ import annotations

import re
from typing import Any

from package.core.upstream.sources import SourceKind
from package.routers.artifacts.interface import ArtifactDetails
from package.routers.rating.inputs.card import parse_shared_card
from package.routers.rating.metrics.base import Metric, Outcome, RatingContext, clamp, log_share

STRUCTURE_TITLE = re.compile(r"structure|fields|splits|features|instances|schema|format|get the data", re.I)
CITATION = re.compile(r"@(article|inproceedings|misc|online|book|techreport)\{|citation|citing", re.I)
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$", re.MULTILINE)


def _has(card_data: dict[str, Any], *keys: str) -> bool:
    return any(card_data.get(key) for key in keys)


def score_dataset(details: ArtifactDetails) -> tuple[float, str]:
    """One dataset's quality and a short note."""
    snapshot = details.snapshot
    card = parse_shared_card(details.readme)  # many models name the same datasets
    data = snapshot.card_data
    license_id = (snapshot.license or "").lower()
    structure = bool(card.sections_matching(STRUCTURE_TITLE)) or _has(data, "dataset_info", "configs")
    documentation = 0.1 * (card.words >= 50) + 0.1 * structure
    documentation += 0.1 * bool(license_id and license_id != "unknown") + 0.1 * bool(
        CITATION.search(card.body)
    )
    hub = details.record.source_kind is SourceKind.HF_DATASET
    if hub:
        metadata = 0.1 * _has(data, "task_categories", "task_ids")
        metadata += 0.1 * _has(data, "size_categories", "dataset_info")
        metadata += 0.05 * _has(data, "language") + 0.05 * _has(
            data, "source_datasets", "annotations_creators"
        )
        stats = snapshot.stats
        adoption = 0.1 * log_share(float(stats.get("downloads") or 0), 100_000)
        adoption += 0.1 * log_share(float(stats.get("likes") or 0), 300)
    else:
        metadata = 0.2 * bool(TABLE_ROW.search(card.body))
        adoption = 0.2 * log_share(float(snapshot.stats.get("stars") or 0), 1000)
    if snapshot.reference_only or not snapshot.files:
        availability = 0.0
    elif snapshot.gated or details.record.gated:
        availability = 0.05
    else:
        availability = 0.1
    score = clamp(documentation + metadata + adoption + availability)
    note = (
        f"{details.record.name}: {score:.2f} (docs {documentation:.2f}, metadata {metadata:.2f}, "
        f"adoption {adoption:.2f}, availability {availability:.2f})"
    )
    return score, note


def compute(ctx: RatingContext) -> Outcome:
    """Mean quality of the model's registered datasets."""
    datasets = ctx.dataset_details()
    if not datasets:
        named = ", ".join(ctx.refs.dataset_refs) or "none"
        return Outcome(0.0, f"no dataset the model names is registered (named: {named})")
    scored = [score_dataset(d) for d in datasets]
    return Outcome(sum(s for s, _ in scored) / len(scored), "; ".join(note for _, note in scored))


METRIC = Metric(name="dataset_quality", weight=0.08, compute=compute)
