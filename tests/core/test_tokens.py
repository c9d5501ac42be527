"""Tokens: issued and verified with the shared secret, counted, revoked; forgeries rejected."""

from __future__ import annotations

import base64
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from jose import jwt

from package.core import tokens
from package.core.config import get_settings
from package.core.storage import get_storage
from package.core.tokens import TokenExpired, TokenRejected, TokenUsedUp


@pytest.fixture
def store(registry_env):
    return get_storage()


def _issue(storage, subject="alice", generation="g1", lifetime_seconds=10 * 3600, **kwargs):
    storage.records.put(*_grant(subject, generation))
    return tokens.issue_token(
        storage,
        get_settings(),
        subject=subject,
        is_admin=False,
        permissions=["search"],
        generation=generation,
        lifetime_seconds=lifetime_seconds,
        **kwargs,
    )


def _grant(subject, generation):
    op = tokens.grant_operation(subject, generation)
    return op.pk, op.sk, op.item


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class TestVerify:
    def test_round_trip_carries_the_claims(self, store):
        claims = tokens.verify_token(store, get_settings(), _issue(store))
        assert claims.subject == "alice" and claims.permissions == ("search",) and not claims.is_admin
        assert claims.expires_at - claims.issued_at == 10 * 3600
        assert claims.token_id and claims.generation == "g1"

    def test_every_token_has_its_own_id(self, store):
        first = tokens.verify_token(store, get_settings(), _issue(store))
        second = tokens.verify_token(store, get_settings(), _issue(store))
        assert first.token_id != second.token_id

    def test_signed_with_another_key(self, store):
        real = jwt.get_unverified_claims(_issue(store))
        forged = jwt.encode(real, "another-key-entirely-0123456789abcdef", algorithm="HS256")
        with pytest.raises(TokenRejected):
            tokens.verify_token(store, get_settings(), forged)

    def test_edited_payload(self, store):
        header, payload, signature = _issue(store).split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["perms"] = ["search", "upload", "download", "admin"]
        claims["adm"] = True
        with pytest.raises(TokenRejected):
            tokens.verify_token(store, get_settings(), f"{header}.{_b64(claims)}.{signature}")

    def test_alg_none(self, store):
        claims = jwt.get_unverified_claims(_issue(store))
        unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
        with pytest.raises(TokenRejected):
            tokens.verify_token(store, get_settings(), unsigned)

    @pytest.mark.parametrize("garbage", ["x", "a.b.c", "....", "ünïcode.ü.ü", "e30.e30.", "bearer"])
    def test_garbage(self, store, garbage):
        with pytest.raises(TokenRejected):
            tokens.verify_token(store, get_settings(), garbage)

    def test_expired(self, store):
        old = _issue(store, now=time.time() - 10 * 3600 - 5)
        with pytest.raises(TokenExpired):
            tokens.verify_token(store, get_settings(), old)

    def test_lifetime_is_the_issuers(self, store):
        claims = tokens.verify_token(store, get_settings(), _issue(store, lifetime_seconds=1800))
        assert claims.expires_at - claims.issued_at == 1800

    def test_other_issuer_is_rejected(self, store):
        claims = jwt.get_unverified_claims(_issue(store)) | {"iss": "someone-else"}
        secret = store.records.get("AUTH_SECRET", "jwt")["secret"]
        with pytest.raises(TokenRejected):
            tokens.verify_token(store, get_settings(), jwt.encode(claims, secret, algorithm="HS256"))

    def test_missing_claims_are_rejected(self, store):
        claims = jwt.get_unverified_claims(_issue(store))
        del claims["gen"]
        secret = store.records.get("AUTH_SECRET", "jwt")["secret"]
        with pytest.raises(TokenRejected):
            tokens.verify_token(store, get_settings(), jwt.encode(claims, secret, algorithm="HS256"))


class TestUses:
    def test_the_1001st_use_is_refused(self, store):
        token = _issue(store)
        settings = get_settings()
        for _ in range(1000):
            tokens.verify_token(store, settings, token)
        with pytest.raises(TokenUsedUp):
            tokens.verify_token(store, settings, token)

    def test_parallel_uses_are_counted_exactly(self, store, monkeypatch):
        monkeypatch.setenv("REGISTRY_TOKEN_MAX_USES", "100")
        get_settings.cache_clear()
        settings = get_settings()
        token = _issue(store)

        def use(_: int) -> bool:
            try:
                tokens.verify_token(store, settings, token)
            except TokenUsedUp:
                return False
            return True

        with ThreadPoolExecutor(max_workers=16) as pool:
            outcomes = list(pool.map(use, range(160)))
        assert outcomes.count(True) == 100

    def test_forget_uses_drops_only_expired_counts(self, store):
        _issue(store, now=time.time() - 11 * 3600)
        live = _issue(store)
        assert tokens.forget_uses(store, "alice", expired_before=time.time()) == 1
        tokens.verify_token(store, get_settings(), live)


