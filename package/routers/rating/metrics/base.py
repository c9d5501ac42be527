"""What a metric is (a name: the ModelRating field; a weight in net_score; a function of the context), and the
vocabulary several metrics share."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from package.routers.rating.context import MetricUnavailable, RatingContext
from package.routers.rating.inputs.card import Card, CodeBlock

__all__ = [
    "INSTALL",
    "MODEL_USE",
    "SOURCE_SUFFIXES",
    "USAGE_TITLE",
    "Metric",
    "MetricUnavailable",
    "Outcome",
    "RatingContext",
    "clamp",
    "code_blocks",
    "log_share",
    "uses_model",
]

# Vocabulary several metrics share (they import it from here, never from each other).
USAGE_TITLE = re.compile(
    r"\b(usage|how to use|how to get started|get(ting)? started|quick ?start|examples?|inference|"
    r"code snippet|use (this|the) model|running the model)\b",
    re.IGNORECASE,
)
INSTALL = re.compile(
    r"\b(pip3? install|uv pip install|conda install|npm (i|install)|yarn add|apt(-get)? install|"
    r"docker (pull|run)|git clone|poetry add)\b",
    re.IGNORECASE,
)
MODEL_USE = re.compile(r"from_pretrained|pipeline\(|load_model\(|hf_hub_download|snapshot_download", re.I)
NOT_CODE_LANGUAGES = {"bibtex", "bib", "latex", "tex", "text", "txt", "plaintext", "markdown", "md", "yaml"}
SOURCE_SUFFIXES = (".py", ".js", ".ts", ".ipynb", ".sh", ".cpp", ".c", ".rs", ".go", ".java")


@dataclass(frozen=True)
class Outcome:
    """A metric's score and the reason for it.

    `applicable=False` means the metric has no subject for this model (reviewedness without a repository,
    tree_score without parents): its score is reported, but net_score leaves it out.
    """

    score: float | dict[str, float]
    reason: str
    applicable: bool = True


@dataclass(frozen=True)
class Metric:
    """One trust metric."""

    name: str
    weight: float
    compute: Callable[[RatingContext], Outcome]


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    """The value limited to [low, high]."""
    return max(low, min(high, value))


def log_share(value: float, full: float) -> float:
    """log10(1 + value) / log10(1 + full), limited to [0, 1]: 1 at `full` and beyond."""
    if value <= 0:
        return 0.0
    return clamp(math.log10(1 + value) / math.log10(1 + full))


def code_blocks(card: Card) -> list[CodeBlock]:
    """Blocks that hold code, not citations or data samples."""
    blocks = []
    for block in card.code_blocks:
        text = block.text.strip()
        if not text or block.language in NOT_CODE_LANGUAGES:
            continue
        if not block.language and (text.startswith("@") or text.startswith("{")):
            continue  # an unlabelled BibTeX entry or JSON sample
        blocks.append(block)
    return blocks


def uses_model(text: str, aliases: set[str]) -> bool:
    """Whether code names this model or loads a model the usual ways."""
    lower = text.lower()
    return any(alias and alias in lower for alias in aliases) or bool(MODEL_USE.search(text))
