"""Webhook signing secrets encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256, from `cryptography`).

The keys come from ZDZ_NOTIFY_WEBHOOK_SECRET_KEYS (Fernet keys separated by commas: the first encrypts, every one
decrypts, so a key is rotated by putting the new one first); unset, from a key file in the data folder, made on
first use (readable by its owner only) for a local set-up. A secret is decrypted only to sign a delivery.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from zdz_notify.domain.webhooks import SecretUnreadable

KEY_FILE = "notify-webhook-secret.key"


class SecretBox:
    """The SecretVault of zdz_notify.domain.webhooks, with Fernet keys."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("at least one key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def generated(cls) -> SecretBox:
        """A box with a new key of its own, for a store that lives only as long as the process (tests)."""
        return cls([Fernet.generate_key()])

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise SecretUnreadable(
                "webhook secret cannot be decrypted: was ZDZ_NOTIFY_WEBHOOK_SECRET_KEYS changed without keeping "
                "the old key?"
            ) from exc


def keys_from(text: str, key_file: Path) -> list[bytes]:
    """The keys `text` lists, or the key file's (made when missing). SystemExit naming what is wrong."""
    keys = [part.strip().encode("ascii") for part in text.split(",") if part.strip()]
    if not keys:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as out:
                out.write(Fernet.generate_key())
        keys = [key_file.read_bytes().strip()]
    for key in keys:
        try:
            Fernet(key)
        except ValueError as exc:
            raise SystemExit(
                "ZDZ_NOTIFY_WEBHOOK_SECRET_KEYS (or the key file) must hold Fernet keys: 32 url-safe base64 bytes "
                f"each ({exc})"
            ) from exc
    return keys
