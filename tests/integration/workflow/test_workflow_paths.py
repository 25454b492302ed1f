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
from zdz.workflow.v1 import events_pb2
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
    events = await running.published(handle.id, 9)
    assert [e.type.removeprefix("zdz.workflow.") for e in events] == [
        "process.stage_entered",  # → SURVEY
        "process.stage_entered",  # → PLAN
        "process.stage_entered",  # → RECTIFICATION
        "process.stage_entered",  # → SELF_CHECK
        "process.stage_entered",  # → DISTRICT_ACCEPTANCE
        "process.stage_entered",  # → PUBLIC_NOTICE
        "notice.published",
        "process.stage_entered",  # → FILED
        "process.stage_entered",  # → ACCEPTED
    ]
    with Session(running.app.engine) as session:
        assert EventStore(SOURCE).verify(session, handle.id).ok
    published = events_pb2.NoticePublished.FromString(events[6].data)
    assert published.unit.id == TOWN.unit_id and published.unit.district_code == "wanzhou"
    assert published.period_end.ToJsonString() == "2024-10-10T16:00:00Z"  # 10-11 00:00 Asia/Shanghai
    assert (published.score, published.grade) == (88.0, "PASS")
    filed = events_pb2.StageEntered.FromString(events[7].data)
    assert (filed.from_stage, filed.to_stage, filed.step) == ("PUBLIC_NOTICE", "FILED", "NoticeElapsed")
    assert events[7].actor == SYSTEM

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
    }

    # The current details say where the unit stands, in Chinese.
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    assert metadata.current_details.startswith("**阶段**：验收通过（自 2024-12-20 10:00）")
    assert "**最近得分**：88.00（合格）" in metadata.current_details

    # Each timer says what it waits for and until when: the first reminder of the survey deadline, then of the
    # plan deadline (each re-armed when the step before was done), then the notice's end.
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

    # Consumers hear of the suspension (3 working days left) and of the new end (10-17 24:00).
    events = {e.type: e for e in await running.published(handle.id, 10)}
    suspended = events_pb2.NoticeSuspended.FromString(events["zdz.workflow.notice.suspended"].data)
    assert (suspended.objection, suspended.working_days_left) == (
        "YY-2024-017：群众来信反映某小区雨污混接",
        3,
    )
    resumed = events_pb2.NoticeResumed.FromString(events["zdz.workflow.notice.resumed"].data)
    assert resumed.period_end.ToJsonString() == "2024-10-17T16:00:00Z"  # 10-18 00:00 Asia/Shanghai


async def test_a_long_history_continues_as_new_and_the_process_carries_on_to_acceptance(
    running: Harness,
) -> None:
    [handle] = await scenarios.town_continues_as_new(running)

    # With a history limit of 30 events the process ran in several runs; the state and the event stream
    # carried over: nine events, one chain.
    runs = await running.runs(handle.id)
    assert len(runs) > 1
    events = await running.published(handle.id, 9)
    assert [e.version for e in events] == list(range(1, 10))
    with Session(running.app.engine) as session:
        assert EventStore(SOURCE).verify(session, handle.id).ok
    view = await handle.query(ProcessWorkflow.view)
    assert view.state and view.state.stage is Stage.ACCEPTED and len(view.state.history) == 9
