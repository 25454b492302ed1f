"""Sampling is not shoppable (issue 16): one plan per unit and round; drawing it again needs the municipal task
force's approval and a reason, given once, to a plan still the round's (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zdz_common.errors import FailedPrecondition
from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.records import (
    MAX_REDRAW_REASON,
    REDRAW_RULE,
    RedrawApproval,
    RoundPlan,
    Signer,
    plan_to_replace,
    redraw_approval,
)

CITY = Signer("municipal", "MUNICIPAL_TASK_FORCE", "m.clerk")
AT = datetime(2025, 5, 20, 2, 0, tzinfo=UTC)


def _approve(**changes: object) -> RedrawApproval:
    arguments: dict[str, object] = {
        "serves_sheet": "",
        "replaced_by": "",
        "approved": False,
        "reason": "台账导入有误",
        "by": CITY,
        "at": AT,
    } | changes
    return redraw_approval("plan-1", **arguments)  # type: ignore[arg-type]


def test_a_round_without_a_plan_draws_one_and_a_round_with_one_does_not_draw_again() -> None:
    assert plan_to_replace(None) is None
    with pytest.raises(FailedPrecondition) as refused:
        plan_to_replace(RoundPlan("plan-1", "2025-05-20T02:00:00Z"))
    assert "plan-1" in refused.value.message and REDRAW_RULE in refused.value.message


def test_an_approved_redraw_replaces_the_rounds_plan_with_its_approval() -> None:
    approved = RoundPlan("plan-1", "2025-05-20T02:00:00Z", _approve())
    assert plan_to_replace(approved) == approved


@pytest.mark.parametrize("reason", ["", "   ", "理" * (MAX_REDRAW_REASON + 1)])
def test_a_redraw_needs_a_reason_of_bounded_length(reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        _approve(reason=reason)
    assert refused.value.field == "reason"


@pytest.mark.parametrize(
    "state",
    [{"serves_sheet": "sheet-9"}, {"replaced_by": "plan-2"}, {"approved": True}],
    ids=["round over", "replaced", "approved already"],
)
def test_only_the_rounds_plan_is_approved_for_a_redraw_and_only_once(state: dict[str, object]) -> None:
    with pytest.raises(FailedPrecondition) as refused:
        _approve(**state)
    assert refused.value.field == "plan_id"


def test_the_approval_records_its_reason_approver_and_time() -> None:
    assert _approve(reason=" 台账导入有误 ") == RedrawApproval("台账导入有误", CITY, AT)
