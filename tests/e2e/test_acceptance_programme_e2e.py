"""The acceptance programme end to end (issue 11, "Must show"): `make run` starts NATS, a Temporal server and every
service as separate processes; a town and a park group of 万州 go from survey to accepted through the gRPC APIs
alone, every verdict a signed sheet, and on through a look-back round to the city's re-acceptance order.

The story, for both units: ledger rows → the unit's self-check sheet → the district's sampling plan with its
sample verdicts → the district-acceptance sheet naming the plan and its panel → the notice in a named channel →
the notice elapses → 备案 filed and acknowledged → the city's draw moves both into spot-check → the spot-check
sheet fails them → 限期整改 → a new self-check → the 复核 sheet passes them → accepted → a 回头看 sheet with
findings → reported rectified, verified 不到位, reported, 不到位 again → the 多次整改不到位 flag → the city orders
re-acceptance.

A second park group of 万州 is filed alongside; the draw takes one park group per district, so one of the two is
drawn (the story's) and the other waits until the city closes the round, which releases it to accepted; the
district then corrects that one's acceptance sheet, and the process's score moves with the correction.

A third unit (another 万州 town) goes the same way to its notice, published today: an objection is raised while a
notice runs, and a notice published weeks ago has run its course the moment it is recorded. A member of the public
objects to it through the 公示栏's form and the district dismisses the objection; the district then records one it
received by letter and dismisses that too. Being in notice, the third town is neither drawn nor counted.

The steps up to the notice are recorded after the fact: each command's `at` a day in the past (never before the
process's last step, never in the future; StartProcess takes one too), so that a notice published weeks ago has
run its 5 working days by now and the workflow's timer fires at once. From the filing on, everything happens now.

Along the way: the notifications the district and the city must act on reach their inboxes, the registry counts
the units as DESIGN rules (from filing; not while a failure is open; not after the re-acceptance order); at the
end every service's event chain verifies, every JetStream consumer has caught up and no event is dead-lettered.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path

from google.protobuf.timestamp_pb2 import Timestamp
from typer.testing import CliRunner

from tests.e2e.ledgers import park_rows, town_rows
from tests.e2e.make_run import environment, start, stop
from tests.e2e.programme import Caller, Programme, eventually, shanghai_day
from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_pb2, registry_pb2
from zdz.scoring.v1 import scoring_pb2 as sc
from zdz.workflow.v1 import workflow_pb2 as wf
from zdz_cli.app import app as zdz_app
from zdz_common.vocabulary import Stage

DISTRICT = "wanzhou"  # 万州区
# 附件2 along-river towns and 附件1 park groups of 万州, as make run loads them.
TOWN, BYSTANDER = "高笋塘街道", "牌楼街道"
PARKS = ("九龙园", "五桥园")
CAMPAIGN = "2026"
PORTAL = wf.NoticeChannel(
    kind=wf.NOTICE_CHANNEL_KIND_GOVERNMENT_PORTAL,
    name="万州区人民政府网",
    url="https://www.wz.gov.cn/zwgk/gsgg/",
)
DISTRICT_PANEL = (
    sc.PanelMember(name="李四", organisation="万州区生态环境局", duty="组长"),
    sc.PanelMember(name="赵六", organisation="万州区住房和城乡建设委员会", duty="成员"),
)
CITY_PANEL = (
    sc.PanelMember(name="王五", organisation="重庆市生态环境局", duty="组长"),
    sc.PanelMember(name="钱七", organisation="重庆市住房和城乡建设委员会", duty="成员"),
)
OBJECTOR = wf.Objector(name="张三", contact="13800138000")
PUBLIC_OBJECTOR = ("孙八", "023-41412345")  # what a member of the public types into the board's form


def passing(total: str) -> bool:
    return Decimal(total) >= 80


def failing(total: str) -> bool:
    return Decimal(total) < 80


def ts(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


class Backdated:
    """Days of the story up to the notice, counted from 24 days ago at 10:00 Asia/Shanghai: the notice published
    on day 7 has run its 5 working days by now, even over a holiday, and the 10 working days to file it (备案)
    still run, so the district files it now, on time."""

    def __init__(self, days_ago: int = 24) -> None:
        begin = datetime.now(UTC) - timedelta(days=days_ago)
        self.begin = begin.replace(hour=2, minute=0, second=0, microsecond=0)

    def day(self, n: int) -> datetime:
        return self.begin + timedelta(days=n)


@dataclass
class Subject:
    """A unit of the story: its registry row, its clerk, its process and the sheets its verdicts name."""

    unit: registry_pb2.Unit
    clerk: Caller
    ref: wf.ProcessRef
    application_date: str = ""  # 建设申请之日 (park sheets' one-year window ends the day before)
    sheets: list[sc.ScoreSheet] = field(default_factory=list)

    @property
    def town(self) -> bool:
        match self.unit.kind:
            case refs_pb2.UNIT_KIND_TOWN:
                return True
            case refs_pb2.UNIT_KIND_PARK_GROUP:
                return False
            case _:
                raise AssertionError(f"no rubric for unit kind {self.unit.kind}")


def _at(moment: datetime | None) -> dict[str, Timestamp]:
    """A command's `at`: the given moment, or unset (now)."""
    return {} if moment is None else {"at": ts(moment)}


def _day(moment: datetime | None) -> date:
    """The day of the given moment, or today, in Asia/Shanghai (sheets are assessed on days)."""
    return shanghai_day(moment or datetime.now(UTC))


