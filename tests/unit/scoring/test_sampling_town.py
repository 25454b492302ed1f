"""Town acceptance sampling (000 附件3 三(三)): each rule at, just below and just above its threshold."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.sampling import (
    Candidate,
    Community,
    DrawReason,
    Facility,
    InspectionPoint,
    Network,
    NonResidential,
    PipeSegment,
    SampleGroup,
    SampleObject,
    TownPopulation,
    plan_town_sample,
    records_to_check,
)

SEEDS = range(40)


def communities(count: int) -> list[Community]:
    # c01 … cNN: size, age and complexity all ordinary; tests make one stand out.
    return [
        Community(f"c{i:02d}", size=100 + i, year_built=2000 + i, drainage_complexity=1)
        for i in range(1, count + 1)
    ]


def group(population: TownPopulation, sample_object: SampleObject, seed: int = 1) -> SampleGroup:
    found = plan_town_sample(population, seed=seed).group(sample_object)
    assert found is not None
    return found


@pytest.mark.parametrize("count", [0, 4])
def test_fewer_than_5_communities_are_all_checked(count: int) -> None:
    residential = group(TownPopulation(communities=communities(count)), SampleObject.RESIDENTIAL)
    assert len(residential.draws) == count
    assert all(draw.reasons == (DrawReason.ALL,) for draw in residential.draws)
    assert residential.note == ""


def test_exactly_5_communities_are_all_checked_and_the_plan_says_why() -> None:
    # "不足5个…全部核查，超过5个…随机抽查" leaves 5 open: all five are checked, which also meets "不少于5个".
    residential = group(TownPopulation(communities=communities(5)), SampleObject.RESIDENTIAL)
    assert residential.ids == ("c01", "c02", "c03", "c04", "c05")
    assert "恰为5个" in residential.note
    assert residential.draws[0].rule.startswith("附件3 三(三)：建设区内生活小区")


def test_6_communities_give_5_including_the_largest_the_oldest_and_the_most_complex() -> None:
    # c02 is the largest (900 households), c04 the oldest (1978), c06 the most complex (score 9).
    pool = communities(6)
    pool[1] = Community("c02", size=900, year_built=2002, drainage_complexity=1)
    pool[3] = Community("c04", size=104, year_built=1978, drainage_complexity=1)
    pool[5] = Community("c06", size=106, year_built=2006, drainage_complexity=9)
    for seed in SEEDS:
        residential = group(TownPopulation(communities=pool), SampleObject.RESIDENTIAL, seed)
        reasons = {draw.id: draw.reasons for draw in residential.draws}
        assert len(residential.draws) == 5
        assert reasons["c02"] == (DrawReason.LARGEST,)
        assert reasons["c04"] == (DrawReason.OLDEST,)
        assert reasons["c06"] == (DrawReason.MOST_COMPLEX,)
        # The other two are random among c01, c03, c05.
        assert sorted(r for r in reasons.values() if r == (DrawReason.RANDOM,)) == [(DrawReason.RANDOM,)] * 2


def test_a_community_both_largest_and_oldest_is_drawn_once_and_the_rest_filled_at_random() -> None:
    # c03 is both the largest and the oldest; c01 … c08 share complexity 1, so the smallest id c01 is the
    # "most complex" (ties go to the smallest id). 2 required draws + 3 random = 5.
    pool = communities(8)
    pool[2] = Community("c03", size=900, year_built=1978, drainage_complexity=1)
    residential = group(TownPopulation(communities=pool), SampleObject.RESIDENTIAL)
    reasons = {draw.id: draw.reasons for draw in residential.draws}
    assert reasons["c03"] == (DrawReason.LARGEST, DrawReason.OLDEST)
    assert reasons["c01"] == (DrawReason.MOST_COMPLEX,)
    assert len(residential.draws) == 5 and residential.required == 5
    assert residential.draws[0].rule.endswith("必须包含最大、最老及排水系统最复杂的生活小区")


def non_residential(categories: list[str]) -> list[NonResidential]:
    return [NonResidential(f"n{i:02d}", category) for i, category in enumerate(categories, start=1)]


@pytest.mark.parametrize("count", [9, 10])
def test_up_to_10_non_residential_units_are_all_checked(count: int) -> None:
    units = non_residential(["商场"] * count)
    sample = group(TownPopulation(non_residential=units), SampleObject.NON_RESIDENTIAL)
    assert len(sample.draws) == count and {d.reasons for d in sample.draws} == {(DrawReason.ALL,)}
    assert ("恰为10个" in sample.note) is (count == 10)


def test_11_non_residential_units_give_10_with_every_category_represented() -> None:
    # 8 shops, 1 school, 1 hospital, 1 office: the single school, hospital and office must always be drawn.
    units = non_residential(["商场"] * 8 + ["学校", "医疗机构", "写字楼"])
    for seed in SEEDS:
        sample = group(TownPopulation(non_residential=units), SampleObject.NON_RESIDENTIAL, seed)
        assert len(sample.draws) == 10
        assert {"n09", "n10", "n11"} <= set(sample.ids)
        covered = [d.detail for d in sample.draws if d.reasons == (DrawReason.CATEGORY,)]
        assert len(covered) == 4 and set(covered) == {
            "类别：商场",
            "类别：学校",
            "类别：医疗机构",
            "类别：写字楼",
        }


def test_more_than_10_categories_give_one_unit_per_category() -> None:
    # 13 units in 12 categories: one per category → 12 draws, more than the minimum of 10.
    units = non_residential([f"类别{i}" for i in range(12)] + ["类别0"])
    sample = group(TownPopulation(non_residential=units), SampleObject.NON_RESIDENTIAL)
    assert len(sample.draws) == 12 and sample.required == 12
    assert "多于10个" in sample.note


@pytest.mark.parametrize(("tasks", "checked"), [(0, 0), (1, 1), (9, 3), (10, 3), (11, 4), (20, 6), (21, 7)])
def test_records_of_at_least_30_percent_of_the_tasks_are_checked_rounded_up(tasks: int, checked: int) -> None:
    # 9 × 30 % = 2.7 → 3; 10 → 3; 11 → 3.3 → 4; 21 → 6.3 → 7
    assert records_to_check(tasks) == checked
    population = TownPopulation(pipe_tasks=[Candidate(f"t{i:03d}") for i in range(tasks)])
    assert len(group(population, SampleObject.TASK_RECORDS).draws) == checked


def points(network: Network, count: int) -> list[InspectionPoint]:
    return [InspectionPoint(f"{network.value.lower()}-{i:03d}", network) for i in range(count)]


def test_20_rain_and_20_sewage_points_are_checked_when_the_ledger_has_them() -> None:
    population = TownPopulation(
        inspection_points=points(Network.RAIN, 25) + points(Network.SEWAGE, 20),
        pipe_segments=[PipeSegment("s1", Network.RAIN, Decimal(5000))],
    )
    plan = plan_town_sample(population, seed=3)
    rain, sewage = plan.group(SampleObject.RAIN_POINTS), plan.group(SampleObject.SEWAGE_POINTS)
    assert rain is not None and sewage is not None and plan.group(SampleObject.PIPE_LENGTH) is None
    assert (len(rain.draws), len(sewage.draws)) == (20, 20)
    assert all(p.startswith("rain-") for p in rain.ids)


def test_with_19_rain_points_at_least_1_km_of_pipe_is_walked_alternating_rain_and_sewage() -> None:
    # 19 rain points < 20: fall back to length. 5 rain + 5 sewage segments of 150 m: rain, sewage, rain, …
    # until ≥ 1000 m: 7 segments = 1050 m (4 rain, 3 sewage).
    segments = [PipeSegment(f"r{i}", Network.RAIN, Decimal(150)) for i in range(5)] + [
        PipeSegment(f"w{i}", Network.SEWAGE, Decimal(150)) for i in range(5)
    ]
    population = TownPopulation(
        inspection_points=points(Network.RAIN, 19) + points(Network.SEWAGE, 30), pipe_segments=segments
    )
    plan = plan_town_sample(population, seed=3)
    length = plan.group(SampleObject.PIPE_LENGTH)
    assert length is not None and plan.group(SampleObject.RAIN_POINTS) is None
    assert sum(d.length_m or 0 for d in length.draws) == Decimal(1050)
    assert [d.id[0] for d in length.draws] == ["r", "w", "r", "w", "r", "w", "r"]
    assert not length.shortfall and "雨水 19" in length.note


def test_pipe_shorter_than_1_km_is_walked_in_full_and_flagged() -> None:
    # 3 × 200 m = 600 m < 1000 m: every segment, shortfall.
    population = TownPopulation(
        pipe_segments=[PipeSegment(f"s{i}", Network.SEWAGE, Decimal(200)) for i in range(3)]
    )
    length = group(population, SampleObject.PIPE_LENGTH)
    assert (len(length.draws), length.shortfall) == (3, True)


def test_too_few_points_and_no_segments_checks_every_point_and_flags_the_shortfall() -> None:
    population = TownPopulation(inspection_points=points(Network.RAIN, 19) + points(Network.SEWAGE, 20))
    rain = group(population, SampleObject.RAIN_POINTS)
    sewage = group(population, SampleObject.SEWAGE_POINTS)
    assert (len(rain.draws), rain.shortfall) == (19, True)
    assert (len(sewage.draws), sewage.shortfall) == (20, False)


def test_facilities_taking_industrial_wastewater_are_checked_on_top_of_the_quota_of_1() -> None:
    # f1, f2 take industrial wastewater: both checked, not counted; 1 more drawn from f3, f4 → 3 in all.
    facilities = [
        Facility("f1", takes_industrial_wastewater=True, outfall_ids=("o1",)),
        Facility("f2", takes_industrial_wastewater=True, outfall_ids=("o2",)),
        Facility("f3", outfall_ids=("o3",)),
        Facility("f4", outfall_ids=("o4", "o5")),
    ]
    for seed in SEEDS:
        sample = group(TownPopulation(facilities=facilities), SampleObject.FACILITIES, seed)
        reasons = [d.reasons for d in sample.draws]
        assert reasons == [(DrawReason.INDUSTRIAL_WASTEWATER,)] * 2 + [(DrawReason.RANDOM,)]
        assert sample.draws[2].id in {"f3", "f4"} and sample.required == 1
        assert sample.draws[0].outfall_ids == ("o1",)
        assert "不占用规定的抽查样本量个数" in sample.draws[0].rule


def test_a_town_whose_facilities_all_take_industrial_wastewater_checks_them_all_and_flags_the_quota() -> None:
    facilities = [
        Facility("f1", takes_industrial_wastewater=True),
        Facility("f2", takes_industrial_wastewater=True),
    ]
    sample = group(TownPopulation(facilities=facilities), SampleObject.FACILITIES)
    assert (sample.ids, sample.shortfall) == (("f1", "f2"), True)


def full_population() -> TownPopulation:
    return TownPopulation(
        communities=communities(12),
        non_residential=non_residential(["商场", "学校", "医疗机构"] * 6),
        pipe_tasks=[Candidate(f"t{i:03d}") for i in range(40)],
        inspection_points=points(Network.RAIN, 60) + points(Network.SEWAGE, 60),
        facilities=[Facility(f"f{i}") for i in range(4)],
    )


def test_the_same_seed_and_ledger_give_the_same_plan_whatever_the_input_order() -> None:
    population = full_population()
    shuffled = TownPopulation(
        communities=list(reversed(population.communities)),
        non_residential=list(reversed(population.non_residential)),
        pipe_tasks=list(reversed(population.pipe_tasks)),
        inspection_points=list(reversed(population.inspection_points)),
        facilities=list(reversed(population.facilities)),
    )
    first = plan_town_sample(population, seed=20250630)
    assert first == plan_town_sample(population, seed=20250630) == plan_town_sample(shuffled, seed=20250630)
    assert first.seed == 20250630


def test_different_seeds_typically_give_different_plans() -> None:
    plans = {plan_town_sample(full_population(), seed=seed).groups for seed in range(10)}
    assert len(plans) > 1


def test_every_drawn_item_carries_the_article_that_put_it_there() -> None:
    plan = plan_town_sample(full_population(), seed=1)
    assert all(draw.rule.startswith("附件3 三(三)：") for g in plan.groups for draw in g.draws)


def test_duplicate_candidate_ids_are_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        plan_town_sample(TownPopulation(pipe_tasks=[Candidate("t1"), Candidate("t1")]), seed=1)
    assert raised.value.field == "pipe_tasks[1].id"
