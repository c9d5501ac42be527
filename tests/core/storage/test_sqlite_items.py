"""The embedded store reads back items written by hand into its file exactly as json.loads would read them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from package.core.config import Settings
from package.core.storage import StorageError, open_storage


def stored_as(tmp_path: Path, text: str) -> object:
    settings = Settings(data_dir=tmp_path)
    storage = open_storage(settings)
    storage.records.put("P", "s", {"placeholder": True})  # creates the table
    with sqlite3.connect(settings.sqlite_path) as conn:
        conn.execute("UPDATE records SET item=? WHERE pk='P' AND sk='s'", (text,))
    return storage.records.get("P", "s")


@pytest.mark.parametrize(
    "text",
    ['{"name":"bert","n":1}', ' {"a": [1, {"b": null}]}\n', '{"a":"\\u00e9\\ud83d\\ude00"}', "{}", " {} "],
)
def test_objects_read_as_json_loads_reads_them(tmp_path: Path, text: str) -> None:
    assert stored_as(tmp_path, text) == json.loads(text)


@pytest.mark.parametrize("text", ['{"a":1}x', '{"a":1}{"b":2}', '{"a":', "x{}"])
def test_text_json_loads_refuses_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        stored_as(tmp_path, text)


@pytest.mark.parametrize("text", ["[1]", '"text"', " 3 "])
def test_a_value_that_is_not_an_object_is_a_storage_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(StorageError, match="not a JSON object"):
        stored_as(tmp_path, text)
