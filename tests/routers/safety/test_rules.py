"""Which imports are dangerous, harmless or unknown, and the rules' version."""

from __future__ import annotations

import pytest

from package.routers.safety.interface import Verdict
from package.routers.safety.rules import RULES_VERSION, classify


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("os", "system"), ("posix", "system"), ("subprocess", "Popen"), ("builtins", "exec"),
        ("builtins", "eval"), ("__builtin__", "getattr"), ("socket", "create_connection"),
        ("urllib.request", "urlopen"), ("requests.api", "get"), ("runpy", "run_path"), ("torch.hub", "load"),
        ("operator", "attrgetter"), ("numpy.testing._private.utils", "runstring"), ("pickle", "loads"),
    ],
)  # fmt: skip
def test_dangerous(module, name):
    assert classify(module, name) is Verdict.DANGEROUS


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("collections", "OrderedDict"), ("torch._utils", "_rebuild_tensor_v2"), ("torch", "FloatStorage"),
        ("numpy.core.multiarray", "_reconstruct"), ("builtins", "set"), ("_codecs", "encode"),
    ],
)  # fmt: skip
def test_harmless(module, name):
    assert classify(module, name) is Verdict.SAFE


def test_anything_else_is_unknown():
    assert classify("transformers.training_args", "TrainingArguments") is Verdict.SUSPICIOUS
    assert classify("builtins", "whatever") is Verdict.SUSPICIOUS
    assert classify("ossify", "x") is Verdict.SUSPICIOUS  # a module named like os is not os


def test_rules_version_names_the_revision_and_the_tables():
    revision, digest = RULES_VERSION.split("-")
    assert revision.isdigit() and len(digest) == 12
