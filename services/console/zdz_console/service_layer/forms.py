"""The forms clerks work in: ledger upload, the score sheet (preview → save draft → sign), stage commands.
Each turns what the person typed into one service call and its answer into what the page shows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from zdz.registry.v1 import ledger_pb2 as lpb
from zdz.scoring.v1 import scoring_pb2 as spb
from zdz.workflow.v1 import workflow_pb2 as wpb
from zdz_common.pb_enums import enum_name, enum_to_pb
from zdz_console.domain import labels
from zdz_console.domain.commands import BY_NAME
from zdz_console.domain.errors import Rejected

Calls = Any  # zdz_console.adapters.backends.Calls, injected

BATCH = 500  # rows per streamed message


@dataclass
class RowReport:
    sheet: str
    line: int
    outcome: str
    column: str = ""
    reason: str = ""
    code: str = ""


@dataclass
class ImportReport:
    rows: list[RowReport] = field(default_factory=list)
    accepted: int = 0
    rejected: int = 0
    written: bool = False
    all_or_nothing: bool = True

    @property
    def errors(self) -> list[RowReport]:
        return [r for r in self.rows if r.outcome == "REJECTED"]


OUTCOMES = {"ACCEPTED": "已写入", "REJECTED": "被拒绝", "NOT_WRITTEN": "未写入（整批回退）"}


def import_rows(calls: Calls, unit_id: str, prepared: list[Any], all_or_nothing: bool) -> ImportReport:
    """`prepared`: zdz_cli.ledger_columns.PreparedRow, in sending order. Rows whose cells cannot be read are this
    report's errors; the registry judges the others (ImportLedgerRows). All-or-nothing with an unreadable row
    sends nothing: the whole file is refused before anything is written."""
    report = ImportReport(all_or_nothing=all_or_nothing)
    unreadable = [p for p in prepared if p.row is None]
    readable = [p for p in prepared if p.row is not None]
    results = [
        RowReport(p.sheet, p.line, "REJECTED", column, reason, "INVALID_ARGUMENT")
        for p in unreadable
        for column, reason in p.errors
    ]
    if readable and not (all_or_nothing and unreadable):
        requests = [
            lpb.ImportLedgerRowsRequest(
                options=lpb.ImportOptions(unit_id=unit_id, all_or_nothing=all_or_nothing) if i == 0 else None,
                rows=[p.row for p in readable[i : i + BATCH]],
            )
            for i in range(0, len(readable), BATCH)
        ]
        response = calls.invoke_stream("ledger", "ImportLedgerRows", requests)
        for result in response.results:
            source = readable[result.row - 1]
            outcome = enum_name(lpb.RowOutcome, result.outcome, "outcome")
            column = source.header_of(result.field) if result.field else ""
            results.append(RowReport(source.sheet, source.line, outcome, column, result.reason, result.code))
        report.written = response.written
    else:
        results.extend(RowReport(p.sheet, p.line, "NOT_WRITTEN") for p in readable)
    report.rows = sorted(results, key=lambda r: (r.sheet, r.line))
    report.accepted = sum(1 for r in report.rows if r.outcome == "ACCEPTED")
    report.rejected = len({(r.sheet, r.line) for r in report.errors})
    return report


# --- score sheets ----------------------------------------------------------------------------------------------

_SPLIT = re.compile(r"[,，、\t]")


def _lines(text: str, parts: int, what: str) -> list[list[str]]:
    out = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in _SPLIT.split(line.strip(), maxsplit=parts - 1)]
        if len(cells) < parts:
            raise Rejected(
                "console", "INVALID_ARGUMENT", f"{what}第{number}行须为 {parts} 项，以逗号分隔：“{line}”"
            )
        out.append(cells)
    return out


def sheet_input(unit_id: str, form: dict[str, str]) -> spb.SheetInput:
    discretionary = []
    for item, points, reason in _lines(form.get("discretionary", ""), 3, "酌情扣分"):
        if not item.isdigit():
            raise Rejected("console", "INVALID_ARGUMENT", f"酌情扣分的项号须为数字：“{item}”")
        discretionary.append(spb.DiscretionaryDeduction(item=int(item), points=points, reason=reason))
    panel = [
        spb.PanelMember(name=name, organisation=organisation, duty=duty)
        for name, organisation, duty in _lines(form.get("panel", ""), 3, "验收小组")
    ]
    entries = spb.AssessorEntries(
        application_date=form.get("application_date", ""),
        residential_sample_pass_rate=form.get("residential_sample_pass_rate", ""),
        non_residential_sample_pass_rate=form.get("non_residential_sample_pass_rate", ""),
        discretionary=discretionary,
    )
    return spb.SheetInput(
        unit_id=unit_id,
        sheet_kind=enum_to_pb(spb.SheetKind, form.get("sheet_kind", "")),
        assessor=form.get("assessor", ""),
        assessed_on=form.get("assessed_on", ""),
        entries=entries,
        replaces_sheet_id=form.get("replaces_sheet_id", ""),
        sampling_plan_id=form.get("sampling_plan_id", ""),
        panel_members=panel,
    )


def sheet_step(calls: Calls, unit_id: str, form: dict[str, str]) -> Any:
    """preview → PreviewSheet; save → SaveSheetDraft (revising the draft named); sign → SignSheet."""
    action = form.get("action", "preview")
    match action:
        case "preview":
            return calls.scoring.PreviewSheet(spb.PreviewSheetRequest(input=sheet_input(unit_id, form))).sheet
        case "save":
            request = spb.SaveSheetDraftRequest(
                sheet_id=form.get("sheet_id", ""),
                input=sheet_input(unit_id, form),
                expected_version=int(form.get("version") or 0),
            )
            return calls.scoring.SaveSheetDraft(request).sheet
        case "sign":
            request = spb.SignSheetRequest(
                sheet_id=form.get("sheet_id", ""), expected_version=int(form.get("version") or 0)
            )
            return calls.scoring.SignSheet(request).sheet
        case _:
            raise Rejected("console", "INVALID_ARGUMENT", f"未知操作 {action}")


def sheet_result(sheet: Any) -> dict[str, Any]:
    result = sheet.result
    return {
        "id": sheet.id,
        "version": sheet.version,
        "state": labels.label("sheet_state", enum_name(spb.SheetState, sheet.state, "state"))
        if sheet.state
        else "预览",
        "signed": sheet.state == spb.SHEET_STATE_SIGNED,
        "total": result.total,
        "subtotal": result.subtotal,
        "penalty": result.penalty,
        "grade": result.grade_label,
        "rows": [
            {
                "number": item.number,
                "section": item.section,
                "max": item.max_points,
                "points": item.points,
                "deductions": [f"{d.rule_text}：{d.reason}（−{d.points}）" for d in item.deductions],
            }
            for item in result.items
        ],
    }


# --- stage commands --------------------------------------------------------------------------------------------


def command_request(name: str, unit: Any, ref: Any | None, form: dict[str, str]) -> Any:
    command = BY_NAME.get(name)
    if command is None:
        raise Rejected("console", "INVALID_ARGUMENT", f"未知的流程操作 {name}")
    reason = form.get("reason", "").strip()
    evidence = [line.strip() for line in form.get("evidence", "").splitlines() if line.strip()]
    request_type = getattr(wpb, f"{name}Request")
    if name == "StartProcess":
        return request_type(
            unit_id=unit.id,
            campaign=wpb.Campaign(name=form.get("campaign", "").strip()),
            reason=reason,
            evidence=evidence,
        )
    if ref is None:
        raise Rejected("workflow", "FAILED_PRECONDITION", "该单元尚无建设流程，请先启动流程")
    request = request_type(process=ref, reason=reason, evidence=evidence)
    for field_ in command.fields:
        value = form.get(field_.name, "").strip()
        if not value:
            continue
        match field_.name:
            case "working_days":
                request.working_days = int(value) if value.isdigit() else 0
            case "channel_kind":
                request.channel.kind = enum_to_pb(wpb.NoticeChannelKind, value)
            case "channel_name":
                request.channel.name = value
            case "channel_url":
                request.channel.url = value
            case _:
                setattr(request, field_.name, value)
    return request


def issue(calls: Calls, name: str, request: Any) -> Any:
    return calls.invoke("workflow", name, request)


# --- acceptance sampling (附件3/附件4 三（三）) ------------------------------------------------------------------


def draw_plan(calls: Calls, unit_id: str) -> Any:
    return calls.scoring.DrawSamplingPlan(spb.DrawSamplingPlanRequest(unit_id=unit_id)).plan


def record_verdicts(calls: Calls, plan_id: str, form: dict[str, str]) -> Any:
    """Fields `verdict:<object>:<id>` = pass / fail (blank: not checked yet) and `note:<object>:<id>`."""
    verdicts = []
    for key, value in form.items():
        if not key.startswith("verdict:") or value not in ("pass", "fail"):
            continue
        _, sample_object, item = key.split(":", 2)
        verdicts.append(
            spb.SampleVerdict(
                object=enum_to_pb(spb.SampleObject, sample_object),
                id=item,
                passed=value == "pass",
                note=form.get(f"note:{sample_object}:{item}", "").strip(),
            )
        )
    if not verdicts:
        raise Rejected("console", "INVALID_ARGUMENT", "请至少对一个抽中的样本给出合格或不合格的结论")
    return calls.scoring.RecordSampleVerdicts(
        spb.RecordSampleVerdictsRequest(plan_id=plan_id, verdicts=verdicts)
    ).plan


def plan_rows(plan: Any) -> list[dict[str, Any]]:
    """Every drawn item with the latest verdict on it."""
    latest = {(v.object, v.id): v for v in plan.verdicts}
    rows = []
    for group in plan.groups:
        name = enum_name(spb.SampleObject, group.object, "object")
        for draw in group.draws:
            verdict = latest.get((group.object, draw.id))
            rows.append(
                {
                    "object": name,
                    "object_label": SAMPLE_OBJECT_LABELS.get(name, name),
                    "id": draw.id,
                    "detail": draw.detail or draw.rule,
                    "verdict": "" if verdict is None else ("pass" if verdict.passed else "fail"),
                    "note": verdict.note if verdict is not None else "",
                    "by": verdict.recorded_by if verdict is not None else "",
                }
            )
    return rows


SAMPLE_OBJECT_LABELS = {
    "RESIDENTIAL": "生活小区",
    "NON_RESIDENTIAL": "非生活小区",
    "SOURCE_HOUSEHOLD": "源头排水户",
    "TASK_RECORDS": "台账资料查阅",
    "RAIN_POINTS": "雨水管网开井检查",
    "SEWAGE_POINTS": "污水管网开井检查",
    "PIPE_LENGTH": "抽查管段",
    "FACILITIES": "污水集中处理设施及排污口",
}
