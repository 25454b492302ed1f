"""The acceptance state a process step sets (the stage and the standing of the workflow's events), and how district
progress counts it: DESIGN "Progress counts" — from filing, except while a spot-check or look-back failure is open
under 限期整改, and from a re-acceptance order until the unit is re-accepted."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from google.protobuf.any_pb2 import Any as AnyMessage

from tests.unit.registry.ledger_factories import TOWN
from zdz.events.v1.envelope_pb2 import Envelope
from zdz.workflow.v1 import events_pb2 as workflow_events
from zdz_common.validation import MAX_REASON_LENGTH, command_reason
from zdz_common.vocabulary import Stage, UnitKind
from zdz_registry.ledger.domain.progress import (
    PLAN_ISSUED,
    Acceptance,
    AcceptanceState,
    ProcessStanding,
    Standing,
    counted_since,
    progress,
    state_after_step,
)
from zdz_registry.ledger.entrypoints.workflow_events import STAGE_ENTERED, process_step

# CJK and full-width punctuation, an astral emoji, a zero-width joiner (a format character, not a control one),
# a line break and a tab (prose pasted from a document), inner double spaces.
_UNUSUAL = "限期整改：第①项🚧 «ümlaut»  \u200d\n\t"
TODAY = date(2026, 11, 23)
S = ProcessStanding
A = AcceptanceState


@pytest.mark.parametrize(
    ("stage", "standing", "state"),
    [
        (Stage.SELF_CHECK, S.IN_PROGRESS, A.IN_PROGRESS),
        (Stage.PUBLIC_NOTICE, S.IN_NOTICE, A.ACCEPTED),
        (Stage.FILED, S.MEETS_STANDARD, A.FILED),  # awaiting the round's draw
        (Stage.SPOT_CHECK, S.MEETS_STANDARD, A.UNDER_SPOT_CHECK),  # drawn
        (Stage.ACCEPTED, S.MEETS_STANDARD, A.MEETS_STANDARD),  # passed, or released when the round closed
        (Stage.LOOK_BACK, S.MEETS_STANDARD, A.MEETS_STANDARD),  # look-back with no failure open
        (Stage.RECTIFICATION, S.FAILURE_OPEN, A.FAILURE_OPEN),  # spot-check failed: 限期整改
        (Stage.RE_REVIEW, S.FAILURE_OPEN, A.FAILURE_OPEN),  # awaiting the re-review
        (Stage.LOOK_BACK, S.FAILURE_OPEN, A.FAILURE_OPEN),  # look-back findings open
        (Stage.REACCEPTANCE, S.REACCEPTANCE_ORDERED, A.REOPENED),
        (Stage.SURVEY, S.REACCEPTANCE_ORDERED, A.REOPENED),  # restarted, not yet re-accepted
    ],
)
def test_a_process_step_sets_the_state_its_stage_and_standing_mean(
    stage: Stage, standing: ProcessStanding, state: AcceptanceState
) -> None:
    assert state_after_step(stage, standing) is state


@pytest.mark.parametrize(
    ("stage", "state"),
    [
        (Stage.SURVEY, A.IN_PROGRESS),
        (Stage.DISTRICT_ACCEPTANCE, A.IN_PROGRESS),
        (Stage.PUBLIC_NOTICE, A.ACCEPTED),
        (Stage.FILED, A.FILED),
        (Stage.SPOT_CHECK, A.UNDER_SPOT_CHECK),
        (Stage.ACCEPTED, A.MEETS_STANDARD),
        (Stage.REACCEPTANCE, A.REOPENED),
        (Stage.RE_REVIEW, None),
        (Stage.LOOK_BACK, None),
    ],
)
def test_an_event_of_older_workflow_code_without_a_standing_is_read_by_its_stage(
    stage: Stage, state: AcceptanceState | None
) -> None:
    assert state_after_step(stage, None) is state


def _follow(acceptance: Acceptance, stage: Stage, standing: ProcessStanding, on: str, step: str) -> None:
    state = state_after_step(stage, standing)
    acceptance.set_state(state, on, "", TODAY, stage=stage, step=step)


def _counted(acceptance: Acceptance) -> date | None:
    return counted_since(acceptance.state, acceptance.accepted_on)


def test_a_spot_check_failure_open_is_not_counted_and_a_re_review_passed_counts_again_from_filing() -> None:
    acceptance = Acceptance(TOWN)
    _follow(acceptance, Stage.PUBLIC_NOTICE, S.IN_NOTICE, "2025-03-01", "DistrictAcceptancePassed")
    assert _counted(acceptance) is None  # in notice: not yet
    _follow(acceptance, Stage.FILED, S.MEETS_STANDARD, "2025-03-12", "ResultFiled")
    assert _counted(acceptance) == date(2025, 3, 12)
    _follow(acceptance, Stage.SPOT_CHECK, S.MEETS_STANDARD, "2025-05-06", "SpotCheckDrawn")
    assert _counted(acceptance) == date(2025, 3, 12)  # drawn: still counted
    _follow(acceptance, Stage.RECTIFICATION, S.FAILURE_OPEN, "2025-05-20", "SpotCheckFailed")
    assert acceptance.state is A.FAILURE_OPEN and _counted(acceptance) is None
    _follow(acceptance, Stage.SELF_CHECK, S.FAILURE_OPEN, "2025-07-01", "RectificationDeclaredDone")
    _follow(acceptance, Stage.RE_REVIEW, S.FAILURE_OPEN, "2025-07-10", "SelfCheckPassed")
    assert _counted(acceptance) is None
    _follow(acceptance, Stage.ACCEPTED, S.MEETS_STANDARD, "2025-08-01", "ReReviewPassed")
    assert acceptance.state is A.MEETS_STANDARD
    assert _counted(acceptance) == date(2025, 3, 12)  # the filing stood throughout


def test_a_look_back_failure_open_is_not_counted_until_its_rectification_is_verified() -> None:
    acceptance = Acceptance(TOWN)
    _follow(acceptance, Stage.FILED, S.MEETS_STANDARD, "2025-03-12", "ResultFiled")
    _follow(acceptance, Stage.ACCEPTED, S.MEETS_STANDARD, "2025-06-30", "SpotCheckRoundClosed")
    _follow(acceptance, Stage.LOOK_BACK, S.MEETS_STANDARD, "2026-03-01", "LookBackStarted")
    assert _counted(acceptance) == date(2025, 3, 12)
    # Findings under 限期整改: the stage stays LOOK_BACK, the standing changes (a ProcessStepRecorded).
    _follow(acceptance, Stage.LOOK_BACK, S.FAILURE_OPEN, "2026-03-10", "LookBackFindingsRecorded")
    assert _counted(acceptance) is None
    _follow(acceptance, Stage.LOOK_BACK, S.MEETS_STANDARD, "2026-05-10", "LookBackRectificationVerified")
    assert _counted(acceptance) == date(2025, 3, 12)


def test_a_reacceptance_order_is_not_counted_until_the_unit_is_filed_again() -> None:
    acceptance = Acceptance(TOWN)
    _follow(acceptance, Stage.FILED, S.MEETS_STANDARD, "2025-03-12", "ResultFiled")
    _follow(acceptance, Stage.REACCEPTANCE, S.REACCEPTANCE_ORDERED, "2026-04-02", "ReacceptanceOrdered")
    assert acceptance.state is A.REOPENED and _counted(acceptance) is None
    _follow(acceptance, Stage.SURVEY, S.REACCEPTANCE_ORDERED, "2026-04-10", "ReacceptanceStarted")
    _follow(acceptance, Stage.PUBLIC_NOTICE, S.IN_NOTICE, "2026-09-01", "DistrictAcceptancePassed")
    assert _counted(acceptance) is None  # re-accepted by the district, not yet filed
    _follow(acceptance, Stage.FILED, S.MEETS_STANDARD, "2026-09-20", "ResultFiled")
    assert _counted(acceptance) == date(2026, 9, 20)  # counted from the new filing


def test_a_failure_recorded_without_a_filing_on_record_dates_nothing_and_counts_from_its_closing() -> None:
    # A clerk records a unit imported mid-failure: its filing day is unknown, so none is invented.
    acceptance = Acceptance(TOWN)
    acceptance.set_state("FAILURE_OPEN", "2025-05-20", "市级抽查不合格，限期整改", TODAY)
    assert acceptance.accepted_on is None
    acceptance.set_state("MEETS_STANDARD", "2025-08-01", "复核合格", TODAY)
    assert _counted(acceptance) == date(2025, 8, 1)


def test_district_progress_counts_filed_drawn_and_meeting_units_but_not_open_failures_or_reopened() -> None:
    def town(state: AcceptanceState) -> Standing:
        return Standing(UnitKind.TOWN, False, 2027, counted_since(state, date(2025, 3, 12)))

    units = [town(state) for state in AcceptanceState]
    result = progress(units, (30, 80))
    assert result.towns == len(AcceptanceState)
    assert result.towns_done == 3  # FILED, UNDER_SPOT_CHECK, MEETS_STANDARD
    assert {state for state in AcceptanceState if counted_since(state, date(2025, 3, 12))} == {
        A.FILED,
        A.UNDER_SPOT_CHECK,
        A.MEETS_STANDARD,
    }


def test_the_longest_most_unusual_reason_the_workflow_accepts_is_kept_as_given() -> None:
    # The workflow checks every command's reason with zdz_common.validation.command_reason; the registry applies
    # the same check and keeps the stage apart, so what the workflow accepted is never refused here.
    # At the limit, of unusual characters (_UNUSUAL): the old follower refused its line breaks and its length.
    reason = (_UNUSUAL * MAX_REASON_LENGTH)[: MAX_REASON_LENGTH - 1] + "。"
    assert len(reason) == MAX_REASON_LENGTH and command_reason(reason) == reason
    acceptance = Acceptance(TOWN)
    state = state_after_step(Stage.RECTIFICATION, S.FAILURE_OPEN)
    acceptance.set_state(
        state, "2026-04-02", reason, TODAY, stage=Stage.RECTIFICATION, step="SpotCheckFailed"
    )
    assert acceptance.reason == reason and acceptance.state is A.FAILURE_OPEN


def test_a_process_imported_as_in_its_stage_since_before_the_plan_counts_from_the_plan() -> None:
    entered = workflow_events.StageEntered(to_stage="ACCEPTED", step="ProcessImported", reason="导入")
    entered.unit.id = "town-1"
    entered.at.FromDatetime(datetime(2024, 3, 1))
    data = AnyMessage()
    data.Pack(entered)
    _, step = process_step(Envelope(type=STAGE_ENTERED, data=data))  # type: ignore[misc]
    assert step.on == PLAN_ISSUED
