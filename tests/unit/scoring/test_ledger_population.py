"""The registry's ledger rows as the population an acceptance sample is drawn from (000 附件3/附件4 三(三))."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zdz.registry.v1 import ledger_pb2 as pb
from zdz_common.errors import FailedPrecondition
from zdz_scoring.adapters.registry import LedgerRows, park_population, town_population
from zdz_scoring.domain.sampling import Network, SampleObject, plan_town_sample


def compound(code: str, area: float = 10000, year: int = 2000, complexity: int = 1) -> pb.SourceHousehold:
    return pb.SourceHousehold(
        code=code,
        kind=pb.HOUSEHOLD_KIND_RESIDENTIAL,
        floor_area_m2=area,
        year_built=year,
        drainage_complexity=complexity,
    )


def task(code: str, entity_class: int, *, opened: bool = True) -> pb.Problem:
    problem = pb.Problem(code=code, entity_class=entity_class)
    if opened:
        problem.task.state = pb.TASK_STATE_OPEN
    return problem


def test_compounds_are_sized_by_floor_area_dated_by_year_and_ranked_by_complexity() -> None:
    population = town_population(LedgerRows(households=[compound("H-01", 52000.4, 1995, 3)]))
    (community,) = population.communities
    assert (community.id, community.size, community.year_built, community.drainage_complexity) == (
        "H-01",
        52000,
        1995,
        3,
    )


def test_more_than_5_compounds_with_a_missing_year_stop_the_draw_naming_the_compound() -> None:
    # 6 compounds: the sample must include the oldest, which cannot be known while H-06 has no year.
    households = [compound(f"H-0{n}") for n in range(1, 6)] + [compound("H-06", year=0)]
    with pytest.raises(FailedPrecondition) as error:
        town_population(LedgerRows(households=households))
    assert "H-06（建成年份）" in error.value.message


def test_exactly_5_compounds_are_all_checked_so_missing_data_does_not_matter() -> None:
    households = [compound(f"H-0{n}", area=0, year=0, complexity=0) for n in range(1, 6)]
    plan = plan_town_sample(town_population(LedgerRows(households=households)), seed=1)
    group = plan.group(SampleObject.RESIDENTIAL)
    assert group is not None and len(group.draws) == 5


def test_non_residential_households_are_drawn_by_category_and_enterprises_count_as_non_residential() -> None:
    households = [
        pb.SourceHousehold(code="N-01", kind=pb.HOUSEHOLD_KIND_NON_RESIDENTIAL, category=pb.CATEGORY_MEDICAL),
        pb.SourceHousehold(code="N-02", kind=pb.HOUSEHOLD_KIND_NON_RESIDENTIAL),
        pb.SourceHousehold(code="E-01", kind=pb.HOUSEHOLD_KIND_ENTERPRISE, key_discharger=True),
    ]
    population = town_population(LedgerRows(households=households))
    assert [(n.id, n.category) for n in population.non_residential] == [
        ("N-01", "医疗机构"),
        ("N-02", "其他"),
        ("E-01", "工业企业"),
    ]


def test_the_town_task_records_are_the_pipe_network_tasks() -> None:
    problems = [
        task("Q-01", pb.ENTITY_CLASS_PIPE_SEGMENT),
        task("Q-02", pb.ENTITY_CLASS_INSPECTION_POINT),
        task("Q-03", pb.ENTITY_CLASS_SOURCE_HOUSEHOLD),  # a household's task, not the network's
        task("Q-04", pb.ENTITY_CLASS_PIPE_SEGMENT, opened=False),  # no task yet
    ]
    assert [t.id for t in town_population(LedgerRows(problems=problems)).pipe_tasks] == ["Q-01", "Q-02"]


def test_a_park_samples_every_source_household_and_the_whole_task_list() -> None:
    rows = LedgerRows(
        households=[pb.SourceHousehold(code="E-01"), pb.SourceHousehold(code="H-01")],
        problems=[task("Q-01", pb.ENTITY_CLASS_SOURCE_HOUSEHOLD), task("Q-02", pb.ENTITY_CLASS_FACILITY)],
    )
    population = park_population(rows)
    assert [h.id for h in population.source_households] == ["E-01", "H-01"]
    assert [t.id for t in population.tasks] == ["Q-01", "Q-02"]


def test_combined_sewers_are_checked_as_sewage_and_lengths_read_as_written() -> None:
    rows = LedgerRows(
        segments=[
            pb.PipeSegment(code="P-01", network=pb.NETWORK_TYPE_COMBINED, length_m=400.0),
            pb.PipeSegment(code="P-02", network=pb.NETWORK_TYPE_RAIN, length_m=12.5),
        ],
        points=[pb.InspectionPoint(code="J-01", network=pb.NETWORK_TYPE_COMBINED)],
    )
    population = park_population(rows)
    assert [(s.network, str(s.length_m)) for s in population.pipe_segments] == [
        (Network.SEWAGE, "400"),
        (Network.RAIN, "12.5"),
    ]
    assert population.inspection_points[0].network is Network.SEWAGE
    assert population.pipe_segments[0].length_m == Decimal(400)


def test_a_facility_is_checked_with_its_own_outfalls() -> None:
    rows = LedgerRows(
        facilities=[pb.TreatmentFacility(code="F-01", takes_industrial_wastewater=True)],
        outfalls=[
            pb.Outfall(code="O-02", attached_to=pb.ATTACHMENT_FACILITY, facility_code="F-01"),
            pb.Outfall(code="O-01", attached_to=pb.ATTACHMENT_FACILITY, facility_code="F-01"),
            pb.Outfall(code="O-09", attached_to=pb.ATTACHMENT_NETWORK),
        ],
    )
    (facility,) = town_population(rows).facilities
    assert (facility.takes_industrial_wastewater, facility.outfall_ids) == (True, ("O-01", "O-02"))
