"""Where a webhook's host resolves, checked against the rules of zdz_notify.domain.webhooks: at registration,
and before every delivery on the addresses the name resolves to then, so that a name re-pointed at an internal
address after registration (DNS rebinding) is refused; the delivery then connects to the address checked."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from zdz_common.errors import InvalidArgument
from zdz_notify.domain.webhooks import Address, AllowList, TargetRefused, check_addresses, host_address

Resolver = Callable[[str, int], list[str]]  # host, port -> IP address texts


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system's resolver gives for `host` (empty when it knows none)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in found))


@dataclass(frozen=True)
class Target:
    """A checked delivery target: connect to `address`, and name `host` (Host header, TLS server name)."""

    url: str
    host: str
    port: int
    address: Address


class WebhookTargets:
    def __init__(self, allow: AllowList | None = None, resolve: Resolver = system_resolver) -> None:
        self._allow = allow or AllowList()
        self._resolve = resolve

    def _addresses(self, url: str) -> tuple[str, int, list[Address]]:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        literal = host_address(host)
        if literal is not None:
            return host, port, [literal]
        addresses = [host_address(text) for text in self._resolve(host, port)]
        return host, port, [a for a in addresses if a is not None]

    def check_registration(self, url: str, field: str = "url") -> None:
        """INVALID_ARGUMENT naming `field` when the host is, or now resolves to, a refused address. A name that
        does not resolve yet is accepted: every delivery checks again."""
        try:
            host, _port, addresses = self._addresses(url)
            check_addresses(host, addresses, self._allow)
        except TargetRefused as exc:
            raise InvalidArgument(str(exc), field=field) from None

    def target(self, url: str) -> Target:
        """The address to deliver to, resolved now; TargetRefused when the host resolves to nothing or to any
        refused address."""
        host, port, addresses = self._addresses(url)
        if not addresses:
            raise TargetRefused(f"回调地址的主机 {host} 无法解析 (host does not resolve)")
        check_addresses(host, addresses, self._allow)
        return Target(url, host, port, addresses[0])
