"""Who is calling: signed JWT bearer tokens naming an organisation and a role.

Roles (issue: who may do what):
- UNIT: one town or park group (`unit_id`), organisation "unit:<unit_id>";
- DISTRICT_TASK_FORCE: one district's task force (`district_code`), organisation "district:<code>";
- MUNICIPAL_TASK_FORCE: the city's task force, organisation "municipal";
- INTEGRATION: a named external system (e.g. the 巴渝治水 platform), organisation "integration:<name>";
  reads and subscribes, changes nothing unless granted a named permission;
- PUBLIC: the public notice board only;
- SERVICE: another zdz service acting on behalf of the system.

Tokens are ES256-signed; issuer, audience and the verification keys are configured. `make run` generates
development keys and prints one token per role.

Keys, and their rotation: a token names its key by `kid` in its header. The keys come from a JWK set
(ZDZ_AUTH_JWKS, `file:///…` or `https://…`, read again every ZDZ_AUTH_JWKS_REFRESH_SECONDS and at once, at most
every 30 s, for a `kid` it does not know) and from a PEM public key (ZDZ_AUTH_PUBLIC_KEY_FILE, today's single key,
which has no `kid` of its own and is tried for any token, as before). To rotate, publish the new key beside the old
one, issue with the new one, and remove the old one once its tokens have expired: a token whose `kid` no key has
(removed, unknown) is refused unless the PEM key verifies it; one without a `kid` is checked against every key.
"""

from __future__ import annotations

import enum
import json
import logging
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from zdz_common.context import Actor
from zdz_common.errors import Unauthenticated

if TYPE_CHECKING:
    from zdz_common.config import AuthSettings

log = logging.getLogger(__name__)

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


