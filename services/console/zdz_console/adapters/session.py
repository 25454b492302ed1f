"""The sign-in: a bearer token kept in a signed, HttpOnly, SameSite cookie; who it names, read from its claims.

The console verifies the token's signature when it has the services' verification keys (ZDZ_AUTH_PUBLIC_KEY_FILE,
as in `make run`, and/or a JWK set, ZDZ_AUTH_JWKS, with the same issuer, audience and lifetime rules), so that a bad token is refused at sign-in; without it the claims are read only to greet the
person and to hide what their role does not do. The services verify every call either way.
"""

from __future__ import annotations

from pathlib import Path

import jwt
from itsdangerous import BadSignature, URLSafeTimedSerializer

from zdz_common.auth import Principal, TokenVerifier
from zdz_common.config import AuthSettings
from zdz_common.errors import Unauthenticated
from zdz_console.domain.viewer import Viewer

COOKIE = "zdz_console_session"
MAX_AGE_SECONDS = 12 * 3600


class BadToken(ValueError):
    pass


class Sessions:
    def __init__(self, secret: str, auth: AuthSettings | None = None) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="zdz-console-session")
        self._verifier = (
            TokenVerifier.from_settings(auth) if auth is not None and auth.authenticates else None
        )

    def seal(self, token: str) -> str:
        return self._serializer.dumps(token)

    def open(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            return str(self._serializer.loads(cookie, max_age=MAX_AGE_SECONDS))
        except BadSignature:
            return None

    def viewer(self, token: str) -> Viewer:
        try:
            if self._verifier is not None:
                principal = self._verifier.verify(token)
            else:
                principal = Principal.from_claims(jwt.decode(token, options={"verify_signature": False}))
        except (Unauthenticated, jwt.InvalidTokenError) as error:
            raise BadToken(str(error)) from error
        return Viewer(
            role=principal.role.value,
            person=principal.person,
            organisation=principal.organisation,
            district_code=principal.district_code,
            unit_id=principal.unit_id,
        )


def development_tokens(path: Path) -> list[tuple[str, str, str]]:
    """(role, organisation, token) per line of `make run`'s dev-tokens.txt; empty when there is none."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3:
            rows.append((parts[0], parts[1], parts[2]))
    return rows
