"""Every failure branch of the process on a time-skipping server, each workflow alone in its server: refusals,
failed verdicts with their findings filed in the registry, missed deadlines, upheld objections, failed
spot-checks and re-reviews, and look-backs that order re-acceptance."""

from __future__ import annotations

from datetime import date

from tests.integration.workflow import scenarios
from tests.integration.workflow.harness import TOWN, YANJIA, Harness, at
from zdz.workflow.v1 import events_pb2
from zdz_common.context import SYSTEM
from zdz_common.vocabulary import Stage
from zdz_workflow.temporal.payloads import ProcessView
from zdz_workflow.temporal.workflows import ProcessWorkflow


async def test_district_verdict_below_80_returns_to_rectification_and_files_its_findings_with_the_deadline(
    running: Harness,
) -> None:
    [handle] = await scenarios.district_fails_then_passes(running)

    # The finding on ledger row WS-017 became a problem point of the town, found at acceptance on 09-20, and its
    # task was opened with the unit as owner and the verdict's deadline.
    [(problem_id, problem)] = running.ledger.problems.values()
    assert (problem.point.entity_code, problem.found_by, problem.found_on) == (
        "WS-017",
        "ACCEPTANCE",
        date(2024, 9, 20),
    )
    assert running.ledger.tasks == {problem_id: ("高笋塘街道", date(2024, 11, 29))}

    # Reminders went out 7 and 3 working days before 11-29 (on 11-20 and 11-26); the town was done before the
    # third (11-28), so neither it nor an escalation was sent.
    events = await running.published(handle.id, 11)
    reminders = [
        events_pb2.DeadlineApproaching.FromString(e.data)
        for e in events
        if e.type == "zdz.workflow.deadline.approaching"
    ]
    assert [(r.deadline_kind, r.working_days_left) for r in reminders] == [
        ("RECTIFICATION", 7),
        ("RECTIFICATION", 3),
    ]
    assert reminders[0].due.ToJsonString() == "2024-11-29T16:00:00Z"  # 11-29 24:00 Asia/Shanghai
    assert reminders[0].calendar_version.startswith("chinesecalendar-")
    assert not any(e.type == "zdz.workflow.deadline.missed" for e in events)
    failed = events_pb2.StageEntered.FromString(events[5].data)
    assert (failed.to_stage, failed.step, failed.latest_grade) == (
        "RECTIFICATION",
        "DistrictAcceptanceFailed",
        "FAIL",
    )


async def test_a_missed_survey_deadline_is_escalated_after_reminders_on_working_days(
    running: Harness,
) -> None:
    [handle] = await scenarios.survey_deadline_missed(running)

    # Reminders before 2024-09-30: 7, 3 and 1 working days; then the escalation, by the workflow's clock.
    events = await running.published(handle.id, 10)
    kinds = [e.type.removeprefix("zdz.workflow.") for e in events]
    assert kinds[:5] == [
        "process.stage_entered",
        "deadline.approaching",  # 09-20 09:00
        "deadline.approaching",  # 09-26 09:00
        "deadline.approaching",  # Sunday 09-29 09:00, an adjusted working day
        "deadline.missed",  # 10-01 00:00
    ]
    missed = events_pb2.DeadlineMissed.FromString(events[4].data)
    assert (missed.deadline_kind, missed.due.ToJsonString()) == ("SURVEY", "2024-09-30T16:00:00Z")
    assert events[4].actor == SYSTEM
    # The plan deadline was met: its three reminders (10-22, 10-28, 10-30 09:00) and no escalation.
    plan = [events_pb2.DeadlineApproaching.FromString(e.data) for e in events[5:] if "approaching" in e.type]
    assert [(r.deadline_kind, r.working_days_left) for r in plan] == [("PLAN", 7), ("PLAN", 3), ("PLAN", 1)]
    assert kinds.count("deadline.missed") == 1


async def test_an_upheld_objection_returns_the_unit_to_rectification_with_its_finding_filed(
    running: Harness,
) -> None:
    [handle] = await scenarios.objection_upheld(running)

    # Found at (the notice of) acceptance, with the deadline the resolution set.
    [(problem_id, problem)] = running.ledger.problems.values()
    assert (problem.found_by, problem.found_on) == ("ACCEPTANCE", date(2024, 10, 15))
    assert running.ledger.tasks[problem_id] == (TOWN.name, date(2024, 12, 31))
    # Each objection and each outcome reaches the 公示栏 (the dismissal while another objection stayed open
    # changed no stage, yet has its own event): two raised, one dismissed, one upheld.
    events = await running.published(handle.id, 14)
    resolved = [
        events_pb2.ObjectionResolved.FromString(e.data)
        for e in events
        if e.type == "zdz.workflow.objection.resolved"
    ]
    assert [(r.objection_id, r.upheld) for r in resolved] == [("YY-2024-017", False), ("YY-2024-018", True)]
    assert sum(e.type == "zdz.workflow.objection.raised" for e in events) == 2


async def test_a_failed_spot_check_leads_through_rectification_and_self_check_to_the_citys_re_review(
    running: Harness,
) -> None:
    [handle] = await scenarios.spot_check_fails_then_re_review(running)

    view: ProcessView = await handle.query(ProcessWorkflow.view)
    assert view.state is not None
    path = [(e.from_stage, e.to_stage) for e in view.state.history if e.from_stage is not e.to_stage]
    assert path[-7:] == [
        (Stage.SPOT_CHECK, Stage.RECTIFICATION),  # failed, 75.00
        (Stage.RECTIFICATION, Stage.SELF_CHECK),
        (Stage.SELF_CHECK, Stage.RE_REVIEW),  # 复核, not the district
        (Stage.RE_REVIEW, Stage.RECTIFICATION),  # failed again, 78.00
        (Stage.RECTIFICATION, Stage.SELF_CHECK),
        (Stage.SELF_CHECK, Stage.RE_REVIEW),
        (Stage.RE_REVIEW, Stage.ACCEPTED),  # 86.00
    ]
    # The spot-check's finding was filed; the re-review's had no ledger point and says why it was not.
    assert [bool(f.problem_id) for f in view.filings] == [True, False]


async def test_a_flagged_look_back_and_the_citys_order_continue_in_the_new_campaigns_process(
    running: Harness,
) -> None:
    parent, successor = await scenarios.look_back_flagged_and_reacceptance_ordered(running)

    # The accepted park's process closed at the hand-over; the new one runs under campaign 2025R with the whole
    # history, its own event stream, and its own search attributes.
    view: ProcessView = await successor.query(ProcessWorkflow.view)
    assert view.state is not None and view.state.history[0].event == "ProcessImported"
    assert view.state.history[-1].event == "ReacceptanceStarted"
    attributes = await running.search_attributes(successor.id)
    assert (attributes["ZdzCampaign"], attributes["ZdzStage"]) == ("2025R", "RECTIFICATION")
    old = await running.published(parent.id, 1)
    last = events_pb2.StageEntered.FromString(old[-1].data)
    assert (last.from_stage, last.to_stage, last.step) == (
        "REACCEPTANCE",
        "RECTIFICATION",
        "ReacceptanceStarted",
    )
    assert running.stream(successor.id) == []
    # Both look-backs' findings became problems found by the look-back (the second had no ledger point).
    assert [p.found_by for _, p in running.ledger.problems.values()] == ["LOOK_BACK"]
    assert YANJIA.unit_id in successor.id and at("2025-09-20") == view.state.stage_since
