"""Loading the official registry at first start, idempotently: the districts and park groups of 000 附件1, every
town/street (镇街) and administrative village (村民委员会) of Chongqing in the national statistical division codes,
the functional zones' towns (dated data) and the along-river flags of 附件2.

The data files are derived by the project (scripts/derive_division.py; official_2024.json by hand from 000); see
their notes for every judgement call.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import tomllib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from sqlmodel import Session, select

from zdz_common.context import Actor, CommandContext
from zdz_common.errors import AlreadyExists, ConcurrencyConflict
from zdz_common.vocabulary import UnitKind
from zdz_registry.directory.adapters.orm import DistrictView, UnitView
from zdz_registry.directory.domain.commands import CreateDistrict, CreateUnit, UpdateUnit
from zdz_registry.directory.domain.model import (
    UNIT_ID_NAMESPACE,
    DistrictTargets,
    ParkLevel,
    UnitDetails,
    unit_id_for,
)
from zdz_registry.directory.service_layer.services import RegistryService

log = logging.getLogger(__name__)

OFFICIAL_LOADER = Actor(organisation="zdz", role="SYSTEM", person="official-data-loader")
DATA_PACKAGE = "zdz_registry.directory.data"
# Towns and villages are due by end 2027: the 2025 shares are counted by progress, not by a per-unit year
# (000 一, 附件1); 千村示范 counts 1,000 villages by 2027 (000 二（三）).
TOWN_TARGET_YEAR = 2027
VILLAGE_TARGET_YEAR = 2027
ATTACHMENT_2 = "000 附件2"


@dataclass(frozen=True)
class LoadReport:
    districts_created: int
    units_created: int
    already_present: int


def _text(name: str) -> str:
    return resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def official_data() -> dict[str, Any]:
    return json.loads(_text("official_2024.json"))  # type: ignore[no-any-return]


def division() -> dict[str, Any]:
    """The provenance of the division codes (package, version, date)."""
    return json.loads(_text("division_2023.json"))  # type: ignore[no-any-return]


@cache  # named on every town and village of the load: read the provenance file once
def division_source() -> str:
    meta = division()
    return f"{meta['source']}（截至{meta['codes_as_of']}；{meta['package']} {meta['version']}）"


def division_towns() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text("division_2023_towns.csv"))))


def division_villages() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text("division_2023_villages.csv"))))


def functional_zones(today: date | None = None) -> tuple[str, dict[str, Any]]:
    """The newest functional-zones file in force on `today` (an administrative change is a newer file)."""
    today = today or date.today()
    files = sorted(
        entry.name
        for entry in resources.files(DATA_PACKAGE).iterdir()
        if entry.name.startswith("functional_zones_") and entry.name.endswith(".toml")
    )
    in_force = [
        (name, data)
        for name in files
        if date.fromisoformat((data := tomllib.loads(_text(name)))["valid_from"]) <= today
    ]
    return in_force[-1]


def town_id_for(official_code: str) -> str:
    """A town's or village's id, stable and derived from its official code."""
    return str(uuid.uuid5(UNIT_ID_NAMESPACE, f"division/{official_code}"))


@dataclass(frozen=True)
class PlacedTown:
    official_code: str
    name: str
    district_code: str
    along_river: bool
    source: str


def place_towns(
    towns: Iterable[dict[str, str]], data: dict[str, Any], zones_file: str, zones: dict[str, Any]
) -> list[PlacedTown]:
    """Each town in its registry district: the administrative district it is coded under, unless the functional
    zones file gives it to a zone, or 附件2 names it under a zone (附件2 wins); along-river from 附件2, matched by
    name within the town's registry district. An 附件2 town not found is logged, never invented."""
    by_gb = {d["gb_code"]: d["code"] for d in data["districts"] if d.get("gb_code")}
    zone_codes = {z["district"] for z in zones["zone"]}
    towns = list(towns)
    placed: dict[str, tuple[str, str]] = {
        t["official_code"]: (by_gb[t["area_code"]], division_source()) for t in towns
    }
    for zone in zones["zone"]:
        for town in zone["town"]:
            placed[town["official_code"]] = (zone["district"], f"{zones_file}：{town['source']}")
    names = {t["official_code"]: t["name"] for t in towns}
    along: set[str] = set()
    for listed in data["along_river_towns"]:
        candidates = [
            c for c, (d, _) in placed.items() if d == listed["district"] and names[c] == listed["name"]
        ]
        if not candidates and listed["district"] in zone_codes:  # 附件2 wins: a zone town no file lists yet
            candidates = [c for c in names if names[c] == listed["name"]][:1]
            for code in candidates:
                placed[code] = (listed["district"], ATTACHMENT_2)
        if len(candidates) != 1:
            log.warning(
                "附件2 town %s/%s not found once in the division data", listed["district"], listed["name"]
            )
            continue
        along.add(candidates[0])
    return [
        PlacedTown(code, names[code], district, code in along, source)
        for code, (district, source) in sorted(placed.items())
    ]


