"""license metric: declared identifier, else a license named in the card, else a LICENSE file."""

from __future__ import annotations

from package.routers.rating.metrics.license import compute
from tests.helpers import make_context


def test_declared_permissive_license_scores_full():
    assert compute(make_context(license="apache-2.0")).score == 1.0


def test_license_named_in_a_card_section():
    outcome = compute(make_context(readme="# Model\n\n## License\n\nReleased under the MIT License.\n"))
    assert outcome.score == 1.0 and "names mit" in outcome.reason


def test_only_a_license_file_is_unclear():
    outcome = compute(make_context(files=[{"path": "LICENSE", "size": 10}]))
    assert outcome.score == 0.3


def test_nothing_declared_scores_zero():
    assert compute(make_context()).score == 0.0
