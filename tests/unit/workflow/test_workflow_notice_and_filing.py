"""公示 in a named channel, objections with their source and outcome, and 备案 with its acknowledgement
(附件3/附件4 三（二）3 "在当地主要媒体或政府门户网站上进行公示…公示期满后，报市级工作专班备案")."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tests.unit.workflow.factories import (
    ANSWER,
    CITY,
    CLOCK,
    DISTRICT,
    FILING_NUMBER,
    LETTER,
    PORTAL,
    UnitUnderTest,
    at,
    rules,
    walk,
)
from zdz_common.context import Actor
from zdz_common.errors import AlreadyExists, InvalidArgument
from zdz_common.vocabulary import Stage
from zdz_workflow.domain.commands import (
    AcknowledgeFiling,
    CloseNotice,
    FileResult,
    PublishNotice,
    RaiseObjection,
    RecordDeadlineMissed,
    ResolveObjection,
)
from zdz_workflow.domain.errors import InvalidCommand, RuleViolation
from zdz_workflow.domain.events import NoticeElapsed, NoticePublished, ObjectionRaised
from zdz_workflow.domain.process import Alarm, AlarmKind, alarms, replay
from zdz_workflow.domain.stages import DeadlineKind
from zdz_workflow.domain.values import (
    NoticeChannel,
    NoticeChannelKind,
    NoticeStatus,
    ObjectionSource,
    Objector,
)

NOTIFY = Actor(organisation="zdz", role="SERVICE", person="notify")  # forwards the 公示栏's objections
RESIDENT = Objector(name="刘先生", contact="13800000000")


def in_notice() -> UnitUnderTest:
    """The walk's town, its notice published Fri 2024-09-27 on the district portal (ends 2024-10-11 00:00)."""
    unit = walk(UnitUnderTest(), Stage.PUBLIC_NOTICE)
    unit.do(PublishNotice, DISTRICT, at("2024-09-27", 9), published_on=date(2024, 9, 27), channel=PORTAL)
    return unit


def elapsed() -> UnitUnderTest:
    unit = in_notice()
    unit.do(CloseNotice, CLOCK, at("2024-10-11", 0))
    return unit


def publish(unit: UnitUnderTest, channel: NoticeChannel | None) -> None:
    unit.do(PublishNotice, DISTRICT, at("2024-09-27", 9), published_on=date(2024, 9, 27), channel=channel)


# --- the channel ----------------------------------------------------------------------------------------------


def test_the_notice_keeps_the_channel_it_was_published_in_and_the_event_carries_it():
    unit = walk(UnitUnderTest(), Stage.PUBLIC_NOTICE)
    [published] = unit.do(
        PublishNotice, DISTRICT, at("2024-09-27", 9), published_on=date(2024, 9, 27), channel=PORTAL
    )
    assert isinstance(published, NoticePublished) and published.notice.channel == PORTAL
    assert unit.state.notice.channel == PORTAL


def test_a_notice_without_its_channel_is_refused():
    unit = walk(UnitUnderTest(), Stage.PUBLIC_NOTICE)
    with pytest.raises(InvalidCommand, match="须写明公示的媒体或政府网站") as refused:
        publish(unit, None)
    assert refused.value.field == "channel"
    assert unit.state.notice is None


@pytest.mark.parametrize(
    ("channel", "field"),
    [
        (replace(PORTAL, url="ftp://www.cqbs.gov.cn/gs"), "channel.url"),
        (replace(PORTAL, url="www.cqbs.gov.cn/gs"), "channel.url"),
        (replace(PORTAL, url="https://"), "channel.url"),
        (replace(PORTAL, url=""), "channel.url"),
        (replace(PORTAL, name="  "), "channel.name"),
        (replace(PORTAL, name="网" * 101), "channel.name"),
        (replace(PORTAL, kind="WECHAT"), "channel.kind"),
    ],
)
def test_a_channel_must_be_local_media_or_the_portal_with_a_name_and_an_http_address(channel, field):
    unit = walk(UnitUnderTest(), Stage.PUBLIC_NOTICE)
    with pytest.raises(InvalidArgument) as refused:
        publish(unit, channel)
    assert refused.value.field == field


