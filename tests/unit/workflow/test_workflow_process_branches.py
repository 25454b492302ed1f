"""The failure branches: district failure, objections, failed spot-check and 复核, look-backs and re-acceptance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.unit.workflow.factories import (
    ANSWER,
    CITY,
    CLOCK,
    DISTRICT,
    FILING_NUMBER,
    LETTER,
    PORTAL,
    TOWN_OFFICE,
    UnitUnderTest,
    at,
    rules,
    sheet,
    verdict,
    walk,
)
from zdz_common.errors import InvalidArgument
from zdz_common.vocabulary import Grade, Stage
from zdz_workflow.domain.commands import (
    CloseNotice,
    DeclareRectificationDone,
    DrawForSpotCheck,
    FileResult,
    OrderReacceptance,
    PublishNotice,
    RaiseObjection,
    RecordDistrictVerdict,
    RecordLookBackVerdict,
    RecordReReviewVerdict,
    RecordSpotCheckVerdict,
    ResolveObjection,
    StartLookBack,
    StartReacceptance,
    SubmitSelfCheck,
)
from zdz_workflow.domain.errors import InvalidCommand, RuleViolation
from zdz_workflow.domain.events import (
    DistrictAcceptanceFailed,
    ObjectionUpheld,
    SelfCheckFailed,
)
from zdz_workflow.domain.sheets import SheetKind
from zdz_workflow.domain.stages import DeadlineKind
from zdz_workflow.domain.values import (
    Campaign,
    Finding,
    FlagRule,
    NoticeStatus,
    ObjectionSource,
)

MIXED_CONNECTION = Finding("沿河路 3 号小区雨污混接", item="附件3 附表 第6项", evidence=("photo:0412",))


def published(unit: UnitUnderTest) -> UnitUnderTest:
    """The walk's notice: published Friday 2024-09-27, 5 working days, ends 2024-10-11 00:00."""
    unit.do(PublishNotice, DISTRICT, at("2024-09-27", 9), published_on=date(2024, 9, 27), channel=PORTAL)
    return unit


def test_district_score_below_80_sends_the_town_back_to_rectification_with_the_findings():
    unit = walk(UnitUnderTest(), Stage.DISTRICT_ACCEPTANCE)

    [failed] = unit.do(
        RecordDistrictVerdict,
        DISTRICT,
        at("2024-09-20"),
        **verdict(sheet(SheetKind.DISTRICT_ACCEPTANCE, "76.25", "2024-09-20")),
        findings=(MIXED_CONNECTION,),
        rectify_by=date(2024, 11, 29),
    )

    # The findings travel in the event: the registry turns them into problem points with tasks.
    assert isinstance(failed, DistrictAcceptanceFailed) and failed.findings == (MIXED_CONNECTION,)
    assert unit.state.stage is Stage.RECTIFICATION
    assert (unit.state.latest_score, unit.state.latest_grade) == (Decimal("76.25"), Grade.FAIL)
    assert unit.state.deadline(DeadlineKind.RECTIFICATION).due_on == date(2024, 11, 29)
    # Back along the normal path: rectified, self-checked, to the district again (not to 复核).
    unit.do(DeclareRectificationDone, TOWN_OFFICE, at("2024-11-20"))
    assert unit.state.deadline(DeadlineKind.RECTIFICATION) is None
    unit.do(
        SubmitSelfCheck,
        TOWN_OFFICE,
        at("2024-11-22"),
        **verdict(sheet(SheetKind.SELF_CHECK, "84.00", "2024-11-22")),
    )
    assert unit.state.stage is Stage.DISTRICT_ACCEPTANCE


