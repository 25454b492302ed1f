"""Webhook registration rules, the delivery signature, and the retry back-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from zdz_common.errors import InvalidArgument
from zdz_notify.domain.deliveries import DeliveryStatus, RetryPolicy
from zdz_notify.domain.webhooks import require_secret, require_webhook_url, signature, signature_valid

SECRET = "sixteen-chars-ok"
BODY = b'{"id":"e1"}'


@pytest.mark.parametrize(
    "url",
    [
        "ftp://bayu.cq.gov.cn/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "bayu.cq.gov.cn/hook",
        "https:///no-host",
        "https://user:pw@bayu.cq.gov.cn/hook",
        "https://bayu.cq.gov.cn:99999/hook",
        "https://bayu.cq.gov.cn/a b",
    ],
)
def test_a_webhook_url_must_be_http_or_https_with_a_host_and_no_credentials(url: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        require_webhook_url(url)
    assert error.value.field == "url"


def test_http_and_https_webhook_urls_are_accepted() -> None:
    assert (
        require_webhook_url(" https://bayu.cq.gov.cn/zdz/hook?x=1 ") == "https://bayu.cq.gov.cn/zdz/hook?x=1"
    )
    assert require_webhook_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook"


def test_a_secret_shorter_than_16_characters_is_refused_and_says_how_long_it_was() -> None:
    with pytest.raises(InvalidArgument, match="至少 16 个字符，收到 15 个"):
        require_secret("x" * 15)
    assert require_secret("x" * 16) == "x" * 16


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    # Computed independently: printf '%s' '1700000000.{"id":"e1"}' | openssl dgst -sha256 -hmac 'sixteen-chars-ok'
    expected = "5927d023244199704c361ebe34b871ce2009eb5f3f27874216bbfd6a9fd4ad4f"
    assert signature(SECRET, 1_700_000_000, BODY) == f"t=1700000000,v1={expected}"


def test_a_receiver_accepts_a_fresh_signature_and_refuses_a_stale_or_tampered_one() -> None:
    header = signature(SECRET, 1_700_000_000, BODY)
    assert signature_valid(SECRET, header, BODY, now=1_700_000_100)
    assert not signature_valid(SECRET, header, BODY, now=1_700_000_301)  # 301 s old: past the 300 s tolerance
    assert not signature_valid(SECRET, header, b'{"id":"e2"}', now=1_700_000_000)
    assert not signature_valid("another-secret-16", header, BODY, now=1_700_000_000)
    assert not signature_valid(SECRET, "v1=abc", BODY, now=1_700_000_000)


def test_retries_back_off_exponentially_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=10, base_seconds=10, max_seconds=60)
    # 10 s after the 1st failure, then 20, 40, and 80 capped to 60.
    assert [policy.delay_after(n) for n in (1, 2, 3, 4)] == [10, 20, 40, 60]


def test_the_last_allowed_failure_makes_a_dead_letter() -> None:
    policy = RetryPolicy(max_attempts=3, base_seconds=10, max_seconds=60)
    now = datetime(2025, 3, 10, tzinfo=UTC)
    assert policy.after_failure(2, now) == (DeliveryStatus.PENDING, now + timedelta(seconds=20))
    assert policy.after_failure(3, now) == (DeliveryStatus.DEAD, now)
