"""Verdicts are sheets, through the real workflow on a time-skipping server (DESIGN, rulings): the events name the
sheet each step rests on, a failed self-check is on record, a correction moves the score; the workflow reads the
sheets through its activity (the harness's sheets; test_workflow_scoring_sheets reads a real scoring service)."""

from __future__ import annotations

from tests.integration.workflow import scenarios
from tests.integration.workflow.harness import Harness
from zdz.workflow.v1 import events_pb2
from zdz_workflow.temporal.workflows import ProcessWorkflow


async def test_each_stage_entered_after_a_verdict_names_its_sheet_and_a_failed_self_check_is_on_record(
    running: Harness,
) -> None:
    [handle] = await scenarios.town_accepted_over_national_day(running)
    events = await running.published(handle.id, 8)
    entered = [
        events_pb2.StageEntered.FromString(e.data)
        for e in events
        if e.type == "zdz.workflow.process.stage_entered"
    ]
    by_step = {m.step: m for m in entered}
    state = (await handle.query(ProcessWorkflow.view)).state
    assert state is not None
    failed, passed, accepted = state.sheets[:3]
    assert (by_step["SelfCheckFailed"].to_stage, by_step["SelfCheckFailed"].sheet_id) == (
        "RECTIFICATION",
        failed.sheet_id,
    )
    assert by_step["SelfCheckFailed"].latest_score == 79.0
    assert by_step["SelfCheckPassed"].sheet_id == passed.sheet_id
    assert (
        by_step["DistrictAcceptancePassed"].sheet_id,
        by_step["DistrictAcceptancePassed"].latest_score,
    ) == (
        accepted.sheet_id,
        88.0,
    )


async def test_a_correction_signed_later_moves_the_score_and_is_in_the_trail(running: Harness) -> None:
    [handle] = await scenarios.district_sheet_corrected(running)
    events = await running.published(handle.id, 7)  # open … district passed, the correction
    [corrected] = [
        events_pb2.ProcessStepRecorded.FromString(e.data)
        for e in events
        if e.type == "zdz.workflow.process.step_recorded"
        and events_pb2.ProcessStepRecorded.FromString(e.data).step == "SheetCorrected"
    ]
    assert (corrected.stage, corrected.reason) == ("PUBLIC_NOTICE", "第4项扣分更正")