def test_objection_suspends_the_notice_remembering_the_working_days_left():
    # Published Fri 2024-09-27. Working days used before the objection on Wed 10-09 10:00:
    # 09-29 Sun 调休, 09-30 Mon, 10-08 Tue = 3 (10-09 itself is not used up) → 5 − 3 = 2 left.
    unit = published(walk(UnitUnderTest(), Stage.PUBLIC_NOTICE))

    unit.do(
        RaiseObjection,
        DISTRICT,
        at("2024-10-09"),
        objection_id="obj-1",
        reason="群众反映小区仍有污水溢流",
        source=ObjectionSource.RECEIVED,
    )

    notice = unit.state.notice
    assert unit.state.stage is Stage.PUBLIC_NOTICE
    assert unit.state.notice_status is NoticeStatus.SUSPENDED
    assert notice.working_days_remaining == 2
    assert notice.ends is None and notice.open_objections == ("obj-1",)
    with pytest.raises(RuleViolation, match="公示因异议中止"):
        unit.do(CloseNotice, CLOCK, at("2024-10-11", 0))


def test_dismissed_objection_resumes_the_notice_with_the_days_it_had_left():
    # Suspended Wed 2024-10-09 with 2 working days left (see above). Dismissed Fri 10-11 15:00; the day of
    # resumption does not count: Sat 10-12 调休上班 → 1, 10-13 Sun off, Mon 10-14 → 2; ends 2024-10-15 00:00.
    unit = published(walk(UnitUnderTest(), Stage.PUBLIC_NOTICE))
    unit.do(RaiseObjection, DISTRICT, at("2024-10-09"), objection_id="obj-1", **LETTER)

    unit.do(
        ResolveObjection,
        DISTRICT,
        at("2024-10-11", 15),
        objection_id="obj-1",
        upheld=False,
        reason="经核查，溢流点位已于 9 月整改",
        evidence=("investigation:obj-1",),
    )

    notice = unit.state.notice
    assert unit.state.notice_status is NoticeStatus.RUNNING
    assert notice.runs_from == date(2024, 10, 11)
    assert notice.ends.last_day == date(2024, 10, 14)
    assert notice.ends.ends_at == at("2024-10-15", 0)
    with pytest.raises(RuleViolation, match="尚未期满"):
        unit.do(CloseNotice, CLOCK, at("2024-10-14", 23))
    unit.do(CloseNotice, CLOCK, at("2024-10-15", 0))
    assert unit.state.notice_status is NoticeStatus.ELAPSED
    unit.do(FileResult, DISTRICT, at("2024-10-16"), filing_number=FILING_NUMBER)
    assert unit.state.stage is Stage.FILED


def test_second_objection_during_resumed_notice_counts_from_the_resumption():
    # Resumed Fri 10-11 with 2 left (ends 10-15 00:00). A new objection on Mon 10-14 09:00: used since the
    # resumption are (10-11, 10-13] = Sat 10-12 调休 = 1 → 1 left. Dismissed Wed 10-16: 1 working day after is
    # Thu 10-17; ends 2024-10-18 00:00.
    unit = published(walk(UnitUnderTest(), Stage.PUBLIC_NOTICE))
    unit.do(RaiseObjection, DISTRICT, at("2024-10-09"), objection_id="obj-1", **LETTER)
    unit.do(
        ResolveObjection, DISTRICT, at("2024-10-11", 15), objection_id="obj-1", upheld=False, reason=ANSWER
    )

    unit.do(RaiseObjection, DISTRICT, at("2024-10-14", 9), objection_id="obj-2", **LETTER)
    assert unit.state.notice.working_days_remaining == 1
    unit.do(ResolveObjection, DISTRICT, at("2024-10-16"), objection_id="obj-2", upheld=False, reason=ANSWER)
    assert unit.state.notice.ends.ends_at == at("2024-10-18", 0)