def _entries(
    subject: Subject,
    *,
    sampled: bool,
    discretionary: Sequence[tuple[int, str, str]] = (),
    findings: Sequence[sc.Finding] = (),
) -> sc.AssessorEntries:
    """The assessor's entries; the ledger gives the rest. Towns: the sample pass rates are computed from the
    plan's verdicts on a sheet that names the plan, and entered on the others. Parks: the application date and
    the year's emergency drill (item 13)."""
    deductions = [sc.DiscretionaryDeduction(item=i, points=p, reason=r) for i, p, r in discretionary]
    if subject.town:
        rates = (
            {}
            if sampled
            else {"residential_sample_pass_rate": "100", "non_residential_sample_pass_rate": "100"}
        )
        return sc.AssessorEntries(**rates, discretionary=deductions, findings=findings)
    drill = date.fromisoformat(subject.application_date) - timedelta(days=60)
    return sc.AssessorEntries(
        application_date=subject.application_date,
        events=[
            sc.DatedEvent(
                item=13,
                kind=sc.EVENT_KIND_EMERGENCY_DRILL,
                occurred_on=drill.isoformat(),
                description="应急演练",
            )
        ],
        discretionary=deductions,
        findings=findings,
    )


def _failing_entries(subject: Subject, what: str) -> sc.AssessorEntries:
    """What a municipal panel finds on site that brings a sheet below 80."""
    if subject.town:
        return _entries(
            subject,
            sampled=False,
            discretionary=[
                (4, "10", f"{what}：排查台账不详实"),
                (10, "5", f"{what}：管网运维机制不健全"),
                (11, "4", f"{what}：巡查记录不详实"),
                (13, "3", f"{what}：设施运行不稳定"),
                (14, "3", f"{what}：巡查监管不到位"),
            ],
        )
    return _entries(
        subject,
        sampled=False,
        discretionary=[
            (5, "8", f"{what}：台账不详实"),
            (11, "4", f"{what}：设施运行不稳定"),
            (12, "4", f"{what}：巡查监管不到位"),
        ],
        findings=[
            sc.Finding(
                item=2,
                kind=sc.FINDING_KIND_UNREPORTED_PROBLEM_POINT,
                count=8,
                note=f"{what}：漏报管网问题点位",
            ),
            sc.Finding(
                item=3,
                kind=sc.FINDING_KIND_UNREPORTED_PROBLEM_POINT,
                count=8,
                note=f"{what}：漏报设施问题点位",
            ),
        ],
    )


def _sheet_input(
    subject: Subject,
    kind: int,
    assessed_on: date,
    assessor: str,
    entries: sc.AssessorEntries,
    *,
    plan_id: str = "",
    panel: Sequence[sc.PanelMember] = (),
) -> sc.SheetInput:
    return sc.SheetInput(
        unit_id=subject.unit.id,
        sheet_kind=kind,
        assessor=assessor,
        assessed_on=assessed_on.isoformat(),
        entries=entries,
        sampling_plan_id=plan_id,
        panel_members=panel,
    )


def _finding(subject: Subject, what: str, item: str) -> wf.Finding:
    return wf.Finding(
        description=what,
        item=item,
        evidence=[f"现场照片-{subject.unit.name}-{item}"],
        point=wf.LedgerPoint(
            entity_class="PIPE_SEGMENT", entity_code="P-01", problem_type="MIXED_CONNECTION", location="某路"
        ),
    )


