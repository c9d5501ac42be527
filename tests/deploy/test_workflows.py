"""The GitHub workflows: actionlint finds nothing, CI runs the README's test command, deploy uses SAM."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.tools import CI_TOOLS, ROOT, node

WORKFLOWS = ROOT / ".github" / "workflows"


def _lint(*files: Path) -> tuple[int, list[dict[str, Any]]]:
    done = subprocess.run(
        [str(node()), str(CI_TOOLS / "lint-workflows.cjs"), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    findings: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    return done.returncode, findings


def test_actionlint_finds_nothing():
    code, findings = _lint(*sorted(WORKFLOWS.glob("*.yml")))
    assert (code, findings) == (0, [])


def test_actionlint_can_fail(tmp_path: Path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        (WORKFLOWS / "ci.yml").read_text().replace("runs-on: ubuntu-22.04", "runs-on: ubuntu-99.04")
    )
    code, findings = _lint(broken)
    assert code == 1 and findings


def _steps(workflow: str) -> list[dict[str, Any]]:
    jobs = yaml.safe_load((WORKFLOWS / workflow).read_text())["jobs"]
    return [step for job in jobs.values() for step in job.get("steps", [])]


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / "README.md").read_text()
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert any("bash .ci/run" in step.get("run", "") for step in _steps("ci.yml"))


def test_deploy_builds_the_zip_and_deploys_the_template():
    runs = " ".join(step.get("run", "") for step in _steps("deploy.yml"))
    assert "make lambda-package" in runs
    assert "sam deploy --template-file backend/aws/template.yaml" in runs
    assert "/health/ready" in runs


def test_ci_audits_the_pinned_dependencies():
    audit = yaml.safe_load((WORKFLOWS / "ci.yml").read_text())["jobs"]["audit"]
    assert any(step.get("run") == "make audit" for step in audit["steps"])
    assert "--strict" in (ROOT / "Makefile").read_text().split("audit:", 2)[-1].split("\n\n")[0]
