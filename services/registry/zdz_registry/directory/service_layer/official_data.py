"""Loading the official registry (000 附件1 and 附件2) at first start, idempotently.

The data file is derived by the project from the documents; see its `notes` for every judgement call.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlmodel import Session, select

from zdz_common.context import Actor, CommandContext
from zdz_common.errors import AlreadyExists, ConcurrencyConflict
from zdz_common.vocabulary import UnitKind
from zdz_registry.directory.adapters.orm import DistrictView, UnitView
from zdz_registry.directory.domain.commands import CreateDistrict, CreateUnit
from zdz_registry.directory.domain.model import DistrictTargets, ParkLevel, UnitDetails, unit_id_for
from zdz_registry.directory.service_layer.services import RegistryService

log = logging.getLogger(__name__)

OFFICIAL_LOADER = Actor(organisation="zdz", role="SYSTEM", person="official-data-loader")
# A town named in 附件2 must reach the standard by end 2027 (all along-river towns by 2027; 80 % of them by 2025).
ALONG_RIVER_TOWN_TARGET_YEAR = 2027


@dataclass(frozen=True)
class LoadReport:
    districts_created: int
    units_created: int
    already_present: int


def official_data() -> dict[str, Any]:
    text = (
        resources.files("zdz_registry.directory.data")
        .joinpath("official_2024.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)  # type: ignore[no-any-return]


def load_official_data(service: RegistryService, data: dict[str, Any] | None = None) -> LoadReport:
    """Create every district, scheduled park group and along-river town that is not there yet."""
    data = data or official_data()
    context = CommandContext(actor=OFFICIAL_LOADER, request_id="official-data-2024")
    districts = units = present = 0
    with Session(service.engine) as session:
        known_districts = set(session.exec(select(DistrictView.code)).all())
        known_units = set(session.exec(select(UnitView.id)).all())
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
    wanted: list[CreateUnit] = [
        CreateUnit(
            district_code=group["district"],
            kind=UnitKind.PARK_GROUP,
            details=UnitDetails(
                name=group["name"],
                along_river=group["along_river"],
                target_year=group["target_year"],
                park=group.get("park") or "",
                level=ParkLevel(group["level"]),
            ),
        )
        for group in data["park_groups"]
    ] + [
        CreateUnit(
            district_code=town["district"],
            kind=UnitKind.TOWN,
            details=UnitDetails(
                name=town["name"], along_river=True, target_year=ALONG_RIVER_TOWN_TARGET_YEAR
            ),
        )
        for town in data["along_river_towns"]
    ]
    for command in wanted:
        if unit_id_for(command.district_code, command.kind, command.details.name) in known_units:
            present += 1
            continue
        try:
            service.create_unit(command, context)
        except (AlreadyExists, ConcurrencyConflict):  # another replica loaded it first
            present += 1
            continue
        units += 1
    log.info(
        "official data: %d districts and %d units created, %d already present", districts, units, present
    )
    return LoadReport(districts, units, present)