# Signature algorithms a verification key may have: asymmetric only (an HMAC "key" from a JWK set would let anyone
# who reads the set sign).
_ASYMMETRIC = frozenset(
    {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"}
)
JWKS_REFRESH_SECONDS = 300.0
JWKS_COOLDOWN_SECONDS = 30.0  # the soonest a JWK set is read again for a kid it does not know
JWKS_FETCH_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class VerificationKey:
    kid: str  # "": a key of no kid (the PEM key), tried whatever kid a token names
    key: Any  # a cryptography public key
    algorithm: str


def pem_key(public_key_pem: bytes) -> VerificationKey:
    """An ES256 verification key from its PEM."""
    key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("the token verification key must be an EC P-256 public key (ES256)")
    return VerificationKey("", key, ALGORITHM)


class KeySource(Protocol):
    def keys(self, kid: str | None) -> Sequence[VerificationKey]:
        """The keys a token naming `kid` (None: naming none) may be signed with."""
        ...


class StaticKeys:
    """Keys given once (the PEM public key of the configuration, tests)."""

    def __init__(self, keys: Sequence[VerificationKey]) -> None:
        self._keys = tuple(keys)

    def keys(self, kid: str | None) -> Sequence[VerificationKey]:
        return [k for k in self._keys if kid is None or k.kid in ("", kid)]


class JwksKeys:
    """A JWK set at a `file://` or `https://` address, read at first use, again every `refresh_seconds`, and early
    (at most every `cooldown_seconds`) for a kid it does not know. A set that cannot be read keeps the last one
    read; the keys without a `kid` or with a symmetric algorithm are left out."""

    def __init__(
        self,
        uri: str,
        *,
        refresh_seconds: float = JWKS_REFRESH_SECONDS,
        cooldown_seconds: float = JWKS_COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not uri.startswith(("file://", "https://")):
            raise ValueError(f"ZDZ_AUTH_JWKS must be a file:// or https:// address, not {uri!r}")
        self._uri = uri
        self._refresh = refresh_seconds
        self._cooldown = cooldown_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: tuple[VerificationKey, ...] | None = None
        self._read_at = float("-inf")

    def keys(self, kid: str | None) -> Sequence[VerificationKey]:
        now = self._clock()
        if self._keys is None or now - self._read_at >= self._refresh:
            self._read(now)
        found = [k for k in self._keys or () if kid is None or k.kid == kid]
        if not found and kid is not None and now - self._read_at >= self._cooldown:
            self._read(now)  # a key published since: the issuer has rotated
            found = [k for k in self._keys or () if k.kid == kid]
        return found

    def _read(self, now: float) -> None:
        with self._lock:
            self._read_at = now
            try:
                with urllib.request.urlopen(self._uri, timeout=JWKS_FETCH_TIMEOUT_SECONDS) as answer:
                    document = json.loads(answer.read())
                jwks = jwt.PyJWKSet.from_dict(document)
            except (OSError, ValueError, jwt.PyJWTError) as error:
                log.warning(
                    "cannot read the JWK set at %s (%s); keeping the keys read before", self._uri, error
                )
                return
            self._keys = tuple(
                VerificationKey(jwk.key_id, jwk.key, jwk.algorithm_name)
                for jwk in jwks.keys
                if jwk.key_id and jwk.algorithm_name in _ASYMMETRIC
            )


class TokenVerifier:
    """Checks signature (by the key its `kid` names), issuer, audience, expiry and lifetime; returns the principal."""

    def __init__(
        self,
        public_key_pem: bytes | None = None,
        *,
        keys: Sequence[KeySource] = (),
        issuer: str = DEFAULT_ISSUER,
        audience: str = DEFAULT_AUDIENCE,
        max_lifetime_seconds: int = MAX_TOKEN_LIFETIME_SECONDS,
    ) -> None:
        """`public_key_pem`: one key, of no kid; `keys`: more sources (a JWK set)."""
        sources = [*([StaticKeys([pem_key(public_key_pem)])] if public_key_pem else []), *keys]
        if not sources:
            raise ValueError("a token verifier needs at least one verification key")
        self._sources = sources
        self._issuer = issuer
        self._audience = audience
        self._max_lifetime = max_lifetime_seconds

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> TokenVerifier:
        """The verifier of a service's configuration (ZDZ_AUTH_PUBLIC_KEY_FILE and/or ZDZ_AUTH_JWKS)."""
        pem = settings.public_key_file.read_bytes() if settings.public_key_file else None
        jwks = (
            [JwksKeys(settings.jwks, refresh_seconds=settings.jwks_refresh_seconds)] if settings.jwks else []
        )
        return cls(
            pem,
            keys=jwks,
            issuer=settings.issuer,
            audience=settings.audience,
            max_lifetime_seconds=settings.max_token_lifetime_seconds,
        )

    def _candidates(self, token: str) -> Sequence[VerificationKey]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"令牌无效 (invalid token: {exc})") from exc
        if kid is not None and (not isinstance(kid, str) or not kid):
            raise Unauthenticated("令牌无效 (invalid token: malformed kid)")
        candidates = [key for source in self._sources for key in source.keys(kid)]
        if not candidates:
            raise Unauthenticated(
                "令牌的签名密钥未知或已停用，请重新登录 (token signed by an unknown or retired key)"
            )
        return candidates

    def verify(self, token: str) -> Principal:
        claims: dict[str, Any] | None = None
        failure: jwt.InvalidTokenError | None = None
        for key in self._candidates(token):
            try:
                claims = jwt.decode(
                    token,
                    key.key,
                    algorithms=[key.algorithm],
                    issuer=self._issuer,
                    audience=self._audience,
                    options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                    leeway=30,
                )
                break
            except jwt.ExpiredSignatureError as exc:
                raise Unauthenticated("令牌已过期，请重新登录 (token expired)") from exc
            except jwt.InvalidSignatureError as exc:  # another configured key may have signed it
                failure = exc
            except jwt.InvalidTokenError as exc:
                raise Unauthenticated(f"令牌无效 (invalid token: {exc})") from exc
        if claims is None:
            raise Unauthenticated(f"令牌无效 (invalid token: {failure})") from failure
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
        self,
        private_key_pem: bytes,
        *,
        issuer: str = DEFAULT_ISSUER,
        audience: str = DEFAULT_AUDIENCE,
        kid: str = "",
    ) -> None:
        """`kid`: the key id written in every token's header ("": none, as the development tokens)."""
        self._key = serialization.load_pem_private_key(private_key_pem, password=None)
        self._issuer = issuer
        self._audience = audience
        self._headers = {"kid": kid} if kid else None

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
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers=self._headers)  # type: ignore[arg-type]


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
