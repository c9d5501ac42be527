"""Turn activity, probe results and pipeline figures into the spec's component details, with the rules that
decide each status. Pure functions of a `ReportContext`: no storage, no clock, no network."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from package.core.config import ALL_DOMAINS, Settings
from package.routers.health.activity import MinuteTally, Tally
from package.routers.health.config import HealthSettings
from package.routers.health.interface import (
    HealthComponentDetail,
    HealthIssue,
    HealthLogReference,
    HealthStatus,
    HealthTimelineEntry,
    IssueSeverity,
    MetricValue,
)
from package.routers.health.probes import UPSTREAMS, ProbeResult, ProbeTrack, upstream_status
from package.routers.health.rating_status import RatingView
from package.routers.health.window import WindowActivity, timeline_step

LogLinks = Callable[[str, str], list[HealthLogReference]]
CRITICAL_MIN_ERRORS = 3
STORAGE_PARTS = {"storage-records": "Record store", "storage-blobs": "Blob store"}


@dataclass(frozen=True)
class ReportContext:
    """Everything one health report is built from."""

    now: float
    window: WindowActivity
    include_timeline: bool
    settings: Settings
    health: HealthSettings
    storage_description: str
    storage_results: dict[str, ProbeResult]
    storage_tracks: dict[str, ProbeTrack]
    upstream_tracks: dict[str, ProbeTrack]
    upstream_urls: dict[str, str]
    rating: RatingView
    recording: bool
    flush_error: str | None
    logs: LogLinks


def moment(seconds: float) -> datetime:
    """An epoch time as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)


def _iso(seconds: float | None) -> str | None:
    return None if seconds is None else moment(seconds).isoformat().replace("+00:00", "Z")


def _issue(code: str, severity: IssueSeverity, summary: str, details: str | None = None) -> HealthIssue:
    return HealthIssue(code=code, severity=severity, summary=summary, details=details)


def _clean(metrics: dict[str, MetricValue | None]) -> dict[str, MetricValue]:
    return {k: v for k, v in metrics.items() if v is not None}


def traffic_metrics(tally: Tally) -> dict[str, MetricValue]:
    """Counts, error rates and latency of a tally."""
    rate = (lambda n: round(n / tally.count, 4)) if tally.count else (lambda n: None)
    p50, p95 = tally.percentile_ms(0.5), tally.percentile_ms(0.95)
    return _clean(
        {
            "requests": tally.count,
            "server_errors": tally.server_errors,
            "client_errors": tally.client_errors,
            "server_error_rate": rate(tally.server_errors),
            "client_error_rate": rate(tally.client_errors),
            "latency_mean_ms": round(tally.duration_ms_sum / tally.count, 2) if tally.count else None,
            "latency_p50_ms": p50,
            "latency_p95_ms": p95,
            "latency_max_ms": round(tally.duration_ms_max, 2) if tally.count else None,
        }
    )


def traffic_status(
    tally: Tally, settings: HealthSettings, *, subject: str, minutes: int, failing_routes: str | None = None
) -> tuple[HealthStatus, list[HealthIssue]]:
    """Status from the share of 5xx answers: critical at the critical rate (and 3+ errors), else degraded."""
    if tally.count == 0:
        return HealthStatus.UNKNOWN, [
            _issue(
                "no_traffic",
                IssueSeverity.INFO,
                f"No requests to {subject} in the last {minutes} minutes.",
                "The status comes from error rates, which need traffic; it says nothing about availability.",
            )
        ]
    errors, rate = tally.server_errors, tally.server_errors / tally.count
    text = f"{errors} of {tally.count} requests to {subject} failed with a server error ({rate:.1%})."
    if errors >= CRITICAL_MIN_ERRORS and rate >= settings.health_error_rate_critical:
        return HealthStatus.CRITICAL, [
            _issue("error_rate_critical", IssueSeverity.ERROR, text, failing_routes)
        ]
    if errors and rate >= settings.health_error_rate_degraded:
        return HealthStatus.DEGRADED, [
            _issue("error_rate_elevated", IssueSeverity.WARNING, text, failing_routes)
        ]
    if errors:
        return HealthStatus.OK, [_issue("server_errors", IssueSeverity.INFO, text, failing_routes)]
    return HealthStatus.OK, []


def _failing_routes(combined: MinuteTally, domain: str | None) -> str | None:
    routes = [
        (t.server_errors, name, t.count)
        for name, t in combined.routes.items()
        if t.server_errors and (domain is None or combined.route_domains.get(name) == domain)
    ]
    if not routes:
        return None
    worst = sorted(routes, reverse=True)[:5]
    return "Server errors by route: " + "; ".join(f"{name}: {e} of {n}" for e, name, n in worst)


def _requests_per_minute(tallies: Iterable[MinuteTally], domain: str | None = None) -> float:
    if domain is None:
        return float(sum(t.total.count for t in tallies))
    return float(sum(t.domains[domain].count for t in tallies if domain in t.domains))


