"""Tokens: who is calling, verified; anything else refused with a message a clerk understands."""

from __future__ import annotations

import time

import jwt
import pytest

from zdz_common.auth import Principal, Role, TokenIssuer, TokenVerifier, generate_key_pair
from zdz_common.errors import Unauthenticated
from zdz_common.grpc_auth import RateLimiter

PRIVATE, PUBLIC = generate_key_pair()
CLERK = Principal(role=Role.DISTRICT_TASK_FORCE, person="li.clerk", district_code="wanzhou")


def test_a_signed_token_names_the_organisation_and_role() -> None:
    principal = TokenVerifier(PUBLIC).verify(TokenIssuer(PRIVATE).issue(CLERK))
    assert principal == CLERK
    assert principal.actor().organisation == "district:wanzhou"
    assert principal.actor().role == "DISTRICT_TASK_FORCE"


def test_each_role_maps_to_its_organisation() -> None:
    assert Principal(role=Role.UNIT, person="p", unit_id="u-1").organisation == "unit:u-1"
    assert Principal(role=Role.MUNICIPAL_TASK_FORCE, person="p").organisation == "municipal"
    assert Principal(role=Role.INTEGRATION, person="p", system="bayu").organisation == "integration:bayu"
    assert Principal(role=Role.PUBLIC, person="p").organisation == "public"


def test_expired_token_is_refused() -> None:
    token = TokenIssuer(PRIVATE).issue(CLERK, ttl_seconds=-120)
    with pytest.raises(Unauthenticated, match="过期"):
        TokenVerifier(PUBLIC).verify(token)


def test_token_signed_with_another_key_is_refused() -> None:
    other_private, _ = generate_key_pair()
    with pytest.raises(Unauthenticated, match="令牌无效"):
        TokenVerifier(PUBLIC).verify(TokenIssuer(other_private).issue(CLERK))


def test_token_for_another_audience_is_refused() -> None:
    token = TokenIssuer(PRIVATE, audience="someone-else").issue(CLERK)
    with pytest.raises(Unauthenticated):
        TokenVerifier(PUBLIC).verify(token)


def test_unsigned_token_is_refused() -> None:
    now = int(time.time())
    token = jwt.encode(
        {**CLERK.to_claims(), "iss": "zdz-dev", "aud": "zdz", "iat": now, "exp": now + 60},
        key=None,
        algorithm="none",
    )
    with pytest.raises(Unauthenticated):
        TokenVerifier(PUBLIC).verify(token)


def test_district_token_without_its_district_is_refused() -> None:
    token = TokenIssuer(PRIVATE).issue(Principal(role=Role.DISTRICT_TASK_FORCE, person="x"))
    with pytest.raises(Unauthenticated, match="组织"):
        TokenVerifier(PUBLIC).verify(token)


def test_rate_limiter_allows_the_burst_then_refuses_until_tokens_refill() -> None:
    limiter = RateLimiter(per_second=2.0, burst=3)
    assert [limiter.allow("a", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b", now=0.0)  # callers have separate buckets
    assert limiter.allow("a", now=0.5)  # half a second refills one request at 2 per second
    assert not limiter.allow("a", now=0.5)


def test_a_validly_signed_token_lasting_a_hundred_years_is_refused() -> None:
    # issue 16: a leaked signing key's 100-year token must not open the system for a century
    token = TokenIssuer(PRIVATE).issue(CLERK, ttl_seconds=100 * 365 * 86400)
    with pytest.raises(Unauthenticated, match="有效期过长"):
        TokenVerifier(PUBLIC).verify(token)
    month = TokenIssuer(PRIVATE).issue(CLERK, ttl_seconds=30 * 86400)  # make run's SERVICE token
    assert TokenVerifier(PUBLIC).verify(month).role is CLERK.role
    with pytest.raises(Unauthenticated):
        TokenVerifier(PUBLIC, max_lifetime_seconds=3600).verify(month)