def test_local_media_is_a_channel_too():
    unit = walk(UnitUnderTest(), Stage.PUBLIC_NOTICE)
    paper = NoticeChannel(
        NoticeChannelKind.LOCAL_MEDIA, "璧山日报", "http://epaper.bishan.example/2024-09-27"
    )
    publish(unit, paper)
    assert unit.state.notice.channel == paper


# --- objections -----------------------------------------------------------------------------------------------


def test_an_objection_from_the_public_board_is_kept_on_the_notice_with_who_raised_it():
    unit = in_notice()
    [raised] = unit.do(
        RaiseObjection,
        NOTIFY,
        at("2024-10-09"),
        objection_id="board-1",
        source=ObjectionSource.PUBLIC_BOARD,
        objector=RESIDENT,
        reason="沿河路排口晴天仍有污水",
    )
    assert isinstance(raised, ObjectionRaised) and raised.source is ObjectionSource.PUBLIC_BOARD
    [objection] = unit.state.notice.objections
    assert (objection.objection_id, objection.source, objection.objector) == (
        "board-1",
        ObjectionSource.PUBLIC_BOARD,
        RESIDENT,
    )
    assert (objection.text, objection.upheld, objection.raised_at) == (
        "沿河路排口晴天仍有污水",
        None,
        at("2024-10-09"),
    )
    assert unit.state.notice_status is NoticeStatus.SUSPENDED


@pytest.mark.parametrize(
    ("objector", "field"),
    [
        (None, "objector"),
        (Objector(name="", contact="13800000000"), "objector.name"),
        (Objector(name="刘先生", contact=" "), "objector.contact"),
        (Objector(name="刘" * 51, contact="13800000000"), "objector.name"),
        (Objector(name="刘先生", contact="1" * 101), "objector.contact"),
    ],
)
def test_an_objection_from_the_public_board_needs_a_name_and_a_way_to_reach_them(objector, field):
    unit = in_notice()
    with pytest.raises(InvalidArgument) as refused:
        unit.do(
            RaiseObjection,
            NOTIFY,
            at("2024-10-09"),
            objection_id="board-1",
            source=ObjectionSource.PUBLIC_BOARD,
            objector=objector,
            reason="沿河路排口晴天仍有污水",
        )
    assert refused.value.field == field
    assert unit.state.notice.objections == ()


@pytest.mark.parametrize("text", ["", "   ", "污" * 501, "有\x07控制字符"])
def test_an_objection_needs_its_text_within_bounds(text):
    unit = in_notice()
    with pytest.raises(InvalidArgument) as refused:
        unit.do(
            RaiseObjection,
            DISTRICT,
            at("2024-10-09"),
            objection_id="letter-1",
            source=ObjectionSource.RECEIVED,
            reason=text,
        )
    assert refused.value.field == "reason"


def test_an_objection_written_over_several_lines_is_taken_as_every_reason_is():
    unit = in_notice()
    text = "沿河路排口晴天仍有污水。\n附近小区雨污混接未改。"
    unit.do(
        RaiseObjection,
        NOTIFY,
        at("2024-10-09"),
        objection_id="board-2",
        source=ObjectionSource.PUBLIC_BOARD,
        objector=RESIDENT,
        reason=text,
    )
    [objection] = unit.state.notice.objections
    assert objection.text == text


def test_an_objection_must_say_how_it_arrived():
    unit = in_notice()
    with pytest.raises(InvalidCommand, match="须说明异议来源") as refused:
        unit.do(RaiseObjection, DISTRICT, at("2024-10-09"), objection_id="x", reason="来信")
    assert refused.value.field == "source"


