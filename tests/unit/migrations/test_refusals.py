"""What a service says when its store is not at the head (pure: no database), and the shape of each service's
revision history."""

from __future__ import annotations

import pytest

from zdz_common import migrations
from zdz_common.migrations import Status

HEAD = frozenset({"0002_issue_12_whole_city"})


def test_a_store_at_the_head_is_not_refused() -> None:
    assert migrations.refusal("zdz_registry", Status(HEAD, HEAD, frozenset(), legacy=False)) is None


def test_an_empty_store_is_refused_naming_make_migrate_and_the_service_command() -> None:
    message = migrations.refusal("zdz_registry", Status(frozenset(), HEAD, frozenset(), legacy=False))
    assert message is not None
    assert message.startswith("registry: 数据库结构未升级")
    assert "`make migrate`" in message and "`zdz-registry migrate`" in message
    assert "`python -m zdz_registry migrate`" in message and "空库" in message and "is empty" in message


def test_a_store_made_before_migrations_is_refused_as_unmigrated() -> None:
    message = migrations.refusal("zdz_scoring", Status(frozenset(), HEAD, frozenset(), legacy=True))
    assert (
        message is not None and "由迁移之前的版本创建" in message and "was made before migrations" in message
    )
    assert "`zdz-scoring migrate`" in message


def test_a_store_behind_names_its_revision_and_the_head() -> None:
    found = Status(frozenset({"0001_baseline"}), HEAD, frozenset(), legacy=False)
    message = migrations.refusal("zdz_registry", found)
    assert message is not None and "落后" in message
    assert "at 0001_baseline, head 0002_issue_12_whole_city" in message and "make migrate" in message


def test_a_store_of_a_newer_release_is_refused_with_another_message_and_no_migrate_advice() -> None:
    future = frozenset({"9999_future"})
    message = migrations.refusal("zdz_notify", Status(future, HEAD, future, legacy=False))
    assert message is not None
    assert (
        "更新的版本迁移" in message and "migrated by a newer release" in message and "9999_future" in message
    )
    assert "make migrate" not in message


@pytest.mark.parametrize("service", ["registry", "scoring", "workflow", "notify"])
def test_every_service_has_one_head_over_the_baseline_and_its_own_version_table(service: str) -> None:
    package = f"zdz_{service}"
    assert len(migrations.heads(package)) == 1
    assert "0001_baseline" in migrations.known_revisions(package)
    assert migrations.version_table(package) == f"alembic_version_{service}"


def test_the_registry_head_is_issue_16s_outbox_parking_over_issue_12s_revision() -> None:
    assert migrations.heads("zdz_registry") == ("0003_outbox_parking",)
    assert "0002_issue_12_whole_city" in migrations.known_revisions("zdz_registry")
