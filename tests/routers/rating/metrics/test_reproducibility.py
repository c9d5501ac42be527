"""reproducibility metric: the card's Python example, checked statically."""

from __future__ import annotations

from package.routers.rating.metrics.reproducibility import compute
from tests.helpers import make_context

RUNNABLE = """## Usage

```python
from transformers import pipeline
classifier = pipeline("text-classification", model="acme/model")
print(classifier("hello"))
```
"""


def test_runnable_example_scores_one():
    assert compute(make_context(readme=RUNNABLE)).score == 1.0


def test_example_with_a_placeholder_needs_fixes():
    broken = RUNNABLE.replace('"hello"', "YOUR_TEXT_HERE")
    assert compute(make_context(readme=broken)).score == 0.5


def test_no_example_scores_zero():
    assert compute(make_context(readme="No code here.")).score == 0.0