def _activity_timeline(ctx: ReportContext, domain: str | None = None) -> list[HealthTimelineEntry] | None:
    if not ctx.include_timeline:
        return None
    return [
        HealthTimelineEntry(bucket=moment(start * 60), value=round(value, 3), unit="requests/min")
        for start, value in ctx.window.series(lambda tallies: _requests_per_minute(tallies, domain))
    ]


def _probe_timeline(ctx: ReportContext, track: ProbeTrack | None) -> list[HealthTimelineEntry] | None:
    if not ctx.include_timeline:
        return None
    entries: list[HealthTimelineEntry] = []
    if track is None:
        return entries
    step = timeline_step(ctx.window.length)
    buckets: dict[int, list[bool]] = {}
    for probe in track.history:
        minute = int(probe.at // 60)
        if ctx.window.first <= minute <= ctx.window.last:
            start = ctx.window.first + (minute - ctx.window.first) // step * step
            buckets.setdefault(start, []).append(probe.ok)
    for start in sorted(buckets):
        oks = buckets[start]
        entries.append(
            HealthTimelineEntry(bucket=moment(start * 60), value=100.0 * sum(oks) / len(oks), unit="%")
        )
    return entries


def api_component(ctx: ReportContext) -> HealthComponentDetail:
    """All requests of every process in the window: counts, clients, routes, artifact types, errors."""
    window, combined = ctx.window, ctx.window.combined()
    status, issues = traffic_status(
        combined.total,
        ctx.health,
        subject="the API",
        minutes=window.length,
        failing_routes=_failing_routes(combined, None),
    )
    if window.error is not None:
        status = HealthStatus.UNKNOWN
        issues.append(
            _issue(
                "activity_unavailable",
                IssueSeverity.WARNING,
                "Stored request activity could not be read; only this process's counts are included.",
                window.error,
            )
        )
    if ctx.flush_error is not None:
        issues.append(
            _issue(
                "activity_flush_failing",
                IssueSeverity.WARNING,
                "This process cannot write its request activity to storage; it keeps it and retries.",
                ctx.flush_error,
            )
        )
    if not ctx.recording:
        issues.append(
            _issue(
                "activity_recording_off", IssueSeverity.INFO, "This process does not record request activity."
            )
        )
    metrics: dict[str, MetricValue | None] = {
        "total_requests": combined.total.count,
        "unique_clients": len(combined.clients),
        "unique_clients_capped": True if combined.clients_capped else None,
        "requests_per_minute": round(combined.total.count / window.length, 3),
        "bytes_served": combined.response_bytes,
        "window_start": _iso(window.first * 60),
        "window_end": _iso(ctx.now),
        "processes_reporting": len(window.processes),
    }
    metrics.update(traffic_metrics(combined.total))
    metrics.update({f"per_route.{name}": t.count for name, t in sorted(combined.routes.items())})
    metrics.update({f"per_artifact_type.{k}": v for k, v in sorted(combined.artifact_types.items())})
    return HealthComponentDetail(
        id="api",
        display_name="API requests",
        status=status,
        observed_at=moment(ctx.now),
        description="Requests answered by every process and container in the window, from the per-minute "
        "activity each one records in shared storage; status from the share of server errors.",
        metrics=_clean(metrics),
        issues=issues,
        timeline=_activity_timeline(ctx),
        logs=ctx.logs("api", "API request log"),
    )


def domain_components(ctx: ReportContext) -> list[HealthComponentDetail]:
    """One component per domain: its routes' error rates and latency in the window."""
    combined = ctx.window.combined()
    names = list(ALL_DOMAINS) + sorted(set(combined.domains) - set(ALL_DOMAINS))
    details = []
    for domain in names:
        tally = combined.domains.get(domain, Tally())
        status, issues = traffic_status(
            tally,
            ctx.health,
            subject=f"the {domain} routes",
            minutes=ctx.window.length,
            failing_routes=_failing_routes(combined, domain),
        )
        metrics = traffic_metrics(tally)
        metrics["served_by_this_process"] = domain in ctx.settings.domain_list
        details.append(
            HealthComponentDetail(
                id=f"domain-{domain}",
                display_name=f"{domain.capitalize()} domain",
                status=status,
                observed_at=moment(ctx.now),
                description=f"Requests to the {domain} routes in the window (all processes): error rates "
                "and latency.",
                metrics=metrics,
                issues=issues,
                timeline=_activity_timeline(ctx, domain),
                logs=ctx.logs(f"domain-{domain}", f"{domain} domain log"),
            )
        )
    return details


def storage_components(ctx: ReportContext) -> list[HealthComponentDetail]:
    """Records and blobs: a write/read/delete round trip made for this report."""
    details = []
    for name, display in STORAGE_PARTS.items():
        result = ctx.storage_results[name]
        track = ctx.storage_tracks.get(name)
        issues = []
        if result.code is not None:
            severity = (
                IssueSeverity.ERROR if result.status is HealthStatus.CRITICAL else IssueSeverity.WARNING
            )
            issues.append(_issue(result.code, severity, result.summary or result.code, result.details))
        details.append(
            HealthComponentDetail(
                id=name,
                display_name=display,
                status=result.status,
                observed_at=moment(result.at),
                description=f"{display} of the registry's storage ({ctx.storage_description}): an item is "
                "written, read back, compared and deleted for every report.",
                metrics=_clean(
                    {
                        "round_trip_ms": round(result.latency_ms, 2),
                        "driver": ctx.storage_description,
                        "consecutive_failures": track.consecutive_failures if track else None,
                        "last_success_at": _iso(track.last_success_at) if track else None,
                    }
                ),
                issues=issues,
                timeline=_probe_timeline(ctx, track),
                logs=ctx.logs(name, f"{display} log"),
            )
        )
    return details


def upstream_components(ctx: ReportContext) -> list[HealthComponentDetail]:
    """Hugging Face and GitHub, from the cached results of the background probes."""
    s = ctx.health
    stale_after = max(3 * s.health_probe_interval_seconds, s.health_probe_interval_seconds + 60)
    details = []
    for name, display in UPSTREAMS.items():
        track = ctx.upstream_tracks.get(name) or ProbeTrack()
        last = track.last
        status = upstream_status(
            track, failures_critical=s.health_probe_failures_critical, stale_after=stale_after, now=ctx.now
        )
        issues = []
        if last is None:
            issues.append(_issue("probe_pending", IssueSeverity.INFO, f"{display} has not been probed yet."))
        elif status is HealthStatus.UNKNOWN:
            issues.append(
                _issue("probe_stale", IssueSeverity.WARNING, f"The last probe of {display} is out of date.")
            )
        elif last.code is not None:
            severity = IssueSeverity.ERROR if status is HealthStatus.CRITICAL else IssueSeverity.WARNING
            summary = last.summary or last.code
            if not last.ok:
                summary += f" ({track.consecutive_failures} failed probe(s) in a row.)"
            issues.append(_issue(last.code, severity, summary, last.details))
        in_window = [p for p in track.history if ctx.window.first <= int(p.at // 60) <= ctx.window.last]
        metrics: dict[str, MetricValue | None] = {
            "endpoint": ctx.upstream_urls.get(name),
            "probe_interval_seconds": s.health_probe_interval_seconds,
            "last_probe_at": _iso(last.at) if last else None,
            "latency_ms": round(last.latency_ms, 2) if last else None,
            "http_status": last.http_status if last else None,
            "consecutive_failures": track.consecutive_failures,
            "last_success_at": _iso(track.last_success_at),
            "probes_in_window": len(in_window),
            "availability_percent": round(100.0 * sum(p.ok for p in in_window) / len(in_window), 2)
            if in_window
            else None,
        }
        details.append(
            HealthComponentDetail(
                id=f"upstream-{name}",
                display_name=display,
                status=status,
                observed_at=moment(last.at if last else ctx.now),
                description=f"{display}, where artifacts are registered from: probed in the background by "
                "this process; reports read the cached result.",
                metrics=_clean(metrics),
                issues=issues,
                timeline=_probe_timeline(ctx, track),
                logs=ctx.logs(f"upstream-{name}", f"{display} log"),
            )
        )
    return details


def rating_component(ctx: ReportContext) -> HealthComponentDetail:
    """The rating pipeline, from the rating domain's own figures (unknown while it reports none)."""
    view, s = ctx.rating, ctx.health
    issues = []
    status = HealthStatus.OK
    if view.unavailable is not None:
        status = HealthStatus.UNKNOWN
        issues.append(_issue("rating_pipeline_unreported", IssueSeverity.INFO, view.unavailable))
    else:
        failures, queue = view.recent_failures or 0, view.queue_depth or 0
        if failures:
            never_rated = view.last_rated_at is None
            status = HealthStatus.CRITICAL if failures >= 5 and never_rated else HealthStatus.DEGRADED
            severity = IssueSeverity.ERROR if status is HealthStatus.CRITICAL else IssueSeverity.WARNING
            issues.append(
                _issue("rating_failures", severity, f"{failures} recent rating(s) failed.", view.last_error)
            )
        if queue >= s.health_rating_backlog_degraded:
            status = HealthStatus.CRITICAL if status is HealthStatus.CRITICAL else HealthStatus.DEGRADED
            issues.append(
                _issue("rating_backlog", IssueSeverity.WARNING, f"{queue} rating jobs are waiting.")
            )
    return HealthComponentDetail(
        id="rating-pipeline",
        display_name="Rating pipeline",
        status=status,
        observed_at=moment(ctx.now),
        description="Computes the trust metrics of models: queue depth, jobs running and recent failures, as "
        "the rating domain reports them.",
        metrics=_clean(
            {
                "queue_depth": view.queue_depth,
                "running": view.running,
                "recent_failures": view.recent_failures,
                "last_rated_at": view.last_rated_at,
                "completed_since_start": view.completed,
                "last_error": view.last_error[:300] if view.last_error else None,
            }
        ),
        issues=issues,
        timeline=_activity_timeline(ctx, "rating"),
        logs=ctx.logs("rating-pipeline", "Rating pipeline log"),
    )
