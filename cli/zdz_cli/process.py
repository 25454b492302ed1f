"""`zdz process …`: every stage command of the workflow API (proto/zdz/workflow/v1/workflow.proto), one
subcommand each, its request's fields as options. The unit is named by id, 统计用区划代码 or name; without
`--campaign` the command goes to the unit's latest process."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp
from rich.table import Table

from zdz.workflow.v1 import workflow_pb2 as wf
from zdz_cli.connection import UsageError
from zdz_cli.framework import Cli, as_dict, command
from zdz_cli.labels import DEADLINES, GRADES, STAGES, enum_value, label, stage_value
from zdz_cli.ledger_files import InputFileError
from zdz_cli.lookups import process_ref, resolve_unit

process_app = typer.Typer(
    help="阶段命令：推进单元的污水零直排区建设流程（排查 → 方案 → 整改 → 自查 → 区县验收 → 公示 → 备案 → 抽查 …）",
    no_args_is_help=True,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

UnitArg = Annotated[str, typer.Argument(help="单元：编号、统计用区划代码或名称")]
CampaignOpt = Annotated[str, typer.Option("--campaign", help="批次（如 2025）；不填则取该单元最新的流程")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="理由（文字）")]
EvidenceOpt = Annotated[
    list[str] | None, typer.Option("--evidence", help="证据：文号、文件或照片链接；可重复使用")
]
AtOpt = Annotated[str, typer.Option("--at", help="发生时间：YYYY-MM-DD 或 ISO 时间（北京时间）；不填为现在")]
SheetOpt = Annotated[str, typer.Option("--sheet", help="已签署评分表的编号（`zdz sheets list <单元>` 可查）")]
FindingOpt = Annotated[list[str] | None, typer.Option("--finding", help="发现的问题（文字）；可重复使用")]
FindingsFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--findings-file",
        help='问题的 JSON 文件：Finding 列表，如 [{"description": "…", "item": "附件3 附表 第6项", '
        '"point": {"entity_class": "PIPE_SEGMENT", "entity_code": "G1", "problem_type": "MIXED_CONNECTION"}}]',
    ),
]
RectifyByOpt = Annotated[str, typer.Option("--rectify-by", help="限期整改日期 YYYY-MM-DD")]


def timestamp(text: str) -> Timestamp:
    """A time typed on the command line: a date (its 00:00 in Beijing time) or an ISO date-time."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"无效的时间“{text}”：请用 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(dt.UTC))
    return stamp


def findings_of(texts: list[str] | None, path: Path | None) -> list[wf.Finding]:
    findings = [wf.Finding(description=t) for t in texts or []]
    if path is not None:
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
            items = data if isinstance(data, list) else data.get("findings", [])
            findings += [json_format.ParseDict(item, wf.Finding()) for item in items]
        except (OSError, ValueError, AttributeError, json_format.ParseError) as error:
            raise InputFileError(f"无法读取问题文件 {path}：{error}") from None
    return findings


def show_process(cli: Cli, process: wf.Process, title: str = "") -> None:
    def render() -> None:
        score = process.latest_score or "—"
        grade = label(GRADES, process.latest_grade, "")
        cli.out.print(
            f"{title}[bold]{process.unit.name or process.ref.unit_id}[/]（{process.ref.district_code}，"
            f"批次 {process.ref.campaign}）：阶段 [bold]{label(STAGES, process.stage)}[/]，得分 {score} {grade}",
            highlight=False,
        )
        for deadline in process.deadlines:
            missed = "（已逾期）" if deadline.missed else ""
            cli.out.print(
                f"  期限 {label(DEADLINES, deadline.kind)}：{deadline.due_on}{missed}", highlight=False
            )
        if process.notice.status:
            notice = process.notice
            cli.out.print(
                f"  公示：{notice.published_on} 起 {notice.working_days} 个工作日，至 {notice.last_day or '暂停'}"
            )
        cli.out.print(f"  流程编号 {process.process_id}", highlight=False)

    cli.emit({"ok": True, "process": as_dict(process)}, render)


