"""The console's sign-in verifies a token with the services' keys: a JWK set (ZDZ_AUTH_JWKS, keys named by `kid`)
as well as the single PEM key, so that rotating keys does not lock people out of the console (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from zdz_common.auth import Principal, Role, TokenIssuer, generate_key_pair
from zdz_common.config import AuthSettings
from zdz_console.adapters.session import BadToken, Sessions

CLERK = Principal(role=Role.DISTRICT_TASK_FORCE, person="li.clerk", district_code="wanzhou")
CURRENT, FOREIGN = generate_key_pair(), generate_key_pair()


def _jwks_file(folder: Path) -> Path:
    public = serialization.load_pem_public_key(CURRENT[1])
    key = {**jwt.algorithms.ECAlgorithm.to_jwk(public, as_dict=True), "kid": "2026-12", "use": "sig"}
    path = folder / "jwks.json"
    path.write_text(json.dumps({"keys": [key]}), encoding="utf-8")
    return path


def test_a_token_signed_by_a_key_of_the_jwk_set_signs_in(tmp_path: Path) -> None:
    sessions = Sessions("secret", AuthSettings(jwks=_jwks_file(tmp_path).as_uri()))
    viewer = sessions.viewer(TokenIssuer(CURRENT[0], kid="2026-12").issue(CLERK))
    assert (viewer.role, viewer.person, viewer.district_code) == (
        "DISTRICT_TASK_FORCE",
        "li.clerk",
        "wanzhou",
    )


def test_a_token_of_a_key_outside_the_jwk_set_is_refused_at_sign_in(tmp_path: Path) -> None:
    sessions = Sessions("secret", AuthSettings(jwks=_jwks_file(tmp_path).as_uri()))
    with pytest.raises(BadToken):
        sessions.viewer(TokenIssuer(FOREIGN[0], kid="2026-12").issue(CLERK))
