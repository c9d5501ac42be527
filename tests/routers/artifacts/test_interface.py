"""The typed snapshot other domains read: validated once, lenient only where upstream metadata is loose."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from package.core.upstream.sources import SourceKind
from tests.helpers import make_snapshot


class TestArtifactSnapshot:
    def test_source_kind_is_the_enum(self):
        assert make_snapshot(kind="github").source.kind is SourceKind.GITHUB

    def test_unknown_source_kind_is_refused(self):
        with pytest.raises(ValidationError, match="source"):
            make_snapshot(kind="ftp")

    def test_string_lists_take_one_string_and_drop_non_strings(self):
        snapshot = make_snapshot(tags="solo", linked={"datasets": ["a", 3, None, "b"], "code": "x"})
        assert snapshot.tags == ["solo"]
        assert snapshot.linked.datasets == ["a", "b"]
        assert snapshot.linked.code == ["x"]

    def test_null_mappings_read_as_empty(self):
        snapshot = make_snapshot(card_data=None, stats=None, details=None, linked=None)
        assert (snapshot.card_data, snapshot.stats, snapshot.details) == ({}, {}, {})
        assert snapshot.linked.base_models == []

    def test_total_bytes(self):
        assert make_snapshot(files=[{"path": "a", "size": 3}, {"path": "b", "size": 4}]).total_bytes == 7

    def test_files_are_typed_and_dict_style_reads_are_gone(self):
        snapshot = make_snapshot(files=[{"path": "a", "size": 3}], license="mit")
        assert snapshot.files[0].path == "a"
        assert (snapshot.files[0].size, snapshot.files[0].sha256) == (3, None)
        # The transitional dict shim is gone: a caller still written against the old dict fails loudly.
        assert not hasattr(snapshot, "get")
        with pytest.raises(TypeError):
            snapshot["license"]  # type: ignore[index]