def _send(
    cli: Cli,
    rpc: str,
    unit: str,
    process_campaign: str,
    reason: str,
    evidence: list[str] | None,
    at: str,
    **fields: Any,
) -> None:
    ref = process_ref(cli, unit, process_campaign)
    request = getattr(wf, f"{rpc}Request")(process=ref, reason=reason, evidence=evidence or [], **fields)
    if at:
        request.at.CopyFrom(timestamp(at))
    show_process(cli, cli.call("workflow", rpc, request).process)


def _simple(rpc: str):  # type: ignore[no-untyped-def]
    def step(
        cli: Cli,
        unit: UnitArg,
        campaign: CampaignOpt = "",
        reason: ReasonOpt = "",
        evidence: EvidenceOpt = None,
        at: AtOpt = "",
    ) -> None:
        _send(cli, rpc, unit, campaign, reason, evidence, at)

    return step


SIMPLE_STEPS = {
    "complete-survey": ("CompleteSurvey", "排查摸底完成、台账建成：排查 → 方案"),
    "submit-plan": ("SubmitPlan", "提交一镇一策 / 一园一策：方案 → 整改"),
    "declare-rectification-done": ("DeclareRectificationDone", "单元任务已销号：整改 → 自查评估"),
    "acknowledge-filing": ("AcknowledgeFiling", "市级专班确认收到备案（阶段仍为备案）"),
    "start-look-back": ("StartLookBack", "对已备案单元开展回头看"),
    "report-look-back-rectified": ("ReportLookBackRectified", "单元报告上轮回头看问题已整改"),
}
for _name, (_rpc, _help) in SIMPLE_STEPS.items():
    command(process_app, _name, _help)(_simple(_rpc))


def _verdict(rpc: str):  # type: ignore[no-untyped-def]
    def verdict(
        cli: Cli,
        unit: UnitArg,
        sheet: SheetOpt,
        campaign: CampaignOpt = "",
        reason: ReasonOpt = "",
        evidence: EvidenceOpt = None,
        at: AtOpt = "",
        finding: FindingOpt = None,
        findings_file: FindingsFileOpt = None,
        rectify_by: RectifyByOpt = "",
    ) -> None:
        _send(
            cli, rpc, unit, campaign, reason, evidence, at,
            sheet_id=sheet, findings=findings_of(finding, findings_file), rectify_by=rectify_by,
        )  # fmt: skip

    return verdict


VERDICTS = {
    "record-district-verdict": (
        "RecordDistrictVerdict",
        "登记区县验收评分表（≥80 进入公示，<80 退回整改并登记问题）",
    ),
    "record-spot-check-verdict": (
        "RecordSpotCheckVerdict",
        "登记市级抽查评分表（<80 须填问题和限期整改日期）",
    ),
    "record-re-review-verdict": ("RecordReReviewVerdict", "登记市级复核评分表（<80 须填问题和新的整改日期）"),
    "record-look-back-verdict": ("RecordLookBackVerdict", "登记回头看评分表；问题登记为问题清单并限期整改"),
}
for _name, (_rpc, _help) in VERDICTS.items():
    command(process_app, _name, _help)(_verdict(_rpc))


@command(process_app, "start", "开始单元的建设流程（从排查开始），含批次的排查、方案期限")
def start(
    cli: Cli,
    unit: UnitArg,
    campaign: Annotated[str, typer.Option("--campaign", help="批次名称（如 2025）")],
    survey_due: Annotated[str, typer.Option("--survey-due", help="排查摸底期限 YYYY-MM-DD")] = "",
    plan_due: Annotated[str, typer.Option("--plan-due", help="建设方案编制期限 YYYY-MM-DD")] = "",
    reason: ReasonOpt = "",
    evidence: EvidenceOpt = None,
    at: AtOpt = "",
) -> None:
    found = resolve_unit(cli, unit)
    request = wf.StartProcessRequest(
        unit_id=found.id,
        campaign=wf.Campaign(name=campaign, survey_due=survey_due, plan_due=plan_due),
        reason=reason,
        evidence=evidence or [],
    )
    if at:
        request.at.CopyFrom(timestamp(at))
    show_process(cli, cli.call("workflow", "StartProcess", request).process)


