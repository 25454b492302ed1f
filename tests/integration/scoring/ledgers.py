"""A town's and a park group's ledgers, built in the registry over its gRPC API the way a clerk's import would.

Town 高笋塘街道 (hand-computed figures, used by the tests):
- 10 source households, 9 surveyed → 排水户排查率 90 %; 6 residential compounds (size, year and complexity all
  recorded, so acceptance sampling can pick the largest, oldest and most complex), 4 non-residential of 4 categories.
- pipes 600 m sewage + 400 m rain, all surveyed → 100 %; 4 inspection points; plant F-01 taking industrial
  wastewater with its outfall O-01, both surveyed → 100 %.
- problems: Q-01, Q-02, Q-03 on the pipe network (Q-03 only opened) → 管网整改率 2/3 = 66.67 %;
  Q-04 on compound H-01 and Q-05 on the plant, both verified → 100 %; no non-residential problem → 100 %.
- one information defect on H-02 recorded by the district acceptance team.

Park 九龙园 : two water-related enterprises with permits, one pipe, one plant, one verified problem → every
ledger figure at 100 %.
"""

from __future__ import annotations

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_pb2 as pb
from zdz.registry.v1 import registry_pb2

CLERK = (
    ("x-zdz-organisation", "gaosuntang-office"),
    ("x-zdz-role", "TOWN_OFFICE"),
    ("x-zdz-person", "zhang-san"),
)