def test_a_received_objection_is_recorded_by_the_district_without_contact_details():
    unit = in_notice()
    unit.do(RaiseObjection, DISTRICT, at("2024-10-09"), objection_id="letter-1", **LETTER)
    [objection] = unit.state.notice.objections
    assert objection.source is ObjectionSource.RECEIVED and objection.objector is None


def test_a_dismissed_objection_keeps_its_outcome_and_the_districts_answer():
    unit = in_notice()
    unit.do(RaiseObjection, DISTRICT, at("2024-10-09"), objection_id="letter-1", **LETTER)
    unit.do(
        ResolveObjection, DISTRICT, at("2024-10-11", 15), objection_id="letter-1", upheld=False, reason=ANSWER
    )
    [objection] = unit.state.notice.objections
    assert (objection.upheld, objection.answer, objection.resolved_at) == (
        False,
        ANSWER,
        at("2024-10-11", 15),
    )
    assert unit.state.notice.open_objections == ()


def test_an_objection_cannot_be_resolved_without_the_districts_answer():
    unit = in_notice()
    unit.do(RaiseObjection, DISTRICT, at("2024-10-09"), objection_id="letter-1", **LETTER)
    with pytest.raises(InvalidCommand, match="须写明对异议的答复") as refused:
        unit.do(ResolveObjection, DISTRICT, at("2024-10-11"), objection_id="letter-1", upheld=False)
    assert refused.value.field == "reason"


def test_an_objection_id_is_used_once_even_after_it_was_resolved():
    unit = in_notice()
    unit.do(RaiseObjection, DISTRICT, at("2024-10-09"), objection_id="letter-1", **LETTER)
    unit.do(
        ResolveObjection, DISTRICT, at("2024-10-10"), objection_id="letter-1", upheld=False, reason=ANSWER
    )
    with pytest.raises(AlreadyExists, match="已登记"):
        unit.do(RaiseObjection, DISTRICT, at("2024-10-10", 11), objection_id="letter-1", **LETTER)


def test_no_objection_once_the_notice_has_elapsed():
    unit = elapsed()
    with pytest.raises(RuleViolation, match="届满") as refused:
        unit.do(RaiseObjection, DISTRICT, at("2024-10-12"), objection_id="late", **LETTER)
    assert refused.value.rule == "附件3 三（二）3"


# --- the notice's end and 备案 ---------------------------------------------------------------------------------


def test_when_the_notice_elapses_the_unit_awaits_filing_under_a_deadline_with_reminders():
    # Last day Thu 2024-10-10; 10 working days after it: Fri 10-11, Sat 10-12 (调休上班), Mon 10-14 … Wed 10-23
    # → due 2024-10-23 24:00.
    unit = in_notice()
    [event] = unit.do(CloseNotice, CLOCK, at("2024-10-11", 0))
    assert isinstance(event, NoticeElapsed) and event.filing is not None
    assert unit.state.stage is Stage.PUBLIC_NOTICE
    assert unit.state.notice_status is NoticeStatus.ELAPSED
    filing = unit.state.deadline(DeadlineKind.FILING)
    assert filing is not None and filing.due_on == date(2024, 10, 23)
    assert [r.working_days_before for r in filing.reminders] == [7, 3, 1]
    assert alarms(unit.state, at("2024-10-11", 0))[0] == Alarm(
        filing.reminders[0].at, AlarmKind.REMINDER, DeadlineKind.FILING, 7
    )
    assert all(a.kind is not AlarmKind.NOTICE_END for a in alarms(unit.state, at("2024-10-11", 0)))


def test_the_filing_period_is_a_setting():
    unit = walk(UnitUnderTest(rules(filing_working_days=3)), Stage.PUBLIC_NOTICE)
    publish(unit, PORTAL)
    unit.do(CloseNotice, CLOCK, at("2024-10-11", 0))
    # Fri 10-11, Sat 10-12 (调休上班), Mon 10-14.
    assert unit.state.deadline(DeadlineKind.FILING).due_on == date(2024, 10, 14)


