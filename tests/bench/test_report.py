"""bench/report.py: a result's figures as a Markdown table (nested keys dotted, number lists left out)."""

from __future__ import annotations

from bench.report import table


def test_nested_figures_become_dotted_rows():
    payload = {
        "options": {"rounds": 3},
        "figures": {
            "a": {"p50_ms": 1.25, "ok": True},
            "rows": [{"clients": 4}],
            "latency_percentiles_ms": [1, 2],
        },
    }
    text = table("demo", payload)
    assert "| a.p50_ms | 1.2 |" in text
    assert "| a.ok | True |" in text
    assert "| rows.0.clients | 4 |" in text
    assert "latency_percentiles_ms" not in text
    assert '`{"rounds": 3}`' in text
