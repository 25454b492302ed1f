"""A spot-check round is not shoppable (issue 16): the seed is the system's and recorded with the draw, a round is
drawn once, and a redraw needs the municipal task force's approval and a reason, both recorded in the events."""

from __future__ import annotations

import grpc
from sqlmodel import Session

from tests.integration.scoring.conftest import RunningScoring
from tests.integration.scoring.test_scoring_grpc import _filed_units, _round_closes, _status
from zdz.scoring.v1 import events_pb2
from zdz.scoring.v1 import scoring_pb2 as pb

CITY = (
    ("x-zdz-organisation", "chongqing-task-force"),
    ("x-zdz-role", "MUNICIPAL_TASK_FORCE"),
    ("x-zdz-person", "wang.fang"),
)


async def test_a_round_is_drawn_once_with_the_systems_seed_and_redrawn_only_on_the_citys_approval(
    running: RunningScoring,
) -> None:
    scoring = running.scoring
    candidates = await _filed_units(running)
    draw = pb.DrawSpotCheckRequest(candidates=candidates, round="2025-1", closes_on=_round_closes())
    # A seed of the caller's own: refused, the system chooses it.
    chosen = pb.DrawSpotCheckRequest(candidates=candidates, seed=7, round="2025-1")
    code, details = await _status(scoring.DrawSpotCheck(chosen, metadata=CITY))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("seed")
    first = (await scoring.DrawSpotCheck(draw, metadata=CITY)).spot_check
    # Drawing the round again until it spares a unit: refused, naming the round's draw and the rule.
    code, details = await _status(scoring.DrawSpotCheck(draw, metadata=CITY))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert first.id in details and "issue16.spot-check-redraw" in details
    # The approval needs a reason; it is recorded with who gave it, once.
    code, details = await _status(
        scoring.ApproveSpotCheckRedraw(
            pb.ApproveSpotCheckRedrawRequest(draw_id=first.id, reason=" "), metadata=CITY
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("reason")
    approve = pb.ApproveSpotCheckRedrawRequest(draw_id=first.id, reason="候选名单漏报一个已备案镇街")
    approved = (await scoring.ApproveSpotCheckRedraw(approve, metadata=CITY)).spot_check
    approval = approved.redraw_approval
    assert (approval.reason, approval.approver_role, approval.approver_person) == (
        "候选名单漏报一个已备案镇街",
        "MUNICIPAL_TASK_FORCE",
        "wang.fang",
    )
    code, _ = await _status(scoring.ApproveSpotCheckRedraw(approve, metadata=CITY))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    # The approved redraw replaces the round's draw, once.
    second = (await scoring.DrawSpotCheck(draw, metadata=CITY)).spot_check
    assert second.replaces_draw_id == first.id and second.drawn_on_approval == approval
    replaced = (await scoring.GetSpotCheck(pb.GetSpotCheckRequest(draw_id=first.id))).spot_check
    assert replaced.replaced_by_draw_id == second.id
    code, details = await _status(scoring.DrawSpotCheck(draw, metadata=CITY))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and second.id in details
    code, _ = await _status(scoring.ApproveSpotCheckRedraw(approve, metadata=CITY))
    assert code == grpc.StatusCode.FAILED_PRECONDITION  # replaced: only the round's draw in force
    # Another round is drawn on its own.
    other = pb.DrawSpotCheckRequest(candidates=candidates, round="2025-2")
    assert (await scoring.DrawSpotCheck(other, metadata=CITY)).spot_check.replaces_draw_id == ""
    # The events record the system's seed, the draw replaced, and the approval with its reason and approver.
    store = running.service.store
    with Session(running.service.engine) as session:
        (redrawn,) = store.read(session, f"spot_check-{second.id}")
        first_drawn, approved_event = store.read(session, f"spot_check-{first.id}")
    drawn = redrawn.payload(events_pb2.SpotCheckDrawn)
    assert drawn.seed == str(second.seed) and drawn.replaces_draw_id == first.id  # type: ignore[attr-defined]
    assert drawn.redraw_approval == approval  # type: ignore[attr-defined]
    assert first_drawn.payload(events_pb2.SpotCheckDrawn).seed == str(first.seed)  # type: ignore[attr-defined]
    assert approved_event.type == "zdz.scoring.spot_check.redraw_approved"
    recorded = approved_event.payload(events_pb2.SpotCheckRedrawApproved)
    assert (recorded.round, recorded.approval) == ("2025-1", approval)  # type: ignore[attr-defined]
