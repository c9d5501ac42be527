"""Expand the SAM template into plain CloudFormation with AWS's own translator, as `sam deploy` would.

Run with the template checkers' interpreter (.venv/tools/aws/bin/python backend/aws/translate.py [template]);
prints the CloudFormation JSON, or the translator's errors and exits 1.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, ...) read as their long forms."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_Loader.add_multi_constructor("!", _tag)


class _NoManagedPolicies:
    """The template names no managed policies; looking one up would be a mistake (and a network call)."""

    def load(self) -> dict[str, str]:
        raise AssertionError("the template should not need AWS managed policy lookups")


def expand(path: Path) -> dict[str, Any]:
    """The CloudFormation the template becomes, with the local code zip named as `sam package` would."""
    template = yaml.load(path.read_text(), Loader=_Loader)
    code = template.get("Globals", {}).get("Function", {})
    if isinstance(code.get("CodeUri"), str) and not code["CodeUri"].startswith("s3://"):
        code["CodeUri"] = "s3://deployment-bucket/registry.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # read by the translator's boto3 session
    # Pseudo parameters as a deployment in us-east-1 would see them (the translator needs a region).
    parameters = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    expanded: dict[str, Any] = transform(template, parameters, _NoManagedPolicies())
    return expanded


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("template.yaml")
    try:
        print(json.dumps(expand(target), indent=1, sort_keys=True))
    except InvalidDocumentException as exc:
        for cause in exc.causes:
            print(cause.message, file=sys.stderr)
        sys.exit(1)
