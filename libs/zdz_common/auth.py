"""Who is calling: signed JWT bearer tokens naming an organisation and a role.

Roles (issue: who may do what):
- UNIT: one town or park group (`unit_id`), organisation "unit:<unit_id>";
- DISTRICT_TASK_FORCE: one district's task force (`district_code`), organisation "district:<code>";
- MUNICIPAL_TASK_FORCE: the city's task force, organisation "municipal";
- INTEGRATION: a named external system (e.g. the 巴渝治水 platform), organisation "integration:<name>";
  reads and subscribes, changes nothing unless granted a named permission;
- PUBLIC: the public notice board only;
- SERVICE: another zdz service acting on behalf of the system.

Tokens are ES256-signed; issuer, audience and the public key are configured. `make run` generates
development keys and prints one token per role.
"""

from __future__ import annotations

import enum
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from zdz_common.context import Actor
from zdz_common.errors import Unauthenticated

ALGORITHM = "ES256"
DEFAULT_ISSUER = "zdz-dev"
DEFAULT_AUDIENCE = "zdz"


class Role(enum.StrEnum):
    UNIT = "UNIT"
    DISTRICT_TASK_FORCE = "DISTRICT_TASK_FORCE"
    MUNICIPAL_TASK_FORCE = "MUNICIPAL_TASK_FORCE"
    INTEGRATION = "INTEGRATION"
    PUBLIC = "PUBLIC"
    SERVICE = "SERVICE"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    role: Role
    person: str
    district_code: str = ""
    unit_id: str = ""
    system: str = ""  # the integration's name
    permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def organisation(self) -> str:
        match self.role:
            case Role.UNIT:
                return f"unit:{self.unit_id}"
            case Role.DISTRICT_TASK_FORCE:
                return f"district:{self.district_code}"
            case Role.MUNICIPAL_TASK_FORCE:
                return "municipal"
            case Role.INTEGRATION:
                return f"integration:{self.system}"
            case Role.PUBLIC:
                return "public"
            case Role.SERVICE:
                return f"service:{self.system}"

    def actor(self) -> Actor:
        return Actor(organisation=self.organisation, role=self.role.value, person=self.person)

    def to_claims(self) -> dict[str, object]:
        return {
            "sub": self.person,
            "zdz_role": self.role.value,
            "zdz_district": self.district_code,
            "zdz_unit": self.unit_id,
            "zdz_system": self.system,
            "zdz_permissions": sorted(self.permissions),
        }

    @classmethod
    def from_claims(cls, claims: dict[str, object]) -> Principal:
        try:
            role = Role(str(claims["zdz_role"]))
        except (KeyError, ValueError) as exc:
            raise Unauthenticated("令牌未注明有效角色 (token names no valid role)") from exc
        principal = cls(
            role=role,
            person=str(claims.get("sub") or ""),
            district_code=str(claims.get("zdz_district") or ""),
            unit_id=str(claims.get("zdz_unit") or ""),
            system=str(claims.get("zdz_system") or ""),
            permissions=frozenset(str(p) for p in claims.get("zdz_permissions") or ()),  # type: ignore[attr-defined]
        )
        missing = {
            Role.UNIT: principal.unit_id,
            Role.DISTRICT_TASK_FORCE: principal.district_code,
            Role.INTEGRATION: principal.system,
            Role.SERVICE: principal.system,
        }
        if not principal.person or (role in missing and not missing[role]):
            raise Unauthenticated(
                f"令牌缺少 {role.value} 角色所需的组织信息 (token lacks the organisation for its role)"
            )
        return principal


# The longest a token may last from its issue (`exp - iat`): the SERVICE tokens make run issues last 30 days.
MAX_TOKEN_LIFETIME_SECONDS = 31 * 86400


class TokenVerifier:
    """Checks signature, issuer, audience and expiry; returns the principal."""

    def __init__(
        self,
        public_key_pem: bytes,
        *,
        issuer: str = DEFAULT_ISSUER,
        audience: str = DEFAULT_AUDIENCE,
        max_lifetime_seconds: int = MAX_TOKEN_LIFETIME_SECONDS,
    ) -> None:
        self._key = serialization.load_pem_public_key(public_key_pem)
        self._issuer = issuer
        self._audience = audience
        self._max_lifetime = max_lifetime_seconds

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,  # type: ignore[arg-type]
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=30,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("令牌已过期，请重新登录 (token expired)") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"令牌无效 (invalid token: {exc})") from exc
        lifetime = int(claims["exp"]) - int(claims["iat"])
        if lifetime > self._max_lifetime:  # a validly signed token for 100 years is a leaked key's gift
            raise Unauthenticated(
                f"令牌有效期过长（{lifetime // 86400} 天，最长 {self._max_lifetime // 86400} 天），请重新签发 "
                "(token lifetime exceeds the maximum)"
            )
        return Principal.from_claims(claims)


class TokenIssuer:
    """Signs tokens: for development (`make run`) and tests. Production tokens come from the identity provider."""

    def __init__(
        self, private_key_pem: bytes, *, issuer: str = DEFAULT_ISSUER, audience: str = DEFAULT_AUDIENCE
    ) -> None:
        self._key = serialization.load_pem_private_key(private_key_pem, password=None)
        self._issuer = issuer
        self._audience = audience

    def issue(self, principal: Principal, *, ttl_seconds: int = 12 * 3600) -> str:
        now = int(time.time())
        claims = {
            **principal.to_claims(),
            "iss": self._issuer,
            "aud": self._audience,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)  # type: ignore[arg-type]


def generate_key_pair() -> tuple[bytes, bytes]:
    """A new P-256 key pair as (private PEM, public PEM)."""
    private = ec.generate_private_key(ec.SECP256R1())
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def development_keys(folder: Path) -> tuple[bytes, bytes]:
    """The development key pair under `folder`, created on first use."""
    folder.mkdir(parents=True, exist_ok=True)
    private_path, public_path = folder / "dev-signing-key.pem", folder / "dev-signing-key.pub.pem"
    if not private_path.exists():
        private_pem, public_pem = generate_key_pair()
        private_path.write_bytes(private_pem)
        private_path.chmod(0o600)
        public_path.write_bytes(public_pem)
    return private_path.read_bytes(), public_path.read_bytes()