def test_the_district_files_the_result_after_the_notice_and_the_unit_is_filed():
    unit = elapsed()
    unit.do(FileResult, DISTRICT, at("2024-10-14"), filing_number=FILING_NUMBER, evidence=("letter:filing",))
    assert unit.state.stage is Stage.FILED
    assert unit.state.deadline(DeadlineKind.FILING) is None
    filing = unit.state.filing
    assert (filing.filing_number, filing.filed_at, filing.filed_by) == (
        FILING_NUMBER,
        at("2024-10-14"),
        DISTRICT,
    )
    assert filing.acknowledged_at is None


def test_filing_before_the_notice_has_run_its_course_is_refused_naming_the_rule():
    unit = in_notice()
    with pytest.raises(RuleViolation, match="公示期满后才能报市级工作专班备案") as refused:
        unit.do(FileResult, DISTRICT, at("2024-10-09"), filing_number=FILING_NUMBER)
    assert refused.value.rule == "附件3 三（二）3"


def test_a_filing_needs_its_document_number():
    unit = elapsed()
    with pytest.raises(InvalidArgument) as refused:
        unit.do(FileResult, DISTRICT, at("2024-10-14"), filing_number=" ")
    assert refused.value.field == "filing_number"


def test_the_city_acknowledges_the_filing_once_and_the_unit_stays_filed():
    unit = elapsed()
    unit.do(FileResult, DISTRICT, at("2024-10-14"), filing_number=FILING_NUMBER)
    unit.do(AcknowledgeFiling, CITY, at("2024-10-16"), reason="已备案")
    assert unit.state.stage is Stage.FILED
    assert (unit.state.filing.acknowledged_at, unit.state.filing.acknowledged_by) == (at("2024-10-16"), CITY)
    with pytest.raises(RuleViolation, match="已于"):
        unit.do(AcknowledgeFiling, CITY, at("2024-10-17"))


def test_nothing_to_acknowledge_before_the_filing():
    unit = elapsed()
    with pytest.raises(RuleViolation, match="尚未备案") as refused:
        unit.do(AcknowledgeFiling, CITY, at("2024-10-14"))
    assert refused.value.rule == "附件3 三（二）3"


def test_a_filing_not_made_by_its_deadline_is_escalated():
    unit = elapsed()
    unit.do(RecordDeadlineMissed, CLOCK, at("2024-10-24", 0), kind=DeadlineKind.FILING)
    assert unit.state.deadline(DeadlineKind.FILING).missed
    unit.do(FileResult, DISTRICT, at("2024-10-28"), filing_number=FILING_NUMBER)  # late, but still filed
    assert unit.state.stage is Stage.FILED


# --- histories recorded before 备案 was a step -----------------------------------------------------------------


def test_a_notice_elapsed_event_recorded_before_filing_was_a_step_files_the_result_as_it_did():
    unit = in_notice()
    old = NoticeElapsed(actor=CLOCK, request_id="timer/notice-ended/old", at=at("2024-10-11", 0))
    state = replay([*unit.events, old])
    assert state.stage is Stage.FILED and state.filing is None


def test_replaying_an_old_history_decides_the_notice_as_the_old_code_did():
    unit = walk(UnitUnderTest(rules(legacy_notice=True)), Stage.PUBLIC_NOTICE)
    publish(unit, None)  # no channel then
    unit.do(RaiseObjection, CLOCK, at("2024-10-09"), objection_id="obj-1")  # no source, no text
    unit.do(ResolveObjection, DISTRICT, at("2024-10-11", 15), objection_id="obj-1", upheld=False)
    [event] = unit.do(CloseNotice, CLOCK, at("2024-10-15", 0))
    assert event.filing is None and unit.state.stage is Stage.FILED