class TestRevocation:
    def test_revoked_subject(self, store):
        token = _issue(store)
        op = tokens.revoke_operation("alice")
        store.records.delete(op.pk, op.sk)
        with pytest.raises(TokenRejected, match="no longer exists"):
            tokens.verify_token(store, get_settings(), token)

    def test_recreated_subject_does_not_revive_old_tokens(self, store):
        old = _issue(store, generation="first")
        store.records.put(*_grant("alice", "second"))
        with pytest.raises(TokenRejected):
            tokens.verify_token(store, get_settings(), old)

    def test_permanent_subject_survives_a_cleared_store(self, store):
        token = _issue(store, subject="root", generation=tokens.PERMANENT_GENERATION)
        store.records.clear()
        tokens.restore_after_reset(store)
        tokens._secrets_by_storage.clear()  # a process that never saw the secret
        assert tokens.verify_token(store, get_settings(), token).subject == "root"

    def test_permanent_generation_does_not_override_a_grant(self, store):
        token = _issue(store, subject="root", generation=tokens.PERMANENT_GENERATION)
        store.records.put(*_grant("root", "other"))
        with pytest.raises(TokenRejected):
            tokens.verify_token(store, get_settings(), token)


class TestSecret:
    def test_generated_once_and_kept_in_storage(self, store):
        token = _issue(store)
        stored = store.records.get("AUTH_SECRET", "jwt")["secret"]
        assert len(stored) >= 48
        jwt.decode(token, stored, algorithms=["HS256"], options={"verify_iss": False})

    def test_another_process_verifies_with_the_stored_secret(self, store):
        token = _issue(store)
        tokens._secrets_by_storage.clear()  # a fresh process: nothing cached
        assert tokens.verify_token(store, get_settings(), token).subject == "alice"

    def test_a_replaced_secret_is_picked_up(self, store):
        _issue(store)  # this process caches the first secret
        store.records.put("AUTH_SECRET", "jwt", {"secret": "s" * 64})  # another container's
        claims = {"iss": tokens.ISSUER, "sub": "alice", "adm": False, "perms": [], "gen": "g1"}
        claims |= {"iat": int(time.time()), "exp": int(time.time()) + 60, "jti": "abc"}
        token = jwt.encode(claims, "s" * 64, algorithm="HS256")
        assert tokens.verify_token(store, get_settings(), token).subject == "alice"

    def test_restored_after_reset(self, store):
        token = _issue(store)
        store.records.clear()
        tokens.restore_after_reset(store)
        store.records.put(*_grant("alice", "g1"))
        tokens._secrets_by_storage.clear()  # even a process that never saw the secret
        assert tokens.verify_token(store, get_settings(), token).subject == "alice"

    def test_configured_secret_is_used_and_never_stored(self, store, monkeypatch):
        monkeypatch.setenv("REGISTRY_JWT_SECRET", "c" * 40)
        get_settings.cache_clear()
        token = _issue(store)
        assert store.records.get("AUTH_SECRET", "jwt") is None
        jwt.decode(token, "c" * 40, algorithms=["HS256"], options={"verify_iss": False})

    def test_short_configured_secret_is_refused(self, registry_env, monkeypatch):
        from pydantic import ValidationError

        from package.core.config import Settings

        monkeypatch.setenv("REGISTRY_JWT_SECRET", "short")
        with pytest.raises(ValidationError):
            Settings()


class TestVerifiedCache:
    def test_a_token_is_decoded_once_then_its_claims_are_reused(self, store, monkeypatch):
        token = _issue(store)
        tokens.verify_token(store, get_settings(), token)
        decoded: list[str] = []
        real = jwt.decode

        def counted(*args: Any, **kwargs: Any) -> Any:
            decoded.append(args[0])
            return real(*args, **kwargs)

        monkeypatch.setattr(jwt, "decode", counted)
        claims = tokens.verify_token(store, get_settings(), token)
        assert claims.subject == "alice" and decoded == []

    def test_a_cached_token_still_expires(self, store, monkeypatch):
        token = _issue(store, lifetime_seconds=60)
        tokens.verify_token(store, get_settings(), token)
        later = time.time() + 61
        monkeypatch.setattr(time, "time", lambda: later)
        with pytest.raises(TokenExpired):
            tokens.verify_token(store, get_settings(), token)

    def test_a_cached_token_is_still_revoked_and_counted(self, store):
        token = _issue(store)
        tokens.verify_token(store, get_settings(), token)
        store.records.put(*_grant("alice", "g2"))  # the account was replaced: its old tokens are void
        with pytest.raises(TokenRejected):
            tokens.verify_token(store, get_settings(), token)

    def test_a_new_secret_checks_the_token_afresh(self, store, monkeypatch):
        token = _issue(store)
        tokens.verify_token(store, get_settings(), token)
        monkeypatch.setenv("REGISTRY_JWT_SECRET", "another-secret-of-enough-length-0123456789")
        get_settings.cache_clear()
        try:
            with pytest.raises(TokenRejected):
                tokens.verify_token(store, get_settings(), token)
        finally:
            monkeypatch.delenv("REGISTRY_JWT_SECRET")
            get_settings.cache_clear()
