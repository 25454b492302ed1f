"""Webhooks for integrating systems: what may be registered, how each delivery is signed, how retries back off.

A delivery carries `X-Zdz-Signature: t=<unix time>,v1=<hex>` where hex is HMAC-SHA256, keyed by the
webhook's secret, over "<t>." followed by the exact request body (the scheme Stripe and GitHub receivers know).
A receiver recomputes it, compares in constant time and refuses timestamps older than a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from urllib.parse import urlsplit

from zdz_common.errors import InvalidArgument

MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 256
MAX_URL_LENGTH = 2000
SIGNATURE_HEADER = "X-Zdz-Signature"


def require_webhook_url(url: str, field: str = "url") -> str:
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise InvalidArgument(f"地址不能超过 {MAX_URL_LENGTH} 个字符 (URL too long)", field=field)
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number or out of range
    except ValueError as exc:
        raise InvalidArgument(f"无效的地址 {url!r}：{exc} (malformed URL)", field=field) from exc
    if port == 0:
        raise InvalidArgument(f"回调地址的端口不能为 0：{url!r}", field=field)
    if parts.scheme not in {"http", "https"}:
        raise InvalidArgument(
            f"回调地址须以 http:// 或 https:// 开头，收到 {url!r} (only http and https webhooks)", field=field
        )
    if not parts.hostname:
        raise InvalidArgument(f"回调地址缺少主机名：{url!r} (URL has no host)", field=field)
    if parts.username or parts.password:
        raise InvalidArgument(
            "回调地址不能包含用户名或密码，请用签名密钥 (no credentials in the URL)", field=field
        )
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
        raise InvalidArgument("回调地址不能包含空白或控制字符 (no whitespace in the URL)", field=field)
    return url


def require_secret(secret: str, field: str = "secret") -> str:
    if len(secret) < MIN_SECRET_LENGTH:
        raise InvalidArgument(
            f"签名密钥至少 {MIN_SECRET_LENGTH} 个字符，收到 {len(secret)} 个 (secret too short)", field=field
        )
    if len(secret) > MAX_SECRET_LENGTH:
        raise InvalidArgument(f"签名密钥不能超过 {MAX_SECRET_LENGTH} 个字符 (secret too long)", field=field)
    if secret != secret.strip() or any(unicodedata.category(ch) == "Cc" for ch in secret):
        raise InvalidArgument("签名密钥不能以空白开头或结尾，也不能含控制字符", field=field)
    return secret


def secret_fingerprint(secret: str) -> str:
    """Enough of the secret's hash to tell two secrets apart in the audit trail, never enough to sign."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:12]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Zdz-Signature header value for `body` sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signature_valid(secret: str, header: str, body: bytes, *, now: int, tolerance_seconds: int = 300) -> bool:
    """What a receiver checks: the header parses, the HMAC matches, and the timestamp is recent."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), f"t={timestamp},v1={fields.get('v1', '')}")