async def create_units(units) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Wanzhou with a town and a park group; returns their ids."""
    await units.CreateDistrict(
        registry_pb2.CreateDistrictRequest(
            district=registry_pb2.District(
                code="wanzhou", name="万州区", gb_code="500101", town_share_2025=35, town_share_2027=80
            )
        )
    )
    town = await units.CreateUnit(
        registry_pb2.CreateUnitRequest(
            unit=registry_pb2.Unit(
                district_code="wanzhou", kind=refs_pb2.UNIT_KIND_TOWN, name="高笋塘街道", target_year=2027
            )
        )
    )
    park = await units.CreateUnit(
        registry_pb2.CreateUnitRequest(
            unit=registry_pb2.Unit(
                district_code="wanzhou",
                kind=refs_pb2.UNIT_KIND_PARK_GROUP,
                name="九龙园",
                target_year=2025,
                park="万州经济技术开发区",
                level=registry_pb2.PARK_LEVEL_NATIONAL,
            )
        )
    )
    return town.unit.id, park.unit.id


def _compound(code: str, households: int, area: float, year: int, complexity: int) -> pb.LedgerRow:
    return pb.LedgerRow(
        source_household=pb.SourceHousehold(
            code=code,
            name=f"小区{code}",
            kind=pb.HOUSEHOLD_KIND_RESIDENTIAL,
            building=pb.BUILDING_NON_SINGLE,
            households=households,  # 户数: the sample's "最大" has the most
            floor_area_m2=area,
            year_built=year,
            drainage_complexity=complexity,
            surveyed=True,
            self_check=pb.SELF_CHECK_PASSED,
        )
    )


def _shop(code: str, category: int, *, surveyed: bool = True) -> pb.LedgerRow:
    return pb.LedgerRow(
        source_household=pb.SourceHousehold(
            code=code,
            name=f"单位{code}",
            kind=pb.HOUSEHOLD_KIND_NON_RESIDENTIAL,
            building=pb.BUILDING_SINGLE,
            category=category,
            surveyed=surveyed,
            self_check=pb.SELF_CHECK_PASSED,
        )
    )


def _problem(code: str, entity_class: int, entity: str, problem_type: int, **more: object) -> pb.LedgerRow:
    return pb.LedgerRow(
        problem=pb.Problem(
            code=code,
            entity_class=entity_class,
            entity_code=entity,
            type=problem_type,
            location="某路某号",
            found_by=pb.FOUND_BY_SURVEY,
            found_on="2025-01-10",
            **more,  # type: ignore[arg-type]
        )
    )


def _steps(problem_code: str, *, verified: bool = True) -> list[pb.LedgerRow]:
    def step(action: int, on: str, **more: object) -> pb.LedgerRow:
        return pb.LedgerRow(
            task_step=pb.TaskStep(
                problem_code=problem_code,
                action=action,
                step=pb.Step(by="街道办", on=on, evidence=[f"照片-{problem_code}-{action}"]),
                **more,  # type: ignore[arg-type]
            )
        )

    steps = [step(pb.TASK_ACTION_OPEN, "2025-02-01", owner="街道办", deadline="2025-06-30")]
    if verified:
        steps += [
            step(pb.TASK_ACTION_ASSIGN, "2025-02-05", assignee="某施工单位"),
            step(pb.TASK_ACTION_RECTIFY, "2025-04-01"),
            step(pb.TASK_ACTION_VERIFY, "2025-04-15"),
        ]
    return steps


def town_rows() -> list[pb.LedgerRow]:
    compounds = [
        _compound("H-01", 620, 52000, 1995, pb.DRAINAGE_COMPLEXITY_COMPLEX),  # the largest and most complex
        _compound("H-02", 210, 18000, 1988, pb.DRAINAGE_COMPLEXITY_MODERATE),  # the oldest
        _compound("H-03", 240, 21000, 2003, pb.DRAINAGE_COMPLEXITY_SIMPLE),
        _compound("H-04", 180, 16000, 2010, pb.DRAINAGE_COMPLEXITY_SIMPLE),
        _compound("H-05", 330, 30000, 2015, pb.DRAINAGE_COMPLEXITY_MODERATE),
        _compound("H-06", 96, 9000, 2019, pb.DRAINAGE_COMPLEXITY_SIMPLE),
    ]
    shops = [
        _shop("N-01", pb.CATEGORY_MALL),
        _shop("N-02", pb.CATEGORY_SCHOOL),
        _shop("N-03", pb.CATEGORY_MEDICAL),
        _shop("N-04", pb.CATEGORY_OFFICE, surveyed=False),  # 9 of 10 households surveyed
    ]
    network = [
        pb.LedgerRow(
            pipe_segment=pb.PipeSegment(
                code="P-01", network=pb.NETWORK_TYPE_SEWAGE, length_m=600, surveyed=True
            )
        ),
        pb.LedgerRow(
            pipe_segment=pb.PipeSegment(
                code="P-02", network=pb.NETWORK_TYPE_RAIN, length_m=400, surveyed=True
            )
        ),
        *(
            pb.LedgerRow(inspection_point=pb.InspectionPoint(code=f"J-0{n}", network=network, surveyed=True))
            for n, network in (
                (1, pb.NETWORK_TYPE_RAIN),
                (2, pb.NETWORK_TYPE_RAIN),
                (3, pb.NETWORK_TYPE_SEWAGE),
                (4, pb.NETWORK_TYPE_SEWAGE),
            )
        ),
    ]
    plants = [
        pb.LedgerRow(
            treatment_facility=pb.TreatmentFacility(
                code="F-01", name="高笋塘污水处理站", capacity_m3_per_day=8000, load_m3_per_day=6500,
                takes_industrial_wastewater=True, industrial_share_percent=12, surveyed=True,
            )
        ),
        pb.LedgerRow(
            outfall=pb.Outfall(code="O-01", name="处理站排口", attached_to=pb.ATTACHMENT_FACILITY, facility_code="F-01",
                               standardised=True, surveyed=True)
        ),
    ]  # fmt: skip
    problems = [
        _problem("Q-01", pb.ENTITY_CLASS_PIPE_SEGMENT, "P-01", pb.PROBLEM_TYPE_MIXED_CONNECTION),
        _problem("Q-02", pb.ENTITY_CLASS_INSPECTION_POINT, "J-01", pb.PROBLEM_TYPE_PL, grade=3),
        _problem("Q-03", pb.ENTITY_CLASS_PIPE_SEGMENT, "P-02", pb.PROBLEM_TYPE_BLOCKAGE),
        _problem("Q-04", pb.ENTITY_CLASS_SOURCE_HOUSEHOLD, "H-01", pb.PROBLEM_TYPE_SEPTIC_TANK),
        _problem("Q-05", pb.ENTITY_CLASS_FACILITY, "F-01", pb.PROBLEM_TYPE_FACILITY_MALFUNCTION),
    ]
    tasks = [
        *_steps("Q-01"),
        *_steps("Q-02"),
        *_steps("Q-03", verified=False),
        *_steps("Q-04"),
        *_steps("Q-05"),
    ]
    defect = pb.LedgerRow(
        information_defect=pb.InformationDefect(
            entity_class=pb.ENTITY_CLASS_SOURCE_HOUSEHOLD,
            entity_code="H-02",
            field="year_built",
            description="台账建成年份与房产资料不符",
            found_by=pb.FOUND_BY_ACCEPTANCE,
            found_on="2025-05-20",
        )
    )
    return [*compounds, *shops, *network, *plants, *problems, *tasks, defect]


def park_rows() -> list[pb.LedgerRow]:
    enterprises = [
        pb.LedgerRow(
            source_household=pb.SourceHousehold(
                code=code, name=f"企业{code}", kind=pb.HOUSEHOLD_KIND_ENTERPRISE, water_related=True,
                discharge_permit=True, online_monitoring=True, surveyed=True,
            )
        )
        for code in ("E-01", "E-02")
    ]  # fmt: skip
    return [
        *enterprises,
        pb.LedgerRow(pipe_segment=pb.PipeSegment(code="P-01", network=pb.NETWORK_TYPE_SEWAGE, length_m=1200, surveyed=True)),
        pb.LedgerRow(
            treatment_facility=pb.TreatmentFacility(
                code="F-01", name="园区污水处理厂", capacity_m3_per_day=20000, takes_industrial_wastewater=True,
                surveyed=True,
            )
        ),
        _problem("Q-01", pb.ENTITY_CLASS_PIPE_SEGMENT, "P-01", pb.PROBLEM_TYPE_DAMAGE),
        *_steps("Q-01"),
    ]  # fmt: skip


async def import_rows(ledger, unit_id: str, rows: list[pb.LedgerRow], metadata=CLERK) -> None:  # type: ignore[no-untyped-def]
    async def requests():  # type: ignore[no-untyped-def]
        yield pb.ImportLedgerRowsRequest(
            options=pb.ImportOptions(unit_id=unit_id, all_or_nothing=True), rows=rows
        )

    response = await ledger.ImportLedgerRows(requests(), metadata=metadata)
    assert response.written, [r for r in response.results if r.outcome == pb.ROW_OUTCOME_REJECTED]