def test_notice_resumes_only_when_every_open_objection_is_dismissed():
    # Two objections on Mon 09-30 (used: 09-29 Sun 调休 = 1 → 4 left). The first dismissed leaves it suspended;
    # the second dismissed on Tue 10-08 resumes: 10-09 → 1, 10-10 → 2, 10-11 → 3, Sat 10-12 → 4; ends 10-13 00:00.
    unit = published(walk(UnitUnderTest(), Stage.PUBLIC_NOTICE))
    unit.do(RaiseObjection, DISTRICT, at("2024-09-30", 9), objection_id="obj-1", **LETTER)
    unit.do(RaiseObjection, DISTRICT, at("2024-09-30", 11), objection_id="obj-2", **LETTER)
    assert unit.state.notice.working_days_remaining == 4

    unit.do(
        ResolveObjection, DISTRICT, at("2024-10-08", 9), objection_id="obj-1", upheld=False, reason=ANSWER
    )
    assert unit.state.notice_status is NoticeStatus.SUSPENDED
    unit.do(
        ResolveObjection, DISTRICT, at("2024-10-08", 16), objection_id="obj-2", upheld=False, reason=ANSWER
    )
    assert unit.state.notice.ends.ends_at == at("2024-10-13", 0)


def test_upheld_objection_sends_the_unit_back_to_rectification_and_a_new_notice_is_needed_later():
    unit = published(walk(UnitUnderTest(), Stage.PUBLIC_NOTICE))
    unit.do(RaiseObjection, DISTRICT, at("2024-10-09"), objection_id="obj-1", **LETTER)

    [upheld] = unit.do(
        ResolveObjection,
        DISTRICT,
        at("2024-10-12"),
        objection_id="obj-1",
        upheld=True,
        reason="经核查异议属实，该小区雨污混接",
        findings=(MIXED_CONNECTION,),
    )

    assert isinstance(upheld, ObjectionUpheld) and upheld.findings == (MIXED_CONNECTION,)
    assert unit.state.stage is Stage.RECTIFICATION
    assert unit.state.notice is None
    # Rectified and passed again, the result needs a new district verdict and a new notice.
    unit.do(DeclareRectificationDone, TOWN_OFFICE, at("2024-11-04"))
    unit.do(
        SubmitSelfCheck,
        TOWN_OFFICE,
        at("2024-11-06"),
        **verdict(sheet(SheetKind.SELF_CHECK, "85.00", "2024-11-06")),
    )
    unit.do(
        RecordDistrictVerdict,
        DISTRICT,
        at("2024-11-20"),
        **verdict(sheet(SheetKind.DISTRICT_ACCEPTANCE, "86.00", "2024-11-20")),
    )
    assert unit.state.notice_status is NoticeStatus.AWAITING_PUBLICATION


def test_an_upheld_objection_must_say_what_to_rectify():
    unit = published(walk(UnitUnderTest(), Stage.PUBLIC_NOTICE))
    unit.do(RaiseObjection, DISTRICT, at("2024-10-09"), objection_id="obj-1", **LETTER)
    with pytest.raises(InvalidCommand, match="异议成立须列明问题"):
        unit.do(
            ResolveObjection, DISTRICT, at("2024-10-12"), objection_id="obj-1", upheld=True, reason=ANSWER
        )


def test_failed_spot_check_sets_a_deadline_then_rectification_self_check_and_city_re_review():
    unit = walk(UnitUnderTest(), Stage.FILED)
    unit.do(DrawForSpotCheck, CITY, at("2024-11-15"), evidence=("draw:2024-bishan",))

    # 附件3 三（二）4: 抽查不合格的，提出整改要求，限期整改 — the city scores 74.00 and sets 2025-01-24.
    unit.do(
        RecordSpotCheckVerdict,
        CITY,
        at("2024-11-28"),
        **verdict(sheet(SheetKind.SPOT_CHECK, "74.00", "2024-11-28")),
        findings=(MIXED_CONNECTION,),
        rectify_by=date(2025, 1, 24),
    )
    assert unit.state.stage is Stage.RECTIFICATION
    assert unit.state.awaiting_re_review is True
    assert unit.state.deadline(DeadlineKind.RECTIFICATION).due_at == at("2025-01-25", 0)

    # 限期整改自查合格后，提请市级工作小组复核: the passing self-check goes to the city, not the district.
    unit.do(DeclareRectificationDone, TOWN_OFFICE, at("2025-01-10"))
    unit.do(
        SubmitSelfCheck,
        TOWN_OFFICE,
        at("2025-01-14"),
        **verdict(sheet(SheetKind.SELF_CHECK, "85.00", "2025-01-14")),
    )
    assert unit.state.stage is Stage.RE_REVIEW

    unit.do(
        RecordReReviewVerdict,
        CITY,
        at("2025-02-20"),
        **verdict(sheet(SheetKind.RE_REVIEW, "86.00", "2025-02-20")),
        evidence=("sheet:re-review",),
    )
    assert unit.state.stage is Stage.ACCEPTED
    assert unit.state.awaiting_re_review is False
    assert unit.state.deadlines == ()


