"""The spot-check round's pure rules (附件3/附件4 三（二）4): who the close releases, and one close only."""

from __future__ import annotations

from datetime import date

import pytest

from tests.unit.workflow.factories import CITY, at
from zdz_common.vocabulary import UnitKind
from zdz_workflow.domain.errors import RuleViolation
from zdz_workflow.domain.spot_check_rounds import (
    Moved,
    SpotCheckDraw,
    SpotCheckRound,
    Unmoved,
    check_close,
    deadline_reason,
)
from zdz_workflow.domain.units import UnitInfo

BICHENG = UnitInfo("bishan/bicheng", "bishan", UnitKind.TOWN, "璧城街道")
DINGJIA = UnitInfo("bishan/dingjia", "bishan", UnitKind.TOWN, "丁家街道")
PARK = UnitInfo("bishan/park", "bishan", UnitKind.PARK_GROUP, "璧山高新区")
DRAW = SpotCheckDraw(
    draw_id="draw-1",
    round="2025-1",
    seed="42",
    drawn_by=CITY,
    drawn_at=at("2025-04-01"),
    candidates=(BICHENG, DINGJIA, PARK),
    drawn=(BICHENG,),
    closes_on=date(2025, 4, 30),
)


def test_the_round_releases_the_candidates_not_drawn_and_its_deadline_ends_at_24_00():
    assert DRAW.not_drawn == (DINGJIA, PARK)
    assert DRAW.closes_at == at("2025-05-01", 0)
    assert DRAW.evidence == ("draw-1", "seed=42")
    assert deadline_reason(DRAW) == "市级抽查轮次「2025-1」于 2025-04-30 24:00 截止，未抽中的单元验收通过"


def test_the_candidates_waiting_are_those_not_drawn_with_a_process_until_the_close():
    round = SpotCheckRound(
        draw=DRAW,
        located=(Moved(BICHENG, "p/bicheng"), Moved(DINGJIA, "p/dingjia"), Moved(PARK, "")),
    )
    round = round.with_drawn(Moved(BICHENG, "p/bicheng"))
    assert round.waiting == (Moved(DINGJIA, "p/dingjia"),)  # the park has no process to release
    closed = round.with_released(Moved(DINGJIA, "p/dingjia")).with_released(Unmoved(PARK, "没有该单元的流程"))
    closed = closed.closed(at("2025-05-01", 0), CITY, deadline_reason(DRAW))
    assert closed.waiting == ()
    assert [u.text for u in closed.refused] == ["璧山高新区（bishan/park）：没有该单元的流程"]


def test_a_round_closes_once():
    round = SpotCheckRound(draw=DRAW)
    check_close(round, closing=False)
    with pytest.raises(RuleViolation, match="正在结束") as closing:
        check_close(round, closing=True)
    assert closing.value.rule == "附件3/附件4 三（二）4"
    with pytest.raises(RuleViolation, match="已于 2025-05-01T00:00:00\\+08:00 结束"):
        check_close(round.closed(at("2025-05-01", 0), CITY, "截止"), closing=False)
