"""A synthetic Chongqing, deterministic from a seed, at a scale in per cent of the real city.

The directory is the real registry data (000 附件1 and the national division codes, as the official load reads
them): every district with its real name and targets, and a seeded sample of `scale` % of the 1,031 towns/streets
and of the 107 park groups (at least one of each), with their real ids, names, districts and along-river flags.

Each sampled unit gets a ledger sized like 002's five park-group cases: from a few dozen to several hundred source
households (36 to 667 in 002), 1–4 treatment facilities, 50–300 pipe segments with inspection points, 5–80
outfalls and 10–30 problems, each with its opening task step. Towns hold residential and non-residential
households; park groups hold enterprises. The same seed and scale give byte-identical ledgers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from zdz.registry.v1 import ledger_pb2 as pb
from zdz_common.context import CommandContext
from zdz_common.vocabulary import UnitKind
from zdz_registry.directory.domain.commands import CreateDistrict, CreateUnit
from zdz_registry.directory.domain.model import DistrictTargets, ParkLevel, UnitDetails, unit_id_for
from zdz_registry.directory.service_layer.official_data import (
    OFFICIAL_LOADER,
    TOWN_TARGET_YEAR,
    division_towns,
    functional_zones,
    official_data,
    place_towns,
    town_id_for,
)
from zdz_registry.directory.service_layer.services import RegistryService

DEFAULT_SEED = 15
SCALES = (1.0, 10.0, 100.0)


@dataclass(frozen=True)
class SyntheticUnit:
    unit_id: str
    district_code: str
    kind: UnitKind
    name: str
    size: int  # source households; the rest of the ledger follows from it and the seed

    def ledger(self, seed: int) -> list[pb.LedgerRow]:
        return ledger_rows(self, seed)


def _log_uniform(rng: random.Random, low: int, high: int) -> int:
    return round(math.exp(rng.uniform(math.log(low), math.log(high))))


def ledger_rows(unit: SyntheticUnit, seed: int) -> list[pb.LedgerRow]:
    """The unit's ledger: 源 households, 网 pipes and inspection points, 厂 facilities, 口 outfalls, problems."""
    rng = random.Random(f"{seed}/{unit.unit_id}")
    households, park = unit.size, unit.kind is UnitKind.PARK_GROUP
    pipes = max(50, min(300, households // 2 + rng.randint(0, 60)))
    points = pipes // 2
    facilities = rng.randint(1, 4)
    outfalls = max(5, min(80, households // 8 + rng.randint(0, 10)))
    problems = rng.randint(10, 30)
    rows: list[pb.LedgerRow] = []
    for n in range(households):
        if park:
            household = pb.SourceHousehold(
                code=f"H-{n:04d}",
                name=f"企业{n:04d}",
                kind=pb.HOUSEHOLD_KIND_ENTERPRISE,
                water_related=rng.random() < 0.3,
                discharge_permit=rng.random() < 0.1,
                floor_area_m2=float(rng.randint(500, 20000)),
                year_built=rng.randint(1990, 2023),
                surveyed=rng.random() < 0.95,
            )
        else:
            residential = rng.random() < 0.7
            household = pb.SourceHousehold(
                code=f"H-{n:04d}",
                name=f"{'小区' if residential else '商户'}{n:04d}",
                kind=pb.HOUSEHOLD_KIND_RESIDENTIAL if residential else pb.HOUSEHOLD_KIND_NON_RESIDENTIAL,
                category=0 if residential else pb.CATEGORY_MALL,
                building=pb.BUILDING_NON_SINGLE,
                floor_area_m2=float(rng.randint(300, 30000)),
                year_built=rng.randint(1975, 2023),
                drainage_complexity=rng.randint(1, 3),
                surveyed=rng.random() < 0.9,
                self_check=pb.SELF_CHECK_PASSED,
            )
        rows.append(pb.LedgerRow(source_household=household))
    for n in range(pipes):
        rows.append(
            pb.LedgerRow(
                pipe_segment=pb.PipeSegment(
                    code=f"P-{n:04d}",
                    network=1 + rng.randint(0, 1),
                    length_m=float(rng.randint(30, 800)),
                    surveyed=rng.random() < 0.9,
                )
            )
        )
    for n in range(points):
        rows.append(
            pb.LedgerRow(
                inspection_point=pb.InspectionPoint(code=f"J-{n:04d}", network=1 + rng.randint(0, 1))
            )
        )
    for n in range(facilities):
        rows.append(
            pb.LedgerRow(
                treatment_facility=pb.TreatmentFacility(
                    code=f"F-{n:02d}",
                    name=f"污水处理厂{n + 1}",
                    capacity_m3_per_day=float(rng.choice((2000, 8000, 15000, 40000))),
                    surveyed=True,
                )
            )
        )
    for n in range(outfalls):
        on_facility = n < facilities
        rows.append(
            pb.LedgerRow(
                outfall=pb.Outfall(
                    code=f"K-{n:03d}",
                    name=f"排口{n + 1}",
                    attached_to=pb.ATTACHMENT_FACILITY if on_facility else pb.ATTACHMENT_NETWORK,
                    facility_code=f"F-{n:02d}" if on_facility else "",
                    network=0 if on_facility else pb.NETWORK_TYPE_RAIN,
                    standardised=rng.random() < 0.8,
                    surveyed=True,
                )
            )
        )
    for n in range(problems):
        code = f"Q-{n:03d}"
        rows.append(
            pb.LedgerRow(
                problem=pb.Problem(
                    code=code,
                    entity_class=pb.ENTITY_CLASS_PIPE_SEGMENT,
                    entity_code=f"P-{rng.randrange(pipes):04d}",
                    type=pb.PROBLEM_TYPE_BLOCKAGE,
                    location="某路",
                    found_by=pb.FOUND_BY_SURVEY,
                    found_on="2025-01-10",
                )
            )
        )
        rows.append(
            pb.LedgerRow(
                task_step=pb.TaskStep(
                    problem_code=code,
                    action=pb.TASK_ACTION_OPEN,
                    owner="街道办" if not park else "园区管委会",
                    deadline="2025-06-30",
                    step=pb.Step(by="街道办" if not park else "园区管委会", on="2025-02-01"),
                )
            )
        )
    return rows


@dataclass(frozen=True)
class City:
    scale: float
    seed: int
    districts: tuple[CreateDistrict, ...]
    units: tuple[CreateUnit, ...]

    @cached_property
    def synthetic_units(self) -> tuple[SyntheticUnit, ...]:
        rng = random.Random(f"{self.seed}/sizes")
        return tuple(
            SyntheticUnit(
                unit_id=u.unit_id or "",
                district_code=u.district_code,
                kind=u.kind,
                name=u.details.name,
                size=_log_uniform(rng, 36, 667),
            )
            for u in self.units
        )

    def ledgers(self) -> Iterator[tuple[SyntheticUnit, list[pb.LedgerRow]]]:
        for unit in self.synthetic_units:
            yield unit, unit.ledger(self.seed)

    def count(self, kind: UnitKind) -> int:
        return sum(1 for u in self.units if u.kind is kind)

    def register(self, service: RegistryService) -> None:
        """Every district and the sampled units into the registry, one transaction per district's units."""
        context = CommandContext(actor=OFFICIAL_LOADER, request_id=f"bench-city-{self.seed}")
        for district in self.districts:
            service.create_district(district, context)
        for district in self.districts:
            batch = [u for u in self.units if u.district_code == district.code]
            if batch:
                service.register_units(batch, context)


def _sample(rng: random.Random, items: list, scale: float) -> list:  # type: ignore[type-arg]
    wanted = max(1, round(len(items) * scale / 100))
    return sorted(rng.sample(items, min(wanted, len(items))), key=items.index)


def build_city(scale: float = 10.0, seed: int = DEFAULT_SEED) -> City:
    """`scale` % of the real city's towns and park groups (all districts), chosen by `seed`."""
    data = official_data()
    rng = random.Random(f"{seed}/units")
    districts = tuple(
        CreateDistrict(
            code=row["code"],
            name=row["name"],
            gb_code=row.get("gb_code") or "",
            targets=DistrictTargets(row["town_share_2025"], row["town_share_2027"]),
            ordinal=ordinal,
        )
        for ordinal, row in enumerate(data["districts"], start=1)
    )
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
    zones_file, zones = functional_zones()
    towns = [
        CreateUnit(
            district_code=town.district_code,
            kind=UnitKind.TOWN,
            details=UnitDetails(
                name=town.name,
                along_river=town.along_river,
                target_year=TOWN_TARGET_YEAR,
                official_code=town.official_code,
            ),
            unit_id=town_id_for(town.official_code),
            source=town.source,
        )
        for town in place_towns(division_towns(), data, zones_file, zones)
    ]
    units = _sample(rng, towns, scale) + _sample(rng, parks, scale)
    return City(scale=scale, seed=seed, districts=districts, units=tuple(units))
