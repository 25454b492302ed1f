"""One sampling plan per unit and round, one spot-check draw per round, hold under concurrency (issue 16): on
PostgreSQL two first draws that both read "nothing drawn yet" do not both commit; the round's key
(scoring_round_plan, scoring_round_draw) lets one through."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlmodel import Session, select

from zdz_common.context import Actor, CommandContext
from zdz_common.errors import ConcurrencyConflict
from zdz_common.vocabulary import UnitKind
from zdz_scoring.adapters.orm import RoundDrawKey, RoundPlanKey, SamplingPlanView, SpotCheckView
from zdz_scoring.adapters.registry import UnitLedger
from zdz_scoring.bootstrap import bootstrap
from zdz_scoring.domain.commands import DrawSamplingPlan, DrawSpotCheck
from zdz_scoring.domain.records import UnitRef
from zdz_scoring.domain.sampling import ParkPopulation, TownPopulation
from zdz_scoring.service_layer import services
from zdz_scoring.service_layer.services import ScoringService

TOWN = UnitRef("town-1", "wanzhou", UnitKind.TOWN, "高笋塘街道")
DISTRICT = CommandContext(actor=Actor("wanzhou-task-force", "DISTRICT_TASK_FORCE", "li.qiang"))
CITY = CommandContext(actor=Actor("chongqing-task-force", "MUNICIPAL_TASK_FORCE", "wang.fang"))


class OneTown:
    """The registry as the draws read it: one town, filed, with nothing yet in its ledger."""

    def unit(self, unit_id: str) -> UnitRef:
        return TOWN

    def population(self, unit: UnitRef) -> TownPopulation | ParkPopulation:
        return TownPopulation()

    def unit_ledger(self, unit_id: str, found_since: date | None = None) -> UnitLedger:
        raise AssertionError("a draw reads no ledger facts")

    ledger = unit_ledger

    def filed_units(self) -> list[UnitRef]:
        return [TOWN]


def _twice_at_once(
    monkeypatch: pytest.MonkeyPatch, check: str, draw: Callable[[], str]
) -> tuple[list[str], list[ConcurrencyConflict]]:
    """Two draws at once, each reading the round's plan or draw (none yet) before either writes: the check alone
    would let both through."""
    both_read = threading.Barrier(2, timeout=10)
    read = getattr(services, check)

    def read_then_wait(session: Session, key: str) -> object:
        found = read(session, key)
        both_read.wait()
        return found

    monkeypatch.setattr(services, check, read_then_wait)

    def attempt() -> str | ConcurrencyConflict:
        try:
            return draw()
        except ConcurrencyConflict as refused:
            return refused

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda _: attempt(), range(2)))
    drawn = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if isinstance(o, ConcurrencyConflict)]
    assert len(drawn) == 1 and len(refused) == 1, outcomes
    return drawn, refused


@pytest.fixture
def service(database_url: str) -> Iterator[ScoringService]:
    service = bootstrap(database_url, OneTown())
    yield service
    service.engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_concurrent_first_draws_of_a_unit_record_exactly_one_plan(
    service: ScoringService, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn, refused = _twice_at_once(
        monkeypatch,
        "_round_plan",
        lambda: service.draw_sampling_plan(DrawSamplingPlan(TOWN.id), DISTRICT).id,
    )
    assert refused[0].field == "unit_id"
    with Session(service.engine) as session:
        plans = session.exec(select(SamplingPlanView.id).where(SamplingPlanView.unit_id == TOWN.id)).all()
        key = session.get(RoundPlanKey, TOWN.id)
    assert plans == drawn
    assert key is not None and key.plan_id == drawn[0]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_concurrent_first_draws_of_a_spot_check_round_record_exactly_one_draw(
    service: ScoringService, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn, refused = _twice_at_once(
        monkeypatch,
        "_round_draw",
        lambda: service.draw_spot_check(DrawSpotCheck(candidates=(), round="2025-1"), CITY).id,
    )
    assert refused[0].field == "round"
    with Session(service.engine) as session:
        draws = session.exec(select(SpotCheckView.id)).all()
        key = session.get(RoundDrawKey, "2025-1")
    assert draws == drawn
    assert key is not None and key.draw_id == drawn[0]
