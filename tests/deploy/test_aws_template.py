"""backend/aws/template.yaml: cfn-lint clean, expanded by AWS's SAM translator, and what it builds is what
the issue asks for (a private encrypted versioned bucket, an on-demand table with PITR, a small role...)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.tools import ROOT, aws_tool

TEMPLATE = ROOT / "backend" / "aws" / "template.yaml"
ECS_TEMPLATE = ROOT / "backend" / "aws" / "ecs.yaml"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    """The template's resources after the SAM transform, by logical id."""
    done = subprocess.run(
        [str(aws_tool("python")), str(ROOT / "backend" / "aws" / "translate.py"), str(TEMPLATE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    expanded: dict[str, Any] = json.loads(done.stdout)["Resources"]
    return expanded


def _of_type(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in resources.items() if r["Type"] == kind}


@pytest.mark.parametrize("template", [TEMPLATE, ECS_TEMPLATE], ids=["sam", "ecs"])
def test_cfn_lint_finds_nothing(template: Path):
    done = subprocess.run(
        [str(aws_tool("cfn-lint")), "--format", "parseable", str(template)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_cfn_lint_can_fail(tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEMPLATE.read_text().replace("BillingMode: PAY_PER_REQUEST", "BillingMode: FREE"))
    done = subprocess.run(
        [str(aws_tool("cfn-lint")), str(broken)], capture_output=True, text=True, timeout=180
    )
    assert done.returncode != 0 and "PAY_PER_REQUEST" in done.stdout


def test_table_is_on_demand_with_point_in_time_recovery(resources):
    (table,) = _of_type(resources, "AWS::DynamoDB::Table").values()
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}


def test_bucket_is_private_encrypted_and_versioned(resources):
    (bucket,) = _of_type(resources, "AWS::S3::Bucket").values()
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert (
        all(bucket["PublicAccessBlockConfiguration"].values())
        and len(bucket["PublicAccessBlockConfiguration"]) == 4
    )
    (policy,) = _of_type(resources, "AWS::S3::BucketPolicy").values()
    assert policy["PolicyDocument"]["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_api_function_is_the_mangum_handler_behind_an_http_api(resources):
    functions = _of_type(resources, "AWS::Lambda::Function")
    api = functions["ApiFunction"]
    assert api["Handler"] == "main.handler"
    assert functions["WorkerFunction"]["Handler"] == "worker.handler"
    body = _of_type(resources, "AWS::ApiGatewayV2::Api")["RegistryApi"]["Body"]
    default = body["paths"]["$default"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    assert default["payloadFormatVersion"] == "2.0" and "${ApiFunction.Arn}" in default["uri"]["Fn::Sub"]
    env = api["Environment"]["Variables"]
    assert env["REGISTRY_STORAGE"] == "aws" and env["REGISTRY_DOWNLOAD_REDIRECT"] == "presigned"
    assert "resolve:secretsmanager" in json.dumps(env["REGISTRY_JWT_SECRET"])
    stage = _of_type(resources, "AWS::ApiGatewayV2::Stage")
    assert any("AccessLogSettings" in s for s in stage.values())


def test_handlers_exist_in_the_code():
    import main
    import worker

    assert callable(main.handler) and callable(worker.handler)


def test_role_grants_only_the_calls_the_drivers_make_on_this_table_and_bucket(resources):
    (role,) = _of_type(resources, "AWS::IAM::Role").values()
    assert "ManagedPolicyArns" not in role
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    actions = [
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert all("*" not in action for action in actions)
    wildcard = [s["Sid"] for s in statements if s["Resource"] == "*"]
    assert wildcard == ["Traces"]  # X-Ray accepts no resource-level permission
    assert not any(
        a.startswith(("dynamodb:Delete", "s3:DeleteBucket")) and a != "dynamodb:DeleteItem" for a in actions
    )


def test_alarms_watch_errors_latency_and_throttles(resources):
    alarms = _of_type(resources, "AWS::CloudWatch::Alarm")
    watched = {
        m.get("MetricStat", {}).get("Metric", {}).get("MetricName")
        for a in alarms.values()
        for m in a.get("Metrics", [])
    } | {a.get("MetricName") for a in alarms.values()}
    assert {"5xx", "Count", "Latency", "Throttles"} <= watched
    assert all(a["AlarmActions"] for a in alarms.values())


def test_every_function_logs_to_a_group_with_retention(resources):
    groups = _of_type(resources, "AWS::Logs::LogGroup")
    assert groups and all("RetentionInDays" in g for g in groups.values())
    for function in _of_type(resources, "AWS::Lambda::Function").values():
        assert function["LoggingConfig"]["LogGroup"]["Ref"] in groups


def test_ecs_variant_checks_readiness_and_reads_secrets_from_secrets_manager():
    text = ECS_TEMPLATE.read_text()
    assert "HealthCheckPath: /health/ready" in text
    assert "{ Name: REGISTRY_JWT_SECRET, ValueFrom: !Ref JwtSecretArn }" in text
    assert "AssignPublicIp: DISABLED" in text
