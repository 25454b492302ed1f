"""A spot-check round is not shoppable (issue 16): one draw per round; drawing it again needs the municipal task
force's approval, given once, to the round's draw in force (no I/O)."""

from __future__ import annotations

import pytest

from zdz_common.errors import FailedPrecondition
from zdz_scoring.domain.spot_check import (
    REDRAW_RULE,
    RoundDraw,
    check_redraw_approvable,
    draw_to_replace,
)


def test_a_round_without_a_draw_is_drawn_and_a_round_with_one_is_not_drawn_again() -> None:
    assert draw_to_replace("2025-1", None) is None
    with pytest.raises(FailedPrecondition) as refused:
        draw_to_replace("2025-1", RoundDraw("draw-1", "2025-05-20T02:00:00Z"))
    assert refused.value.field == "round"
    assert "draw-1" in refused.value.message and "2025-1" in refused.value.message
    assert REDRAW_RULE in refused.value.message


def test_an_approved_redraw_replaces_the_rounds_draw() -> None:
    approved = RoundDraw("draw-1", "2025-05-20T02:00:00Z", approved=True)
    assert draw_to_replace("2025-1", approved) == approved


@pytest.mark.parametrize(
    "state", [{"replaced_by": "draw-2", "approved": False}, {"replaced_by": "", "approved": True}]
)
def test_only_the_rounds_draw_in_force_is_approved_for_a_redraw_and_only_once(state: dict) -> None:
    with pytest.raises(FailedPrecondition) as refused:
        check_redraw_approvable("draw-1", **state)
    assert refused.value.field == "draw_id"