def load_official_data(
    service: RegistryService,
    data: dict[str, Any] | None = None,
    *,
    villages: bool = True,
    today: date | None = None,
) -> LoadReport:
    """Create every district, park group, town/street and (with `villages`) village that is not there yet."""
    data = data or official_data()
    context = CommandContext(actor=OFFICIAL_LOADER, request_id="official-data-2024")
    districts = units = present = 0
    with Session(service.engine) as session:
        known_districts = set(session.exec(select(DistrictView.code)).all())
        known_units = {row.id: row for row in session.exec(select(UnitView)).all()}
    for ordinal, row in enumerate(data["districts"], start=1):
        if row["code"] in known_districts:
            present += 1
            continue
        try:
            service.create_district(
                CreateDistrict(
                    code=row["code"],
                    name=row["name"],
                    gb_code=row.get("gb_code") or "",
                    targets=DistrictTargets(row["town_share_2025"], row["town_share_2027"]),
                    ordinal=ordinal,
                ),
                context,
            )
        except (AlreadyExists, ConcurrencyConflict):  # another replica loaded it first
            present += 1
            continue
        districts += 1

    parks = [
        CreateUnit(
            district_code=group["district"],
            kind=UnitKind.PARK_GROUP,
            details=UnitDetails(
                name=group["name"],
                along_river=group["along_river"],
                target_year=group["target_year"],
                park=group.get("park") or "",
                level=ParkLevel(group["level"]),
                out_of_scope=bool(group.get("out_of_scope")),
                note=group.get("note") or "",
            ),
            unit_id=unit_id_for(group["district"], UnitKind.PARK_GROUP, group["name"]),
            source=data["source"],
        )
        for group in data["park_groups"]
    ]
    zones_file, zones = functional_zones(today)
    placed = place_towns(division_towns(), data, zones_file, zones)
    legacy = {(u.district_code, u.name): u for u in known_units.values() if u.kind == UnitKind.TOWN.value}
    towns: list[CreateUnit] = []
    for town in placed:
        details = UnitDetails(
            name=town.name,
            along_river=town.along_river,
            target_year=TOWN_TARGET_YEAR,
            official_code=town.official_code,
        )
        older = legacy.get((town.district_code, town.name))
        if older is not None and older.id != town_id_for(town.official_code):
            # Registered by the loader before issue 12 under a name-based id: it keeps its id, gains its code.
            if not older.official_code:
                service.update_unit(UpdateUnit(older.id, details, source=town.source), context)
            present += 1
            continue
        towns.append(
            CreateUnit(
                district_code=town.district_code,
                kind=UnitKind.TOWN,
                details=details,
                unit_id=town_id_for(town.official_code),
                source=town.source + (f"；{ATTACHMENT_2}" if town.along_river else ""),
            )
        )
    district_of_town = {t.official_code: t.district_code for t in placed}
    id_of_town = {t.official_code: (legacy.get((t.district_code, t.name)) or t) for t in placed}
    village_commands = (
        [
            CreateUnit(
                district_code=district_of_town[v["town_code"]],
                kind=UnitKind.VILLAGE,
                details=UnitDetails(
                    name=v["name"],
                    along_river=False,
                    target_year=VILLAGE_TARGET_YEAR,
                    official_code=v["official_code"],
                ),
                unit_id=town_id_for(v["official_code"]),
                source=division_source(),
                town_id=_id_of(id_of_town[v["town_code"]]),
            )
            for v in division_villages()
        ]
        if villages
        else []
    )
    wanted = parks + towns + village_commands
    fresh = [c for c in wanted if c.unit_id not in known_units]
    present += len(wanted) - len(fresh)
    for district in data["districts"]:  # one transaction per district: ~250 units each
        batch = [c for c in fresh if c.district_code == district["code"]]
        if batch:
            units += service.register_units(batch, context)
    log.info(
        "official data: %d districts and %d units created, %d already present", districts, units, present
    )
    return LoadReport(districts, units, present)


def _id_of(town: UnitView | PlacedTown) -> str:
    return town.id if isinstance(town, UnitView) else town_id_for(town.official_code)
