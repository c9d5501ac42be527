"""The overall status: the worst known component status, and a `registry` component that explains it."""

from __future__ import annotations

from collections.abc import Iterable

from package.routers.health.components import ReportContext, moment
from package.routers.health.interface import (
    SEVERITY_ORDER,
    HealthComponentDetail,
    HealthIssue,
    HealthStatus,
    HealthTimelineEntry,
    IssueSeverity,
    MetricValue,
)

_SEVERITY_OF = {
    HealthStatus.CRITICAL: IssueSeverity.ERROR,
    HealthStatus.DEGRADED: IssueSeverity.WARNING,
    HealthStatus.UNKNOWN: IssueSeverity.INFO,
}


def severity_rank(status: HealthStatus) -> int:
    """0 for the most severe status."""
    return SEVERITY_ORDER.index(status)


def rollup_status(statuses: Iterable[HealthStatus]) -> HealthStatus:
    """The worst known status; unknown only when nothing is known.

    A component that cannot be judged (no traffic yet, a domain that does not report) does not make the whole
    registry unknown; it is listed as an issue of the rollup instead.
    """
    known = [s for s in statuses if s is not HealthStatus.UNKNOWN]
    return min(known, key=severity_rank) if known else HealthStatus.UNKNOWN


def order_by_severity(components: list[HealthComponentDetail]) -> list[HealthComponentDetail]:
    """Most severe first; the given order breaks ties."""
    return sorted(components, key=lambda c: severity_rank(c.status))  # sorted() is stable


def registry_component(
    ctx: ReportContext,
    parts: list[HealthComponentDetail],
    *,
    version: str,
    git_sha: str | None,
    uptime_seconds: int,
    process: str,
) -> HealthComponentDetail:
    """The rollup: overall status, what makes it so, and what is running."""
    status = rollup_status(c.status for c in parts)
    issues = []
    for part in order_by_severity(parts):
        if part.status is HealthStatus.OK:
            continue
        reason = part.issues[0].summary if part.issues else ""
        issues.append(
            HealthIssue(
                code=f"component_{part.status.value}",
                severity=_SEVERITY_OF[part.status],
                summary=f"{part.display_name or part.id} is {part.status.value}. {reason}".strip(),
                details=f"See component {part.id!r}.",
            )
        )
    counts = {s: sum(1 for c in parts if c.status is s) for s in HealthStatus}
    metrics: dict[str, MetricValue] = {
        "version": version,
        "uptime_seconds": uptime_seconds,
        "process": process,
        "components": len(parts),
    }
    if git_sha:
        metrics["git_sha"] = git_sha
    metrics.update({f"components_{s.value}": n for s, n in counts.items()})
    return HealthComponentDetail(
        id="registry",
        display_name="Registry (overall)",
        status=status,
        observed_at=moment(ctx.now),
        description="Rollup of every component: the most severe known status. Components that cannot be "
        "judged yet are listed as issues and do not change it.",
        metrics=metrics,
        issues=issues,
        timeline=_errors_timeline(ctx),
        logs=ctx.logs("registry", "Registry log (all components)"),
    )


def _errors_timeline(ctx: ReportContext) -> list[HealthTimelineEntry] | None:
    if not ctx.include_timeline:
        return None
    return [
        HealthTimelineEntry(bucket=moment(start * 60), value=round(value, 3), unit="server errors/min")
        for start, value in ctx.window.series(
            lambda tallies: float(sum(t.total.server_errors for t in tallies))
        )
    ]
