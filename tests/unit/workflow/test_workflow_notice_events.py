"""What the 公示栏 (notify) and the registry's progress (registry) receive of the notice, objections, 备案, the
demonstration track and the unit's standing: the wire events of each step (proto/zdz/workflow/v1/events.proto)."""

from __future__ import annotations

from datetime import date

from tests.unit.workflow.factories import CITY, CLOCK, DISTRICT, PORTAL, UnitUnderTest, at
from tests.unit.workflow.test_workflow_import_and_deadlines import acceptance
from tests.unit.workflow.test_workflow_notice_and_filing import NOTIFY, RESIDENT
from tests.unit.workflow.test_workflow_standing_and_demonstration import REPORT, park_at_district
from zdz.workflow.v1 import events_pb2, workflow_pb2
from zdz_common.eventstore import NewEvent
from zdz_common.vocabulary import Stage, UnitKind
from zdz_workflow.adapters import event_mapping
from zdz_workflow.domain.commands import (
    AcknowledgeFiling,
    CloseNotice,
    FileResult,
    ImportProcess,
    ListAsDemonstration,
    PublishNotice,
    RaiseObjection,
    RecordDemonstrationCheck,
    ResolveObjection,
    SubmitDemonstrationReport,
)
from zdz_workflow.domain.demonstration import DemonstrationList
from zdz_workflow.domain.process import ProcessState
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import FIRST_CAMPAIGN, ObjectionSource
from zdz_workflow.temporal.payloads import StepTaken

PARK = UnitInfo(
    unit_id="bishan/bicheng", district_code="bishan", kind=UnitKind.PARK_GROUP, name="璧山高新区组团"
)


class Wire:
    """The unit's steps so far, and the wire events each new step yields."""

    def __init__(self, unit: UnitUnderTest) -> None:
        self.unit = unit

    def step(self, command_type: type, actor, when, **fields) -> list[NewEvent]:
        before: ProcessState = self.unit.state
        [event] = self.unit.do(command_type, actor, when, **fields)
        return event_mapping.step_events(PARK, StepTaken.of(event, before, self.unit.state))


def of_type(events: list[NewEvent], type_: str):
    [found] = [e.data for e in events if e.type == type_]
    return found


def test_notice_published_carries_its_channel_and_campaign():
    wire = Wire(park_at_district("92.00"))
    events = wire.step(
        PublishNotice, DISTRICT, at("2024-09-27"), published_on=date(2024, 9, 27), channel=PORTAL
    )
    published = of_type(events, event_mapping.NOTICE_PUBLISHED)
    assert (published.channel.kind, published.channel.name, published.channel.url) == (
        workflow_pb2.NOTICE_CHANNEL_KIND_GOVERNMENT_PORTAL,
        PORTAL.name,
        PORTAL.url,
    )
    assert (published.campaign, published.sheet_id) == ("2024", wire.unit.state.latest_sheet_id)


def test_an_objection_goes_out_without_the_objectors_contact_and_its_outcome_with_the_answer():
    wire = Wire(park_at_district("92.00"))
    wire.step(PublishNotice, DISTRICT, at("2024-09-27"), published_on=date(2024, 9, 27), channel=PORTAL)
    events = wire.step(
        RaiseObjection,
        NOTIFY,
        at("2024-10-08"),
        objection_id="board-1",
        source=ObjectionSource.PUBLIC_BOARD,
        objector=RESIDENT,
        reason="沿河路排口晴天仍有污水",
    )
    assert {e.type for e in events} == {event_mapping.NOTICE_SUSPENDED, event_mapping.OBJECTION_RAISED}
    raised = of_type(events, event_mapping.OBJECTION_RAISED)
    assert (raised.objection_id, raised.source, raised.objector_name, raised.text) == (
        "board-1",
        workflow_pb2.OBJECTION_SOURCE_PUBLIC_BOARD,
        RESIDENT.name,
        "沿河路排口晴天仍有污水",
    )
    assert RESIDENT.contact not in str(raised)

    events = wire.step(
        ResolveObjection, DISTRICT, at("2024-10-09"), objection_id="board-1", upheld=False, reason="雨水排口"
    )
    assert {e.type for e in events} == {event_mapping.NOTICE_RESUMED, event_mapping.OBJECTION_RESOLVED}
    resolved = of_type(events, event_mapping.OBJECTION_RESOLVED)
    assert (resolved.objection_id, resolved.upheld, resolved.answer) == ("board-1", False, "雨水排口")