@command(process_app, "import", "登记已进行到某阶段的单元（如 2024 年已验收），含评分表和备案文号")
def import_process(
    cli: Cli,
    unit: UnitArg,
    campaign: Annotated[str, typer.Option("--campaign", help="批次名称（如 2024）")],
    stage: Annotated[str, typer.Option("--stage", help="当前阶段，如 filed、accepted 或 备案")],
    stage_since: Annotated[str, typer.Option("--stage-since", help="进入该阶段的时间 YYYY-MM-DD")] = "",
    sheet: Annotated[
        list[str] | None, typer.Option("--sheet", help="已签署评分表编号，按时间先后；可重复")
    ] = None,
    filing_number: Annotated[str, typer.Option("--filing-number", help="备案文号")] = "",
    notice_published_on: Annotated[str, typer.Option("--notice-published-on", help="公示发布日期")] = "",
    notice_working_days: Annotated[int, typer.Option("--notice-working-days", help="公示工作日数")] = 0,
    rectify_by: RectifyByOpt = "",
    awaiting_re_review: Annotated[
        bool, typer.Option("--awaiting-re-review", help="抽查不合格后待复核")
    ] = False,
    look_back_round: Annotated[int, typer.Option("--look-back-round", help="已进行的回头看轮次")] = 0,
    consecutive_look_back_failures: Annotated[
        int, typer.Option("--consecutive-look-back-failures", help="连续回头看不合格轮次")
    ] = 0,
    reason: ReasonOpt = "",
    evidence: EvidenceOpt = None,
) -> None:
    found = resolve_unit(cli, unit)
    request = wf.ImportProcessRequest(
        unit_id=found.id,
        campaign=wf.Campaign(name=campaign),
        stage=stage_value(stage),
        sheet_ids=sheet or [],
        filing_number=filing_number,
        notice_published_on=notice_published_on,
        notice_working_days=notice_working_days,
        rectify_by=rectify_by,
        awaiting_re_review=awaiting_re_review,
        look_back_round=look_back_round,
        consecutive_look_back_failures=consecutive_look_back_failures,
        reason=reason,
        evidence=evidence or [],
    )
    if stage_since:
        request.stage_since.CopyFrom(timestamp(stage_since))
    show_process(cli, cli.call("workflow", "ImportProcess", request).process)


@command(process_app, "submit-self-check", "提交单元已签署的自查评分表（≥80 申请验收，<80 退回整改）")
def submit_self_check(
    cli: Cli,
    unit: UnitArg,
    sheet: SheetOpt,
    campaign: CampaignOpt = "",
    reason: ReasonOpt = "",
    evidence: EvidenceOpt = None,
    at: AtOpt = "",
) -> None:
    _send(cli, "SubmitSelfCheck", unit, campaign, reason, evidence, at, sheet_id=sheet)


@command(process_app, "publish-notice", "登记验收结果公示（当地媒体或政府网站，至少 5 个工作日）")
def publish_notice(
    cli: Cli,
    unit: UnitArg,
    published_on: Annotated[str, typer.Option("--published-on", help="发布日期 YYYY-MM-DD")],
    channel_name: Annotated[str, typer.Option("--channel-name", help="公示渠道名称，如 万州区人民政府网")],
    channel_url: Annotated[str, typer.Option("--channel-url", help="公示网址（http/https）")],
    channel_kind: Annotated[
        str,
        typer.Option(
            "--channel-kind", help="渠道类型：government-portal（政府网站）或 local-media（当地媒体）"
        ),
    ] = "government-portal",
    working_days: Annotated[int, typer.Option("--working-days", help="公示工作日数（不少于 5）")] = 5,
    campaign: CampaignOpt = "",
    reason: ReasonOpt = "",
    evidence: EvidenceOpt = None,
    at: AtOpt = "",
) -> None:
    kind = enum_value(
        channel_kind, wf.NoticeChannelKind, "NOTICE_CHANNEL_KIND_",
        {wf.NOTICE_CHANNEL_KIND_LOCAL_MEDIA: "当地媒体", wf.NOTICE_CHANNEL_KIND_GOVERNMENT_PORTAL: "政府网站"},
        "渠道类型",
    )  # fmt: skip
    channel = wf.NoticeChannel(kind=kind, name=channel_name, url=channel_url)
    _send(
        cli, "PublishNotice", unit, campaign, reason, evidence, at,
        published_on=published_on, working_days=working_days, channel=channel,
    )  # fmt: skip