def test_self_check_below_80_after_a_failed_spot_check_is_recorded_and_the_unit_rectifies_again_towards_re_review():
    unit = walk(UnitUnderTest(), Stage.FILED)
    unit.do(DrawForSpotCheck, CITY, at("2024-11-15"))
    unit.do(
        RecordSpotCheckVerdict,
        CITY,
        at("2024-11-28"),
        **verdict(sheet(SheetKind.SPOT_CHECK, "74.00", "2024-11-28")),
        findings=(MIXED_CONNECTION,),
        rectify_by=date(2025, 1, 24),
    )
    unit.do(DeclareRectificationDone, TOWN_OFFICE, at("2025-01-10"))
    attempt = sheet(SheetKind.SELF_CHECK, "78.00", "2025-01-14")
    [failed] = unit.do(SubmitSelfCheck, TOWN_OFFICE, at("2025-01-14"), **verdict(attempt))

    # 附件3 三（二）4 限期整改自查合格后，提请复核: below 合格 the attempt is on record, the unit rectifies again.
    assert isinstance(failed, SelfCheckFailed) and failed.sheet == attempt
    assert unit.state.stage is Stage.RECTIFICATION
    assert unit.state.awaiting_re_review is True
    assert unit.state.sheets[-1] == attempt
    assert unit.state.history[-1].event == "SelfCheckFailed"


def test_failed_re_review_sends_the_unit_back_to_rectify_by_a_new_deadline_still_towards_re_review():
    unit = walk(UnitUnderTest(), Stage.FILED)
    unit.do(DrawForSpotCheck, CITY, at("2024-11-15"))
    unit.do(
        RecordSpotCheckVerdict,
        CITY,
        at("2024-11-28"),
        **verdict(sheet(SheetKind.SPOT_CHECK, "74.00", "2024-11-28")),
        findings=(MIXED_CONNECTION,),
        rectify_by=date(2025, 1, 24),
    )
    unit.do(DeclareRectificationDone, TOWN_OFFICE, at("2025-01-10"))
    unit.do(
        SubmitSelfCheck,
        TOWN_OFFICE,
        at("2025-01-14"),
        **verdict(sheet(SheetKind.SELF_CHECK, "85.00", "2025-01-14")),
    )

    unit.do(
        RecordReReviewVerdict,
        CITY,
        at("2025-02-20"),
        **verdict(sheet(SheetKind.RE_REVIEW, "79.00", "2025-02-20")),
        findings=(MIXED_CONNECTION,),
        rectify_by=date(2025, 4, 30),
    )

    assert unit.state.stage is Stage.RECTIFICATION
    assert unit.state.awaiting_re_review is True
    assert unit.state.deadline(DeadlineKind.RECTIFICATION).due_on == date(2025, 4, 30)


def reacceptance_ordered(unit: UnitUnderTest) -> None:
    """Two look-back rounds with findings flag 问题频发 (DESIGN's threshold); the city orders re-acceptance."""
    for day, rectify_by in (("2025-05-12", date(2025, 6, 30)), ("2025-09-15", date(2025, 10, 31))):
        unit.do(StartLookBack, CITY, at(day, 9))
        unit.do(
            RecordLookBackVerdict,
            CITY,
            at(day, 17),
            **verdict(sheet(SheetKind.LOOK_BACK, "76.00", day)),
            findings=(MIXED_CONNECTION,),
            rectify_by=rectify_by,
        )
    unit.do(
        OrderReacceptance,
        CITY,
        at("2025-10-08"),
        rule=FlagRule.RECURRING_PROBLEMS,
        reason="市级工作专班决定：问题频发，重新实施建设验收",
    )


