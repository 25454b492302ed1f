"""The five park groups 002 reports as having reached the standard in 2024 (重庆市生态环境局办公室《关于公布2024年
工业园区“污水零直排区”建设典型案例的通知》), with the figures its cases give: source households (涉水企业 and
others), pipe kilometres, plants, outfalls, problems found and closed. Where a case gives no figure the demo
takes a modest one and says so in `assumed` (it is shown with the unit's demo data, never as 002's).

Names are the registry's official park groups (official_2024.json; its notes map 002 to these five).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from zdz.registry.v1 import ledger_pb2 as pb
from zdz_local.demo.ledgers import (
    DEMO,
    Dates,
    ProblemSpec,
    TaskProgress,
    household,
    outfall,
    pipe,
    plant,
    problem_rows,
)


@dataclass(frozen=True)
class Park:
    district: str
    name: str  # the registry's official name
    district_name: str
    case: str  # 002's case, as it is headed
    water_enterprises: int  # 涉水企业 (with permits and online monitoring)
    other_enterprises: int  # other source households the survey covered
    compounds: int  # residential compounds inside the group
    pipe_km: tuple[tuple[int, float], ...]  # (network, km)
    plants: tuple[float, ...]  # design capacity m³/d of each plant
    outfalls: int
    problems: tuple[tuple[int, int, int], ...]  # (entity class, problem type, how many), all closed in 2024
    accepted_on: date  # the district's acceptance sheet
    source: str  # 002's words the figures come from
    assumed: tuple[str, ...] = field(default=())


SOURCE = "002《2024年工业园区“污水零直排区”建设典型案例》"
_E, _P, _F = pb.ENTITY_CLASS_SOURCE_HOUSEHOLD, pb.ENTITY_CLASS_PIPE_SEGMENT, pb.ENTITY_CLASS_FACILITY

PARKS: tuple[Park, ...] = (
    Park(
        district="jiangbei",
        name="港城工业园区",
        district_name="江北区",
        case="案例一：江北区“源网厂口”全链条治理",
        water_enterprises=75,
        other_enterprises=0,
        compounds=0,
        pipe_km=((pb.NETWORK_TYPE_SEWAGE, 25.0), (pb.NETWORK_TYPE_RAIN, 25.0)),
        plants=(10000.0,),
        outfalls=14,
        problems=((_P, pb.PROBLEM_TYPE_MISSING, 3), (_P, pb.PROBLEM_TYPE_MIXED_CONNECTION, 3)),
        accepted_on=date(2024, 12, 10),
        source="75家涉水企业、1座工业污水集中处理设施、50公里排水管网、14个入河排污口全部建立管理台账",
        assumed=(
            "50公里管网按雨污各半记",
            "处理设施规模案例未载明，取1万吨/日",
            "问题数案例未载明（管网缺失、雨污混流等），取6处",
        ),
    ),
    Park(
        district="jiulongpo",
        name="A、B、C、D、F、J、L分区",
        district_name="九龙坡区",
        case="案例二：九龙坡区“三措并举”强力推进“污水零直排区”建设",
        water_enterprises=372,
        other_enterprises=0,
        compounds=0,
        pipe_km=((pb.NETWORK_TYPE_SEWAGE, 79.76), (pb.NETWORK_TYPE_RAIN, 79.76)),
        plants=(20000.0, 15000.0, 10000.0),
        outfalls=3,
        problems=(
            (_E, pb.PROBLEM_TYPE_MONITORING, 11),
            (_P, pb.PROBLEM_TYPE_DAMAGE, 2),
            (_F, pb.PROBLEM_TYPE_INSUFFICIENT_CAPACITY, 1),
        ),
        accepted_on=date(2024, 12, 12),
        source=(
            "排查园区内源头排水户372家、工业污水集中处理设施3座、园区各级管网159.52公里；排查发现问题14处"
            "（涉水企业11处、管网2处、污水集中处理设施1处），完成14处问题整改"
        ),
        assumed=("159.52公里管网按雨污各半记", "排口数案例未载明，按每厂1个记", "各厂规模案例未载明"),
    ),
    Park(
        district="banan",
        name="木洞组团",
        district_name="巴南区",
        case="案例三：巴南区高标准开展“污水零直排区”建设助力水污染治理蝶变升级",
        water_enterprises=26,
        other_enterprises=641,  # 服装企业548家、个体工商户70家、其他企业23家
        compounds=0,
        pipe_km=((pb.NETWORK_TYPE_SEWAGE, 8.0), (pb.NETWORK_TYPE_RAIN, 8.0)),
        plants=(10000.0,),
        outfalls=1,
        problems=(),
        accepted_on=date(2024, 12, 16),
        source=(
            "共计排查667家源头企业，其中涉水企业26家（重点涉水企业4家），服装企业548家，个体工商户70家，"
            "其他企业23家；木洞污水处理厂承接园区企业经预处理后的污水"
        ),
        assumed=(
            "管网长度案例未载明，取16公里",
            "处理厂规模、排口数案例未载明",
            "案例未载明问题数，不记问题",
        ),
    ),
    Park(
        district="changshou",
        name="长寿经开区新材料产业园（晏家组团）",
        district_name="长寿区",
        case="案例四：污水零直排的“长寿解法”用三级防控筑起长江生态闸门",
        water_enterprises=186,
        other_enterprises=0,
        compounds=0,
        pipe_km=((pb.NETWORK_TYPE_SEWAGE, 137.7 + 8.87), (pb.NETWORK_TYPE_RAIN, 140.27)),
        plants=(30000.0, 20000.0, 15000.0, 10000.0),
        outfalls=4,
        problems=((_E, pb.PROBLEM_TYPE_MONITORING, 15), (_P, pb.PROBLEM_TYPE_MISALIGNMENT, 7)),
        accepted_on=date(2024, 12, 18),
        source=(
            "186家源头排水企业；污水管网137.7公里、雨水管网140.27公里、事故废水专用管网8.87公里；4座污水处理厂；"
            "源头排水企业问题15个于2024年12月完成整改，公共管网错口、塌陷等问题7个于2024年11月完成整改"
        ),
        assumed=("事故废水专用管网记入污水管网", "各厂规模、排口数案例未载明"),
    ),
    Park(
        district="fengdu",
        name="水天坪组团",
        district_name="丰都县",
        case="案例五：“一张图”溯源、“组合拳”治污：丰都水天坪“数治+共治”双擎驱动零直排长治久清",
        water_enterprises=36,
        other_enterprises=0,
        compounds=6,
        pipe_km=((pb.NETWORK_TYPE_SEWAGE, 6.0), (pb.NETWORK_TYPE_RAIN, 6.0)),
        plants=(8000.0,),
        outfalls=1,
        problems=((_P, pb.PROBLEM_TYPE_MIXED_CONNECTION, 14),),
        accepted_on=date(2024, 12, 20),
        source=(
            "现有6个生活小区，入驻企业36家，其中涉水企业36家，建有1座园区污水集中处理厂，设计污水处理能力8000吨/天；"
            "成功排查并整治雨污混接点14处"
        ),
        assumed=("管网长度案例未载明，取12公里",),
    ),
)

SEGMENT_KM = 2.0  # a park's pipes, as the ledger lists them: segments of at most 2 km


def park_dates(park: Park) -> Dates:
    return Dates(
        found_on=date(2024, 7, 10),
        opened=date(2024, 8, 1),
        deadline=date(2024, 11, 30),
        assigned=date(2024, 8, 5),
        rectified=date(2024, 10, 31),
    )


def park_rows(park: Park) -> list[pb.LedgerRow]:
    """The park group's ledger from 002's figures; every problem reported rectified (the district verifies)."""
    rows: list[pb.LedgerRow] = []
    for i in range(1, park.water_enterprises + 1):
        rows.append(
            household(
                f"E-{i:03d}",
                f"{park.name}涉水企业{i:03d}",
                kind=pb.HOUSEHOLD_KIND_ENTERPRISE,
                water_related=True,
                discharge_permit=True,
                online_monitoring=True,
            )
        )
    for i in range(1, park.other_enterprises + 1):
        rows.append(
            household(
                f"G-{i:03d}",
                f"{park.name}企业{i:03d}",
                kind=pb.HOUSEHOLD_KIND_ENTERPRISE,
                water_related=False,
            )
        )
    for i in range(1, park.compounds + 1):
        rows.append(
            household(
                f"H-{i:02d}",
                f"{park.name}生活小区{i:02d}",
                kind=pb.HOUSEHOLD_KIND_RESIDENTIAL,
                building=pb.BUILDING_NON_SINGLE,
                households=300,
                floor_area_m2=27000.0,
                year_built=2012,
                drainage_complexity=pb.DRAINAGE_COMPLEXITY_MODERATE,
            )
        )
    n = 0
    for network, km in park.pipe_km:
        left = round(km * 1000)
        while left > 0:
            n += 1
            length = min(round(SEGMENT_KM * 1000), left)
            rows.append(pipe(f"P-{n:03d}", network, float(length), f"{park.name}园区道路{n}段"))
            left -= length
    for k, capacity in enumerate(park.plants, start=1):
        rows.append(
            plant(
                f"F-{k:02d}",
                f"{park.name}污水处理厂{k}",
                capacity,
                round(capacity * 0.75),
                industrial_share=60,
            )
        )
    for k in range(1, park.outfalls + 1):
        facility = f"F-{(k - 1) % len(park.plants) + 1:02d}"
        rows.append(outfall(f"O-{k:02d}", f"{park.name}排口{k:02d}", facility))
    dates, q = park_dates(park), 0
    for entity_class, problem_type, count in park.problems:
        for j in range(count):
            q += 1
            entity = {
                _E: f"E-{j % max(park.water_enterprises, 1) + 1:03d}",
                _P: f"P-{j % max(n, 1) + 1:03d}",
                _F: "F-01",
            }[entity_class]
            spec = ProblemSpec(entity_class, entity, problem_type, description=f"{SOURCE}所载问题")
            rows += problem_rows(
                f"Q-{q:02d}", spec, dates, TaskProgress.RECTIFIED, owner=f"{park.name}管委会", rectified=True
            )
    return rows


def note(park: Park) -> str:
    """Where the park's figures come from, with the demo mark."""
    assumed = "；".join(park.assumed)
    return f"{DEMO}：{SOURCE}{park.case}：{park.source}" + (f"（演示取值：{assumed}）" if assumed else "")
