"""How notifications read: Beijing time, deadlines at 24:00, codes by their Chinese names; notice status."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from zdz_notify.domain.messages import Moment, TemplateError, Term, render
from zdz_notify.domain.notices import Notice, NoticeStatus


def test_a_deadline_at_midnight_beijing_time_reads_as_24_00_of_the_day_before() -> None:
    # 2024-09-30T16:00Z is 2024-10-01 00:00 in Beijing (UTC+8): the end of 30 September.
    due = Moment(datetime(2024, 9, 30, 16, 0, tzinfo=UTC))
    assert due.day_end == "2024年9月30日24时"
    assert due.date == "2024年10月1日"


def test_a_moment_not_at_midnight_reads_as_beijing_date_and_time() -> None:
    # 01:30Z is 09:30 in Beijing.
    moment = Moment(datetime(2025, 3, 10, 1, 30, tzinfo=UTC))
    assert str(moment) == moment.day_end == "2025年3月10日 09:30"


def test_an_unset_moment_reads_as_empty() -> None:
    assert Moment(None) == "" and Moment(None).day_end == ""


def test_a_code_renders_as_itself_or_as_its_chinese_label() -> None:
    fields = {"grade": Term("EXCELLENT", "优秀")}
    assert render("{grade}/{grade.label}", fields) == "EXCELLENT/优秀"


def test_a_template_naming_a_missing_field_is_refused_with_the_field() -> None:
    with pytest.raises(TemplateError, match="scores"):
        render("{scores}", {"score": "92.50"})


def _notice(*, suspended: bool = False) -> Notice:
    published = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
    return Notice(
        id="n1",
        unit_id="u1",
        unit_name="璧城街道",
        unit_kind="TOWN",
        district_code="bishan",
        district_name="璧山区",
        score=Decimal("92.50"),
        grade="EXCELLENT",
        period_start=datetime(2025, 3, 10, 16, 0, tzinfo=UTC),  # 11 March 00:00 Beijing
        period_end=datetime(2025, 3, 16, 16, 0, tzinfo=UTC),  # 17 March 00:00 Beijing = 16 March 24:00
        objection_contact="璧山区生态环境局 023-41412345",
        provisional=False,
        suspended=suspended,
        objection="",
        published_at=published,
        updated_at=published,
    )


def test_a_notice_is_on_notice_until_its_period_ends_then_ended() -> None:
    notice = _notice()
    assert notice.status(datetime(2025, 3, 16, 15, 59, tzinfo=UTC)) is NoticeStatus.IN_NOTICE
    assert notice.status(datetime(2025, 3, 16, 16, 0, tzinfo=UTC)) is NoticeStatus.ENDED


def test_a_suspended_notice_stays_suspended_past_its_period_end() -> None:
    assert _notice(suspended=True).status(datetime(2025, 4, 1, tzinfo=UTC)) is NoticeStatus.SUSPENDED
