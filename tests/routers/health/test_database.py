"""The health domain's storage: per-minute tallies by UTC day, read by range, pruned by day."""

from __future__ import annotations

from pathlib import Path

from package.routers.health import database
from tests.helpers import embedded_storage

DAY = 1440  # minutes


def test_minutes_round_trip_and_ranges_select(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    tallies = {10: {"requests": 1}, 70: {"requests": 2}, DAY + 5: {"requests": 3}}
    days = {database.day_of(m) for m in tallies}
    database.write_minutes(storage, process="p1", host="h", tallies=tallies, new_days=days)
    assert {m.minute for m in database.read_minutes(storage, 0, 100)} == {10, 70}
    assert {m.minute for m in database.read_minutes(storage, 0, 2 * DAY)} == {10, 70, DAY + 5}
    assert database.day_of(0) == "1970-01-01"


def test_prune_removes_whole_days_before_the_cut(tmp_path: Path):
    storage = embedded_storage(tmp_path)
    tallies = {10: {"requests": 1}, DAY + 5: {"requests": 3}}
    days = {database.day_of(m) for m in tallies}
    database.write_minutes(storage, process="p1", host="h", tallies=tallies, new_days=days)
    assert database.prune_days(storage, before=database.day_of(DAY)) == 1
    assert [m.minute for m in database.read_minutes(storage, 0, 2 * DAY)] == [DAY + 5]
