"""The demo's ledgers (台账), deterministic: a town's from a random generator seeded with its official code, a
park group's from 002's figures (`parks.PARKS`). Every name and location carries the demo mark.

A town is sized like the places 002 describes, scaled to a 镇街: 5–12 residential compounds, 4–9 non-residential
households, 6–20 km of rain and sewage pipes with an inspection point on each segment, one or two plants with
their outfalls, and 4–10 problems found by the survey. How far each problem's task has got depends on the stage
the town is driven to (`TaskProgress`); verifying a task is the district's, over VerifyTask, never a ledger row.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass
from datetime import date, timedelta

from zdz.registry.v1 import ledger_pb2 as pb

DEMO = "演示数据"


class TaskProgress(enum.IntEnum):
    """How far the unit has taken its tasks when the ledger is imported."""

    OPENED = 1  # 排查: problems found, tasks opened with their deadline
    ASSIGNED = 2  # 方案: each task assigned to whoever rectifies it
    PARTLY_RECTIFIED = 3  # 整改: about two thirds reported rectified
    RECTIFIED = 4  # every task reported rectified (the district verifies them)


@dataclass(frozen=True)
class Dates:
    """When the survey found the problems and when the tasks were opened (with their deadline), assigned and
    reported rectified."""

    found_on: date
    opened: date
    deadline: date
    assigned: date
    rectified: date

    @classmethod
    def from_start(cls, start: date) -> Dates:
        return cls(
            found_on=start + timedelta(days=2),
            opened=start + timedelta(days=9),
            deadline=start + timedelta(days=120),
            assigned=start + timedelta(days=12),
            rectified=start + timedelta(days=30),
        )


@dataclass(frozen=True)
class ProblemSpec:
    entity_class: int
    entity: str
    problem_type: int
    grade: int = 0
    description: str = ""


def _rng(seed: str) -> random.Random:
    return random.Random(f"zdz-demo/{seed}")  # str seeds hash with sha512: the same on every run and machine


def household(code: str, name: str, **fields: object) -> pb.LedgerRow:
    return pb.LedgerRow(
        source_household=pb.SourceHousehold(
            code=code,
            name=f"{name}（{DEMO}）",
            surveyed=True,
            self_check=pb.SELF_CHECK_PASSED,
            **fields,  # type: ignore[arg-type]
        )
    )


def pipe(code: str, network: int, length_m: float, where: str) -> pb.LedgerRow:
    return pb.LedgerRow(
        pipe_segment=pb.PipeSegment(
            code=code, network=network, length_m=length_m, location=f"{where}（{DEMO}）", surveyed=True
        )
    )


def point(code: str, network: int, pipe_code: str) -> pb.LedgerRow:
    return pb.LedgerRow(
        inspection_point=pb.InspectionPoint(code=code, network=network, pipe_code=pipe_code, surveyed=True)
    )


def plant(code: str, name: str, capacity: float, load: float, *, industrial_share: float) -> pb.LedgerRow:
    return pb.LedgerRow(
        treatment_facility=pb.TreatmentFacility(
            code=code,
            name=f"{name}（{DEMO}）",
            capacity_m3_per_day=capacity,
            load_m3_per_day=load,
            takes_industrial_wastewater=industrial_share > 0,
            industrial_share_percent=industrial_share,
            online_monitoring=True,
            surveyed=True,
        )
    )


def outfall(code: str, name: str, facility_code: str) -> pb.LedgerRow:
    return pb.LedgerRow(
        outfall=pb.Outfall(
            code=code,
            name=f"{name}（{DEMO}）",
            attached_to=pb.ATTACHMENT_FACILITY,
            facility_code=facility_code,
            standardised=True,
            surveyed=True,
        )
    )


def problem_rows(
    code: str, spec: ProblemSpec, dates: Dates, progress: TaskProgress, *, owner: str, rectified: bool
) -> list[pb.LedgerRow]:
    """A problem the survey found, with its task as far as `progress` (and `rectified`, for PARTLY_RECTIFIED)."""

    def step(action: int, on: date, **fields: object) -> pb.LedgerRow:
        return pb.LedgerRow(
            task_step=pb.TaskStep(
                problem_code=code,
                action=action,
                step=pb.Step(by=owner, on=on.isoformat(), evidence=[f"{DEMO}/照片-{code}-{action}"]),
                **fields,  # type: ignore[arg-type]
            )
        )

    rows = [
        pb.LedgerRow(
            problem=pb.Problem(
                code=code,
                entity_class=spec.entity_class,
                entity_code=spec.entity,
                type=spec.problem_type,
                grade=spec.grade,
                location=f"{spec.entity} 处（{DEMO}）",
                description=f"{spec.description or '排查发现'}（{DEMO}）",
                found_by=pb.FOUND_BY_SURVEY,
                found_on=dates.found_on.isoformat(),
            )
        ),
        step(pb.TASK_ACTION_OPEN, dates.opened, owner=owner, deadline=dates.deadline.isoformat()),
    ]
    if progress >= TaskProgress.ASSIGNED:
        rows.append(step(pb.TASK_ACTION_ASSIGN, dates.assigned, assignee=f"某施工单位（{DEMO}）"))
    if progress >= TaskProgress.RECTIFIED or (progress is TaskProgress.PARTLY_RECTIFIED and rectified):
        rows.append(step(pb.TASK_ACTION_RECTIFY, dates.rectified))
    return rows


_COMPLEXITY = (pb.DRAINAGE_COMPLEXITY_SIMPLE, pb.DRAINAGE_COMPLEXITY_MODERATE, pb.DRAINAGE_COMPLEXITY_COMPLEX)
_CATEGORIES = (
    (pb.CATEGORY_MALL, "商场"),
    (pb.CATEGORY_SCHOOL, "学校"),
    (pb.CATEGORY_MEDICAL, "卫生院"),
    (pb.CATEGORY_OFFICE, "机关办公楼"),
    (pb.CATEGORY_PUBLIC_INSTITUTION, "事业单位"),
    (pb.CATEGORY_PASSENGER_STATION, "客运站"),
)


def town_rows(official_code: str, name: str, dates: Dates, progress: TaskProgress) -> list[pb.LedgerRow]:
    """A town's ledger, the same for the same official code on every run."""
    rng = _rng(official_code)
    rows: list[pb.LedgerRow] = []
    compounds = rng.randint(5, 12)
    for i in range(1, compounds + 1):
        households = rng.randint(80, 900)
        rows.append(
            household(
                f"H-{i:02d}",
                f"{name}小区{i:02d}",
                kind=pb.HOUSEHOLD_KIND_RESIDENTIAL,
                building=pb.BUILDING_NON_SINGLE,
                households=households,
                floor_area_m2=float(households * rng.randint(70, 110)),
                year_built=rng.randint(1985, 2021),
                drainage_complexity=rng.choice(_COMPLEXITY),
            )
        )
    others = rng.randint(4, 9)
    for i in range(1, others + 1):
        category, label = _CATEGORIES[(i - 1) % len(_CATEGORIES)]
        rows.append(
            household(
                f"N-{i:02d}",
                f"{name}{label}{i:02d}",
                kind=pb.HOUSEHOLD_KIND_NON_RESIDENTIAL,
                building=pb.BUILDING_SINGLE,
                category=category,
            )
        )
    total_m = rng.randint(6, 20) * 1000
    segments, laid, i = [], 0, 0
    while laid < total_m:
        i += 1
        length = min(rng.randint(5, 12) * 100, total_m - laid)
        network = pb.NETWORK_TYPE_SEWAGE if i % 2 else pb.NETWORK_TYPE_RAIN
        segments.append((f"P-{i:02d}", network))
        rows.append(pipe(f"P-{i:02d}", network, float(length), f"{name}{i}号路"))
        laid += length
    for j, (pipe_code, network) in enumerate(segments, start=1):
        rows.append(point(f"J-{j:02d}", network, pipe_code))
    plants = 1 if rng.random() < 0.7 else 2
    for k in range(1, plants + 1):
        capacity = float(rng.randint(10, 120) * 100)
        rows.append(
            plant(
                f"F-{k:02d}",
                f"{name}污水处理站{k}",
                capacity,
                round(capacity * rng.uniform(0.65, 0.9)),
                industrial_share=float(rng.randint(0, 15)),
            )
        )
        rows.append(outfall(f"O-{k:02d}", f"{name}污水处理站{k}排口", f"F-{k:02d}"))
    kinds = [
        lambda: ProblemSpec(
            pb.ENTITY_CLASS_PIPE_SEGMENT,
            rng.choice(segments)[0],
            pb.PROBLEM_TYPE_MIXED_CONNECTION,
            description="雨污混接",
        ),
        lambda: ProblemSpec(
            pb.ENTITY_CLASS_PIPE_SEGMENT,
            rng.choice(segments)[0],
            pb.PROBLEM_TYPE_DAMAGE,
            description="管道破损",
        ),
        lambda: ProblemSpec(
            pb.ENTITY_CLASS_INSPECTION_POINT,
            f"J-{rng.randint(1, len(segments)):02d}",
            pb.PROBLEM_TYPE_PL,
            grade=rng.randint(2, 3),
            description="破裂",
        ),
        lambda: ProblemSpec(
            pb.ENTITY_CLASS_SOURCE_HOUSEHOLD,
            f"H-{rng.randint(1, compounds):02d}",
            pb.PROBLEM_TYPE_SEPTIC_TANK,
            description="化粪池破损渗漏",
        ),
        lambda: ProblemSpec(
            pb.ENTITY_CLASS_FACILITY,
            "F-01",
            pb.PROBLEM_TYPE_FACILITY_MALFUNCTION,
            description="设施运行不稳定",
        ),
    ]
    for q in range(1, rng.randint(4, 10) + 1):
        spec = kinds[(q - 1) % len(kinds)]()
        rows += problem_rows(
            f"Q-{q:02d}", spec, dates, progress, owner=f"{name}（建设单元）", rectified=rng.random() < 0.66
        )
    return rows