class Story:
    """The steps of the programme, each by the organisation the documents give it to."""

    def __init__(self, programme: Programme, clock: Backdated) -> None:
        self.p = programme
        self.clock = clock
        self.district = programme.district_caller(DISTRICT)
        self.city = programme.city

    def subject(self, name: str, rows: list[ledger_pb2.LedgerRow]) -> Subject:
        """A unit of the official listing with its ledger imported by its clerk."""
        unit = self.p.official_unit(DISTRICT, name)
        self.p.import_ledger(unit, rows)
        return Subject(
            unit=unit,
            clerk=self.p.unit_caller(unit),
            ref=wf.ProcessRef(district_code=DISTRICT, unit_id=unit.id, campaign=CAMPAIGN),
        )

    def process(self, subject: Subject, reader: Caller | None = None) -> wf.Process:
        """The process as the city (or `reader`) reads it."""
        request = wf.GetProcessRequest(process=subject.ref)
        return self.p.call(self.p.workflow.GetProcess, request, reader or self.city).process

    def stage_becomes(self, subject: Subject, stage: int) -> wf.Process:
        return eventually(
            lambda: (process := self.process(subject)).stage == stage and process,
            f"{subject.unit.name} reaches {wf.Stage.Name(stage)}",
        )

    @staticmethod
    def recorded(process: wf.Process, sheet: sc.ScoreSheet, kind: str) -> None:
        """The verdict's sheet joined the process's sheets as the scoring service signed it."""
        last = process.sheets[-1]
        assert (last.sheet_id, last.sheet_kind, last.signed_by) == (sheet.id, kind, sheet.signed_by)
        assert (Decimal(last.total), last.grade) == (Decimal(sheet.result.total), sheet.result.grade)

    def rests_on(self, process: wf.Process, sheet: sc.ScoreSheet, kind: str) -> None:
        """The process takes its score, grade and sheet from the signed sheet the verdict named."""
        self.recorded(process, sheet, kind)
        assert process.latest_sheet.sheet_id == sheet.id
        assert Decimal(process.latest_score) == Decimal(sheet.result.total)
        assert process.latest_grade == sheet.result.grade  # the two Grade enums number alike

    # --- 排查 → 整改: the unit, its tasks verified by the district --------------------------------------------

    def to_self_check(self, subject: Subject) -> None:
        day = self.clock.day
        self.p.call(
            self.p.workflow.StartProcess,
            wf.StartProcessRequest(
                unit_id=subject.unit.id,
                campaign=wf.Campaign(name=CAMPAIGN),
                reason="纳入2026年污水零直排区建设",
                **_at(day(0)),
            ),
            self.district,
        )
        self.p.call(
            self.p.workflow.CompleteSurvey,
            wf.CompleteSurveyRequest(process=subject.ref, reason="排查摸底完成，台账已建立", **_at(day(1))),
            subject.clerk,
        )
        self.p.call(
            self.p.workflow.SubmitPlan,
            wf.SubmitPlanRequest(process=subject.ref, reason="一镇一策/一园一策已报送", **_at(day(2))),
            subject.clerk,
        )
        self.verify_tasks(subject, _day(day(3)))
        process = self.p.call(
            self.p.workflow.DeclareRectificationDone,
            wf.DeclareRectificationDoneRequest(process=subject.ref, reason="整改任务全部销号", **_at(day(4))),
            subject.clerk,
        ).process
        assert process.stage == wf.STAGE_SELF_CHECK

    def verify_tasks(self, subject: Subject, on: date) -> None:
        """Nobody accepts their own work: each task the unit reported rectified is verified by its district."""
        problems = self.p.call(
            self.p.ledger.ListProblems, ledger_pb2.ListProblemsRequest(unit_id=subject.unit.id), subject.clerk
        ).problems
        rectified = [pr for pr in problems if pr.task.state == ledger_pb2.TASK_STATE_RECTIFIED]
        assert rectified and all(
            pr.task.state == ledger_pb2.TASK_STATE_VERIFIED for pr in problems if pr not in rectified
        )
        for problem in rectified:
            verified = self.p.call(
                self.p.ledger.VerifyTask,
                ledger_pb2.VerifyTaskRequest(
                    unit_id=subject.unit.id,
                    problem_id=problem.id,
                    step=ledger_pb2.Step(on=on.isoformat(), evidence=[f"区县核验记录-{problem.code}"]),
                ),
                self.district,
            ).problem
            assert verified.task.state == ledger_pb2.TASK_STATE_VERIFIED

    def rectify_findings(self, subject: Subject) -> None:
        """限期整改: the verdict's findings are problems in the unit's ledger, each with its task opened to the
        deadline; the unit assigns and rectifies them, the district verifies them."""
        filed = eventually(
            lambda: [f for f in self.process(subject).filings if f.problem_id or f.refused],
            f"{subject.unit.name}'s findings filed in the registry",
        )
        assert not [f.refused for f in filed if f.refused]
        problems = self.p.call(
            self.p.ledger.ListProblems, ledger_pb2.ListProblemsRequest(unit_id=subject.unit.id), subject.clerk
        ).problems
        found = [pr for pr in problems if pr.id in {f.problem_id for f in filed}]
        assert found and all(pr.task.state == ledger_pb2.TASK_STATE_OPEN for pr in found)
        for problem in found:
            ids = {"unit_id": subject.unit.id, "problem_id": problem.id}
            evidence = ledger_pb2.Step(evidence=[f"整改照片-{problem.code}"])
            self.p.call(
                self.p.ledger.AssignTask,
                ledger_pb2.AssignTaskRequest(**ids, assignee="某施工单位", step=evidence),
                subject.clerk,
            )
            self.p.call(
                self.p.ledger.RectifyTask, ledger_pb2.RectifyTaskRequest(**ids, step=evidence), subject.clerk
            )
        self.verify_tasks(subject, _day(None))

    def self_check(self, subject: Subject, at: datetime | None) -> wf.Process:
        """The unit scores itself on its own sheet, signs it and submits it (自查评估)."""
        if not subject.application_date:
            subject.application_date = _day(at).isoformat()
        sheet = self.p.signed_sheet(
            subject.clerk,
            _sheet_input(
                subject,
                sc.SHEET_KIND_SELF_CHECK,
                _day(at),
                f"{subject.clerk.organisation}/{subject.clerk.principal.person}",
                _entries(subject, sampled=False),
            ),
            passing,
        )
        process = self.p.call(
            self.p.workflow.SubmitSelfCheck,
            wf.SubmitSelfCheckRequest(
                process=subject.ref,
                sheet_id=sheet.id,
                reason="自查评估达到合格",
                evidence=[sheet.id],
                **_at(at),
            ),
            subject.clerk,
        ).process
        self.rests_on(process, sheet, "SELF_CHECK")
        subject.sheets.append(sheet)
        return process

    def district_acceptance(self, subject: Subject, at: datetime | None) -> wf.Process:
        """The district draws the unit's sampling plan, records the panel's verdict on each drawn item, signs the
        acceptance sheet naming the plan and its panel, and records it (区县验收)."""
        plan = self.sampled_plan(subject)
        sheet = self.p.signed_sheet(
            self.district,
            _sheet_input(
                subject,
                sc.SHEET_KIND_DISTRICT_ACCEPTANCE,
                _day(at),
                "万州区工作专班/李四",
                _entries(subject, sampled=True),
                plan_id=plan.id,
                panel=DISTRICT_PANEL,
            ),
            passing,
        )
        assert sheet.sampling_plan_id == plan.id
        assert [m.name for m in sheet.panel_members] == [m.name for m in DISTRICT_PANEL]
        assert sheet.signer_role == "DISTRICT_TASK_FORCE"
        if subject.town:  # 附件3 items 6–7: the sample pass rate comes from the plan's verdicts
            assert Decimal(sheet.sample_figures["residential_sample_pass_rate"]) == 100
        process = self.p.workflow.RecordDistrictVerdict(
            wf.RecordDistrictVerdictRequest(
                process=subject.ref,
                sheet_id=sheet.id,
                reason="区县验收合格",
                evidence=[sheet.id, plan.id],
                **_at(at),
            ),
            # as a traced client (issue 14): the command's span tree is checked at the end of the story
            metadata=self.district.metadata(
                request_id=verdict_request(subject), traceparent=CLIENT_TRACEPARENT
            ),
            timeout=60,
        ).process
        assert process.stage == wf.STAGE_PUBLIC_NOTICE
        self.rests_on(process, sheet, "DISTRICT_ACCEPTANCE")
        assert process.latest_sheet.sampling_plan_id == plan.id
        assert process.standing == wf.STANDING_IN_NOTICE
        subject.sheets.append(sheet)
        return process

    def sampled_plan(self, subject: Subject) -> sc.SamplingPlan:
        """The district draws the unit's sampling plan and records the panel's verdict on every drawn item."""
        plan = self.p.call(
            self.p.scoring.DrawSamplingPlan,
            sc.DrawSamplingPlanRequest(unit_id=subject.unit.id),
            self.district,
        ).plan
        drawn = [(group.object, item.id) for group in plan.groups for item in group.draws]
        assert drawn, plan
        verdicts = [sc.SampleVerdict(object=obj, id=code, passed=True) for obj, code in drawn]
        recorded = self.p.call(
            self.p.scoring.RecordSampleVerdicts,
            sc.RecordSampleVerdictsRequest(plan_id=plan.id, verdicts=verdicts),
            self.district,
        ).plan
        assert {(v.object, v.id) for v in recorded.verdicts} == set(drawn)
        return plan

    def correct_district_sheet(self, subject: Subject) -> sc.ScoreSheet:
        """The district signs a correction of its acceptance sheet: the panel missed a point of item 5."""
        original = subject.sheets[-1]
        assert original.sheet_kind == sc.SHEET_KIND_DISTRICT_ACCEPTANCE
        input_ = _sheet_input(
            subject,
            sc.SHEET_KIND_DISTRICT_ACCEPTANCE,
            date.fromisoformat(original.assessed_on),
            original.assessor,
            _entries(subject, sampled=True, discretionary=[(5, "3", "更正：台账详实程度不足")]),
            plan_id=original.sampling_plan_id,
            panel=DISTRICT_PANEL,
        )
        input_.replaces_sheet_id = original.id
        correction = self.p.signed_sheet(self.district, input_, passing)
        subject.sheets.append(correction)
        return correction

    def publish(self, subject: Subject, published_on: date, at: datetime | None) -> wf.Process:
        process = self.p.call(
            self.p.workflow.PublishNotice,
            wf.PublishNoticeRequest(
                process=subject.ref,
                published_on=published_on.isoformat(),
                channel=PORTAL,
                reason="验收结果公示",
                evidence=[f"{PORTAL.url}{subject.unit.id}"],
                **_at(at),
            ),
            self.district,
        ).process
        assert (process.notice.channel.kind, process.notice.channel.name, process.notice.channel.url) == (
            PORTAL.kind,
            PORTAL.name,
            PORTAL.url,
        )
        return process

    def objection_received_and_dismissed(self, subject: Subject) -> str:
        """An objection the district received by letter, recorded by the district and dismissed; returns the
        district's answer."""
        objection_id = "万州零直排异议〔2026〕1号"
        process = self.p.call(
            self.p.workflow.RaiseObjection,
            wf.RaiseObjectionRequest(
                process=subject.ref,
                objection_id=objection_id,
                source=wf.OBJECTION_SOURCE_RECEIVED,
                objector=OBJECTOR,
                reason="来信反映小区雨污管网仍有混接",
            ),
            self.district,
        ).process
        assert process.notice.status == wf.NOTICE_STATUS_SUSPENDED
        answer = "经现场核查，所反映管段已完成改造，来信异议不成立"
        process = self.p.call(
            self.p.workflow.ResolveObjection,
            wf.ResolveObjectionRequest(
                process=subject.ref, objection_id=objection_id, upheld=False, reason=answer
            ),
            self.district,
        ).process
        assert process.notice.status == wf.NOTICE_STATUS_RUNNING
        (objection,) = [o for o in process.notice.objections if o.objection_id == objection_id]
        assert (objection.source, objection.upheld, objection.answer) == (
            wf.OBJECTION_SOURCE_RECEIVED,
            False,
            answer,
        )
        return answer

    def file_and_acknowledge(self, subject: Subject) -> wf.Process:
        """Once the notice has run its course the district files the result; the city acknowledges it."""
        elapsed = eventually(
            lambda: (process := self.process(subject)).notice.status == wf.NOTICE_STATUS_ELAPSED and process,
            f"{subject.unit.name}'s notice elapses",
        )
        (filing_due,) = [d for d in elapsed.deadlines if d.kind == wf.DEADLINE_KIND_FILING]
        assert not filing_due.missed
        number = f"万州零直排备〔2026〕{subject.unit.name}"
        process = self.p.call(
            self.p.workflow.FileResult,
            wf.FileResultRequest(
                process=subject.ref,
                filing_number=number,
                reason="公示期满无异议，报市级备案",
            ),
            self.district,
        ).process
        assert process.stage == wf.STAGE_FILED
        assert process.filing.filing_number == number
        assert process.standing == wf.STANDING_MEETS_STANDARD
        process = self.p.call(
            self.p.workflow.AcknowledgeFiling,
            wf.AcknowledgeFilingRequest(process=subject.ref, reason="已备案"),
            self.city,
        ).process
        assert process.stage == wf.STAGE_FILED
        assert process.filing.HasField("acknowledged_at") and process.filing.acknowledged_by
        return process

    # --- 市级抽查 → 复核: the municipal task force, now ----------------------------------------------------------

    def municipal_sheet(
        self, subject: Subject, kind: int, entries: sc.AssessorEntries, check: Callable[[str], bool]
    ) -> sc.ScoreSheet:
        """The municipal panel's sheet, signed by the municipal task force."""
        sheet = self.p.signed_sheet(
            self.city,
            _sheet_input(
                subject,
                kind,
                _day(None),
                "市级工作专班/王五",
                entries,
                panel=CITY_PANEL,
            ),
            check,
        )
        assert sheet.signer_role == "MUNICIPAL_TASK_FORCE"
        subject.sheets.append(sheet)
        return sheet

    def spot_check_fails(self, subject: Subject) -> wf.Process:
        sheet = self.municipal_sheet(
            subject, sc.SHEET_KIND_SPOT_CHECK, _failing_entries(subject, "市级抽查"), failing
        )
        rectify_by = (_day(None) + timedelta(days=30)).isoformat()
        process = self.p.call(
            self.p.workflow.RecordSpotCheckVerdict,
            wf.RecordSpotCheckVerdictRequest(
                process=subject.ref,
                sheet_id=sheet.id,
                findings=[
                    _finding(
                        subject,
                        "雨污混接未整改到位",
                        "附件3 附表 第8项" if subject.town else "附件4 附表 第7项",
                    )
                ],
                rectify_by=rectify_by,
                reason="市级抽查不合格，限期整改",
            ),
            self.city,
        ).process
        assert process.stage == wf.STAGE_RECTIFICATION
        self.rests_on(process, sheet, "SPOT_CHECK")
        assert process.awaiting_re_review
        assert process.standing == wf.STANDING_FAILURE_OPEN
        assert [d.due_on for d in process.deadlines if d.kind == wf.DEADLINE_KIND_RECTIFICATION] == [
            rectify_by
        ]
        return process

    def re_review_passes(self, subject: Subject) -> wf.Process:
        self.rectify_findings(subject)
        process = self.p.call(
            self.p.workflow.DeclareRectificationDone,
            wf.DeclareRectificationDoneRequest(process=subject.ref, reason="抽查问题已整改"),
            subject.clerk,
        ).process
        assert process.stage == wf.STAGE_SELF_CHECK
        process = self.self_check(subject, None)
        assert process.stage == wf.STAGE_RE_REVIEW  # after a failed spot-check the self-check goes to 复核
        assert process.standing == wf.STANDING_FAILURE_OPEN
        sheet = self.municipal_sheet(
            subject, sc.SHEET_KIND_RE_REVIEW, _entries(subject, sampled=False), passing
        )
        process = self.p.call(
            self.p.workflow.RecordReReviewVerdict,
            wf.RecordReReviewVerdictRequest(process=subject.ref, sheet_id=sheet.id, reason="复核合格"),
            self.city,
        ).process
        assert process.stage == wf.STAGE_ACCEPTED
        self.rests_on(process, sheet, "RE_REVIEW")
        assert process.standing == wf.STANDING_MEETS_STANDARD
        return process

    # --- 回头看 (000 §三(五)) -------------------------------------------------------------------------------

    def look_back_fails(self, subject: Subject) -> wf.Process:
        process = self.p.call(
            self.p.workflow.StartLookBack,
            wf.StartLookBackRequest(process=subject.ref, reason="2026年度回头看"),
            self.city,
        ).process
        assert (process.stage, process.look_back_round) == (wf.STAGE_LOOK_BACK, 1)
        sheet = self.municipal_sheet(
            subject, sc.SHEET_KIND_LOOK_BACK, _failing_entries(subject, "回头看"), failing
        )
        rectify_by = (_day(None) + timedelta(days=30)).isoformat()
        findings = [
            _finding(subject, "管网破损渗漏", "000 三（五）回头看"),
            _finding(subject, "排污口标识缺失", "000 三（五）回头看"),
        ]
        process = self.p.call(
            self.p.workflow.RecordLookBackVerdict,
            wf.RecordLookBackVerdictRequest(
                process=subject.ref,
                sheet_id=sheet.id,
                findings=findings,
                rectify_by=rectify_by,
                reason="回头看发现问题",
            ),
            self.city,
        ).process
        # The look-back sheet is recorded; the acceptance result (the re-review's) stays the process's score.
        self.recorded(process, sheet, "LOOK_BACK")
        assert process.latest_sheet.sheet_kind == "RE_REVIEW"
        problems = process.look_back_problems
        assert [(pr.description, pr.round, pr.rectify_by) for pr in problems] == [
            (f.description, 1, rectify_by) for f in findings
        ]
        assert process.standing == wf.STANDING_FAILURE_OPEN
        return process

    def rectified_not_in_place(self, subject: Subject, times: int) -> wf.Process:
        """The unit reports the findings rectified; the city verifies each as 不到位 with a new date."""
        reported = self.p.call(
            self.p.workflow.ReportLookBackRectified,
            wf.ReportLookBackRectifiedRequest(
                process=subject.ref, reason="回头看问题已整改", evidence=["整改报告"]
            ),
            subject.clerk,
        ).process
        assert all(pr.reported_rectified for pr in reported.look_back_problems)
        rectify_by = (_day(None) + timedelta(days=30 + 30 * times)).isoformat()
        process = self.p.call(
            self.p.workflow.VerifyLookBackRectification,
            wf.VerifyLookBackRectificationRequest(
                process=subject.ref,
                verifications=[
                    wf.FindingVerification(code=pr.code, in_place=False, note="现场复查仍有渗漏")
                    for pr in reported.look_back_problems
                ],
                rectify_by=rectify_by,
                reason="整改不到位",
            ),
            self.city,
        ).process
        assert [(pr.in_place, pr.not_in_place_count) for pr in process.look_back_problems] == [
            (False, times) for _ in process.look_back_problems
        ]
        due = [d.due_on for d in process.deadlines if d.kind == wf.DEADLINE_KIND_LOOK_BACK_RECTIFICATION]
        assert due == [rectify_by]  # the new 限期整改 date
        assert process.standing == wf.STANDING_FAILURE_OPEN
        return process


