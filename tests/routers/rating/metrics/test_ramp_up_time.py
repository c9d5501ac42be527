"""ramp_up_time metric: usage section, example, install step, depth and structure of the card."""

from __future__ import annotations

from package.routers.rating.metrics.ramp_up_time import compute
from tests.helpers import make_context

CARD = """# acme/model

## How to use

```bash
pip install transformers
```

```python
from transformers import pipeline
classifier = pipeline("text-classification", model="acme/model")
```
"""


def test_usage_example_and_install_score_more_than_nothing():
    rich = compute(make_context(readme=CARD)).score
    assert isinstance(rich, float) and rich >= 0.65
    bare = compute(make_context(readme="Just a model.")).score
    assert isinstance(bare, float) and bare < rich


def test_no_card_scores_zero():
    assert compute(make_context()).score == 0.0