@command(process_app, "raise-objection", "登记公示期间收到的异议（公示暂停，待调查）")
def raise_objection(
    cli: Cli,
    unit: UnitArg,
    objection_id: Annotated[str, typer.Option("--objection-id", help="异议编号，如来信编号")],
    reason: Annotated[str, typer.Option("--text", "--reason", help="异议内容")],
    objector_name: Annotated[str, typer.Option("--objector-name", help="异议人姓名")] = "",
    objector_contact: Annotated[
        str, typer.Option("--objector-contact", help="异议人联系方式（不公开）")
    ] = "",
    campaign: CampaignOpt = "",
    evidence: EvidenceOpt = None,
    at: AtOpt = "",
) -> None:
    _send(
        cli, "RaiseObjection", unit, campaign, reason, evidence, at,
        objection_id=objection_id, source=wf.OBJECTION_SOURCE_RECEIVED,
        objector=wf.Objector(name=objector_name, contact=objector_contact),
    )  # fmt: skip


@command(process_app, "resolve-objection", "处理异议：成立则退回整改（须填问题），不成立则公示继续")
def resolve_objection(
    cli: Cli,
    unit: UnitArg,
    objection_id: Annotated[str, typer.Option("--objection-id", help="异议编号")],
    upheld: Annotated[bool, typer.Option("--upheld/--dismissed", help="异议成立 / 不成立")],
    finding: FindingOpt = None,
    findings_file: FindingsFileOpt = None,
    rectify_by: RectifyByOpt = "",
    campaign: CampaignOpt = "",
    reason: ReasonOpt = "",
    evidence: EvidenceOpt = None,
    at: AtOpt = "",
) -> None:
    _send(
        cli, "ResolveObjection", unit, campaign, reason, evidence, at,
        objection_id=objection_id, upheld=upheld, findings=findings_of(finding, findings_file), rectify_by=rectify_by,
    )  # fmt: skip


@command(process_app, "file-result", "公示期满后区县向市级专班备案：公示 → 备案")
def file_result(
    cli: Cli,
    unit: UnitArg,
    filing_number: Annotated[str, typer.Option("--filing-number", help="备案文号，如 万州零直排〔2025〕3号")],
    campaign: CampaignOpt = "",
    reason: ReasonOpt = "",
    evidence: EvidenceOpt = None,
    at: AtOpt = "",
) -> None:
    _send(cli, "FileResult", unit, campaign, reason, evidence, at, filing_number=filing_number)


@command(
    process_app,
    "verify-look-back-rectification",
    "市级专班核验回头看问题整改：到位或不到位（不到位须填新日期）",
)
def verify_look_back_rectification(
    cli: Cli,
    unit: UnitArg,
    verification: Annotated[
        list[str],
        typer.Option("--verification", help="问题编号=到位 或 问题编号=不到位[:说明]，每个问题一项；可重复"),
    ],
    rectify_by: RectifyByOpt = "",
    campaign: CampaignOpt = "",
    reason: ReasonOpt = "",
    evidence: EvidenceOpt = None,
    at: AtOpt = "",
) -> None:
    verifications = []
    for item in verification:
        code, _, verdict = item.partition("=")
        verdict, _, note = verdict.partition(":")
        if verdict.strip() not in ("到位", "不到位", "in-place", "not-in-place") or not code.strip():
            raise UsageError(f"无效的 --verification “{item}”：请写 问题编号=到位 或 问题编号=不到位[:说明]")
        in_place = verdict.strip() in ("到位", "in-place")
        verifications.append(wf.FindingVerification(code=code.strip(), in_place=in_place, note=note.strip()))
    _send(
        cli, "VerifyLookBackRectification", unit, campaign, reason, evidence, at,
        verifications=verifications, rectify_by=rectify_by,
    )  # fmt: skip


