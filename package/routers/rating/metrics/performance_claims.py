"""performance_claims: does the model state how well it performs, in a form someone can check?

Inputs: the card's `model-index` results (front matter), the card text (evaluation sections, tables, metric
statements) and its references (arXiv / DOI / Papers with Code / ACL Anthology / OpenReview links, BibTeX).
Formula (weights sum to 1):
  0.50 structured   model-index results with numeric metric values: 0.35, plus 0.15 x the share of results
                    that name a public dataset (generic local loaders such as `imagefolder` or `csv` are not
                    checkable) and a metric type
  0.30 stated       a table with numbers under an evaluation / results / benchmark heading = 1; a metric
                    stated with a number in prose ("Accuracy: 0.87", "F1 score of 86.9") = 2/3; an
                    evaluation heading without numbers = 1/3; nothing = 0
  0.20 reference    a paper or citation a reader can check the numbers against
No card and no model-index: 0.
"""

from __future__ import annotations

import re
from typing import Any

from package.routers.rating.metrics.base import Metric, Outcome, RatingContext, clamp

EVAL_TITLE = re.compile(r"eval|result|benchmark|performance|accuracy|metric|leaderboard|score", re.IGNORECASE)
METRIC_WORDS = (
    r"accuracy|acc|f1|exact match|em|bleu|rouge(?:-\w+)?|wer|cer|perplexity|ppl|precision|recall|auc|"
    r"top-1|top-5|loss|mse|mae|rmse|spearman|pearson|matthews|mcc|iou|dice|psnr|ssim|fid|"
    r"pass@1|elo|win rate"
)
# A metric name, an optional "score" and "on <split>", a separator, then a number: "Accuracy: 0.87",
# "F1 score of 86.9", "accuracy on the held-out split: 0.87" (not "half precision export (fp16").
METRIC_STATEMENT = re.compile(
    rf"\b({METRIC_WORDS})\b(?:\s+(?:score|value|rate))?(?:\s+on\s+[^\n:]{{1,40}})?"
    r"\s*(?:[:=]|\bof\b|\bis\b|\bwas\b|\bat\b)?\s*\**\s*\d+(?:\.\d+)?\s*%?",
    re.IGNORECASE,
)
TABLE_ROW_WITH_NUMBER = re.compile(r"^\s*\|.*\d+(\.\d+)?.*\|\s*$", re.MULTILINE)
REFERENCE = re.compile(
    r"arxiv\.org/|doi\.org/|paperswithcode\.com/|aclanthology\.org/|openreview\.net/|@(article|inproceedings|misc)\{",
    re.IGNORECASE,
)
GENERIC_LOADERS = {
    "imagefolder",
    "audiofolder",
    "videofolder",
    "csv",
    "json",
    "text",
    "parquet",
    "arrow",
    "generator",
}


def _results(card_data: dict[str, Any]) -> list[dict[str, Any]]:
    results = []
    for entry in card_data.get("model-index") or card_data.get("model_index") or []:
        if isinstance(entry, dict):
            results += [r for r in entry.get("results") or [] if isinstance(r, dict)]
    return results


def _numeric_metrics(result: dict[str, Any]) -> list[dict[str, Any]]:
    metrics = result.get("metrics") or []
    return [m for m in metrics if isinstance(m, dict) and isinstance(m.get("value"), int | float)]


def _checkable(result: dict[str, Any]) -> bool:
    dataset = result.get("dataset") or {}
    names = {str(dataset.get(k) or "").strip().lower() for k in ("type", "name")} - {""}
    public = bool(names) and not names <= GENERIC_LOADERS
    typed = all(m.get("type") for m in _numeric_metrics(result))
    return public and typed


def structured(card_data: dict[str, Any]) -> tuple[float, str]:
    """The model-index part: its share of the 0.5 and what it found."""
    with_numbers = [r for r in _results(card_data) if _numeric_metrics(r)]
    if not with_numbers:
        return 0.0, "no model-index results"
    checkable = sum(_checkable(r) for r in with_numbers) / len(with_numbers)
    count = sum(len(_numeric_metrics(r)) for r in with_numbers)
    return 0.35 + 0.15 * checkable, (
        f"model-index: {count} metric value(s) in {len(with_numbers)} result(s), "
        f"{checkable:.0%} on a public dataset"
    )


def stated(ctx: RatingContext) -> tuple[float, str]:
    """The card text part: tables or statements of measured numbers."""
    card = ctx.card
    eval_sections = card.sections_matching(EVAL_TITLE)
    for section in eval_sections:
        if TABLE_ROW_WITH_NUMBER.search(card.section_text(section)):
            return 1.0, f"a results table under '{section.title}'"
    match = METRIC_STATEMENT.search(card.prose)
    if match:
        return 2 / 3, f"a measured value stated in the text ('{match.group(0).strip()}')"
    if eval_sections:
        return 1 / 3, f"an evaluation heading ('{eval_sections[0].title}') without numbers"
    return 0.0, "no evaluation results in the card text"


def compute(ctx: RatingContext) -> Outcome:
    """Score the model's performance claims."""
    structured_part, structured_note = structured(ctx.card_data)
    stated_part, stated_note = stated(ctx)
    referenced = bool(REFERENCE.search(ctx.card.body))
    score = structured_part + 0.3 * stated_part + 0.2 * referenced
    reason = f"{structured_note}; {stated_note}; {'cites' if referenced else 'no'} paper or citation"
    return Outcome(clamp(score), reason)


METRIC = Metric(name="performance_claims", weight=0.10, compute=compute)