def _board_objection(board_url: str, unit_name: str, name: str, contact: str, text: str) -> str:
    """A member of the public finds the unit's notice on the 公示栏, opens its objection form and sends it;
    returns the objection id the confirmation page gives."""
    notices = re.findall(
        r'<article class="notice" id="notice-([0-9a-f-]{36})">(.*?)</article>', _board_page(board_url), re.S
    )
    (notice_id,) = [
        nid for nid, body in notices if unit_name in body and f"/board/notices/{nid}/objection" in body
    ]
    form_url = f"{board_url}/notices/{notice_id}/objection"
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser.open(form_url, timeout=10) as response:  # sets the form's same-site cookie
        token = re.search(r'name="token" value="([^"]+)"', response.read().decode())
    assert token is not None
    body = urllib.parse.urlencode(
        {"token": unescape(token.group(1)), "name": name, "contact": contact, "text": text, "website": ""}
    )
    with browser.open(
        urllib.request.Request(form_url, data=body.encode(), method="POST"), timeout=60
    ) as response:
        assert response.status == 200
        received = re.search(r'class="received".*?<strong>([^<]+)</strong>', response.read().decode(), re.S)
    assert received is not None
    return unescape(received.group(1))


def _board_page(board_url: str) -> str:
    with urllib.request.urlopen(f"{board_url}?district={DISTRICT}", timeout=10) as response:
        return response.read().decode()


