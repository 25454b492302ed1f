"""Submissions per client address on the 公示栏, in a moving window (the `limits` library, in memory: each
board process counts its own clients)."""

from __future__ import annotations

from limits import RateLimitItem, parse, storage, strategies


def parse_rate(text: str) -> RateLimitItem:
    """A rate such as "5/hour" or "10 per 10 minutes"; SystemExit naming the setting when it is malformed."""
    try:
        return parse(text)
    except ValueError as exc:
        raise SystemExit(f"ZDZ_NOTIFY_OBJECTION_RATE_LIMIT={text!r} is not a rate such as '5/hour'") from exc


class ClientThrottle:
    def __init__(self, rate: str) -> None:
        self._rate = parse_rate(rate)
        self._limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

    @property
    def window_seconds(self) -> int:
        return int(self._rate.get_expiry())

    def allow(self, client: str) -> bool:
        return self._limiter.hit(self._rate, "objection", client)