def test_re_acceptance_restarts_at_rectification_under_a_fresh_campaign_and_leads_to_the_district_again():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    reacceptance_ordered(unit)
    assert unit.state.stage is Stage.REACCEPTANCE

    # The ledger and plan stand; construction and acceptance start again (重新实施建设验收).
    reacceptance = Campaign(name="2026-重新验收")
    unit.do(
        StartReacceptance, DISTRICT, at("2025-10-20"), campaign=reacceptance, rectify_by=date(2026, 3, 31)
    )

    state = unit.state
    assert state.stage is Stage.RECTIFICATION
    assert state.campaign == reacceptance
    assert state.consecutive_look_back_failures == 0
    assert [d.kind for d in state.deadlines] == [DeadlineKind.RECTIFICATION]
    assert state.history[-1].from_stage is Stage.REACCEPTANCE
    unit.do(DeclareRectificationDone, TOWN_OFFICE, at("2026-03-02"))
    unit.do(
        SubmitSelfCheck,
        TOWN_OFFICE,
        at("2026-03-06"),
        **verdict(sheet(SheetKind.SELF_CHECK, "83.00", "2026-03-06")),
    )
    assert unit.state.stage is Stage.DISTRICT_ACCEPTANCE


def test_re_acceptance_needs_a_new_campaign_without_survey_or_plan_deadlines():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    reacceptance_ordered(unit)
    with pytest.raises(InvalidCommand, match="须使用新的批次"):
        unit.do(StartReacceptance, DISTRICT, at("2025-10-20"), campaign=Campaign(name="2024"))
    with pytest.raises(InvalidCommand, match="不设排查、方案期限"):
        unit.do(
            StartReacceptance,
            DISTRICT,
            at("2025-10-20"),
            campaign=Campaign(name="2026", survey_due=date(2026, 1, 31)),
        )


def test_findings_of_a_passed_look_back_still_need_a_rectification_date():
    # 000 三（五）"对发现的问题及时督促区县整改": findings become problems with deadlines, pass or fail.
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    unit.do(StartLookBack, CITY, at("2025-05-12", 9))
    passing = verdict(sheet(SheetKind.LOOK_BACK, "86.00", "2025-05-12"))
    with pytest.raises(InvalidCommand, match="须给出限期整改的日期"):
        unit.do(RecordLookBackVerdict, CITY, at("2025-05-12", 17), **passing, findings=(MIXED_CONNECTION,))
    unit.do(
        RecordLookBackVerdict,
        CITY,
        at("2025-05-12", 17),
        **passing,
        findings=(MIXED_CONNECTION,),
        rectify_by=date(2025, 6, 30),
    )
    assert unit.state.stage is Stage.ACCEPTED
    assert unit.state.consecutive_look_back_failures == 0
    assert unit.state.deadline(DeadlineKind.LOOK_BACK_RECTIFICATION).due_on == date(2025, 6, 30)


def test_a_rectification_date_without_findings_is_refused():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    unit.do(StartLookBack, CITY, at("2025-05-12", 9))
    passing = verdict(sheet(SheetKind.LOOK_BACK, "95.00", "2025-05-12"))
    with pytest.raises(InvalidCommand, match="未列明问题，不设整改期限"):
        unit.do(RecordLookBackVerdict, CITY, at("2025-05-12", 17), **passing, rectify_by=date(2025, 6, 30))


def test_the_look_back_failure_limit_must_be_at_least_one():
    with pytest.raises(InvalidArgument):
        rules(look_back_failure_limit=0)