def _board_showing(board_url: str, text: str) -> str | None:
    """The district's 公示栏 page once it shows `text`."""
    page = _board_page(board_url)
    return page if text in page else None


CLIENT_TRACE, CLIENT_SPAN = "5a1f" * 8, "c11e" * 4  # the traced client's ids, as W3C hex
CLIENT_TRACEPARENT = f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"


def verdict_request(subject: Subject) -> str:
    return f"e2e-district-verdict-{subject.unit.id}"


def _spans(traces: Path) -> list[dict]:  # type: ignore[type-arg]
    return [
        json.loads(line) for file in sorted(traces.glob("*.jsonl")) for line in file.read_text().splitlines()
    ]


def assert_one_trace_from_command_to_notification(traces: Path, request_id: str) -> None:
    """Issue 14: gRPC client → workflow gRPC server → Temporal update, then in the process's own trace the update's
    handler (Temporal's TracingInterceptor links it to the caller's update span rather than parenting it: a
    workflow's spans stay under the workflow) → the activity → the event appended → NATS publish → notify's
    consumer → the notification stored, each the child of the one before."""
    spans = _spans(traces)
    by_id = {s["context"]["span_id"]: s for s in spans}
    [server] = [
        s
        for s in spans
        if s["name"] == "/zdz.workflow.v1.WorkflowService/RecordDistrictVerdict"
        and s["attributes"].get("zdz.request_id") == request_id
    ]
    assert server["parent_id"] == f"0x{CLIENT_SPAN}" and server["context"]["trace_id"] == f"0x{CLIENT_TRACE}"
    [update] = [
        s
        for s in spans
        if s["name"] == "StartWorkflowUpdate:RecordDistrictVerdict"
        and s["parent_id"] == server["context"]["span_id"]
    ]
    [handler] = [
        s
        for s in spans
        if s["name"] == "HandleUpdate:RecordDistrictVerdict"
        and any(link["context"]["span_id"] == update["context"]["span_id"] for link in s.get("links") or ())
    ]
    process_trace = handler["context"]["trace_id"]

    def chain(span: dict | None) -> list[str]:  # type: ignore[type-arg]
        names = []
        while span is not None:
            names.append(span["name"])
            span = by_id.get(span.get("parent_id") or "")
        return names

    paths = [
        chain(s)
        for s in spans
        if s["context"]["trace_id"] == process_trace
        and s["attributes"].get("db.statement", "").startswith("INSERT INTO notify_notification")
    ]
    assert paths, "no notification stored in the process's trace"
    path = paths[0]  # from a stored notification up to the process's root
    consume = next(n for n in path if n.startswith("consume zdz.workflow."))
    publish = next(n for n in path if n.startswith("publish zdz.workflow."))
    assert path.index(consume) < path.index(publish) < path.index("RunActivity:PublishProcessEvents")
    assert path.index("RunActivity:PublishProcessEvents") < path.index("StartActivity:PublishProcessEvents")


