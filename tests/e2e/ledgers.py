"""The ledgers (台账) of the story's units as their clerks import them: every household, pipe and plant surveyed,
every household's self-check passed, each problem's task opened, assigned and reported rectified by the unit.
Verifying the tasks is the district's (nobody accepts their own work), so no row here verifies one.

Town (a 万州 along-river town): 6 residential compounds (size, year and drainage complexity recorded, so the
acceptance sample can take the largest, oldest and most complex), 4 non-residential households of 4 categories,
1 000 m of pipes with 4 inspection points, a plant taking industrial wastewater and its outfall; 4 problems.
Park group: two water-related enterprises with permits and online monitoring, one pipe, one plant and its
outfall; 1 problem.
"""

from __future__ import annotations

from dataclasses import dataclass

from zdz.registry.v1 import ledger_pb2 as pb


@dataclass(frozen=True)
class Survey:
    """When the survey (排查摸底) found the problems, and when each task was opened (with its deadline), assigned
    and reported rectified."""

    found_on: str
    opened: str
    deadline: str
    assigned: str
    rectified: str


SURVEY_2025 = Survey("2025-01-10", "2025-02-01", "2025-06-30", "2025-02-05", "2025-04-01")


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


def _household(code: str, category: int) -> pb.LedgerRow:
    return pb.LedgerRow(
        source_household=pb.SourceHousehold(
            code=code,
            name=f"单位{code}",
            kind=pb.HOUSEHOLD_KIND_NON_RESIDENTIAL,
            building=pb.BUILDING_SINGLE,
            category=category,
            surveyed=True,
            self_check=pb.SELF_CHECK_PASSED,
        )
    )


def _enterprise(code: str) -> pb.LedgerRow:
    return pb.LedgerRow(
        source_household=pb.SourceHousehold(
            code=code,
            name=f"企业{code}",
            kind=pb.HOUSEHOLD_KIND_ENTERPRISE,
            water_related=True,
            discharge_permit=True,
            online_monitoring=True,
            surveyed=True,
            self_check=pb.SELF_CHECK_PASSED,
        )
    )


def _pipe(code: str, network: int, length_m: float) -> pb.LedgerRow:
    return pb.LedgerRow(
        pipe_segment=pb.PipeSegment(
            code=code, network=network, length_m=length_m, location="某路", surveyed=True
        )
    )


def _point(code: str, network: int, pipe_code: str) -> pb.LedgerRow:
    return pb.LedgerRow(
        inspection_point=pb.InspectionPoint(code=code, network=network, pipe_code=pipe_code, surveyed=True)
    )


def _plant(name: str, capacity: float, load: float) -> list[pb.LedgerRow]:
    return [
        pb.LedgerRow(
            treatment_facility=pb.TreatmentFacility(
                code="F-01",
                name=name,
                capacity_m3_per_day=capacity,
                load_m3_per_day=load,
                takes_industrial_wastewater=True,
                industrial_share_percent=12,
                online_monitoring=True,
                surveyed=True,
            )
        ),
        pb.LedgerRow(
            outfall=pb.Outfall(
                code="O-01",
                name=f"{name}排口",
                attached_to=pb.ATTACHMENT_FACILITY,
                facility_code="F-01",
                standardised=True,
                surveyed=True,
            )
        ),
    ]


def _problem(
    survey: Survey, code: str, entity_class: int, entity: str, problem_type: int, **more: object
) -> list[pb.LedgerRow]:
    """A problem the survey found, with its task opened, assigned and reported rectified by the unit."""

    def step(action: int, on: str, **fields: object) -> pb.LedgerRow:
        return pb.LedgerRow(
            task_step=pb.TaskStep(
                problem_code=code,
                action=action,
                step=pb.Step(by="建设单元", on=on, evidence=[f"照片-{code}-{action}"]),
                **fields,  # type: ignore[arg-type]
            )
        )

    return [
        pb.LedgerRow(
            problem=pb.Problem(
                code=code,
                entity_class=entity_class,
                entity_code=entity,
                type=problem_type,
                location="某路某号",
                found_by=pb.FOUND_BY_SURVEY,
                found_on=survey.found_on,
                **more,  # type: ignore[arg-type]
            )
        ),
        step(pb.TASK_ACTION_OPEN, survey.opened, owner="建设单元", deadline=survey.deadline),
        step(pb.TASK_ACTION_ASSIGN, survey.assigned, assignee="某施工单位"),
        step(pb.TASK_ACTION_RECTIFY, survey.rectified),
    ]


def town_rows(survey: Survey = SURVEY_2025) -> list[pb.LedgerRow]:
    return [
        _compound("H-01", 620, 52000, 1995, pb.DRAINAGE_COMPLEXITY_COMPLEX),  # the largest and most complex
        _compound("H-02", 210, 18000, 1988, pb.DRAINAGE_COMPLEXITY_MODERATE),  # the oldest
        _compound("H-03", 240, 21000, 2003, pb.DRAINAGE_COMPLEXITY_SIMPLE),
        _compound("H-04", 180, 16000, 2010, pb.DRAINAGE_COMPLEXITY_SIMPLE),
        _compound("H-05", 330, 30000, 2015, pb.DRAINAGE_COMPLEXITY_MODERATE),
        _compound("H-06", 96, 9000, 2019, pb.DRAINAGE_COMPLEXITY_SIMPLE),
        _household("N-01", pb.CATEGORY_MALL),
        _household("N-02", pb.CATEGORY_SCHOOL),
        _household("N-03", pb.CATEGORY_MEDICAL),
        _household("N-04", pb.CATEGORY_OFFICE),
        _pipe("P-01", pb.NETWORK_TYPE_SEWAGE, 600),
        _pipe("P-02", pb.NETWORK_TYPE_RAIN, 400),
        _point("J-01", pb.NETWORK_TYPE_RAIN, "P-02"),
        _point("J-02", pb.NETWORK_TYPE_RAIN, "P-02"),
        _point("J-03", pb.NETWORK_TYPE_SEWAGE, "P-01"),
        _point("J-04", pb.NETWORK_TYPE_SEWAGE, "P-01"),
        *_plant("镇污水处理站", 8000, 6500),
        *_problem(survey, "Q-01", pb.ENTITY_CLASS_PIPE_SEGMENT, "P-01", pb.PROBLEM_TYPE_MIXED_CONNECTION),
        *_problem(survey, "Q-02", pb.ENTITY_CLASS_INSPECTION_POINT, "J-01", pb.PROBLEM_TYPE_PL, grade=3),
        *_problem(survey, "Q-03", pb.ENTITY_CLASS_SOURCE_HOUSEHOLD, "H-01", pb.PROBLEM_TYPE_SEPTIC_TANK),
        *_problem(survey, "Q-04", pb.ENTITY_CLASS_FACILITY, "F-01", pb.PROBLEM_TYPE_FACILITY_MALFUNCTION),
    ]


def park_rows(survey: Survey = SURVEY_2025) -> list[pb.LedgerRow]:
    return [
        _enterprise("E-01"),
        _enterprise("E-02"),
        _pipe("P-01", pb.NETWORK_TYPE_SEWAGE, 1200),
        *_plant("园区污水处理厂", 20000, 12000),
        *_problem(survey, "Q-01", pb.ENTITY_CLASS_PIPE_SEGMENT, "P-01", pb.PROBLEM_TYPE_DAMAGE),
    ]