@command(process_app, "order-reacceptance", "市级专班责令重新实施建设验收（问题频发、多次整改不到位）")
def order_reacceptance(
    cli: Cli,
    unit: UnitArg,
    reason: Annotated[str, typer.Option("--reason", help="市级专班的决定（必填）")],
    rule: Annotated[
        str,
        typer.Option(
            "--rule",
            help="依据：recurring-problems（问题频发）或 repeated-failed-rectification（多次整改不到位）",
        ),
    ],
    campaign: CampaignOpt = "",
    evidence: EvidenceOpt = None,
    at: AtOpt = "",
) -> None:
    words = {
        wf.FLAG_RULE_RECURRING_PROBLEMS: "问题频发",
        wf.FLAG_RULE_REPEATED_FAILED_RECTIFICATION: "多次整改不到位",
    }
    _send(
        cli,
        "OrderReacceptance",
        unit,
        campaign,
        reason,
        evidence,
        at,
        rule=enum_value(rule, wf.FlagRule, "FLAG_RULE_", words, "依据"),
    )


@command(process_app, "start-reacceptance", "按新批次重新实施建设验收（从整改开始）")
def start_reacceptance(
    cli: Cli,
    unit: UnitArg,
    new_campaign: Annotated[str, typer.Option("--new-campaign", help="新批次名称")],
    rectify_by: RectifyByOpt = "",
    campaign: CampaignOpt = "",
    reason: ReasonOpt = "",
    evidence: EvidenceOpt = None,
    at: AtOpt = "",
) -> None:
    _send(
        cli,
        "StartReacceptance",
        unit,
        campaign,
        reason,
        evidence,
        at,
        campaign=new_campaign,
        rectify_by=rectify_by,
    )


@command(
    process_app, "submit-demonstration-report", "区县提交示范园区建设总结报告（区县验收 ≥90 的工业园区组团）"
)
def submit_demonstration_report(
    cli: Cli,
    unit: UnitArg,
    typical_practices: Annotated[str, typer.Option("--typical-practices", help="典型做法")],
    highlights: Annotated[str, typer.Option("--highlights", help="建设亮点")],
    outcomes: Annotated[str, typer.Option("--outcomes", help="突出成效")],
    campaign: CampaignOpt = "",
    reason: ReasonOpt = "",
    evidence: EvidenceOpt = None,
    at: AtOpt = "",
) -> None:
    _send(
        cli, "SubmitDemonstrationReport", unit, campaign, reason, evidence, at,
        typical_practices=typical_practices, highlights=highlights, outcomes=outcomes,
    )  # fmt: skip


@command(process_app, "record-demonstration-check", "登记市级专家对示范园区的现场核查结论")
def record_demonstration_check(
    cli: Cli,
    unit: UnitArg,
    passed: Annotated[bool, typer.Option("--passed/--failed", help="核查通过 / 不通过")],
    expert: Annotated[list[str], typer.Option("--expert", help="专家姓名（至少一位）；可重复")],
    campaign: CampaignOpt = "",
    reason: ReasonOpt = "",
    evidence: EvidenceOpt = None,
    at: AtOpt = "",
) -> None:
    _send(
        cli, "RecordDemonstrationCheck", unit, campaign, reason, evidence, at, passed=passed, experts=expert
    )


@command(process_app, "publish-demonstration-list", "市级发布示范园区清单并通报表扬（显示在公示栏）")
def publish_demonstration_list(
    cli: Cli,
    title: Annotated[str, typer.Option("--title", help="清单标题")],
    commendation: Annotated[str, typer.Option("--commendation", help="通报表扬内容")],
    unit: Annotated[
        list[str], typer.Option("--unit", help="列入清单的工业园区组团（单元编号或名称）；可重复")
    ],
    campaign: CampaignOpt = "",
    reason: ReasonOpt = "",
    evidence: EvidenceOpt = None,
) -> None:
    refs = [process_ref(cli, u, campaign) for u in unit]
    request = wf.PublishDemonstrationListRequest(
        title=title, commendation=commendation, processes=refs, reason=reason, evidence=evidence or []
    )
    response = cli.call("workflow", "PublishDemonstrationList", request)

    def render() -> None:
        for process in response.processes:
            cli.out.print(
                f"已列入：{process.unit.name or process.ref.unit_id}（{process.ref.district_code}）"
            )

    cli.emit({"ok": True, "processes": [as_dict(p) for p in response.processes]}, render)


