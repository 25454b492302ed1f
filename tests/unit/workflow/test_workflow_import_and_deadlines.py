"""Importing units mid-process; deadlines, their working-day reminders, escalation, and calendar refreshes."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from tests.unit.workflow.factories import (
    CITY,
    CLOCK,
    DISTRICT,
    LIBRARY_SCHEDULE,
    SCHEDULE_2027_JSON,
    TOWN_OFFICE,
    UnitUnderTest,
    at,
    rules,
    sheet,
    verdict,
    walk,
)
from zdz_common.vocabulary import Grade, Stage, UnitKind
from zdz_workflow.domain.calendar import HolidaySchedule, WorkingDayCalendar
from zdz_workflow.domain.commands import (
    AcknowledgeFiling,
    CloseNotice,
    CompleteSurvey,
    ImportProcess,
    RecordDeadlineMissed,
    RefreshCalendar,
    StartLookBack,
    SubmitSelfCheck,
)
from zdz_workflow.domain.errors import InvalidCommand, RuleViolation
from zdz_workflow.domain.events import CalendarRefreshed
from zdz_workflow.domain.process import Alarm, AlarmKind, ProcessRules, alarms
from zdz_workflow.domain.sheets import SheetKind, SignedSheet
from zdz_workflow.domain.stages import DeadlineKind
from zdz_workflow.domain.values import FIRST_CAMPAIGN, NoticeStatus, ReminderPolicy

RULES_WITH_2027 = ProcessRules(
    calendar=WorkingDayCalendar(LIBRARY_SCHEDULE.merged_with(HolidaySchedule.from_json(SCHEDULE_2027_JSON)))
)


IMPORTED = "bishan/qinggang"


def acceptance(total: str) -> SignedSheet:
    """The imported town's district-acceptance sheet, signed in the system on 2024-11-20."""
    return sheet(SheetKind.DISTRICT_ACCEPTANCE, total, "2024-11-20", unit_id=IMPORTED)


def imported(stage: Stage, since: str, when: str, **fields) -> UnitUnderTest:
    unit = UnitUnderTest()
    unit.do(
        ImportProcess,
        DISTRICT,
        at(when),
        unit_id=IMPORTED,
        unit_kind=UnitKind.TOWN,
        campaign=FIRST_CAMPAIGN,
        stage=stage,
        stage_since=at(since),
        reason="2024–2025 年已开展的建设验收迁入系统",
        **fields,
    )
    return unit


def test_a_town_accepted_in_2024_is_imported_as_accepted_with_its_past_date_and_can_be_looked_back():
    unit = imported(Stage.ACCEPTED, "2024-12-20", "2026-03-02", sheets=(acceptance("87.50"),))

    state = unit.state
    assert state.stage is Stage.ACCEPTED
    assert state.stage_since == at("2024-12-20")  # when it was accepted
    assert (state.latest_score, state.latest_grade) == (Decimal("87.50"), Grade.PASS)
    [entry] = state.history  # the import itself: who brought it in and when
    assert (entry.event, entry.from_stage, entry.to_stage, entry.at) == (
        "ProcessImported",
        None,
        Stage.ACCEPTED,
        at("2026-03-02"),
    )
    unit.do(StartLookBack, CITY, at("2026-03-16"))
    assert unit.state.stage is Stage.LOOK_BACK and unit.state.look_back_round == 1


def test_a_unit_imported_as_filed_keeps_its_filing_number_and_the_city_can_acknowledge_it():
    unit = imported(
        Stage.FILED,
        "2024-12-20",
        "2026-03-02",
        sheets=(acceptance("87.50"),),
        filing_number="璧山零直排〔2024〕7号",
    )
    assert unit.state.filing is not None and unit.state.filing.filing_number == "璧山零直排〔2024〕7号"
    unit.do(AcknowledgeFiling, CITY, at("2026-03-03"), reason="已备案")
    assert unit.state.filing.acknowledged_at == at("2026-03-03")


def test_import_refuses_a_filing_number_for_a_stage_before_filing():
    with pytest.raises(InvalidCommand, match="备案") as refused:
        imported(
            Stage.PUBLIC_NOTICE,
            "2024-12-20",
            "2024-12-21",
            sheets=(acceptance("87.50"),),
            filing_number="璧山零直排〔2024〕7号",
        )
    assert refused.value.field == "filing_number"


