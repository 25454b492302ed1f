"""The notify service's settings: environment variables with embedded defaults."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from zdz_common.config import AuthSettings, data_dir, env_flag, env_int, env_number, env_str, sqlite_url
from zdz_notify.adapters.email_sender import SmtpSettings
from zdz_notify.adapters.routing_file import DEFAULT_ROUTING_FILE
from zdz_notify.adapters.secret_box import KEY_FILE, SecretBox, keys_from
from zdz_notify.domain.deliveries import RetryPolicy
from zdz_notify.domain.objections import ObjectionLimits
from zdz_notify.domain.webhooks import AllowList

WORKFLOW_ADDRESS = "127.0.0.1:50053"  # the workflow's own default (zdz_local.services)


def env_floats(name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return tuple(float(part) for part in raw.split(","))
    except ValueError as exc:
        raise SystemExit(f"environment variable {name}={raw!r} must be numbers separated by commas") from exc


@dataclass(frozen=True)
class ObjectionSettings:
    """The 公示栏's objection form: bounds, abuse checks and its rate limit per client address."""

    limits: ObjectionLimits = field(default_factory=ObjectionLimits)
    rate_limit: str = "5/hour"  # per client address, moving window (`limits` syntax)
    form_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))  # signs form tokens
    form_max_age: timedelta = timedelta(hours=2)
    # Behind a reverse proxy every client has the proxy's address: count the one it appends to X-Forwarded-For.
    trust_forwarded_for: bool = False

    @classmethod
    def from_env(cls) -> ObjectionSettings:
        secret = env_str("ZDZ_NOTIFY_BOARD_FORM_SECRET", "")
        return cls(
            limits=ObjectionLimits(
                text_min_chars=env_int("ZDZ_NOTIFY_OBJECTION_TEXT_MIN_CHARS", 10),
                max_urls=env_int("ZDZ_NOTIFY_OBJECTION_MAX_URLS", 2),
                duplicate_window=timedelta(
                    seconds=env_number("ZDZ_NOTIFY_OBJECTION_DUPLICATE_WINDOW_SECONDS", 86400.0)
                ),
            ),
            rate_limit=env_str("ZDZ_NOTIFY_OBJECTION_RATE_LIMIT", "5/hour"),
            # Several board replicas must share it; unset, each process signs with its own random key.
            form_secret=secret.encode() if secret else secrets.token_bytes(32),
            form_max_age=timedelta(seconds=env_number("ZDZ_NOTIFY_OBJECTION_FORM_MAX_AGE_SECONDS", 7200.0)),
            trust_forwarded_for=env_flag("ZDZ_NOTIFY_BOARD_TRUST_FORWARDED_FOR"),
        )


def webhook_secret_keys_from_env() -> tuple[bytes, ...]:
    """ZDZ_NOTIFY_WEBHOOK_SECRET_KEYS, or the key file in the data folder (made on first use)."""
    return tuple(keys_from(env_str("ZDZ_NOTIFY_WEBHOOK_SECRET_KEYS", ""), data_dir() / KEY_FILE))


def webhook_secret_box_from_env() -> SecretBox:
    """What the service encrypts webhook secrets with: all that the migration encrypting them needs."""
    return SecretBox(webhook_secret_keys_from_env())


def webhook_allow_from_env() -> AllowList:
    """ZDZ_NOTIFY_WEBHOOK_ALLOW: internal hosts and networks webhooks may reach on purpose (default none)."""
    raw = env_str("ZDZ_NOTIFY_WEBHOOK_ALLOW", "")
    try:
        return AllowList.parse(raw)
    except ValueError as exc:
        raise SystemExit(f"environment variable ZDZ_NOTIFY_WEBHOOK_ALLOW={raw!r}: {exc}") from exc


def database_url_from_env() -> str:
    """The store's URL (ZDZ_NOTIFY_DATABASE_URL, default SQLite under the data folder): all that `migrate` needs."""
    return env_str("ZDZ_NOTIFY_DATABASE_URL", "") or sqlite_url("notify")


