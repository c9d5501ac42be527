"""reproducibility: can the card's example code be run as written?

Inputs: the card's fenced code blocks and the names this model goes by. Decided by static analysis only
(rating/snippets.py): the code is parsed, never executed.
Formula:
  1.0  a Python example (one block, or the card's Python blocks read in order as one script) parses,
       imports only the standard library and well-known packages, defines every name it uses, loads this
       model by name, and needs nothing filled in (no placeholder, no elided code, no local input file)
  0.5  there is example code, but it needs fixes (the problems are named), or it is in a language that cannot
       be checked statically (e.g. JavaScript or shell) while it uses this model
  0.0  no example code that uses the model
"""

from __future__ import annotations

from package.routers.rating.inputs import snippets
from package.routers.rating.metrics.base import Metric, Outcome, RatingContext, code_blocks, uses_model


def compute(ctx: RatingContext) -> Outcome:
    """Score whether the card's examples run as written."""
    blocks = code_blocks(ctx.card)
    python = [b for b in blocks if snippets.is_python(b)]
    aliases = ctx.model_aliases
    if python:
        units = [(f"block {i + 1}", b.text) for i, b in enumerate(python)]
        if len(python) > 1:
            units += [
                (f"blocks 1-{n}", "\n".join(b.text for b in python[:n])) for n in range(2, len(python) + 1)
            ]
        checks: list[tuple[str, snippets.SnippetCheck]] = []
        for label, text in units:  # in this order, up to the first that runs
            checks.append((label, snippets.check(text, aliases)))
            if checks[-1][1].runnable:
                return Outcome(
                    1.0, f"Python example ({label} of {len(python)}) runs as written (static check)"
                )
        label, best = min(checks, key=lambda item: len(item[1].problems))
        return Outcome(0.5, f"Python example needs fixes ({label}): {'; '.join(best.problems)}")
    other = [b for b in blocks if uses_model(b.text, aliases)]
    if other:
        language = other[0].language or "untagged"
        return Outcome(0.5, f"example code in {language} uses the model but cannot be checked statically")
    return Outcome(0.0, "no example code that uses the model")


METRIC = Metric(name="reproducibility", weight=0.08, compute=compute)
