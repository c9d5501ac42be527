"""ramp_up_time: how much of what a newcomer needs the model card gives.

Inputs: the model card (README without front matter): headings, fenced code blocks, prose; the model's names.
Formula (each part in [0, 1], weights sum to 1):
  0.25 usage      a section titled like usage / how to use / getting started / quick start / example /
                  inference
  0.25 example    a code block that uses this model (names it, or calls from_pretrained / pipeline) = 1,
                  other code = 0.5, none = 0
  0.15 install    an explicit install command (pip / conda / npm / yarn / apt / docker / git clone) = 1; code
                  importing a well-known package, whose install step is implied = 0.5; else 0
  0.20 depth      prose words / 500, at most 1
  0.15 structure  sections with real content (>= 10 words, a table or code; "More information needed" does not
                  count) / 6, at most 1
No card at all scores 0.
"""

from __future__ import annotations

import re

from package.routers.rating.metrics.base import (
    INSTALL,
    USAGE_TITLE,
    Metric,
    Outcome,
    RatingContext,
    clamp,
    code_blocks,
    uses_model,
)

WELL_KNOWN_IMPORT = re.compile(
    r"^\s*(from|import)\s+(transformers|diffusers|sentence_transformers|timm|torch|tensorflow|keras|"
    r"open_clip|peft|optimum|onnxruntime|huggingface_hub|datasets|spacy|fasttext|whisper)\b",
    re.MULTILINE,
)
WORDS_FOR_FULL_DEPTH = 500
SECTIONS_FOR_FULL_STRUCTURE = 6


def compute(ctx: RatingContext) -> Outcome:
    """Score the card's documentation for a newcomer."""
    card = ctx.card
    if card.is_empty:
        return Outcome(0.0, "the model has no card (README), so a newcomer has nothing to start from")
    usage = card.sections_matching(USAGE_TITLE)
    blocks = code_blocks(card)
    model_blocks = [b for b in blocks if uses_model(b.text, ctx.model_aliases)]
    example = 1.0 if model_blocks else 0.5 if blocks else 0.0
    code_text = "\n".join(b.text for b in blocks)
    if INSTALL.search(card.body):
        install, install_note = 1.0, "an install command"
    elif WELL_KNOWN_IMPORT.search(code_text):
        install, install_note = 0.5, "no install command, but the code imports a well-known package"
    else:
        install, install_note = 0.0, "no install steps"
    depth = clamp(card.words / WORDS_FOR_FULL_DEPTH)
    content_sections = [s for s in card.sections if s.has_content]
    structure = clamp(len(content_sections) / SECTIONS_FOR_FULL_STRUCTURE)
    score = 0.25 * bool(usage) + 0.25 * example + 0.15 * install + 0.20 * depth + 0.15 * structure
    reason = (
        f"{'a usage section (' + usage[0].title + ')' if usage else 'no usage section'}; "
        f"{len(model_blocks)} of {len(blocks)} code block(s) use the model; {install_note}; "
        f"{card.words} words of prose; {len(content_sections)} sections with content"
    )
    return Outcome(clamp(score), reason)


METRIC = Metric(name="ramp_up_time", weight=0.10, compute=compute)
