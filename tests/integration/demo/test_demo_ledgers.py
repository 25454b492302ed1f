"""The demo's ledgers: a town's is the same on every run (seeded by its official code) and sized like a 镇街; the
five park groups carry 002's figures; every name and location carries the demo mark."""

from __future__ import annotations

from datetime import date

from zdz.registry.v1 import ledger_pb2 as pb
from zdz_local.demo.ledgers import DEMO, Dates, TaskProgress, town_rows
from zdz_local.demo.parks import PARKS, park_rows

DATES = Dates.from_start(date(2026, 9, 1))


def _of(rows: list[pb.LedgerRow], kind: str) -> list[pb.LedgerRow]:
    return [r for r in rows if r.WhichOneof("row") == kind]


def test_a_towns_ledger_is_the_same_on_every_run_and_another_towns_differs() -> None:
    first = town_rows("500101001", "高笋塘街道", DATES, TaskProgress.RECTIFIED)
    again = town_rows("500101001", "高笋塘街道", DATES, TaskProgress.RECTIFIED)
    other = town_rows("500101017", "太白街道", DATES, TaskProgress.RECTIFIED)
    assert [r.SerializeToString(deterministic=True) for r in first] == [
        r.SerializeToString(deterministic=True) for r in again
    ]
    assert len(first) != len(other) or first != other
    households = _of(first, "source_household")
    pipes_km = sum(r.pipe_segment.length_m for r in _of(first, "pipe_segment")) / 1000
    assert 9 <= len(households) <= 21 and 6 <= pipes_km <= 20
    assert 4 <= len(_of(first, "problem")) <= 10
    assert all(DEMO in r.source_household.name for r in households)


def test_a_towns_tasks_go_as_far_as_its_stage() -> None:
    opened = town_rows("500101001", "高笋塘街道", DATES, TaskProgress.OPENED)
    done = town_rows("500101001", "高笋塘街道", DATES, TaskProgress.RECTIFIED)
    actions = {r.task_step.action for r in _of(opened, "task_step")}
    assert actions == {pb.TASK_ACTION_OPEN}
    problems = len(_of(done, "problem"))
    rectified = [r for r in _of(done, "task_step") if r.task_step.action == pb.TASK_ACTION_RECTIFY]
    assert len(rectified) == problems


def test_the_five_park_groups_carry_002s_figures() -> None:
    figures = {}
    for park in PARKS:
        rows = park_rows(park)
        enterprises = [r for r in _of(rows, "source_household") if r.source_household.water_related]
        figures[park.name] = (
            len(enterprises),
            len(_of(rows, "source_household")),
            round(sum(r.pipe_segment.length_m for r in _of(rows, "pipe_segment")) / 1000, 2),
            len(_of(rows, "treatment_facility")),
            len(_of(rows, "outfall")),
            len(_of(rows, "problem")),
        )
    # (涉水企业, source households, pipe km, plants, outfalls, problems found and closed), as 002 gives them.
    assert figures["港城工业园区"][:5] == (75, 75, 50.0, 1, 14)
    assert figures["A、B、C、D、F、J、L分区"] == (372, 372, 159.52, 3, 3, 14)
    assert figures["木洞组团"][:2] == (26, 667)
    assert figures["长寿经开区新材料产业园（晏家组团）"][0:4] == (186, 186, 286.84, 4)
    assert figures["长寿经开区新材料产业园（晏家组团）"][5] == 15 + 7
    assert figures["水天坪组团"][:2] == (36, 36 + 6) and figures["水天坪组团"][3:] == (1, 1, 14)
