"""Access token ids are safe to pass on a command line."""

from __future__ import annotations

import itertools
import secrets

import pytest

from package.core import access_tokens


def test_a_new_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = itertools.chain(
        ["-leading-dash-aaaaaaaaaa", "-another-dash-bbbbbbbbb"], itertools.repeat("ok-id-ccccccccccccccccccc")
    )
    monkeypatch.setattr(secrets, "token_urlsafe", lambda nbytes=None: next(drawn))
    assert access_tokens._new_id() == "ok-id-ccccccccccccccccccc"


def test_ids_are_random_and_url_safe() -> None:
    ids = {access_tokens._new_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(not i.startswith("-") and len(i) == 24 for i in ids)
