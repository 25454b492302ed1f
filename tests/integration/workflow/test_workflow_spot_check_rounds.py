"""The municipal spot-check round on a time-skipping Temporal server (附件3/附件4 三（二）4): the draw moves exactly
the drawn processes FILED → SPOT_CHECK, and closing the round, by command or at the city's deadline, releases the
candidates not drawn FILED → ACCEPTED and publishes SpotCheckRoundClosed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest

from tests.integration.workflow.harness import (
    CITY,
    PARK,
    TOWN,
    YANJIA,
    Driver,
    Harness,
    at,
    signed,
)
from zdz.workflow.v1 import events_pb2
from zdz_common.context import CommandContext
from zdz_common.vocabulary import Stage
from zdz_workflow.adapters.event_mapping import SPOT_CHECK_ROUND_CLOSED
from zdz_workflow.domain.commands import ImportProcess, StartLookBack
from zdz_workflow.domain.errors import RuleViolation
from zdz_workflow.domain.sheets import SheetKind
from zdz_workflow.domain.spot_check_rounds import SpotCheckDraw, SpotCheckRound
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import Campaign
from zdz_workflow.temporal.payloads import process_id
from zdz_workflow.temporal.round_workflow import SpotCheckRoundWorkflow, round_id
from zdz_workflow.temporal.rounds import SpotCheckRounds
from zdz_workflow.temporal.workflows import ProcessWorkflow as W

Filed = tuple[Harness, dict[str, Driver], SpotCheckRounds]
CAMPAIGN = Campaign(name="2025")
FILED_SINCE = "2025-03-20"
DRAWN_AT = at("2025-04-01", 10)


async def filed(h: Harness, unit: UnitInfo) -> Driver:
    """A unit imported as filed (备案) on 2025-03-20 with its district-acceptance sheet; the clock at the draw."""
    sheet = signed(unit, SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2025-03-10", imported=True)
    command = ImportProcess(
        actor=CITY,
        request_id=f"import-{unit.unit_id}",
        at=at("2025-04-01", 9),
        unit_id=unit.unit_id,
        unit_kind=unit.kind,
        campaign=CAMPAIGN,
        stage=Stage.FILED,
        stage_since=at(FILED_SINCE),
        sheet_ids=(sheet.sheet_id,),
        sheets=(sheet,),
        filing_number=f"零直排备〔2025〕{unit.name}",
    )
    driver = await h.start(unit, clock_starts=at("2025-04-01", 9), imported=command)
    await h.published(process_id(unit.district_code, unit.unit_id, CAMPAIGN.name), 1)  # the round finds it
    return driver


def draw(*drawn: UnitInfo, closes_on: date | None = None) -> SpotCheckDraw:
    return SpotCheckDraw(
        draw_id="draw-2025-1",
        round="2025-1",
        seed="20250401",
        drawn_by=CITY,
        drawn_at=DRAWN_AT,
        candidates=(TOWN, PARK, YANJIA),
        drawn=drawn,
        closes_on=closes_on,
    )


async def stage_of(driver: Driver) -> Stage:
    view = await driver.view()
    assert view.state is not None
    return view.state.stage


async def round_of(
    rounds: SpotCheckRounds, draw_id: str, check: Callable[[SpotCheckRound], bool]
) -> SpotCheckRound:
    """The round once `check` holds (it moves the processes in the background)."""
    round = await rounds.get(draw_id)
    for _ in range(200):
        if check(round):
            return round
        await asyncio.sleep(0.05)
        round = await rounds.get(draw_id)
    raise AssertionError(f"the round did not settle: {round}")


@pytest.fixture
async def three_filed(running: Harness) -> Filed:
    drivers = {u.unit_id: await filed(running, u) for u in (TOWN, PARK, YANJIA)}
    return running, drivers, SpotCheckRounds(running.client, task_queue=running.task_queue)


async def test_the_draw_moves_exactly_the_drawn_processes_into_spot_check(three_filed: Filed) -> None:
    _h, drivers, rounds = three_filed
    offset = drivers[TOWN.unit_id].offset
    assert await rounds.start(draw(TOWN, YANJIA), clock_offset=offset)

    round = await round_of(rounds, "draw-2025-1", lambda r: len(r.drawn) == 2)
    assert {m.unit.unit_id for m in round.drawn} == {TOWN.unit_id, YANJIA.unit_id}
    assert [m.unit.unit_id for m in round.waiting] == [PARK.unit_id]
    assert await stage_of(drivers[TOWN.unit_id]) is Stage.SPOT_CHECK
    assert await stage_of(drivers[YANJIA.unit_id]) is Stage.SPOT_CHECK
    assert await stage_of(drivers[PARK.unit_id]) is Stage.FILED  # not drawn: waits for the round to close

    town = (await drivers[TOWN.unit_id].view()).state
    assert town is not None and town.spot_check_draw_id == "draw-2025-1"
    assert town.history[-1].evidence == ("draw-2025-1", "seed=20250401")
    assert town.history[-1].actor == CITY

    # The same event delivered again starts nothing.
    assert not await rounds.start(draw(TOWN, YANJIA), clock_offset=offset)


async def test_closing_the_round_by_command_releases_the_candidates_not_drawn(three_filed: Filed) -> None:
    h, drivers, rounds = three_filed
    offset = drivers[TOWN.unit_id].offset
    await rounds.start(draw(TOWN, closes_on=date(2025, 6, 30)), clock_offset=offset)
    await round_of(rounds, "draw-2025-1", lambda r: len(r.drawn) == 1)

    closed = await rounds.close(
        "draw-2025-1", CommandContext(actor=CITY, request_id="close-1"), "本轮抽查结束"
    )

    assert closed.closed_at is not None and closed.close_reason == "本轮抽查结束"
    assert {m.unit.unit_id for m in closed.released} == {PARK.unit_id, YANJIA.unit_id}
    assert await stage_of(drivers[PARK.unit_id]) is Stage.ACCEPTED
    assert await stage_of(drivers[YANJIA.unit_id]) is Stage.ACCEPTED
    assert await stage_of(drivers[TOWN.unit_id]) is Stage.SPOT_CHECK  # drawn: its spot-check goes on
    with pytest.raises(RuleViolation, match="不能再次结束"):
        await rounds.close("draw-2025-1", CommandContext(actor=CITY, request_id="close-2"), "again")

    # SpotCheckRoundClosed in the service's event store, on its way to JetStream.
    [event] = await h.published(round_id("draw-2025-1"), 1)
    assert event.type == SPOT_CHECK_ROUND_CLOSED
    message = event.payload(events_pb2.SpotCheckRoundClosed)
    assert message.draw_id == "draw-2025-1" and message.round == "2025-1"
    assert [u.id for u in message.drawn] == [TOWN.unit_id]
    assert {u.id for u in message.released} == {PARK.unit_id, YANJIA.unit_id}


async def test_the_citys_deadline_closes_the_round_at_24_00_and_releases_the_rest(three_filed: Filed) -> None:
    _h, drivers, rounds = three_filed
    town = drivers[TOWN.unit_id]
    await rounds.start(draw(PARK, closes_on=date(2025, 4, 30)), clock_offset=town.offset)
    await round_of(rounds, "draw-2025-1", lambda r: len(r.drawn) == 1)

    await town.wait_until(at("2025-04-30", 23, 59))
    assert await stage_of(town) is Stage.FILED  # the last day is the round's still
    await town.wait_until(at("2025-05-01", 0) + timedelta(minutes=1))

    round = await round_of(rounds, "draw-2025-1", lambda r: r.closed_at is not None)
    assert round.closed_at is not None and round.closed_at >= at("2025-05-01", 0)
    assert "2025-04-30 24:00 截止" in round.close_reason
    assert {m.unit.unit_id for m in round.released} == {TOWN.unit_id, YANJIA.unit_id}
    assert await stage_of(town) is Stage.ACCEPTED
    assert await stage_of(drivers[PARK.unit_id]) is Stage.SPOT_CHECK


async def test_a_drawn_unit_no_longer_filed_or_without_a_process_is_shown_as_not_moved_with_why(
    three_filed,
) -> None:  # type: ignore[no-untyped-def]
    h, drivers, rounds = three_filed
    yanjia = drivers[YANJIA.unit_id]
    await yanjia.do(W.start_look_back, StartLookBack, CITY, at("2025-04-01", 9, 30))  # 回头看 on a filed unit
    stranger = UnitInfo(unit_id="no-process", district_code="wanzhou", kind=TOWN.kind, name="无流程街道")
    the_draw = draw(TOWN, YANJIA, stranger)
    await rounds.start(
        replace(the_draw, candidates=(*the_draw.candidates, stranger)), clock_offset=yanjia.offset
    )

    round = await round_of(rounds, "draw-2025-1", lambda r: len(r.drawn) + len(r.refused) == 3)
    assert [m.unit.unit_id for m in round.drawn] == [TOWN.unit_id]
    why = {u.unit.unit_id: u.why for u in round.refused}
    assert why["no-process"] == "没有该单元的流程"
    assert "当前阶段为「回头看」" in why[YANJIA.unit_id]
    assert await stage_of(yanjia) is Stage.LOOK_BACK
    handle = h.client.get_workflow_handle(round_id("draw-2025-1"))
    assert (await handle.query(SpotCheckRoundWorkflow.round)).draw.round == "2025-1"
