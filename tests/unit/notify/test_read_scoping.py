"""Who may read which inbox (issue 16, read scoping), as notify's permission table says: a unit its own, a
district task force its own and its district's units', the municipal task force every one; marking read stays
the recipient's own."""

from __future__ import annotations

import pytest

from zdz_common.auth import Principal, Role
from zdz_common.authorisation import Target, decide
from zdz_notify.domain.permissions import NOTIFY_POLICY

TOWN = Principal(Role.UNIT, "镇办", unit_id="u1")
OTHER_TOWN = Principal(Role.UNIT, "邻镇", unit_id="u2")
BISHAN = Principal(Role.DISTRICT_TASK_FORCE, "璧山专班", district_code="bishan")
WANZHOU = Principal(Role.DISTRICT_TASK_FORCE, "万州专班", district_code="wanzhou")
CITY = Principal(Role.MUNICIPAL_TASK_FORCE, "市专班")
BAYU = Principal(Role.INTEGRATION, "巴渝", system="bayu")
PUBLIC = Principal(Role.PUBLIC, "公众")

U1_INBOX = Target(recipient="unit:u1", unit_id="u1", district_code="bishan")  # u1 is a town of Bishan
BISHAN_INBOX = Target(recipient="district:bishan")
CITY_INBOX = Target(recipient="municipal")


@pytest.mark.parametrize("action", ["ListNotifications", "Subscribe"])
@pytest.mark.parametrize(
    ("caller", "target", "allowed"),
    [
        (TOWN, U1_INBOX, True),
        (OTHER_TOWN, U1_INBOX, False),
        (TOWN, BISHAN_INBOX, False),
        (BISHAN, U1_INBOX, True),  # its district's unit
        (WANZHOU, U1_INBOX, False),
        (BISHAN, BISHAN_INBOX, True),
        (WANZHOU, BISHAN_INBOX, False),
        (BISHAN, CITY_INBOX, False),
        (CITY, U1_INBOX, True),
        (CITY, BISHAN_INBOX, True),
        (CITY, CITY_INBOX, True),
        (BAYU, U1_INBOX, False),
        (PUBLIC, CITY_INBOX, False),
        (BISHAN, Target(recipient="unit:u9"), False),  # a unit whose district no event has told
    ],
)
def test_inbox_reads_follow_the_unit_its_district_and_the_city(
    action: str, caller: Principal, target: Target, allowed: bool
) -> None:
    assert (decide(NOTIFY_POLICY, action, caller, target) is None) is allowed


def test_only_the_recipient_marks_its_inbox_read() -> None:
    assert decide(NOTIFY_POLICY, "MarkRead", TOWN, U1_INBOX) is None
    for caller in (BISHAN, CITY):
        assert decide(NOTIFY_POLICY, "MarkRead", caller, U1_INBOX) is not None
