"""dataset_and_code_score: can someone find the data the model was trained on and the code that runs it?

Inputs: the datasets the model names (card `datasets`, `dataset:*` tags, Hugging Face dataset links), which of
them are registered, its code repository link and registered code artifacts, its card's code blocks, and code
files in the model repository itself.
Formula: 0.5 x dataset part + 0.5 x code part, each:
  dataset  1.0 a named dataset is registered here; 0.75 the card names a dataset that is not registered;
           0.25 the card only describes its training data in a section; 0 nothing
  code     1.0 a linked code repository is registered here; 0.75 the card links a GitHub repository;
           0.5 the model repository ships source files, or the card has a code example; 0 nothing
"""

from __future__ import annotations

import re

from package.routers.rating.metrics.base import SOURCE_SUFFIXES, Metric, Outcome, RatingContext, code_blocks

TRAINING_DATA_TITLE = re.compile(r"training data|dataset|data\b|corpus|pre-?training", re.IGNORECASE)


def dataset_part(ctx: RatingContext) -> tuple[float, str]:
    """How well the model's training data is identified."""
    if ctx.links.datasets:
        names = ", ".join(r.name for r in ctx.links.datasets)
        return 1.0, f"registered dataset(s): {names}"
    if ctx.refs.dataset_refs:
        return 0.75, f"names dataset(s) not in the registry: {', '.join(ctx.refs.dataset_refs)}"
    described = [s for s in ctx.card.sections_matching(TRAINING_DATA_TITLE) if s.has_content]
    if described:
        return 0.25, f"describes its data only in prose ('{described[0].title}')"
    return 0.0, "no training dataset named or described"


def code_part(ctx: RatingContext) -> tuple[float, str]:
    """How well the code around the model is identified."""
    if ctx.links.code:
        return 1.0, f"registered code: {', '.join(r.name for r in ctx.links.code)}"
    if ctx.links.code_repository:
        return 0.75, f"links GitHub repository {ctx.links.code_repository} (not in the registry)"
    sources = [f.path for f in ctx.files if f.path.endswith(SOURCE_SUFFIXES)]
    if sources:
        return 0.5, f"ships source file(s) in the model repository ({sources[0]})"
    if code_blocks(ctx.card):
        return 0.5, "has code examples in its card, but no code repository"
    return 0.0, "no code repository, source file or code example"


def compute(ctx: RatingContext) -> Outcome:
    """Score the availability of the model's datasets and code."""
    data, data_note = dataset_part(ctx)
    code, code_note = code_part(ctx)
    return Outcome(0.5 * data + 0.5 * code, f"data: {data_note}; code: {code_note}")


METRIC = Metric(name="dataset_and_code_score", weight=0.10, compute=compute)