def _show_round(cli: Cli, spot_round: wf.SpotCheckRound) -> None:
    def render() -> None:
        cli.out.print(
            f"抽查轮次 {spot_round.round}（{spot_round.draw_id}），截止 {spot_round.closes_on or '—'}"
        )
        cli.out.print(
            f"  抽中 {len(spot_round.drawn)}，放行 {len(spot_round.released)}，待定 {len(spot_round.waiting)}"
        )
        for refused in spot_round.refused:
            cli.out.print(f"  未能推进：{refused}")

    cli.emit({"ok": True, "round": as_dict(spot_round)}, render)


@command(process_app, "close-spot-check-round", "提前结束市级抽查轮次：未抽中的候选单元 备案 → 验收通过")
def close_spot_check_round(
    cli: Cli,
    draw_id: Annotated[str, typer.Argument(help="抽查编号（评分服务的抽取记录）")],
    reason: ReasonOpt = "",
) -> None:
    response = cli.call(
        "workflow", "CloseSpotCheckRound", wf.CloseSpotCheckRoundRequest(draw_id=draw_id, reason=reason)
    )
    _show_round(cli, response.round)


@command(process_app, "spot-check-round", "查看一轮市级抽查：抽中、放行、待定的单元和截止日期")
def spot_check_round(cli: Cli, draw_id: Annotated[str, typer.Argument(help="抽查编号")]) -> None:
    _show_round(
        cli, cli.call("workflow", "GetSpotCheckRound", wf.GetSpotCheckRoundRequest(draw_id=draw_id)).round
    )


@command(process_app, "refresh-calendars", "按新发布的节假日安排重算公示期和提醒")
def refresh_calendars(
    cli: Cli,
    district: Annotated[str, typer.Option("--district", help="只重算该区县；不填为全部")] = "",
    reason: ReasonOpt = "",
) -> None:
    response = cli.call(
        "workflow", "RefreshCalendars", wf.RefreshCalendarsRequest(district_code=district, reason=reason)
    )
    cli.emit(
        {"ok": True, **as_dict(response)},
        lambda: cli.out.print(f"已重算 {response.processes} 个流程（节假日表 {response.calendar_version}）"),
    )


@command(process_app, "show", "查看单元流程的状态：阶段、得分、期限、公示")
def show(cli: Cli, unit: UnitArg, campaign: CampaignOpt = "") -> None:
    ref = process_ref(cli, unit, campaign)
    show_process(cli, cli.call("workflow", "GetProcess", wf.GetProcessRequest(process=ref)).process)


@command(process_app, "history", "查看单元流程的历史：谁、何时、为何、依据")
def history(cli: Cli, unit: UnitArg, campaign: CampaignOpt = "") -> None:
    ref = process_ref(cli, unit, campaign)
    entries = cli.call("workflow", "GetProcessHistory", wf.GetProcessHistoryRequest(process=ref)).entries

    def render() -> None:
        cli.out.print(history_table(entries))

    cli.emit({"ok": True, "process": as_dict(ref), "history": [as_dict(e) for e in entries]}, render)


def history_table(entries: Any) -> Table:
    table = Table("时间", "事件", "阶段", "操作人", "理由", title="流程历史")
    for entry in entries:
        at = (
            entry.at.ToDatetime(dt.UTC).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
            if entry.HasField("at")
            else ""
        )
        stages = f"{label(STAGES, entry.from_stage, '')} → {label(STAGES, entry.to_stage, '')}".strip(" →")
        who = "/".join(x for x in (entry.actor.organisation, entry.actor.person) if x)
        table.add_row(at, entry.event, stages, who, entry.reason)
    return table