def test_a_unit_imported_during_its_notice_gets_the_end_computed_from_the_past_publication():
    # Published Mon 2025-01-27, imported 2025-02-05: ends 2025-02-11 00:00 (Spring Festival, see the calendar test).
    unit = imported(
        Stage.PUBLIC_NOTICE,
        "2025-01-20",
        "2025-02-05",
        sheets=(acceptance("88.00"),),
        notice_published_on=date(2025, 1, 27),
    )

    assert unit.state.notice_status is NoticeStatus.RUNNING
    assert alarms(unit.state, at("2025-02-05")) == (Alarm(at("2025-02-11", 0), AlarmKind.NOTICE_END),)
    unit.do(CloseNotice, CLOCK, at("2025-02-11", 0))
    assert unit.state.notice_status is NoticeStatus.ELAPSED
    assert unit.state.deadline(DeadlineKind.FILING) is not None


def test_a_unit_imported_after_a_failed_spot_check_self_checks_towards_re_review():
    unit = imported(Stage.SELF_CHECK, "2025-03-03", "2025-03-10", awaiting_re_review=True)
    unit.do(
        SubmitSelfCheck,
        TOWN_OFFICE,
        at("2025-03-12"),
        **verdict(sheet(SheetKind.SELF_CHECK, "82.00", "2025-03-12", unit_id=IMPORTED)),
    )
    assert unit.state.stage is Stage.RE_REVIEW


def test_a_unit_imported_at_survey_carries_the_campaign_deadlines():
    unit = imported(Stage.SURVEY, "2024-07-01", "2024-08-01")
    assert [d.kind for d in unit.state.deadlines] == [DeadlineKind.SURVEY, DeadlineKind.PLAN]


def test_import_refuses_a_notice_date_for_a_stage_without_a_notice():
    with pytest.raises(InvalidCommand, match="只有导入到「公示」阶段时") as refused:
        imported(
            Stage.FILED,
            "2024-12-02",
            "2026-03-02",
            sheets=(acceptance("88.00"),),
            notice_published_on=date(2024, 11, 4),
        )
    assert refused.value.field == "notice_published_on"


def test_import_refuses_a_stage_entry_date_after_the_import():
    with pytest.raises(InvalidCommand, match="不能晚于导入时间"):
        imported(Stage.ACCEPTED, "2026-03-03", "2026-03-02", sheets=(acceptance("88.00"),))


def test_campaign_2024_deadlines_end_at_midnight_with_reminders_7_3_and_1_working_days_before():
    unit = walk(UnitUnderTest(), Stage.SURVEY)
    survey, plan = unit.state.deadlines

    # Survey due Mon 2024-09-30, ending 10-01 00:00. Counting back: 09-29 Sun 调休 → 1, 09-27 → 2, 09-26 → 3,
    # 09-25 → 4, 09-24 → 5, 09-23 → 6, (09-21/22 weekend) 09-20 → 7. Reminders at 09:00 on 09-20, 09-26, 09-29.
    assert survey.due_at == at("2024-10-01", 0)
    assert [(r.at, r.working_days_before) for r in survey.reminders] == [
        (at("2024-09-20", 9), 7),
        (at("2024-09-26", 9), 3),
        (at("2024-09-29", 9), 1),
    ]
    # Plan due Thu 2024-10-31: 10-30 → 1, 10-29 → 2, 10-28 → 3, 10-25 → 4, 10-24 → 5, 10-23 → 6, 10-22 → 7.
    assert [r.at for r in plan.reminders] == [at("2024-10-22", 9), at("2024-10-28", 9), at("2024-10-30", 9)]
    assert plan.due_at == at("2024-11-01", 0)
    assert not survey.provisional and survey.calendar_version == LIBRARY_SCHEDULE.version


def test_alarms_list_the_reminders_still_ahead_and_every_escalation_earliest_first():
    unit = walk(UnitUnderTest(), Stage.SURVEY)
    # On 2024-09-23 the 7-day survey reminder (09-20) is behind us.
    assert alarms(unit.state, at("2024-09-23")) == (
        Alarm(at("2024-09-26", 9), AlarmKind.REMINDER, DeadlineKind.SURVEY, 3),
        Alarm(at("2024-09-29", 9), AlarmKind.REMINDER, DeadlineKind.SURVEY, 1),
        Alarm(at("2024-10-01", 0), AlarmKind.ESCALATION, DeadlineKind.SURVEY),
        Alarm(at("2024-10-22", 9), AlarmKind.REMINDER, DeadlineKind.PLAN, 7),
        Alarm(at("2024-10-28", 9), AlarmKind.REMINDER, DeadlineKind.PLAN, 3),
        Alarm(at("2024-10-30", 9), AlarmKind.REMINDER, DeadlineKind.PLAN, 1),
        Alarm(at("2024-11-01", 0), AlarmKind.ESCALATION, DeadlineKind.PLAN),
    )


