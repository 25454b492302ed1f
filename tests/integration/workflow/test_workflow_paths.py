"""The whole path of a town and of a park group on a time-skipping server, each workflow alone in its server:
every timer real, the public notice running over the National Day holiday of 2024."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import Session
from temporalio.api.enums.v1 import EventType
from temporalio.api.sdk.v1 import WorkflowMetadata

from tests.integration.workflow import scenarios
from tests.integration.workflow.harness import PARK, TOWN, Harness
from zdz.workflow.v1 import events_pb2, workflow_pb2
from zdz_common.context import SYSTEM
from zdz_common.eventstore import EventStore
from zdz_common.vocabulary import Stage
from zdz_workflow.bootstrap import SOURCE
from zdz_workflow.temporal.workflows import ProcessWorkflow


async def test_town_passes_every_stage_with_its_notice_over_national_day_ending_2024_10_10_at_24h(
    running: Harness,
) -> None:
    # The story, with its assertions, is the scenario; here, what it left for consumers and operators.
    [handle] = await scenarios.town_accepted_over_national_day(running)

    # The service's event store: one stage_entered per transition and the notice's own event, in order,
    # hash-chained, each with its outbox row for JetStream.
    events = await running.published(handle.id, 13)
    types = [e.type.removeprefix("zdz.workflow.") for e in events]
    assert types[:13] == [
        "process.stage_entered",  # → SURVEY
        "process.stage_entered",  # → PLAN
        "process.stage_entered",  # → RECTIFICATION
        "process.stage_entered",  # → SELF_CHECK
        "process.stage_entered",  # → RECTIFICATION (the self-check sheet of 79.00)
        "process.stage_entered",  # → SELF_CHECK
        "process.stage_entered",  # → DISTRICT_ACCEPTANCE
        "process.stage_entered",  # → PUBLIC_NOTICE
        "notice.published",
        "process.step_recorded",  # NoticeElapsed: awaiting 备案
        "process.stage_entered",  # → FILED
        "filing.filed",
        "process.stage_entered",  # → ACCEPTED
    ]
    with Session(running.app.engine) as session:
        assert EventStore(SOURCE).verify(session, handle.id).ok
    published = events_pb2.NoticePublished.FromString(events[8].data)
    assert published.unit.id == TOWN.unit_id and published.unit.district_code == "wanzhou"
    assert published.period_end.ToJsonString() == "2024-10-10T16:00:00Z"  # 10-11 00:00 Asia/Shanghai
    assert (published.score, published.grade) == (88.0, "PASS")
    assert (published.channel.name, published.channel.url) == (scenarios.PORTAL.name, scenarios.PORTAL.url)
    elapsed = events_pb2.ProcessStepRecorded.FromString(events[9].data)
    assert (elapsed.step, elapsed.stage, elapsed.standing) == (
        "NoticeElapsed",
        "PUBLIC_NOTICE",
        workflow_pb2.STANDING_IN_NOTICE,
    )
    assert events[9].actor == SYSTEM
    filed = events_pb2.StageEntered.FromString(events[10].data)
    assert (filed.from_stage, filed.to_stage, filed.step, filed.standing) == (
        "PUBLIC_NOTICE",
        "FILED",
        "ResultFiled",
        workflow_pb2.STANDING_MEETS_STANDARD,
    )
    filing = events_pb2.ResultFiled.FromString(events[11].data)
    assert (filing.filing_number, filing.total, filing.grade) == (
        scenarios.FILING_NUMBER,
        "88.00",
        workflow_pb2.GRADE_PASS,
    )

    # Operators: the search attributes follow the state; no deadline is left once accepted.
    assert await running.search_attributes(handle.id) == {
        "ZdzDistrict": "wanzhou",
        "ZdzUnitKind": "TOWN",
        "ZdzUnitId": TOWN.unit_id,
        "ZdzCampaign": "2024",
        "ZdzStage": "ACCEPTED",
        "ZdzAlongRiver": True,
        "ZdzTargetYear": 2025,
        "ZdzLatestScore": 88.0,
        "ZdzGrade": "PASS",
        # Issue 13: operators find the unit by its name and official code.
        "ZdzUnitName": "高笋塘街道",
        "ZdzOfficialCode": "500101001",
        # Temporal's own: the patches this run took (workflows.SHEETS_PATCH, NOTICE_PATCH, UNIT_ATTRIBUTES_PATCH).
        "TemporalChangeVersion": [
            "notice-channel-and-filing",
            "unit-name-and-code-attributes",
            "verdicts-are-sheets",
        ],
    }

    # The current details say where the unit stands, in Chinese.
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    assert metadata.current_details.startswith("**阶段**：验收通过（自 2024-12-20 10:00）")
    assert "**最近得分**：88.00（合格）" in metadata.current_details

    # Each timer says what it waits for and until when: the first reminder of the survey deadline, then of the
    # plan deadline (each re-armed when the step before was done), the notice's end, then the first reminder of
    # the filing (备案) deadline, until the district filed.
    history = await handle.fetch_history()
    timers = [
        json.loads(e.user_metadata.summary.data)
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED
    ]
    assert timers == [
        "排查摸底期限 2024-09-30 24:00 前 7 个工作日提醒：2024-09-20 09:00（北京时间）",
        "建设方案编制期限 2024-10-31 24:00 前 7 个工作日提醒：2024-10-22 09:00（北京时间）",
        "等待公示期满：2024-10-10 24:00（北京时间），期间可提出异议",
        "验收结果备案期限 2024-10-23 24:00 前 7 个工作日提醒：2024-10-14 09:00（北京时间）",
    ]


async def test_park_drawn_for_spot_check_scoring_91_is_excellent_and_its_finding_becomes_a_problem_point(
    running: Harness,
) -> None:
    [handle] = await scenarios.park_drawn_for_spot_check_and_excellent(running)

    # The city's draw is published for the notify service, naming the draw.
    events = await running.published(handle.id, 11)
    [selected] = [e for e in events if e.type == "zdz.workflow.spot_check.selected"]
    assert events_pb2.SelectedForSpotCheck.FromString(selected.data).draw_id == "draw:2024-wanzhou"

    # The finding went to the registry as a problem point of the park's outfall PK-03, found by the spot-check,
    # without a task (a passing verdict sets no deadline).
    [((unit_id, code), (_, problem))] = running.ledger.problems.items()
    assert unit_id == PARK.unit_id and code.startswith("SPOT_CHECK-2024-")
    assert (problem.point.entity_code, problem.found_by, problem.found_on) == (
        "PK-03",
        "SPOT_CHECK",
        date(2024, 11, 28),
    )
    assert problem.finder == "重庆市污水零直排区工作专班"
    assert running.ledger.tasks == {}
    assert (await running.search_attributes(handle.id))["ZdzGrade"] == "EXCELLENT"


async def test_objection_suspends_the_notice_and_its_dismissal_resumes_it_with_the_days_left(
    running: Harness,
) -> None:
    [handle] = await scenarios.objection_suspends_and_resumes_notice(running)

    # Consumers hear of the suspension (3 working days left) and of the new end (10-17 24:00); the 公示栏 of the
    # objection (without the objector's contact) and of its outcome; then of the filing and its acknowledgement.
    events = {e.type: e for e in await running.published(handle.id, 15)}
    suspended = events_pb2.NoticeSuspended.FromString(events["zdz.workflow.notice.suspended"].data)
    assert (suspended.objection, suspended.working_days_left) == (
        "board-2024-017：某小区雨水管晴天仍有污水流出",
        3,
    )
    resumed = events_pb2.NoticeResumed.FromString(events["zdz.workflow.notice.resumed"].data)
    assert resumed.period_end.ToJsonString() == "2024-10-17T16:00:00Z"  # 10-18 00:00 Asia/Shanghai
    raised = events_pb2.ObjectionRaised.FromString(events["zdz.workflow.objection.raised"].data)
    assert (raised.source, raised.objector_name, raised.text) == (
        workflow_pb2.OBJECTION_SOURCE_PUBLIC_BOARD,
        "刘先生",
        "某小区雨水管晴天仍有污水流出",
    )
    assert "13800000000" not in str(raised)
    resolved = events_pb2.ObjectionResolved.FromString(events["zdz.workflow.objection.resolved"].data)
    assert (resolved.objection_id, resolved.upheld, resolved.answer) == (
        "board-2024-017",
        False,
        "经核查，该小区已完成雨污分流",
    )
    filed = events_pb2.ResultFiled.FromString(events["zdz.workflow.filing.filed"].data)
    acknowledged = events_pb2.FilingAcknowledged.FromString(events["zdz.workflow.filing.acknowledged"].data)
    assert filed.filing_number == acknowledged.filing_number == scenarios.FILING_NUMBER
    with Session(running.app.engine) as session:
        assert EventStore(SOURCE).verify(session, handle.id).ok


async def test_a_park_group_at_92_submits_its_report_is_checked_and_listed_as_a_demonstration(
    running: Harness,
) -> None:
    [handle] = await scenarios.park_on_the_demonstration_track(running)

    # Each step of the track reaches the 公示栏 with the track as it stands.
    events = await running.published(handle.id, 14)
    updates = [
        events_pb2.DemonstrationUpdated.FromString(e.data).demonstration
        for e in events
        if e.type == "zdz.workflow.demonstration.updated"
    ]
    assert [u.status for u in updates] == [
        workflow_pb2.DEMONSTRATION_STATUS_REPORT_SUBMITTED,
        workflow_pb2.DEMONSTRATION_STATUS_CHECK_PASSED,
        workflow_pb2.DEMONSTRATION_STATUS_LISTED,
    ]
    assert updates[-1].outcomes == "污水收集率由 78% 提升至 96%" and list(updates[-1].experts) == [
        "赵建国",
        "钱立",
    ]


async def test_a_long_history_continues_as_new_and_the_process_carries_on_to_acceptance(
    running: Harness,
) -> None:
    [handle] = await scenarios.town_continues_as_new(running)

    # With a history limit of 30 events the process ran in several runs; the state and the event stream
    # carried over: eleven events (the notice's end and the filing among them), one chain.
    runs = await running.runs(handle.id)
    assert len(runs) > 1
    events = await running.published(handle.id, 11)
    assert [e.version for e in events] == list(range(1, 12))
    with Session(running.app.engine) as session:
        assert EventStore(SOURCE).verify(session, handle.id).ok
    view = await handle.query(ProcessWorkflow.view)
    assert view.state and view.state.stage is Stage.ACCEPTED and len(view.state.history) == 10
