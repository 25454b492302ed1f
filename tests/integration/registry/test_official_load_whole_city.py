"""Issue 12: after the official load the registry holds every town/street of the division codes once, each in its
district or functional zone, and every administrative village; counts are checked against the derived files
(which tests/unit/registry/test_division_data.py checks against the npm package)."""

from __future__ import annotations

import csv
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from zdz_common.vocabulary import UnitKind
from zdz_registry.bootstrap import bootstrap
from zdz_registry.directory.service_layer.official_data import load_official_data, official_data, town_id_for
from zdz_registry.directory.service_layer.services import RegistryService, UnitFilter

DATA = Path(__file__).resolve().parents[3] / "services/registry/zdz_registry/directory/data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> RegistryService:
    service = bootstrap(f"sqlite:///{tmp_path_factory.mktemp('city') / 'registry.db'}")
    load_official_data(service)
    return service


def _units(service: RegistryService, kind: UnitKind, district: str = "") -> list:  # type: ignore[type-arg]
    units, token = [], ""
    while True:
        page = service.list_units(
            UnitFilter(district_code=district, kind=kind), page_size=1000, page_token=token
        )
        units.extend(page.items)
        token = page.next_page_token
        if not token:
            return units


def test_the_city_counts_every_town_of_the_division_data_once(loaded: RegistryService) -> None:
    towns = _units(loaded, UnitKind.TOWN)
    assert len(towns) == 1031
    assert sorted(u.official_code for u in towns) == sorted(
        t["official_code"] for t in _rows("division_2023_towns.csv")
    )
    assert all(u.id == town_id_for(u.official_code) for u in towns)  # stable, derived from the code


def test_a_district_untouched_by_the_zones_holds_exactly_its_division_towns(loaded: RegistryService) -> None:
    division = _rows("division_2023_towns.csv")
    for district, gb_code in (("wanzhou", "500101"), ("fuling", "500102"), ("youyang", "500242")):
        registered = {u.official_code for u in _units(loaded, UnitKind.TOWN, district)}
        assert registered == {t["official_code"] for t in division if t["area_code"] == gb_code}, district
    assert len(_units(loaded, UnitKind.TOWN, "wanzhou")) == 52  # 万州: 52 towns/streets


def test_the_functional_zones_hold_their_documented_towns(loaded: RegistryService) -> None:
    (zones_file,) = DATA.glob("functional_zones_*.toml")
    zones = tomllib.loads(zones_file.read_text(encoding="utf-8"))
    for zone in zones["zone"]:
        registered = {u.official_code for u in _units(loaded, UnitKind.TOWN, zone["district"])}
        assert registered == {t["official_code"] for t in zone["town"]}, zone["district"]


def test_town_counts_per_district_follow_the_derived_file_less_the_zones(loaded: RegistryService) -> None:
    (zones_file,) = DATA.glob("functional_zones_*.toml")
    zone_towns = {
        t["official_code"] for z in tomllib.loads(zones_file.read_text())["zone"] for t in z["town"]
    }
    expected = Counter(
        t["area_code"] for t in _rows("division_2023_towns.csv") if t["official_code"] not in zone_towns
    )
    for district in official_data()["districts"]:
        if district["gb_code"]:
            assert len(_units(loaded, UnitKind.TOWN, district["code"])) == expected[district["gb_code"]], (
                district
            )
    # By hand: 綦江 31 coded − 10 万盛 = 21; 大足 27 − 3 双桥 = 24; 九龙坡 19 − 6 高新区 = 13.
    assert [len(_units(loaded, UnitKind.TOWN, d)) for d in ("qijiang", "dazu", "jiulongpo")] == [21, 24, 13]


def test_every_attachment2_town_is_flagged_along_river_in_its_district(loaded: RegistryService) -> None:
    along = Counter(u.district_code for u in _units(loaded, UnitKind.TOWN) if u.along_river)
    assert sum(along.values()) == 147
    assert along == Counter(t["district"] for t in official_data()["along_river_towns"])


def test_village_counts_per_district_equal_the_administrative_villages(loaded: RegistryService) -> None:
    villages = _units(loaded, UnitKind.VILLAGE)
    assert len(villages) == 7946
    town_district = {u.official_code: u.district_code for u in _units(loaded, UnitKind.TOWN)}
    expected = Counter(town_district[v["town_code"]] for v in _rows("division_2023_villages.csv"))
    assert Counter(u.district_code for u in villages) == expected
    town_code = {u.id: u.official_code for u in _units(loaded, UnitKind.TOWN)}
    assert all(u.official_code.startswith(town_code[u.town_id]) for u in villages)  # each under its town


def test_a_second_load_creates_nothing(loaded: RegistryService) -> None:
    report = load_official_data(loaded)
    assert (report.districts_created, report.units_created) == (0, 0)
