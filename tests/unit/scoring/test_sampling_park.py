"""Park-group acceptance sampling (000 附件4 三(三)): each rule at, just below and just above its threshold."""

from __future__ import annotations

import pytest

from zdz_common.vocabulary import UnitKind
from zdz_scoring.domain.sampling import (
    Candidate,
    DrawReason,
    Facility,
    InspectionPoint,
    Network,
    ParkPopulation,
    SampleGroup,
    SampleObject,
    plan_park_sample,
)


def households(count: int) -> list[Candidate]:
    return [Candidate(f"h{i:02d}") for i in range(1, count + 1)]


def group(population: ParkPopulation, sample_object: SampleObject, seed: int = 1) -> SampleGroup:
    found = plan_park_sample(population, seed=seed).group(sample_object)
    assert found is not None
    return found


@pytest.mark.parametrize("count", [4, 5])
def test_up_to_5_source_households_are_all_checked(count: int) -> None:
    sample = group(ParkPopulation(source_households=households(count)), SampleObject.SOURCE_HOUSEHOLD)
    assert len(sample.draws) == count and {d.reasons for d in sample.draws} == {(DrawReason.ALL,)}
    assert ("恰为5个" in sample.note) is (count == 5)
    assert sample.draws[0].rule == "附件4 三(三)：工业园区内源头排水户不足5个的，验收时全部核查"


def test_6_source_households_give_5_at_random() -> None:
    sample = group(ParkPopulation(source_households=households(6)), SampleObject.SOURCE_HOUSEHOLD)
    assert len(sample.draws) == 5 and {d.reasons for d in sample.draws} == {(DrawReason.RANDOM,)}
    assert sample.draws[0].rule.endswith("超过5个的，随机抽查，抽查样本量不少于5个")


def test_at_least_30_percent_of_the_task_list_is_checked_rounded_up() -> None:
    # 11 tasks × 30 % = 3.3 → 4
    sample = group(ParkPopulation(tasks=[Candidate(f"t{i}") for i in range(11)]), SampleObject.TASK_RECORDS)
    assert len(sample.draws) == 4
    assert "任务清单的30%" in sample.draws[0].rule


def test_10_rain_and_10_sewage_points_are_enough_for_a_park() -> None:
    # Parks need 10 per network (towns 20): 10 and 12 points are enough, no length walk.
    population = ParkPopulation(
        inspection_points=[InspectionPoint(f"r{i}", Network.RAIN) for i in range(10)]
        + [InspectionPoint(f"w{i}", Network.SEWAGE) for i in range(12)]
    )
    plan = plan_park_sample(population, seed=5)
    rain, sewage = plan.group(SampleObject.RAIN_POINTS), plan.group(SampleObject.SEWAGE_POINTS)
    assert rain is not None and sewage is not None
    assert (len(rain.draws), len(sewage.draws), rain.shortfall) == (10, 10, False)


def test_one_facility_is_drawn_and_the_park_has_no_industrial_wastewater_clause() -> None:
    # Park facilities all take industrial wastewater; the park article asks for ≥ 1, nothing on top.
    facilities = [
        Facility(f"f{i}", takes_industrial_wastewater=True, outfall_ids=(f"o{i}",)) for i in range(3)
    ]
    sample = group(ParkPopulation(facilities=facilities), SampleObject.FACILITIES)
    assert len(sample.draws) == 1 and sample.draws[0].reasons == (DrawReason.RANDOM,)
    assert sample.draws[0].outfall_ids == (f"o{sample.draws[0].id[1]}",)


def test_a_park_without_facilities_flags_the_missing_sample() -> None:
    sample = group(ParkPopulation(), SampleObject.FACILITIES)
    assert (sample.draws, sample.shortfall) == ((), True)


def test_park_plans_are_reproducible_from_their_seed_and_vary_with_it() -> None:
    population = ParkPopulation(
        source_households=households(30), tasks=[Candidate(f"t{i}") for i in range(30)]
    )
    plan = plan_park_sample(population, seed=42)
    assert plan.unit_kind is UnitKind.PARK_GROUP and plan.seed == 42
    assert plan == plan_park_sample(population, seed=42)
    reordered = ParkPopulation(source_households=households(30)[::-1], tasks=list(population.tasks)[::-1])
    assert plan == plan_park_sample(reordered, seed=42)
    assert len({plan_park_sample(population, seed=s).groups for s in range(10)}) > 1
