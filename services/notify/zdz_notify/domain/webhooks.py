"""Webhooks for integrating systems: what may be registered, how each delivery is signed, how retries back off.

A delivery carries `X-Zdz-Signature: t=<unix time>,v1=<hex>` where hex is HMAC-SHA256, keyed by the
webhook's secret, over "<t>." followed by the exact request body (the scheme Stripe and GitHub receivers know).
A receiver recomputes it, compares in constant time and refuses timestamps older than a few minutes.

Where a webhook may point (issue 16, server-side request forgery): only at public addresses. Loopback,
link-local (the cloud metadata address 169.254.169.254), private, shared, multicast, unspecified and reserved
addresses are refused, also when an IPv6 address carries one (IPv4-mapped, 6to4, Teredo, NAT64), and so is an
IPv4 address spelt other than in dotted decimal ("2130706433", "0x7f.1", "0177.0.0.1"), which resolvers would
otherwise read as loopback. A deployment that needs an internal target names it in an allow-list of host
names and networks (ZDZ_NOTIFY_WEBHOOK_ALLOW). The check runs at registration and again before every delivery,
on the addresses the name resolves to then, and the delivery connects to the address checked.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from zdz_common.errors import InvalidArgument
from zdz_common.validation import check_characters

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
    try:
        host_address(parts.hostname)
    except TargetRefused as exc:
        raise InvalidArgument(str(exc), field=field) from None
    if parts.username or parts.password:
        raise InvalidArgument(
            "回调地址不能包含用户名或密码，请用签名密钥 (no credentials in the URL)", field=field
        )
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
        raise InvalidArgument("回调地址不能包含空白或控制字符 (no whitespace in the URL)", field=field)
    return check_characters(url, field)


Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_NUMERIC_LABEL = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
ALLOW_LIST_FORM = "主机名或网段，以逗号分隔，例如 hooks.internal,10.20.0.0/16"


class SecretUnreadable(ValueError):
    """A stored secret that none of the keys decrypts (the key was changed without keeping the old one)."""


class SecretVault(Protocol):
    """How webhook secrets are kept at rest (adapters/secret_box.py): sealed when registered, opened to sign."""

    def seal(self, secret: str) -> str: ...

    def open(self, sealed: str) -> str: ...  # SecretUnreadable when no key opens it


class TargetCheck(Protocol):
    """Where a webhook may point, checked at registration (adapters/webhook_targets.py)."""

    def check_registration(self, url: str, field: str = "url") -> None: ...


class TargetRefused(ValueError):
    """The webhook's host is, or resolves to, an address no webhook may reach; the message says why."""


def host_address(host: str) -> Address | None:
    """The IP address a URL's host spells, or None when it is a name. TargetRefused for an IPv4 address in
    any form but dotted decimal (decimal, octal, hex, fewer than four parts), which resolvers accept."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    labels = host.removesuffix(".").split(".")
    if _NUMERIC_LABEL.match(labels[-1]):
        raise TargetRefused(
            f"主机 {host!r} 是非点分十进制写法的 IPv4 地址 (IPv4 addresses only in dotted decimal)"
        )
    return None


def _embedded(address: Address) -> list[Address]:
    """The address and every IPv4 address an IPv6 address carries."""
    found: list[Address] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.extend(address.teredo)
        if address in _NAT64:
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def refusal(address: Address) -> str:
    """Why no webhook may reach `address`; empty for a public address."""
    for candidate in _embedded(address):
        if candidate.is_loopback:
            return f"{address} 是本机回环地址 (loopback)"
        if candidate.is_link_local:
            return f"{address} 是链路本地地址，含云主机元数据地址 (link-local)"
        if candidate.is_multicast:
            return f"{address} 是组播地址 (multicast)"
        if candidate.is_unspecified:
            return f"{address} 是未指定地址 (unspecified)"
        if candidate.is_private or candidate.is_reserved or not candidate.is_global:
            return f"{address} 是内网或保留地址 (private or reserved)"
    return ""


@dataclass(frozen=True)
class AllowList:
    """Internal targets a deployment allows on purpose: host names (exact, any case) and networks."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> AllowList:
        """From "name,10.0.0.0/8,127.0.0.1" (ValueError naming the entry that is neither)."""
        hosts: set[str] = set()
        networks: list[Network] = []
        for entry in (part.strip() for part in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?", entry):
                raise ValueError(f"{entry!r} 不是{ALLOW_LIST_FORM}")
            hosts.add(entry.lower().removesuffix("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return host.lower().removesuffix(".") in self.hosts

    def allows(self, address: Address) -> bool:
        return any(address.version == n.version and address in n for n in self.networks)


def check_addresses(host: str, addresses: Iterable[Address], allow: AllowList) -> None:
    """TargetRefused unless every address `host` resolves to may be reached (or the host is allowed)."""
    if allow.allows_host(host):
        return
    for address in addresses:
        reason = "" if allow.allows(address) else refusal(address)
        if reason:
            raise TargetRefused(f"回调地址的主机 {host} 指向 {reason}，不允许推送 (refused target)")


def require_secret(secret: str, field: str = "secret") -> str:
    if len(secret) < MIN_SECRET_LENGTH:
        raise InvalidArgument(
            f"签名密钥至少 {MIN_SECRET_LENGTH} 个字符，收到 {len(secret)} 个 (secret too short)", field=field
        )
    if len(secret) > MAX_SECRET_LENGTH:
        raise InvalidArgument(f"签名密钥不能超过 {MAX_SECRET_LENGTH} 个字符 (secret too long)", field=field)
    if secret != secret.strip() or any(unicodedata.category(ch) == "Cc" for ch in secret):
        raise InvalidArgument("签名密钥不能以空白开头或结尾，也不能含控制字符", field=field)
    return check_characters(secret, field)


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
