"""Key rotation: tokens name their key by `kid`; a JWK set (file or https) holds the keys in use. During the overlap
the old kid still verifies; a removed or unknown kid is refused; a token without kid is checked against every key;
the single PEM key of today's settings keeps working (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from zdz_common.auth import JwksKeys, Principal, Role, TokenIssuer, TokenVerifier, generate_key_pair
from zdz_common.config import AuthSettings
from zdz_common.errors import Unauthenticated

CLERK = Principal(role=Role.DISTRICT_TASK_FORCE, person="li.clerk", district_code="wanzhou")
OLD, NEW, NEXT = generate_key_pair(), generate_key_pair(), generate_key_pair()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _jwk(pair: tuple[bytes, bytes], kid: str) -> dict[str, object]:
    public = serialization.load_pem_public_key(pair[1])
    return {**jwt.algorithms.ECAlgorithm.to_jwk(public, as_dict=True), "kid": kid, "use": "sig"}


def _publish(path: Path, *keys: dict[str, object]) -> None:
    path.write_text(json.dumps({"keys": list(keys)}), encoding="utf-8")


def _token(pair: tuple[bytes, bytes], kid: str = "") -> str:
    return TokenIssuer(pair[0], kid=kid).issue(CLERK)


@pytest.fixture
def jwks(tmp_path: Path) -> tuple[Path, Clock, TokenVerifier]:
    path, clock = tmp_path / "jwks.json", Clock()
    _publish(path, _jwk(OLD, "2026-01"), _jwk(NEW, "2026-07"))
    source = JwksKeys(path.as_uri(), refresh_seconds=300, cooldown_seconds=30, clock=clock)
    return path, clock, TokenVerifier(keys=[source])


def test_during_the_overlap_both_the_old_and_the_new_kid_verify(jwks) -> None:  # type: ignore[no-untyped-def]
    _path, _clock, verifier = jwks
    assert verifier.verify(_token(OLD, "2026-01")) == CLERK
    assert verifier.verify(_token(NEW, "2026-07")) == CLERK


def test_a_token_without_kid_is_checked_against_every_configured_key(jwks) -> None:  # type: ignore[no-untyped-def]
    _path, _clock, verifier = jwks
    assert verifier.verify(_token(NEW)) == CLERK
    with pytest.raises(Unauthenticated, match="令牌无效"):
        verifier.verify(_token(NEXT))  # signed by no configured key


def test_an_unknown_kid_is_refused(jwks) -> None:  # type: ignore[no-untyped-def]
    _path, _clock, verifier = jwks
    with pytest.raises(Unauthenticated, match="未知或已停用"):
        verifier.verify(_token(NEXT, "2027-01"))


def test_a_kid_signed_by_another_key_is_refused(jwks) -> None:  # type: ignore[no-untyped-def]
    _path, _clock, verifier = jwks
    with pytest.raises(Unauthenticated, match="令牌无效"):
        verifier.verify(_token(NEXT, "2026-07"))


def test_a_removed_kid_is_refused_once_the_set_is_read_again(jwks) -> None:  # type: ignore[no-untyped-def]
    path, clock, verifier = jwks
    old = _token(OLD, "2026-01")
    assert verifier.verify(old) == CLERK
    _publish(path, _jwk(NEW, "2026-07"))  # the rotation is over: the old key is retired
    clock.now += 301
    with pytest.raises(Unauthenticated, match="未知或已停用"):
        verifier.verify(old)
    assert verifier.verify(_token(NEW, "2026-07")) == CLERK


def test_a_newly_published_kid_verifies_at_once_without_waiting_for_the_refresh(jwks) -> None:  # type: ignore[no-untyped-def]
    path, clock, verifier = jwks
    assert verifier.verify(_token(NEW, "2026-07")) == CLERK  # the set is read
    _publish(path, _jwk(OLD, "2026-01"), _jwk(NEW, "2026-07"), _jwk(NEXT, "2027-01"))
    clock.now += 31  # past the cooldown, well before the refresh
    assert verifier.verify(_token(NEXT, "2027-01")) == CLERK


def test_a_symmetric_key_in_the_set_is_never_used(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    secret = {
        "kty": "oct",
        "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA",
        "kid": "hmac",
        "alg": "HS256",
    }
    _publish(path, secret, _jwk(NEW, "2026-07"))
    verifier = TokenVerifier(keys=[JwksKeys(path.as_uri())])
    claims = {**CLERK.to_claims(), "iss": "zdz-dev", "aud": "zdz", "iat": 1, "exp": 4_000_000_000}
    forged = jwt.encode(
        claims, b"secret-secret-secret-secret-secret", algorithm="HS256", headers={"kid": "hmac"}
    )
    with pytest.raises(Unauthenticated):
        verifier.verify(forged)


def test_the_single_pem_key_of_todays_settings_still_verifies_whatever_kid_its_tokens_carry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pem = tmp_path / "public.pem"
    pem.write_bytes(OLD[1])
    monkeypatch.setenv("ZDZ_AUTH_PUBLIC_KEY_FILE", str(pem))
    monkeypatch.delenv("ZDZ_AUTH_JWKS", raising=False)
    verifier = TokenVerifier.from_settings(AuthSettings.from_env())
    assert verifier.verify(_token(OLD)) == CLERK
    assert (
        verifier.verify(_token(OLD, "the-identity-providers-kid")) == CLERK
    )  # as before: the kid selects nothing
    with pytest.raises(Unauthenticated, match="令牌无效"):
        verifier.verify(_token(NEW, "the-identity-providers-kid"))


def test_settings_take_a_jwks_file_beside_the_pem_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pem, path = tmp_path / "public.pem", tmp_path / "jwks.json"
    pem.write_bytes(OLD[1])
    _publish(path, _jwk(NEW, "2026-07"))
    monkeypatch.setenv("ZDZ_AUTH_PUBLIC_KEY_FILE", str(pem))
    monkeypatch.setenv("ZDZ_AUTH_JWKS", path.as_uri())
    settings = AuthSettings.from_env()
    assert settings.authenticates and settings.jwks == path.as_uri()
    verifier = TokenVerifier.from_settings(settings)
    assert verifier.verify(_token(OLD)) == CLERK
    assert verifier.verify(_token(NEW, "2026-07")) == CLERK
    with pytest.raises(Unauthenticated, match="令牌无效"):
        verifier.verify(_token(NEXT, "2027-01"))  # a kid of no key: only the PEM key is tried, and refuses it
    monkeypatch.setenv("ZDZ_AUTH_JWKS", "http://idp.example/jwks.json")
    with pytest.raises(SystemExit, match="file:// or https://"):
        AuthSettings.from_env()
