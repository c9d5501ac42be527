"""What scanning one file found, before it is stored: shared by every format's scanner."""

from __future__ import annotations

from dataclasses import dataclass, field

from package.routers.safety.interface import FileFormat, Finding, FindingKind, Verdict


@dataclass
class Outcome:
    """The findings, imports and scanners of one file's scan."""

    path: str
    format: FileFormat = FileFormat.OTHER
    findings: list[Finding] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    scanners: list[str] = field(default_factory=list)

    def add(self, kind: FindingKind, severity: Verdict, detail: str) -> None:
        """Record a finding about this file (the same one once)."""
        finding = Finding(file=self.path, kind=kind, severity=severity, detail=detail)
        if finding not in self.findings:
            self.findings.append(finding)

    def used(self, scanner: str) -> None:
        """Note that a scanner read the file."""
        if scanner not in self.scanners:
            self.scanners.append(scanner)
