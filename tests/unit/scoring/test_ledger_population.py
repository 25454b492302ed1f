"""The registry's ledger rows as the population an acceptance sample is drawn from (000 附件3/附件4 三(三))."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zdz.registry.v1 import ledger_pb2 as pb
from zdz_common.errors import FailedPrecondition
from zdz_scoring.adapters.registry import LedgerRows, park_population, town_population
from zdz_scoring.domain.sampling import DrawReason, Network, SampleObject, plan_town_sample


def compound(
    code: str, households: int = 200, year: int = 2000, complexity: int = 1, area: float = 18000
) -> pb.SourceHousehold:
    return pb.SourceHousehold(
        code=code,
        kind=pb.HOUSEHOLD_KIND_RESIDENTIAL,
        households=households,
        floor_area_m2=area,
        year_built=year,
        drainage_complexity=complexity,
    )


def task(code: str, entity_class: int, *, opened: bool = True) -> pb.Problem:
    problem = pb.Problem(code=code, entity_class=entity_class)
    if opened:
        problem.task.state = pb.TASK_STATE_OPEN
    return problem


def test_compounds_are_sized_by_households_dated_by_year_and_ranked_by_complexity() -> None:
    population = town_population(LedgerRows(households=[compound("H-01", 620, 1995, 3)]))
    (community,) = population.communities
    assert (community.id, community.size, community.year_built, community.drainage_complexity) == (
        "H-01",
        620,
        1995,
        3,
    )


def test_the_largest_compound_is_the_one_with_most_households_not_most_floor_area() -> None:
    # 000 附件3 三(三) "最大的生活小区": by 户数. H-02 is a villa estate, large in floor area, few households.
    households = [compound(f"H-0{n}", 200, 2000 + n, 1) for n in range(1, 6)] + [
        compound("H-06", 40, 2010, 1)
    ]
    households[0] = compound("H-01", 900, 2001, 1, area=60000)
    households[1] = compound("H-02", 60, 2002, 1, area=95000)
    plan = plan_town_sample(town_population(LedgerRows(households=households)), seed=7)
    group = plan.group(SampleObject.RESIDENTIAL)
    assert group is not None
    largest = [d.id for d in group.draws if DrawReason.LARGEST in d.reasons]
    assert largest == ["H-01"]


def test_a_compound_without_households_stops_the_draw_asking_for_them() -> None:
    households = [compound(f"H-0{n}") for n in range(1, 6)] + [compound("H-06", households=0)]
    with pytest.raises(FailedPrecondition) as error:
        town_population(LedgerRows(households=households))
    assert "H-06（户数）" in error.value.message


def test_more_than_5_compounds_with_a_missing_year_stop_the_draw_naming_the_compound() -> None:
    # 6 compounds: the sample must include the oldest, which cannot be known while H-06 has no year.
    households = [compound(f"H-0{n}") for n in range(1, 6)] + [compound("H-06", year=0)]
    with pytest.raises(FailedPrecondition) as error:
        town_population(LedgerRows(households=households))
    assert "H-06（建成年份）" in error.value.message


def test_exactly_5_compounds_are_all_checked_so_missing_data_does_not_matter() -> None:
    households = [compound(f"H-0{n}", households=0, year=0, complexity=0) for n in range(1, 6)]
    plan = plan_town_sample(town_population(LedgerRows(households=households)), seed=1)
    group = plan.group(SampleObject.RESIDENTIAL)
    assert group is not None and len(group.draws) == 5


def test_non_residential_households_are_drawn_by_category_and_enterprises_are_key_water_related_cells() -> (
    None
):
    households = [
        pb.SourceHousehold(code="N-01", kind=pb.HOUSEHOLD_KIND_NON_RESIDENTIAL, category=pb.CATEGORY_MEDICAL),
        pb.SourceHousehold(code="N-02", kind=pb.HOUSEHOLD_KIND_NON_RESIDENTIAL),
        pb.SourceHousehold(code="E-01", kind=pb.HOUSEHOLD_KIND_ENTERPRISE, key_discharger=True),
    ]
    population = town_population(LedgerRows(households=households))
    assert [(n.id, n.category) for n in population.non_residential] == [
        ("N-01", "医疗机构"),
        ("N-02", "其他"),
        ("E-01", "重点涉水企业"),
    ]


def test_a_key_enterprise_in_a_town_sample_is_labelled_as_checked_to_the_park_standard() -> None:
    # 000 二（一）1 and 附件3 一（二）: 参照《工业园区“污水零直排区”建设验收技术要点》 — in a small sample (all taken)
    # and in a drawn one (more than 10: one per category, then at random).
    for extra in (0, 12):
        households = [
            pb.SourceHousehold(code="E-01", kind=pb.HOUSEHOLD_KIND_ENTERPRISE, key_discharger=True),
            pb.SourceHousehold(
                code="N-01", kind=pb.HOUSEHOLD_KIND_NON_RESIDENTIAL, category=pb.CATEGORY_SCHOOL
            ),
            *[
                pb.SourceHousehold(
                    code=f"N-{n:02}", kind=pb.HOUSEHOLD_KIND_NON_RESIDENTIAL, category=pb.CATEGORY_MALL
                )
                for n in range(2, 2 + extra)
            ],
        ]
        plan = plan_town_sample(town_population(LedgerRows(households=households)), seed=3)
        group = plan.group(SampleObject.NON_RESIDENTIAL)
        assert group is not None
        details = {d.id: d.detail for d in group.draws}
        assert "附件4" in details["E-01"] and "重点涉水企业" in details["E-01"]
        assert details["N-01"] == "类别：学校"


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