def test_filing_and_its_acknowledgement_go_out_and_stage_events_carry_the_standing():
    wire = Wire(park_at_district("92.00"))
    wire.step(PublishNotice, DISTRICT, at("2024-09-27"), published_on=date(2024, 9, 27), channel=PORTAL)
    elapsed = wire.step(CloseNotice, CLOCK, at("2024-10-11", 0))
    recorded = of_type(elapsed, event_mapping.STEP_RECORDED)
    assert (recorded.step, recorded.standing) == ("NoticeElapsed", workflow_pb2.STANDING_IN_NOTICE)

    events = wire.step(FileResult, DISTRICT, at("2024-10-14"), filing_number="璧山零直排〔2024〕3号")
    entered = of_type(events, event_mapping.STAGE_ENTERED)
    assert (entered.to_stage, entered.standing) == ("FILED", workflow_pb2.STANDING_MEETS_STANDARD)
    filed = of_type(events, event_mapping.FILING_FILED)
    assert (filed.filing_number, filed.sheet_id, filed.total, filed.grade) == (
        "璧山零直排〔2024〕3号",
        wire.unit.state.latest_sheet_id,
        "92.00",
        workflow_pb2.GRADE_EXCELLENT,
    )

    events = wire.step(AcknowledgeFiling, CITY, at("2024-10-16"))
    acknowledged = of_type(events, event_mapping.FILING_ACKNOWLEDGED)
    assert acknowledged.filing_number == "璧山零直排〔2024〕3号"


def test_each_step_of_the_demonstration_track_goes_out_with_the_track():
    wire = Wire(park_at_district("92.00"))
    submitted = of_type(
        wire.step(SubmitDemonstrationReport, DISTRICT, at("2024-09-23"), **REPORT),
        event_mapping.DEMONSTRATION_UPDATED,
    )
    assert submitted.demonstration.status == workflow_pb2.DEMONSTRATION_STATUS_REPORT_SUBMITTED
    assert submitted.demonstration.typical_practices == REPORT["typical_practices"]
    checked = of_type(
        wire.step(
            RecordDemonstrationCheck, CITY, at("2024-09-25"), passed=True, experts=("赵工",), reason="属实"
        ),
        event_mapping.DEMONSTRATION_UPDATED,
    )
    assert (checked.demonstration.status, list(checked.demonstration.experts)) == (
        workflow_pb2.DEMONSTRATION_STATUS_CHECK_PASSED,
        ["赵工"],
    )
    listed = of_type(
        wire.step(
            ListAsDemonstration, CITY, at("2024-12-01"), list_title="示范园区清单", commendation="通报表扬"
        ),
        event_mapping.DEMONSTRATION_UPDATED,
    )
    assert listed.demonstration.status == workflow_pb2.DEMONSTRATION_STATUS_LISTED


def test_the_published_list_is_one_event_naming_every_park_group():
    listing = DemonstrationList(
        title="示范园区清单", commendation="通报表扬", units=(PARK,), at=at("2024-12-01")
    )
    event = event_mapping.demonstration_list_event(listing)
    assert event.type == "zdz.workflow.demonstration.list_published"
    assert isinstance(event.data, events_pb2.DemonstrationListPublished)
    assert [u.id for u in event.data.units] == [PARK.unit_id] and event.data.commendation == "通报表扬"


def test_a_unit_imported_during_its_notice_is_announced_on_the_board_like_one_published():
    unit = UnitUnderTest()
    sheet = acceptance("88.00")
    [event] = unit.do(
        ImportProcess,
        CITY,
        at("2025-01-28"),
        unit_id="bishan/qinggang",
        unit_kind=UnitKind.TOWN,
        campaign=FIRST_CAMPAIGN,
        stage=Stage.PUBLIC_NOTICE,
        stage_since=at("2025-01-27"),
        notice_published_on=date(2025, 1, 27),
        sheets=(sheet,),
    )
    events = event_mapping.step_events(PARK, StepTaken.of(event, None, unit.state))
    published = of_type(events, event_mapping.NOTICE_PUBLISHED)
    assert (published.sheet_id, published.score, published.grade) == (sheet.sheet_id, 88.0, "PASS")
    assert published.period_end.ToDatetime() > published.period_start.ToDatetime()


def test_an_imported_unit_entered_its_stage_when_it_was_accepted_not_on_the_day_of_the_import():
    # Progress counts a unit from its filing (DESIGN): one accepted in 2024 and imported today counts from 2024.
    unit = UnitUnderTest()
    [event] = unit.do(
        ImportProcess,
        CITY,
        at("2026-06-01"),
        unit_id="bishan/qinggang",
        unit_kind=UnitKind.TOWN,
        campaign=FIRST_CAMPAIGN,
        stage=Stage.ACCEPTED,
        stage_since=at("2024-12-20"),
        sheets=(acceptance("88.00"),),
    )
    events = event_mapping.step_events(PARK, StepTaken.of(event, None, unit.state))
    entered = of_type(events, event_mapping.STAGE_ENTERED)
    assert entered.at.ToDatetime().date() == date(2024, 12, 20) and entered.to_stage == "ACCEPTED"