def assert_zdz_trace_shows_the_command(traces: Path, request_id: str) -> None:
    """`zdz trace <request-id>` prints the same command's tree, the linked update handler and its activity in it."""
    done = CliRunner().invoke(zdz_app, ["trace", request_id, "--traces", str(traces), "--json"])
    assert done.exit_code == 0, done.output
    tree = json.loads(done.stdout)

    def names(node: dict) -> set[str]:  # type: ignore[type-arg]
        return {node["name"], *(n for child in node["children"] for n in names(child))}

    assert tree["name"] == "/zdz.workflow.v1.WorkflowService/RecordDistrictVerdict"
    assert {
        "StartWorkflowUpdate:RecordDistrictVerdict",
        "HandleUpdate:RecordDistrictVerdict",
        "RunActivity:PublishProcessEvents",
    } <= names(tree)


def test_a_town_and_a_park_group_go_from_survey_to_re_acceptance_on_signed_sheets_and_draws(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    env = environment(data)
    env["ZDZ_TRACES_FILE"] = str(data / "traces" / "{service}.jsonl")  # every process traced, to a file each
    process, _lines = start(env)
    programme = Programme(env, data)
    try:
        story = Story(programme, Backdated())
        day = story.clock.day
        district, city = story.district, story.city
        town = story.subject(TOWN, town_rows())
        parks = [story.subject(name, park_rows()) for name in PARKS]
        bystander = story.subject(BYSTANDER, town_rows())
        filed = (town, *parks)
        assert programme.progress(DISTRICT) == (0, 0)
        for subject in filed:  # the ledger rows are there, in the registry
            rows = programme.call(
                programme.ledger.ListLedgerRows,
                ledger_pb2.ListLedgerRowsRequest(
                    unit_id=subject.unit.id, entity_class=ledger_pb2.ENTITY_CLASS_SOURCE_HOUSEHOLD
                ),
                subject.clerk,
            )
            assert rows.total_size == (10 if subject.town else 2)

        # 排查 → 方案 → 整改 (tasks verified by the district) → 自查评估 (the unit's own sheet) → 区县验收 (sampling
        # plan with verdicts, the acceptance sheet naming it and its panel), recorded after the fact.
        for subject in (*filed, bystander):
            story.to_self_check(subject)
            assert story.self_check(subject, day(5)).stage == wf.STAGE_DISTRICT_ACCEPTANCE
            story.district_acceptance(subject, day(6))

        # 公示 in a named channel; these notices ran their course weeks ago.
        for subject in filed:
            published = story.publish(subject, _day(day(7)), day(7))
            assert published.notice.status in (wf.NOTICE_STATUS_RUNNING, wf.NOTICE_STATUS_ELAPSED)

        # The third town's notice runs now: a member of the public objects on the 公示栏, the district dismisses it;
        # then the district records an objection it received by letter, and dismisses that too.
        running = story.publish(bystander, _day(None), None)
        assert running.notice.status == wf.NOTICE_STATUS_RUNNING
        eventually(lambda: _board_showing(programme.board_url, BYSTANDER), "the notice is on the 公示栏")
        name, contact = PUBLIC_OBJECTOR
        objection_id = _board_objection(
            programme.board_url, BYSTANDER, name, contact, "该街道仍有餐饮店污水直排雨水管，请核查。"
        )
        suspended = eventually(
            lambda: (
                (p := story.process(bystander, district)).notice.status == wf.NOTICE_STATUS_SUSPENDED and p
            ),
            "the public objection suspends the notice",
        )
        (objection,) = suspended.notice.objections
        assert (objection.objection_id, objection.source) == (objection_id, wf.OBJECTION_SOURCE_PUBLIC_BOARD)
        # The district reads who objected and how to answer them.
        assert (objection.objector.name, objection.objector.contact) == (name, contact)
        answer = "经现场核查，该店已接入污水管网，异议不成立"
        resumed = programme.call(
            programme.workflow.ResolveObjection,
            wf.ResolveObjectionRequest(
                process=bystander.ref, objection_id=objection_id, upheld=False, reason=answer
            ),
            district,
        ).process
        assert resumed.notice.status == wf.NOTICE_STATUS_RUNNING
        (objection,) = [o for o in resumed.notice.objections if o.objection_id == objection_id]
        assert (objection.upheld, objection.answer) == (False, answer)
        answered_letter = story.objection_received_and_dismissed(bystander)
        board = eventually(
            lambda: _board_showing(programme.board_url, answered_letter),
            "the objections' outcomes reach the 公示栏",
        )
        assert answer in board
        assert PORTAL.name in board and PORTAL.url in board  # where the notice appears
        assert contact not in board  # the objector's contact goes to the district only

        # 备案: filed by the district, acknowledged by the city; counted from filing (the third town, still in
        # notice, is not).
        for subject in filed:
            story.file_and_acknowledge(subject)
        programme.progress_becomes(DISTRICT, (1, 2), "filed")
        board = _board_page(programme.board_url)
        assert f"万州零直排备〔2026〕{TOWN}" in board  # the filing reaches the 公示栏

        # 市级抽查: the draw takes the units filed in the round (not the one in notice) and moves the drawn ones itself;
        # closing the round releases the park group not drawn.
        close_on = (_day(None) + timedelta(days=30)).isoformat()
        draw = programme.call(
            programme.scoring.DrawSpotCheck,
            sc.DrawSpotCheckRequest(
                round="2026-1", closes_on=close_on, towns_per_district=2, parks_per_district=1
            ),
            city,
        ).spot_check
        assert (draw.round, draw.closes_on) == ("2026-1", close_on)
        assert {c.id for c in draw.candidates} == {s.unit.id for s in filed}
        (wanzhou,) = [d for d in draw.districts if d.district_code == DISTRICT]
        assert [u.id for u in wanzhou.towns.drawn] == [town.unit.id]
        (drawn_park,) = wanzhou.parks.drawn
        (park,) = [s for s in parks if s.unit.id == drawn_park.id]
        (spare,) = [s for s in parks if s is not park]
        for subject in (town, park):
            drawn = story.stage_becomes(subject, wf.STAGE_SPOT_CHECK)
            assert drawn.spot_check_draw_id == draw.id
        spot_round = programme.call(
            programme.workflow.GetSpotCheckRound, wf.GetSpotCheckRoundRequest(draw_id=draw.id), city
        ).round
        assert {r.unit_id for r in spot_round.drawn} == {town.unit.id, park.unit.id}
        assert [r.unit_id for r in spot_round.waiting] == [spare.unit.id]
        assert not spot_round.released and not spot_round.refused
        assert story.process(spare).stage == wf.STAGE_FILED
        assert story.process(bystander).stage == wf.STAGE_PUBLIC_NOTICE
        closed = programme.call(
            programme.workflow.CloseSpotCheckRound,
            wf.CloseSpotCheckRoundRequest(draw_id=draw.id, reason="本轮抽查名单已确定"),
            city,
        ).round
        assert [r.unit_id for r in closed.released] == [spare.unit.id]
        assert not closed.waiting and closed.HasField("closed_at")
        released = story.stage_becomes(spare, wf.STAGE_ACCEPTED)
        assert released.standing == wf.STANDING_MEETS_STANDARD
        assert {story.process(s).stage for s in (town, park)} == {wf.STAGE_SPOT_CHECK}
        programme.settle()
        assert programme.progress(DISTRICT) == (1, 2)  # drawn or released, filed units still count

        # The district corrects the released park group's acceptance sheet: the process's score moves with it.
        corrected = story.correct_district_sheet(spare)
        moved = eventually(
            lambda: (p := story.process(spare)).latest_sheet.sheet_id == corrected.id and p,
            "the correction moves the process's score",
        )
        assert (
            Decimal(moved.latest_score)
            == Decimal(corrected.result.total)
            < Decimal(spare.sheets[-2].result.total)
        )
        assert moved.latest_sheet.replaces_sheet_id == spare.sheets[-2].id
        history = programme.call(
            programme.workflow.GetProcessHistory, wf.GetProcessHistoryRequest(process=spare.ref), city
        ).entries
        assert history[-1].event == "SheetCorrected"

        # Spot-check failed → 限期整改 (not counted while open) → self-check → 复核 passed → accepted.
        for subject in (town, park):
            story.spot_check_fails(subject)
        programme.progress_becomes(DISTRICT, (0, 1), "spot-check failure open")
        for subject in (town, park):
            story.re_review_passes(subject)
        programme.progress_becomes(DISTRICT, (1, 2), "re-review passed")

        # 回头看: findings → reported → 不到位 → reported → 不到位 → the 多次整改不到位 flag → re-acceptance ordered.
        for subject in (town, park):
            story.look_back_fails(subject)
        programme.progress_becomes(DISTRICT, (0, 1), "look-back failure open")
        for subject in (town, park):
            assert not story.rectified_not_in_place(subject, 1).flags
            flagged = story.rectified_not_in_place(subject, 2)
            (flag,) = flagged.flags
            assert flag.rule == wf.FLAG_RULE_REPEATED_FAILED_RECTIFICATION
            assert flag.rule_id and flag.rule_text and flag.reason
            assert flagged.stage != wf.STAGE_REACCEPTANCE  # the flag orders nothing: the city decides
            ordered = programme.call(
                programme.workflow.OrderReacceptance,
                wf.OrderReacceptanceRequest(
                    process=subject.ref,
                    rule=wf.FLAG_RULE_REPEATED_FAILED_RECTIFICATION,
                    reason="多次整改不到位，市级工作专班决定重新实施建设验收",
                    evidence=["渝零直排办〔2026〕1号"],
                ),
                city,
            ).process
            assert ordered.stage == wf.STAGE_REACCEPTANCE
            assert ordered.standing == wf.STANDING_REACCEPTANCE_ORDERED
            # Every verdict was a sheet, in order, each as signed.
            assert [(s.sheet_id, Decimal(s.total)) for s in ordered.sheets] == [
                (s.id, Decimal(s.result.total)) for s in subject.sheets
            ]
            assert [s.sheet_kind for s in ordered.sheets] == [
                "SELF_CHECK",
                "DISTRICT_ACCEPTANCE",
                "SPOT_CHECK",
                "SELF_CHECK",
                "RE_REVIEW",
                "LOOK_BACK",
            ]

        # The notifications each task force must act on reached its inbox.
        every = {s.unit.id for s in (*filed, bystander)}
        filed_ids = {s.unit.id for s in filed}
        drawn_ids = {town.unit.id, park.unit.id}
        programme.told(district, "zdz.workflow.process.stage_entered", every, Stage.DISTRICT_ACCEPTANCE.label)
        programme.told(district, "zdz.scoring.sampling_plan.drawn", every)
        programme.told(district, "zdz.workflow.notice.published", every)
        programme.told(district, "zdz.workflow.notice.suspended", {bystander.unit.id})
        programme.told(district, "zdz.workflow.objection.raised", {bystander.unit.id})
        programme.told(district, "zdz.workflow.objection.resolved", {bystander.unit.id})
        programme.told(district, "zdz.workflow.filing.acknowledged", filed_ids)
        programme.told(district, "zdz.workflow.spot_check.selected", drawn_ids)
        programme.told(district, "zdz.workflow.spot_check.round_closed")  # once for the district
        programme.told(spare.clerk, "zdz.workflow.spot_check.round_closed", {spare.unit.id})  # released
        programme.told(district, "zdz.workflow.look_back.findings_recorded", drawn_ids)
        programme.told(city, "zdz.workflow.process.stage_entered", filed_ids, Stage.FILED.label)
        programme.told(city, "zdz.workflow.filing.filed", filed_ids)
        programme.told(city, "zdz.scoring.spot_check.drawn")
        programme.told(city, "zdz.workflow.look_back.flagged", drawn_ids)

        # Every event reached its consumers: none left pending, none dead-lettered; the counts are as ruled.
        programme.settle()
        dead, _pending = programme.queues()
        assert dead == 0
        selected = {
            n.unit_id for n in programme.inbox(district) if n.event_type == "zdz.workflow.spot_check.selected"
        }
        assert selected == drawn_ids  # the park group not drawn was not told it was
        # Re-acceptance ordered for the town and the drawn park; the third town still in notice; the released park
        # group counts.
        assert programme.progress(DISTRICT) == (0, 1)

        # Every service's event chain verifies.
        chains = programme.chains()
        assert all(result.ok for result in chains.values()), chains
        assert all(chains[name].events_checked for name in ("registry", "scoring", "workflow")), chains
        # One district acceptance with its sheet, followed span by span to the notification it produced.
        assert_one_trace_from_command_to_notification(data / "traces", verdict_request(town))
        assert_zdz_trace_shows_the_command(data / "traces", verdict_request(town))
    finally:
        programme.close()
        stop(process)
