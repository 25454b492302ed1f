"""Webhook signing secrets are kept encrypted at rest (issue 16): sealed when registered, opened only to sign a
delivery; a key is rotated by putting the new one first."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from zdz_notify.adapters.secret_box import KEY_FILE, SecretBox, keys_from
from zdz_notify.domain.webhooks import SecretUnreadable

SECRET = "bayu-signing-secret-0123456789"


def test_a_sealed_secret_does_not_hold_the_secret_and_opens_to_it() -> None:
    box = SecretBox.generated()
    sealed = box.seal(SECRET)
    assert SECRET not in sealed and box.seal(SECRET) != sealed  # a fresh IV every time
    assert box.open(sealed) == SECRET


def test_the_longest_secret_fits_the_widened_column() -> None:
    assert len(SecretBox.generated().seal("x" * 256)) <= 1000


def test_a_rotated_key_still_opens_what_the_old_one_sealed_and_seals_with_the_new_one() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    sealed_before = SecretBox([old]).seal(SECRET)
    rotated = SecretBox([new, old])
    assert rotated.open(sealed_before) == SECRET
    assert SecretBox([new]).open(rotated.seal(SECRET)) == SECRET


def test_a_secret_no_key_opens_is_refused_as_unreadable() -> None:
    sealed = SecretBox.generated().seal(SECRET)
    with pytest.raises(SecretUnreadable):
        SecretBox.generated().open(sealed)


def test_without_configured_keys_a_key_file_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    key_file = tmp_path / "data" / KEY_FILE
    first = keys_from("", key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert keys_from("", key_file) == first  # a restarted service reads what it sealed
    configured = Fernet.generate_key()
    assert keys_from(f" {configured.decode()} ,", tmp_path / "unused.key") == [configured]
    assert not (tmp_path / "unused.key").exists()


def test_a_configured_key_that_is_not_a_fernet_key_stops_the_service() -> None:
    with pytest.raises(SystemExit, match="Fernet"):
        keys_from("not-a-key", Path("/nonexistent/key"))
