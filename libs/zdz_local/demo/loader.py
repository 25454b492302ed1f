"""The demo campaign, driven over the services' gRPC APIs as their people would drive it (tokens signed with the
development key `make run` keeps under <data>/keys), and its removal.

What it creates (each recorded in <data>/demo/created.json as it is made):
- the five park groups of 002, their ledgers from 002's figures, their 2024 district acceptance sheets imported
  signed (ImportSignedSheet) and their processes imported as accepted in 2024 (ImportProcess);
- in every district, the first along-river town and the first other town by official code (统计用区划代码), each
  with a deterministic ledger, driven with the real stage commands and signed sheets to a stage chosen by its
  place in the official-code order: 排查, 方案, 整改, 自查评估, 区县验收, 公示, 备案, 市级抽查 (filed, then
  drawn by the city in the round "2026-1" from those towns alone), or (imported as accepted in 2024) 验收通过
  and 回头看; 万州 (the district of make run's development tokens) has a town at every one of these stages. The steps before the notice are dated in the past (as a district records them
  after the fact); a filed town's notice was published 17 days ago, a town in 公示 publishes today.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_pb2, ledger_pb2_grpc, registry_pb2, registry_pb2_grpc
from zdz.scoring.v1 import scoring_pb2 as sc
from zdz.scoring.v1 import scoring_pb2_grpc
from zdz.workflow.v1 import workflow_pb2 as wf
from zdz.workflow.v1 import workflow_pb2_grpc
from zdz_common.auth import Principal, Role, TokenIssuer, development_keys
from zdz_local.demo.ledgers import DEMO, Dates, TaskProgress, town_rows
from zdz_local.demo.parks import PARKS, Park, note, park_dates, park_rows

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOWN_CAMPAIGN = "2026"
ACCEPTED_CAMPAIGN = "2024"
T = TypeVar("T")
Say = Callable[[str], None]

# The stages a town is driven to, in the order the towns take them (by official code).
TOWN_STAGES: tuple[str, ...] = (
    "SURVEY",
    "PLAN",
    "RECTIFICATION",
    "SELF_CHECK",
    "DISTRICT_ACCEPTANCE",
    "PUBLIC_NOTICE",
    "FILED",
    "SPOT_CHECK",
    "ACCEPTED",
    "LOOK_BACK",
)
_ORDER = {stage: i for i, stage in enumerate(TOWN_STAGES)}
SHOWCASE_DISTRICT = "wanzhou"  # make run's development DISTRICT and UNIT tokens are 万州's


def created_file(data: Path) -> Path:
    return data / "demo" / "created.json"


def _ts(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(UTC))
    return stamp


def _why(text: str) -> str:
    return f"{text}（{DEMO}）"


@dataclass(frozen=True)
class Addresses:
    registry: str
    scoring: str
    workflow: str

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Addresses:
        return cls(
            registry=env.get("ZDZ_REGISTRY_GRPC_ADDRESS", "127.0.0.1:50051"),
            scoring=env.get("ZDZ_SCORING_GRPC_ADDRESS", "127.0.0.1:50052"),
            workflow=env.get("ZDZ_WORKFLOW_GRPC_ADDRESS", "127.0.0.1:50053"),
        )


class Record:
    """<data>/demo/created.json: what the demo made, written after every unit (a load cut short resumes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = {"units": {}, "marker": DEMO}
        if path.exists():
            self.data = json.loads(path.read_text(encoding="utf-8"))

    @property
    def units(self) -> dict[str, dict[str, Any]]:
        return self.data.setdefault("units", {})  # type: ignore[no-any-return]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.data, ensure_ascii=False, indent=2), encoding="utf-8")
        temporary.replace(self.path)


class Services:
    """The running services, reached over gRPC; a token per person, signed with the development key."""

    def __init__(self, addresses: Addresses, keys: Path) -> None:
        self._issuer = TokenIssuer(development_keys(keys)[0])
        self._channels = [
            grpc.insecure_channel(a) for a in (addresses.registry, addresses.scoring, addresses.workflow)
        ]
        self.registry = registry_pb2_grpc.RegistryServiceStub(self._channels[0])
        self.ledger = ledger_pb2_grpc.LedgerServiceStub(self._channels[0])
        self.scoring = scoring_pb2_grpc.ScoringServiceStub(self._channels[1])
        self.workflow = workflow_pb2_grpc.WorkflowServiceStub(self._channels[2])
        self.city = self._token(Principal(role=Role.MUNICIPAL_TASK_FORCE, person="市级专班（演示）"))
        self.district_names: dict[str, str] = {}

    def name_of(self, district: str) -> str:
        return self.district_names.get(district, district)

    def close(self) -> None:
        for channel in self._channels:
            channel.close()

    def _token(self, principal: Principal) -> str:
        return self._issuer.issue(principal)

    def district(self, code: str) -> str:
        return self._token(
            Principal(role=Role.DISTRICT_TASK_FORCE, person="区县专班（演示）", district_code=code)
        )

    def clerk(self, unit: registry_pb2.Unit) -> str:
        return self._token(
            Principal(
                role=Role.UNIT,
                person=f"{unit.name}填报员（演示）",
                unit_id=unit.id,
                district_code=unit.district_code,
            )
        )

    @staticmethod
    def call(method: Callable[..., T], request: object, token: str) -> T:
        metadata = (("authorization", f"Bearer {token}"), ("x-request-id", f"demo-{uuid.uuid4()}"))
        return method(request, metadata=metadata, timeout=60)

    def units(self, district: str, kind: int) -> list[registry_pb2.Unit]:
        found, token = [], ""
        while True:
            page = self.call(
                self.registry.ListUnits,
                registry_pb2.ListUnitsRequest(
                    district_code=district, kind=kind, page_size=1000, page_token=token
                ),
                self.city,
            )
            found += list(page.units)
            token = page.next_page_token
            if not token:
                return found

    def process(self, ref: wf.ProcessRef) -> wf.Process | None:
        try:
            return self.call(self.workflow.GetProcess, wf.GetProcessRequest(process=ref), self.city).process
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
                return None
            raise


@dataclass(frozen=True)
class Plan:
    """One unit of the demo and the stage it is taken to."""

    unit: registry_pb2.Unit
    stage: str
    park: Park | None = None

    @property
    def campaign(self) -> str:
        return ACCEPTED_CAMPAIGN if self.park or _ORDER[self.stage] >= _ORDER["ACCEPTED"] else TOWN_CAMPAIGN

    @property
    def ref(self) -> wf.ProcessRef:
        return wf.ProcessRef(
            district_code=self.unit.district_code, unit_id=self.unit.id, campaign=self.campaign
        )


def plan(services: Services) -> list[Plan]:
    """The demo's units: the five park groups, then two towns of every district (the first along-river town and
    the first other one by official code), their stages dealt in official-code order, and in 万州 one town at
    each stage."""
    districts = services.call(
        services.registry.ListDistricts, registry_pb2.ListDistrictsRequest(page_size=500), services.city
    )
    services.district_names = {d.code: d.name for d in districts.districts}
    codes = sorted(services.district_names)
    parks: list[Plan] = []
    for park in PARKS:
        (unit,) = [
            u for u in services.units(park.district, refs_pb2.UNIT_KIND_PARK_GROUP) if u.name == park.name
        ]
        parks.append(Plan(unit, "ACCEPTED", park))
    towns: list[registry_pb2.Unit] = []
    spare: list[registry_pb2.Unit] = []  # the development district's other towns
    for code in codes:
        listed = sorted(
            (u for u in services.units(code, refs_pb2.UNIT_KIND_TOWN) if u.official_code),
            key=lambda u: u.official_code,
        )
        along = [u for u in listed if u.along_river][:1]
        other = [u for u in listed if not u.along_river][:1]
        towns += along + other
        if code == SHOWCASE_DISTRICT:
            spare = [u for u in listed if u not in along + other]
    towns.sort(key=lambda u: u.official_code)
    plans = [Plan(unit, TOWN_STAGES[i % len(TOWN_STAGES)]) for i, unit in enumerate(towns)]
    # The development tokens' district (万州) shows every stage: its next towns by code take the stages it lacks.
    shown = {p.stage for p in plans if p.unit.district_code == SHOWCASE_DISTRICT}
    missing = [stage for stage in TOWN_STAGES if stage not in shown]
    plans += [Plan(unit, stage) for unit, stage in zip(spare, missing, strict=False)]
    return parks + plans


def _today() -> date:
    return datetime.now(SHANGHAI).date()


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


class Driver:
    """Takes one unit to its stage with the real commands, each by the organisation the documents give it to."""

    def __init__(self, services: Services) -> None:
        self.s = services

    # --- towns of the 2026 campaign -----------------------------------------------------------------------------

    def town(self, p: Plan) -> dict[str, Any]:
        s, unit, ref, target = self.s, p.unit, p.ref, _ORDER[p.stage]
        if target >= _ORDER["ACCEPTED"]:
            return self.accepted_town(p)
        clerk, district = s.clerk(unit), s.district(unit.district_code)
        # Day 0 lies 60–84 days back (by official code): the notice of a filed town is 17 days old.
        start = _today() - timedelta(days=60 + int(unit.official_code[-3:]) % 25)
        dates = Dates.from_start(start)
        # The tasks as far as the stage has got: opened in 排查, assigned in 方案, partly rectified in 整改.
        progress = {0: TaskProgress.OPENED, 1: TaskProgress.ASSIGNED, 2: TaskProgress.PARTLY_RECTIFIED}.get(
            target, TaskProgress.RECTIFIED
        )
        self.import_ledger(unit, town_rows(unit.official_code, unit.name, dates, progress), clerk)
        sheets: list[str] = []

        def day(n: int) -> dict[str, Timestamp]:
            return {"at": _ts(_at(start + timedelta(days=n)))}

        s.call(
            s.workflow.StartProcess,
            wf.StartProcessRequest(
                unit_id=unit.id,
                campaign=wf.Campaign(name=TOWN_CAMPAIGN),
                reason=_why("纳入2026年污水零直排区建设"),
                evidence=[f"{DEMO}/区县建设计划"],
                **day(0),
            ),
            district,
        )
        if target >= _ORDER["PLAN"]:
            s.call(
                s.workflow.CompleteSurvey,
                wf.CompleteSurveyRequest(process=ref, reason=_why("排查摸底完成，台账已建立"), **day(8)),
                clerk,
            )
        if target >= _ORDER["RECTIFICATION"]:
            s.call(
                s.workflow.SubmitPlan,
                wf.SubmitPlanRequest(process=ref, reason=_why("一镇一策已报送"), **day(15)),
                clerk,
            )
        if target >= _ORDER["SELF_CHECK"]:
            self.verify_tasks(unit, start + timedelta(days=33), district)
            s.call(
                s.workflow.DeclareRectificationDone,
                wf.DeclareRectificationDoneRequest(process=ref, reason=_why("整改任务全部销号"), **day(35)),
                clerk,
            )
        if target >= _ORDER["DISTRICT_ACCEPTANCE"]:
            on = start + timedelta(days=37)
            sheet = self.signed(
                clerk, self.sheet_input(unit, sc.SHEET_KIND_SELF_CHECK, on, f"{unit.name}（自查）")
            )
            sheets.append(sheet)
            s.call(
                s.workflow.SubmitSelfCheck,
                wf.SubmitSelfCheckRequest(
                    process=ref, sheet_id=sheet, reason=_why("自查评估达到合格"), evidence=[sheet], **day(37)
                ),
                clerk,
            )
        if target >= _ORDER["PUBLIC_NOTICE"]:
            on = start + timedelta(days=40)
            plan_id = self.sampled_plan(unit, district)
            sheet = self.signed(
                district,
                self.sheet_input(
                    unit,
                    sc.SHEET_KIND_DISTRICT_ACCEPTANCE,
                    on,
                    f"{s.name_of(unit.district_code)}工作专班",
                    plan_id=plan_id,
                    panel=self.panel(unit.district_code),
                ),
            )
            sheets.append(sheet)
            s.call(
                s.workflow.RecordDistrictVerdict,
                wf.RecordDistrictVerdictRequest(
                    process=ref,
                    sheet_id=sheet,
                    reason=_why("区县验收合格"),
                    evidence=[sheet, plan_id],
                    **day(40),
                ),
                district,
            )
            filed = target >= _ORDER["FILED"]  # SPOT_CHECK: filed, then drawn by the city (`draw`)
            published = _today() - timedelta(days=17) if filed else _today()
            channel = wf.NoticeChannel(
                kind=wf.NOTICE_CHANNEL_KIND_GOVERNMENT_PORTAL,
                name=f"{s.name_of(unit.district_code)}人民政府网（{DEMO}）",
                url="https://www.cq.gov.cn/",
            )
            s.call(
                s.workflow.PublishNotice,
                wf.PublishNoticeRequest(
                    process=ref,
                    published_on=published.isoformat(),
                    channel=channel,
                    reason=_why("验收结果公示"),
                    evidence=[f"{DEMO}/公示网页"],
                    **({"at": _ts(_at(published))} if filed else {}),
                ),
                district,
            )
            if filed:
                self.until(lambda: s.process(ref).notice.status == wf.NOTICE_STATUS_ELAPSED, "公示期满")
                s.call(
                    s.workflow.FileResult,
                    wf.FileResultRequest(
                        process=ref,
                        filing_number=f"{s.name_of(unit.district_code)}零直排备〔2026〕{unit.official_code}号（{DEMO}）",
                        reason=_why("公示期满无异议，报市级备案"),
                    ),
                    district,
                )
                s.call(
                    s.workflow.AcknowledgeFiling,
                    wf.AcknowledgeFilingRequest(process=ref, reason=_why("已备案")),
                    s.city,
                )
        return {"sheets": sheets}

    def accepted_town(self, p: Plan) -> dict[str, Any]:
        """A town accepted in 2024, imported with its district's paper sheet; 回头看 started by the city now."""
        s, unit = self.s, p.unit
        dates = Dates.from_start(date(2024, 7, 1))
        self.import_ledger(
            unit, town_rows(unit.official_code, unit.name, dates, TaskProgress.RECTIFIED), s.clerk(unit)
        )
        accepted_on = date(2024, 12, 1) + timedelta(days=int(unit.official_code[-2:]) % 20)
        sheet = self.imported_sheet(
            unit,
            self.sheet_input(
                unit,
                sc.SHEET_KIND_DISTRICT_ACCEPTANCE,
                accepted_on,
                f"{s.name_of(unit.district_code)}工作专班",
                panel=self.panel(unit.district_code),
            ),
            date(2024, 11, 15),
        )
        self.import_process(p, sheet, accepted_on)
        if p.stage == "LOOK_BACK":
            s.call(
                s.workflow.StartLookBack,
                wf.StartLookBackRequest(process=p.ref, reason=_why("2026年度回头看")),
                s.city,
            )
        return {"sheets": [sheet]}

    # --- the five park groups of 002 ----------------------------------------------------------------------------

    def park(self, p: Plan) -> dict[str, Any]:
        park, unit = p.park, p.unit
        assert park is not None
        self.import_ledger(unit, park_rows(park), self.s.clerk(unit))
        application = park.accepted_on - timedelta(days=15)
        entries = sc.AssessorEntries(
            application_date=application.isoformat(),
            events=[
                sc.DatedEvent(
                    item=13,
                    kind=sc.EVENT_KIND_EMERGENCY_DRILL,
                    occurred_on=(application - timedelta(days=60)).isoformat(),
                    description=_why("突发水污染事件应急演练"),
                )
            ],
        )
        input_ = sc.SheetInput(
            unit_id=unit.id,
            sheet_kind=sc.SHEET_KIND_DISTRICT_ACCEPTANCE,
            assessor=f"{park.district_name}工作专班（{DEMO}）",
            assessed_on=park.accepted_on.isoformat(),
            entries=entries,
            panel_members=self.panel(park.district),
        )
        verified_on = park_dates(park).rectified + timedelta(days=10)
        sheet = self.imported_sheet(unit, input_, verified_on, evidence=note(park))
        self.import_process(p, sheet, park.accepted_on + timedelta(days=5))
        return {"sheets": [sheet], "source": note(park)}

    # --- steps --------------------------------------------------------------------------------------------------

    def import_ledger(self, unit: registry_pb2.Unit, rows: list[ledger_pb2.LedgerRow], clerk: str) -> None:
        request = ledger_pb2.ImportLedgerRowsRequest(
            options=ledger_pb2.ImportOptions(unit_id=unit.id, all_or_nothing=True), rows=rows
        )
        response = self.s.call(self.s.ledger.ImportLedgerRows, iter([request]), clerk)
        if not response.written:
            refused = [r for r in response.results if r.outcome == ledger_pb2.ROW_OUTCOME_REJECTED][:3]
            raise RuntimeError(f"{unit.name} 台账导入被拒：{refused}")

    def verify_tasks(self, unit: registry_pb2.Unit, on: date, district: str) -> None:
        problems = self.s.call(
            self.s.ledger.ListProblems, ledger_pb2.ListProblemsRequest(unit_id=unit.id), district
        ).problems
        for problem in problems:
            if problem.task.state != ledger_pb2.TASK_STATE_RECTIFIED:
                continue
            self.s.call(
                self.s.ledger.VerifyTask,
                ledger_pb2.VerifyTaskRequest(
                    unit_id=unit.id,
                    problem_id=problem.id,
                    step=ledger_pb2.Step(on=on.isoformat(), evidence=[f"{DEMO}/区县核验记录-{problem.code}"]),
                ),
                district,
            )

    def panel(self, code: str) -> list[sc.PanelMember]:
        district = self.s.name_of(code)
        return [
            sc.PanelMember(name="验收组长（演示）", organisation=f"{district}生态环境局", duty="组长"),
            sc.PanelMember(
                name="验收成员（演示）", organisation=f"{district}住房和城乡建设委员会", duty="成员"
            ),
        ]

    @staticmethod
    def sheet_input(
        unit: registry_pb2.Unit,
        kind: int,
        on: date,
        assessor: str,
        *,
        plan_id: str = "",
        panel: list[sc.PanelMember] | None = None,
    ) -> sc.SheetInput:
        rates = (
            {}
            if plan_id
            else {"residential_sample_pass_rate": "100", "non_residential_sample_pass_rate": "100"}
        )
        return sc.SheetInput(
            unit_id=unit.id,
            sheet_kind=kind,
            assessor=f"{assessor}（{DEMO}）",
            assessed_on=on.isoformat(),
            entries=sc.AssessorEntries(**rates),
            sampling_plan_id=plan_id,
            panel_members=panel or [],
        )

    def signed(self, signer: str, input_: sc.SheetInput) -> str:
        draft = self.s.call(self.s.scoring.SaveSheetDraft, sc.SaveSheetDraftRequest(input=input_), signer)
        sheet = self.s.call(
            self.s.scoring.SignSheet,
            sc.SignSheetRequest(sheet_id=draft.sheet.id, expected_version=draft.sheet.version),
            signer,
        ).sheet
        return str(sheet.id)

    def sampled_plan(self, unit: registry_pb2.Unit, district: str) -> str:
        plan = self.s.call(
            self.s.scoring.DrawSamplingPlan, sc.DrawSamplingPlanRequest(unit_id=unit.id), district
        ).plan
        verdicts = [
            sc.SampleVerdict(object=group.object, id=item.id, passed=True)
            for group in plan.groups
            for item in group.draws
        ]
        self.s.call(
            self.s.scoring.RecordSampleVerdicts,
            sc.RecordSampleVerdictsRequest(plan_id=plan.id, verdicts=verdicts),
            district,
        )
        return str(plan.id)

    def imported_sheet(
        self, unit: registry_pb2.Unit, input_: sc.SheetInput, verified_on: date, *, evidence: str = ""
    ) -> str:
        """The district's paper acceptance sheet of 2024, imported signed by the city (its tasks verified first)."""
        district = self.s.district(unit.district_code)
        self.verify_tasks(unit, verified_on, district)
        request = sc.ImportSignedSheetRequest(
            input=input_,
            signer_organisation=f"district:{unit.district_code}",
            signer_role="DISTRICT_TASK_FORCE",
            signer_person="验收组长（演示）",
            signed_on=input_.assessed_on,
            evidence=[evidence or f"{DEMO}/区县验收意见（扫描件）"],
        )
        return str(self.s.call(self.s.scoring.ImportSignedSheet, request, self.s.city).sheet.id)

    def import_process(self, p: Plan, sheet: str, since: date) -> None:
        name = self.s.name_of(p.unit.district_code)
        self.s.call(
            self.s.workflow.ImportProcess,
            wf.ImportProcessRequest(
                unit_id=p.unit.id,
                campaign=wf.Campaign(name=ACCEPTED_CAMPAIGN),
                stage=wf.STAGE_ACCEPTED,
                stage_since=_ts(_at(since)),
                sheet_ids=[sheet],
                filing_number=f"{name}零直排备〔2024〕{p.unit.official_code or p.unit.name}号（{DEMO}）",
                reason=_why("2024年达到“污水零直排区”建设标准"),
                evidence=[f"{DEMO}/验收文件"],
            ),
            self.s.city,
        )

    def until(self, probe: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if probe():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{timeout:.0f} 秒内未等到：{what}")


SPOT_CHECK_ROUND = "2026-1"


def draw(services: Services, record: Record, say: Say) -> None:
    """市级抽查: the city draws the round from the towns filed to be drawn (every one of them: at most two a
    district); the round moves them into SPOT_CHECK. The other filed towns are no candidates and stay filed."""
    if record.data.get("spot_check") or not (
        chosen := {i: u for i, u in record.units.items() if u["stage"] == "SPOT_CHECK"}
    ):
        return
    candidates = [
        refs_pb2.UnitRef(id=i, district_code=u["district"], kind=refs_pb2.UNIT_KIND_TOWN, name=u["name"])
        for i, u in chosen.items()
    ]
    request = sc.DrawSpotCheckRequest(
        candidates=candidates,
        towns_per_district=2,
        round=SPOT_CHECK_ROUND,
        closes_on=(_today() + timedelta(days=30)).isoformat(),
    )
    deadline = time.monotonic() + 60
    while True:  # the registry hears of the filings over NATS: until it has, it refuses them as candidates
        try:
            spot_check = services.call(services.scoring.DrawSpotCheck, request, services.city).spot_check
            break
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.FAILED_PRECONDITION or time.monotonic() > deadline:  # type: ignore[attr-defined]
                raise
            time.sleep(0.5)
    for unit_id, unit in chosen.items():
        ref = wf.ProcessRef(district_code=unit["district"], unit_id=unit_id, campaign=unit["campaign"])
        Driver(services).until(
            lambda ref=ref: (p := services.process(ref)) is not None and p.stage == wf.STAGE_SPOT_CHECK,  # type: ignore[misc]
            f"{unit['name']} 进入市级抽查",
        )
    record.data["spot_check"] = {
        "draw_id": spot_check.id,
        "round": SPOT_CHECK_ROUND,
        "workflow_id": f"zdz-spot-check-round/{spot_check.id}",  # the workflow service's round workflow
        "drawn": sorted(chosen),
    }
    record.save()
    say(f"demo: 市级抽查 {SPOT_CHECK_ROUND} 轮抽中 {len(chosen)} 个镇街（抽查编号 {spot_check.id}）")


def load(data: Path, env: dict[str, str], say: Say) -> dict[str, Any]:
    """Load the demo campaign into the running services; a unit already loaded (recorded, or with a process in
    its campaign) is left as it is. Returns the record."""
    record = Record(created_file(data))
    services = Services(Addresses.from_env(env), data / "keys")
    began = time.monotonic()
    try:
        plans = plan(services)
        say(f"demo: {len(plans)} 个单元（5 个园区组团，{len(plans) - 5} 个镇街）")
        driver = Driver(services)
        added = 0
        for i, p in enumerate(plans, start=1):
            label = f"demo [{i}/{len(plans)}] {p.unit.district_code} {p.unit.name} → {p.stage}"
            if p.unit.id in record.units:
                say(f"{label}：已载入，跳过")
                continue
            if services.process(p.ref) is not None:
                say(f"{label}：已有流程，跳过")
                continue
            made = driver.park(p) if p.park else driver.town(p)
            process = services.process(p.ref)
            record.units[p.unit.id] = {
                "name": p.unit.name,
                "district": p.unit.district_code,
                "official_code": p.unit.official_code,
                "kind": "PARK_GROUP" if p.park else "TOWN",
                "stage": p.stage,
                "campaign": p.campaign,
                "workflow_id": process.process_id if process else "",
                **made,
            }
            record.data["loaded_at"] = datetime.now(UTC).isoformat()
            record.save()
            added += 1
            say(f"{label}：完成")
        draw(services, record, say)
        say(f"demo: 新载入 {added} 个单元，用时 {time.monotonic() - began:.0f} 秒；记录见 {record.path}")
        return record.data
    finally:
        services.close()


def iter_workflow_ids(data: Path) -> Iterator[str]:
    """Every workflow the demo started: its units' processes and its spot-check round."""
    record = Record(created_file(data))
    for unit in record.units.values():
        if unit.get("workflow_id"):
            yield str(unit["workflow_id"])
    if record.data.get("spot_check"):
        yield str(record.data["spot_check"]["workflow_id"])