@dataclass(frozen=True)
class NotifyConfig:
    database_url: str
    nats_url: str
    grpc_address: str
    board_address: str  # the public notice board's HTTP listener
    # How portals reach the board, for the feed's and the page's links (never the request's Host header);
    # empty: the board's own address, http://127.0.0.1:<port> when it listens on every interface.
    board_public_url: str
    board_frame_ancestors: str  # who may embed the board page (CSP frame-ancestors)
    source_services: tuple[str, ...]  # whose streams are consumed: one durable consumer per stream
    routing_file: Path
    smtp: SmtpSettings | None  # None: e-mail deliveries wait until SMTP is configured
    retry: RetryPolicy
    consumer_retry_delays: tuple[float, ...]
    # A message fetched but not acknowledged (the process died, the broker restarted) comes back after this.
    consumer_ack_wait_seconds: float
    delivery_poll_seconds: float
    delivery_lease_seconds: float  # a crashed process's deliveries are sent again after this
    shutdown_grace_seconds: int
    auth: AuthSettings = field(default_factory=AuthSettings)  # default: disabled (in-process tests)
    workflow_address: str = WORKFLOW_ADDRESS  # where objections raised on the 公示栏 are recorded
    objections: ObjectionSettings = field(default_factory=ObjectionSettings)
    webhook_allow: AllowList = field(default_factory=AllowList)  # internal webhook targets allowed on purpose
    # Fernet keys of the webhook secrets at rest (the first encrypts); empty: a key for this process only
    webhook_secret_keys: tuple[bytes, ...] = ()

    @classmethod
    def from_env(cls) -> NotifyConfig:
        smtp_host = env_str("ZDZ_SMTP_HOST", "")
        return cls(
            database_url=database_url_from_env(),
            nats_url=env_str("ZDZ_NATS_URL", "nats://127.0.0.1:4222"),
            grpc_address=env_str("ZDZ_NOTIFY_GRPC_ADDRESS", "127.0.0.1:50054"),
            board_address=env_str("ZDZ_NOTIFY_HTTP_ADDRESS", "127.0.0.1:8054"),
            board_public_url=env_str("ZDZ_NOTIFY_BOARD_PUBLIC_URL", ""),
            board_frame_ancestors=env_str("ZDZ_NOTIFY_BOARD_FRAME_ANCESTORS", "*"),
            source_services=tuple(
                s.strip()
                for s in env_str("ZDZ_NOTIFY_SOURCE_SERVICES", "registry,scoring,workflow").split(",")
                if s.strip()
            ),
            routing_file=Path(env_str("ZDZ_NOTIFY_ROUTING_FILE", str(DEFAULT_ROUTING_FILE))),
            smtp=SmtpSettings(
                host=smtp_host,
                port=env_int("ZDZ_SMTP_PORT", 25),
                sender=env_str("ZDZ_SMTP_FROM", "zdz-notify@localhost"),
                starttls=env_flag("ZDZ_SMTP_STARTTLS"),
                username=env_str("ZDZ_SMTP_USERNAME", ""),
                password=env_str("ZDZ_SMTP_PASSWORD", ""),
            )
            if smtp_host
            else None,
            retry=RetryPolicy(
                max_attempts=env_int("ZDZ_NOTIFY_DELIVERY_MAX_ATTEMPTS", 8),
                base_seconds=env_number("ZDZ_NOTIFY_RETRY_BASE_SECONDS", 10.0),
                max_seconds=env_number("ZDZ_NOTIFY_RETRY_MAX_SECONDS", 3600.0),
            ),
            consumer_retry_delays=env_floats("ZDZ_NOTIFY_CONSUMER_RETRY_DELAYS", (1.0, 5.0, 30.0, 120.0)),
            consumer_ack_wait_seconds=env_number("ZDZ_NOTIFY_CONSUMER_ACK_WAIT_SECONDS", 30.0),
            delivery_poll_seconds=env_number("ZDZ_NOTIFY_DELIVERY_POLL_SECONDS", 1.0),
            delivery_lease_seconds=env_number("ZDZ_NOTIFY_DELIVERY_LEASE_SECONDS", 60.0),
            shutdown_grace_seconds=env_int("ZDZ_SHUTDOWN_GRACE_SECONDS", 5),
            auth=AuthSettings.from_env(),
            workflow_address=env_str("ZDZ_WORKFLOW_GRPC_ADDRESS", WORKFLOW_ADDRESS),
            objections=ObjectionSettings.from_env(),
            webhook_allow=webhook_allow_from_env(),
            webhook_secret_keys=webhook_secret_keys_from_env(),
        )
