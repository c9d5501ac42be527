"""The safety domain's storage: scans, name findings and approvals, each kept for one source generation."""

from __future__ import annotations

from pathlib import Path

from package.routers.safety import database
from package.routers.safety.interface import Approval, FileFormat, FileScan, Finding, FindingKind, Verdict
from tests.helpers import embedded_storage


def _scan(path: str, verdict: Verdict = Verdict.SAFE) -> FileScan:
    return FileScan(
        path=path, format=FileFormat.PICKLE, verdict=verdict, size=10, rules_version="r1", scanned_at="t"
    )


def _finding(detail: str) -> Finding:
    return Finding(kind=FindingKind.NAME_CONFUSION, severity=Verdict.SUSPICIOUS, detail=detail)


class TestFileScans:
    def test_read_back_for_their_generation_only(self, tmp_path: Path):
        storage = embedded_storage(tmp_path)
        database.save_file_scan(storage, "a1", "g1", _scan("model.bin", Verdict.DANGEROUS))
        database.save_file_scan(storage, "a1", "g1", _scan("sub/other.pkl"))
        assert database.file_scan(storage, "a1", "g1", "model.bin") == _scan("model.bin", Verdict.DANGEROUS)
        assert database.file_scan(storage, "a1", "g2", "model.bin") is None
        assert sorted(database.file_scans(storage, "a1", "g1")) == ["model.bin", "sub/other.pkl"]
        assert database.file_scans(storage, "a1", "g2") == {}

    def test_another_artifacts_scans_are_not_mixed_in(self, tmp_path: Path):
        storage = embedded_storage(tmp_path)
        database.save_file_scan(storage, "a1", "g", _scan("x.pkl"))
        database.save_file_scan(storage, "a10", "g", _scan("y.pkl"))
        assert list(database.file_scans(storage, "a1", "g")) == ["x.pkl"]


class TestNameFindings:
    def test_none_until_the_check_ran_for_the_generation(self, tmp_path: Path):
        storage = embedded_storage(tmp_path)
        assert database.name_findings(storage, "a1", "g1") is None
        database.save_name_findings(storage, "a1", "g1", [])
        assert database.name_findings(storage, "a1", "g1") == []
        database.save_name_findings(storage, "a1", "g1", [_finding("looks like bert")])
        assert database.name_findings(storage, "a1", "g1") == [_finding("looks like bert")]
        assert database.name_findings(storage, "a1", "g2") is None


class TestApprovalAndForget:
    def test_an_approval_holds_for_its_generation(self, tmp_path: Path):
        storage = embedded_storage(tmp_path)
        approval = Approval(by="admin", at="2026-01-01T00:00:00Z", generation="g1", reason="reviewed")
        database.save_approval(storage, "a1", approval)
        assert database.approval(storage, "a1", "g1") == approval
        assert database.approval(storage, "a1", "g2") is None

    def test_forget_drops_everything_of_the_artifact_only(self, tmp_path: Path):
        storage = embedded_storage(tmp_path)
        for artifact_id in ("a1", "a2"):
            database.save_file_scan(storage, artifact_id, "g", _scan("m.pkl"))
            database.save_name_findings(storage, artifact_id, "g", [])
            database.save_approval(storage, artifact_id, Approval(by="admin", at="t", generation="g"))
        database.forget(storage, "a1")
        assert database.file_scans(storage, "a1", "g") == {}
        assert database.name_findings(storage, "a1", "g") is None
        assert database.approval(storage, "a1", "g") is None
        assert list(database.file_scans(storage, "a2", "g")) == ["m.pkl"]
        assert database.approval(storage, "a2", "g") is not None