def test_reminder_offsets_and_time_of_day_are_data():
    # Two working days before Mon 2024-09-30: 09-29 Sun 调休 → 1, 09-27 Fri → 2.
    policy = ReminderPolicy(working_days_before=(2,), time_of_day=time(8, 30))
    unit = walk(UnitUnderTest(rules(reminders=policy)), Stage.SURVEY)
    assert [r.at for r in unit.state.deadline(DeadlineKind.SURVEY).reminders] == [at("2024-09-27", 8, 30)]


def test_a_missed_deadline_is_recorded_for_escalation_only_once_it_has_passed():
    unit = walk(UnitUnderTest(), Stage.SURVEY)
    with pytest.raises(RuleViolation, match="期限为 2024-09-30 24:00，尚未逾期（000 三（一））"):
        unit.do(RecordDeadlineMissed, CLOCK, at("2024-09-30", 23, 59), kind=DeadlineKind.SURVEY)

    unit.do(RecordDeadlineMissed, CLOCK, at("2024-10-01", 0), kind=DeadlineKind.SURVEY)

    assert unit.state.deadline(DeadlineKind.SURVEY).missed
    assert unit.state.stage is Stage.SURVEY  # overdue, not moved: the survey still has to be finished
    assert all(a.deadline_kind is DeadlineKind.PLAN for a in alarms(unit.state, at("2024-10-01", 0)))
    unit.do(CompleteSurvey, TOWN_OFFICE, at("2024-10-08"))
    assert unit.state.deadline(DeadlineKind.SURVEY) is None


def test_an_overdue_deadline_imported_escalates_at_once():
    # Imported 2026-03-02 with a 限期整改 date of 2025-12-31 already behind it: no reminders, escalation due now.
    unit = imported(Stage.RECTIFICATION, "2025-11-03", "2026-03-02", rectify_by=date(2025, 12, 31))
    assert alarms(unit.state, at("2026-03-02")) == (
        Alarm(at("2026-01-01", 0), AlarmKind.ESCALATION, DeadlineKind.RECTIFICATION),
    )


def test_a_deadline_in_a_year_beyond_the_schedule_is_provisional_until_the_year_is_loaded():
    # Rectify by Tue 2027-10-12. Monday–Friday assumed: 10-11 → 1, 10-08 → 2, 10-07 → 3, 10-06, 10-05, 10-04,
    # 10-01 → 7. With the 2027 data (10-01..10-07 off, Sat 10-09 worked): 10-11 → 1, 10-09 → 2, 10-08 → 3,
    # 09-30 → 4, 09-29 → 5, 09-28 → 6, 09-27 → 7.
    unit = imported(Stage.RECTIFICATION, "2027-09-01", "2027-09-06", rectify_by=date(2027, 10, 12))
    deadline = unit.state.deadline(DeadlineKind.RECTIFICATION)
    assert deadline.provisional
    assert [r.at.date() for r in deadline.reminders] == [
        date(2027, 10, 1),
        date(2027, 10, 7),
        date(2027, 10, 11),
    ]

    unit.rules = RULES_WITH_2027
    [refreshed] = unit.do(RefreshCalendar, CLOCK, at("2027-09-07"))

    assert isinstance(refreshed, CalendarRefreshed)
    deadline = unit.state.deadline(DeadlineKind.RECTIFICATION)
    assert not deadline.provisional
    assert deadline.calendar_version == RULES_WITH_2027.calendar.version
    assert [r.at.date() for r in deadline.reminders] == [
        date(2027, 9, 27),
        date(2027, 10, 8),
        date(2027, 10, 11),
    ]


def test_a_provisional_notice_end_is_recomputed_when_the_year_is_loaded_and_only_once():
    # Published Thu 2027-09-30: provisionally ends 2027-10-08 00:00 (Monday–Friday); with the 2027 data,
    # 2027-10-14 00:00 (see test_loading_a_future_year_as_json_changes_the_result_and_clears_provisional).
    unit = imported(
        Stage.PUBLIC_NOTICE,
        "2027-09-27",
        "2027-10-04",
        sheets=(acceptance("88.00"),),
        notice_published_on=date(2027, 9, 30),
    )
    assert unit.state.notice.ends.provisional
    assert unit.state.notice.ends.ends_at == at("2027-10-08", 0)

    unit.rules = RULES_WITH_2027
    unit.do(RefreshCalendar, CLOCK, at("2027-10-05"))

    ends = unit.state.notice.ends
    assert (ends.ends_at, ends.provisional) == (at("2027-10-14", 0), False)
    assert alarms(unit.state, at("2027-10-05")) == (Alarm(at("2027-10-14", 0), AlarmKind.NOTICE_END),)
    assert unit.do(RefreshCalendar, CLOCK, at("2027-10-06")) == []  # nothing changed: nothing recorded
