"""The municipal spot-check draw: 2–3 accepted towns (000 附件3 三(二)4) and at least 1 accepted park group
(000 附件4 三(二)4) per district, seeded and reproducible."""

from __future__ import annotations

import pytest

from zdz_common.vocabulary import NoAcceptanceForVillages, UnitKind, UnknownUnitKind
from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.spot_check import AcceptedUnit, draw_spot_check

TOWN, PARK = UnitKind.TOWN, UnitKind.PARK_GROUP


def accepted(district: str, towns: int, parks: int) -> list[AcceptedUnit]:
    return [AcceptedUnit(f"{district}-town-{i}", district, TOWN) for i in range(towns)] + [
        AcceptedUnit(f"{district}-park-{i}", district, PARK) for i in range(parks)
    ]


UNITS = accepted("wanzhou", 8, 3) + accepted("fuling", 5, 2) + accepted("yuzhong", 4, 0)


def test_by_default_2_towns_and_1_park_group_are_drawn_per_district() -> None:
    draw = draw_spot_check(UNITS, seed=7)
    assert [d.district_code for d in draw.districts] == ["fuling", "wanzhou", "yuzhong"]
    wanzhou = draw.district("wanzhou")
    assert wanzhou is not None
    assert (len(wanzhou.towns.drawn), len(wanzhou.parks.drawn)) == (2, 1)
    assert all(unit.startswith("wanzhou-town-") for unit in wanzhou.towns.drawn)
    assert wanzhou.towns.rule == "附件3 三(二)4：每个区县随机抽取2—3个镇街进行复查"
    assert not wanzhou.towns.short


def test_the_municipal_team_may_draw_3_towns_per_district() -> None:
    wanzhou = draw_spot_check(UNITS, seed=7, towns_per_district=3).district("wanzhou")
    assert wanzhou is not None and len(wanzhou.towns.drawn) == 3


@pytest.mark.parametrize("towns", [1, 4])
def test_a_town_quota_outside_2_to_3_is_refused(towns: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        draw_spot_check(UNITS, seed=7, towns_per_district=towns)
    assert raised.value.field == "towns_per_district"


def test_a_park_quota_below_1_is_refused() -> None:
    with pytest.raises(InvalidInput):
        draw_spot_check(UNITS, seed=7, parks_per_district=0)


def test_a_district_with_fewer_accepted_units_than_the_quota_gets_all_of_them_and_the_draw_says_so() -> None:
    # yuzhong has 4 towns but no accepted park group; changshou has 1 town (quota 2) and 1 park (quota 1).
    draw = draw_spot_check([*UNITS, *accepted("changshou", 1, 1)], seed=7)
    changshou, yuzhong = draw.district("changshou"), draw.district("yuzhong")
    assert changshou is not None and yuzhong is not None
    assert (changshou.towns.drawn, changshou.towns.short) == (("changshou-town-0",), True)
    assert "全部抽取" in changshou.towns.note
    # Exactly the quota: all drawn, but not short.
    assert (changshou.parks.drawn, changshou.parks.short, changshou.parks.note) == (
        ("changshou-park-0",),
        False,
        "",
    )
    assert (yuzhong.parks.drawn, yuzhong.parks.available, yuzhong.parks.short) == ((), 0, True)


def test_the_same_seed_gives_the_same_draw_whatever_the_input_order() -> None:
    first = draw_spot_check(UNITS, seed=2025)
    assert first == draw_spot_check(list(reversed(UNITS)), seed=2025)
    assert first.seed == 2025


def test_different_seeds_typically_give_different_draws() -> None:
    assert len({draw_spot_check(UNITS, seed=seed).districts for seed in range(10)}) > 1


def test_a_unit_listed_twice_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        draw_spot_check([*UNITS, UNITS[0]], seed=1)
    assert raised.value.field == f"units[{len(UNITS)}].id"


def test_a_unit_of_a_kind_the_articles_give_no_quota_is_refused_not_left_out() -> None:
    hamlet = AcceptedUnit("wanzhou-hamlet-1", "wanzhou", "HAMLET")  # type: ignore[arg-type]
    with pytest.raises(UnknownUnitKind, match="市级抽查"):
        draw_spot_check([*UNITS, hamlet], seed=7)


def test_a_village_is_never_drawn_it_has_no_acceptance_to_check() -> None:
    village = AcceptedUnit("wanzhou-village-1", "wanzhou", UnitKind.VILLAGE)
    with pytest.raises(NoAcceptanceForVillages, match="市级抽查"):
        draw_spot_check([*UNITS, village], seed=7)
