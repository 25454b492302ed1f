"""The pages' contents: each function asks the services what a page shows, with the person's own calls, and
returns plain data for the templates. A read the service refuses this person becomes a section that says so
(its message as the service gave it); a service that does not answer stops the page (ServiceDown)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_pb2 as lpb
from zdz.registry.v1 import registry_pb2 as rpb
from zdz.scoring.v1 import scoring_pb2 as spb
from zdz.workflow.v1 import workflow_pb2 as wpb
from zdz_common.pb_enums import enum_name
from zdz_common.vocabulary import Stage
from zdz_console.domain import labels
from zdz_console.domain.commands import commands_for, sheet_kinds_for
from zdz_console.domain.errors import Refused, Rejected
from zdz_console.domain.geography import FUNCTIONAL_ZONES, share_done
from zdz_console.domain.viewer import ROLE_LABELS, Viewer
from zdz_console.service_layer.forms import SAMPLE_OBJECT_LABELS

T = TypeVar("T")
Calls = Any  # zdz_console.adapters.backends.Calls: `calls.ledger.GetUnitFacts(request)`, injected
MAX_PROCESS_PAGES = 20  # 1,000 per page: every town, park group and then some
FIRST_CAMPAIGN = 2024
DETAIL_LIMIT = 40  # per-unit look-ups a district page makes (problems, notices)


@dataclass
class Section:
    """A part of a page the service may refuse: `value` or the refusal's words."""

    value: Any = None
    refused: str = ""


def attempt(read: Callable[[], T]) -> Section:
    try:
        return Section(read())
    except (Refused, Rejected) as error:
        return Section(refused=error.message)


def _name(wrapper: Any, number: int) -> str:
    return enum_name(wrapper, number, "enum")


def _when(stamp: Any) -> str:
    if not stamp.seconds:
        return ""
    return stamp.ToDatetime(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def _target(targets: Any, year: int) -> Any:
    return next((t for t in targets if t.year == year), None)


def processes(calls: Calls, district_code: str = "") -> list[Any]:
    found: list[Any] = []
    token = ""
    for _ in range(MAX_PROCESS_PAGES):
        page = calls.workflow.ListProcesses(
            wpb.ListProcessesRequest(district_code=district_code, page_size=1000, page_token=token)
        )
        found.extend(page.processes)
        token = page.next_page_token
        if not token:
            break
    return found


def _stage_counts(summaries: list[Any]) -> list[dict[str, Any]]:
    counts = Counter(_name(wpb.Stage, s.stage) for s in summaries)
    return [
        {"stage": stage.value, "label": stage.label, "count": counts.get(stage.value, 0)} for stage in Stage
    ]


def _overdue(summaries: list[Any], now: datetime) -> list[Any]:
    late = [s for s in summaries if s.next_deadline.seconds and s.next_deadline.ToDatetime(tzinfo=UTC) < now]
    return sorted(late, key=lambda s: s.next_deadline.seconds)


def _progress_row(progress: Any) -> dict[str, Any]:
    t2025 = _target(progress.town_targets, 2025)
    t2027 = _target(progress.town_targets, 2027)
    required_2027 = t2027.required if t2027 else 0
    return {
        "code": progress.district_code,
        "name": progress.name,
        "towns": progress.towns,
        "done": progress.towns_done,
        "required_2025": t2025.required if t2025 else 0,
        "required_2027": required_2027,
        "share_2027": share_done(progress.towns_done, required_2027),
        "along_river": progress.along_river_towns,
        "along_river_done": progress.along_river_towns_done,
        "parks": progress.park_groups,
        "parks_done": progress.park_groups_done,
    }


def _targets(targets: Any) -> list[dict[str, Any]]:
    return [{"year": t.year, "required": t.required, "done": t.done, "met": t.met} for t in targets]


def city(calls: Calls, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    report = attempt(lambda: calls.ledger.GetProgressReport(lpb.GetProgressReportRequest()).report)
    summaries = attempt(lambda: processes(calls))
    view: dict[str, Any] = {"report_refused": report.refused, "processes_refused": summaries.refused}
    if report.value is not None:
        summary = report.value.summary
        rows = [_progress_row(d) for d in report.value.districts]
        view.update(
            title=report.value.title,
            as_of=report.value.as_of,
            summary=summary,
            town_targets=_targets(summary.town_targets),
            district_requirements=_targets(summary.district_town_requirements),
            along_river_targets=_targets(summary.along_river_targets),
            park_targets=_targets(summary.park_targets),
            villages={
                "designated": summary.demonstration_villages,
                "done": summary.demonstration_villages_done,
                "goal": summary.demonstration_village_target.required,
            },
            districts=[r for r in rows if r["code"] not in FUNCTIONAL_ZONES],
            zones=[r for r in rows if r["code"] in FUNCTIONAL_ZONES],
        )
    if summaries.value is not None:
        overdue = _overdue(summaries.value, now)
        view.update(
            stages=_stage_counts(summaries.value),
            processes=len(summaries.value),
            overdue=[_summary_row(s) for s in overdue[:30]],
            overdue_count=len(overdue),
        )
    return view


def _summary_row(summary: Any, names: dict[str, str] | None = None) -> dict[str, Any]:
    stage = _name(wpb.Stage, summary.stage)
    return {
        "unit_id": summary.ref.unit_id,
        "district_code": summary.ref.district_code,
        "name": (names or {}).get(summary.ref.unit_id, ""),
        "campaign": summary.ref.campaign,
        "stage": stage,
        "stage_label": labels.stage(stage),
        "score": summary.latest_score,
        "grade": labels.grade(_name(wpb.Grade, summary.latest_grade)),
        "next_deadline": _when(summary.next_deadline),
        "kind": labels.unit_kind(_name(refs_pb2.UnitKind, summary.unit_kind)),
        "process_id": summary.process_id,
    }


def district(calls: Calls, code: str, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    district_pb = calls.registry.GetDistrict(rpb.GetDistrictRequest(code=code)).district
    report = attempt(
        lambda: calls.ledger.GetProgressReport(lpb.GetProgressReportRequest(district_code=code)).report
    )
    summaries = attempt(lambda: processes(calls, code))
    view: dict[str, Any] = {
        "district": district_pb,
        "report_refused": report.refused,
        "processes_refused": summaries.refused,
    }
    names: dict[str, str] = {}
    if report.value is not None:
        summary = report.value.summary
        names = {u.unit_id: u.name for u in report.value.units}
        view.update(
            title=report.value.title,
            as_of=report.value.as_of,
            row=_progress_row(summary),
            town_targets=_targets(summary.town_targets),
            along_river_targets=_targets(summary.along_river_targets),
            park_targets=_targets(summary.park_targets),
            units=[
                {
                    "unit_id": u.unit_id,
                    "name": u.name,
                    "kind": labels.unit_kind(_name(refs_pb2.UnitKind, u.kind)),
                    "official_code": u.official_code,
                    "along_river": u.along_river,
                    "target_year": u.target_year,
                    "state": labels.label("acceptance", _name(lpb.AcceptanceState, u.state)),
                    "counted_since": u.counted_since,
                }
                for u in report.value.units
            ],
        )
    if summaries.value is not None:
        rows = [_summary_row(s, names) for s in summaries.value]
        by_stage: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_stage.setdefault(row["stage"], []).append(row)
        overdue = {s.ref.unit_id for s in _overdue(summaries.value, now)}
        view.update(
            stages=_stage_counts(summaries.value),
            by_stage=[(stage.label, by_stage[stage.value]) for stage in Stage if stage.value in by_stage],
            deadlines=sorted((r for r in rows if r["next_deadline"]), key=lambda r: r["next_deadline"]),
            overdue=overdue,
            problems=_open_problems(calls, rows[:DETAIL_LIMIT]),
            notices=_notices(
                calls, [s for s in summaries.value if s.stage in _NOTICE_STAGES][:DETAIL_LIMIT], names
            ),
        )
    return view


_NOTICE_STAGES = {wpb.STAGE_PUBLIC_NOTICE, wpb.STAGE_FILED, wpb.STAGE_SPOT_CHECK, wpb.STAGE_RE_REVIEW}


def _open_problems(calls: Calls, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        listing = attempt(
            lambda row=row: calls.ledger.ListProblems(
                lpb.ListProblemsRequest(unit_id=row["unit_id"], page_size=1000)
            )
        )
        if listing.value is None:
            continue
        problems = listing.value.problems
        open_ = [p for p in problems if p.task.state != lpb.TASK_STATE_VERIFIED]
        if problems:
            out.append(
                {
                    **row,
                    "problems": len(problems),
                    "open": len(open_),
                    "without_task": sum(1 for p in problems if not p.task.state),
                    "rectified": sum(1 for p in problems if p.task.state == lpb.TASK_STATE_RECTIFIED),
                }
            )
    return out


def _notices(calls: Calls, summaries: list[Any], names: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for summary in summaries:
        got = attempt(
            lambda s=summary: calls.workflow.GetProcess(wpb.GetProcessRequest(process=s.ref)).process
        )
        if got.value is None:
            continue
        process = got.value
        out.append(
            {
                "unit_id": summary.ref.unit_id,
                "name": names.get(summary.ref.unit_id, process.unit.name),
                "stage": labels.stage(_name(wpb.Stage, process.stage)),
                "notice": _notice(process),
                "draw": process.spot_check_draw_id,
                "filing": process.filing.filing_number,
            }
        )
    return out


def _notice(process: Any) -> dict[str, Any] | None:
    notice = process.notice
    if not notice.status:
        return None
    return {
        "status": labels.label("notice", _name(wpb.NoticeStatus, notice.status)),
        "published_on": notice.published_on,
        "working_days": notice.working_days,
        "last_day": notice.last_day,
        "channel": notice.channel.name,
        "url": notice.channel.url,
        "objections": len(notice.objections),
        "open_objections": len(notice.open_objections),
    }


def export(calls: Calls, code: str, file_format: str) -> Any:
    number = {"xlsx": lpb.REPORT_FORMAT_XLSX, "csv": lpb.REPORT_FORMAT_CSV}[file_format]
    return calls.ledger.GetProgressReport(lpb.GetProgressReportRequest(district_code=code, format=number))


def find_process(calls: Calls, unit: Any) -> Any | None:
    """The unit's latest process (its newest campaign), or None. A unit may not list its district's processes
    (issue7.process-list), so for a unit's own person the campaigns are asked one by one, newest first: campaigns
    are named by year (000 三: the first is "2024")."""
    try:
        mine = [s for s in processes(calls, unit.district_code) if s.ref.unit_id == unit.id]
        return mine[-1] if mine else None
    except Refused:
        pass
    for year in range(datetime.now(UTC).year + 1, FIRST_CAMPAIGN - 1, -1):
        ref = wpb.ProcessRef(district_code=unit.district_code, unit_id=unit.id, campaign=str(year))
        try:
            return calls.workflow.GetProcess(wpb.GetProcessRequest(process=ref)).process
        except Rejected as error:
            if error.code != "NOT_FOUND":
                raise
    return None


def unit(
    calls: Calls, unit_id: str, viewer: Viewer, temporal_ui: str, namespace: str = "default"
) -> dict[str, Any]:
    unit_pb = calls.registry.GetUnit(rpb.GetUnitRequest(id=unit_id)).unit
    facts = attempt(lambda: calls.ledger.GetUnitFacts(lpb.GetUnitFactsRequest(unit_id=unit_id)).facts)
    counts = attempt(lambda: _row_counts(calls, unit_id))
    problems = attempt(
        lambda: calls.ledger.ListProblems(lpb.ListProblemsRequest(unit_id=unit_id, page_size=1000)).problems
    )
    sheets = attempt(
        lambda: calls.scoring.ListSheets(spb.ListSheetsRequest(unit_id=unit_id, page_size=200)).sheets
    )
    summary = attempt(lambda: find_process(calls, unit_pb))
    chain = attempt(lambda: calls.registry.VerifyChain(rpb.VerifyChainRequest(stream_id=f"unit/{unit_id}")))
    process = history = plan = None
    process_refused = summary.refused
    if summary.value is not None:
        got = attempt(
            lambda: calls.workflow.GetProcess(wpb.GetProcessRequest(process=summary.value.ref)).process
        )
        process, process_refused = got.value, got.refused
        history = attempt(
            lambda: (
                calls.workflow.GetProcessHistory(
                    wpb.GetProcessHistoryRequest(process=summary.value.ref)
                ).entries
            )
        )
    plan_id = ""
    if process is not None:
        plan_id = next((s.sampling_plan_id for s in reversed(process.sheets) if s.sampling_plan_id), "")
    if plan_id:
        plan = attempt(
            lambda: calls.scoring.GetSamplingPlan(spb.GetSamplingPlanRequest(plan_id=plan_id)).plan
        )
    stage = Stage(_name(wpb.Stage, process.stage)) if process is not None else None
    signed = [s for s in (sheets.value or []) if s.state == spb.SHEET_STATE_SIGNED]
    return {
        "unit": unit_pb,
        "kind": labels.unit_kind(_name(refs_pb2.UnitKind, unit_pb.kind)),
        "facts": facts,
        "ledger": _ledger_summary(facts.value) if facts.value is not None else None,
        "counts": counts,
        "problems": problems if problems.refused else Section([_problem_row(p) for p in problems.value]),
        "sheets": sheets if sheets.refused else Section([_sheet_row(s) for s in sheets.value]),
        "latest_signed": signed[-1].id if signed else "",
        "process": process,
        "process_refused": process_refused,
        "process_view": _process_view(process) if process is not None else None,
        "history": history,
        "history_rows": [_history_row(e) for e in history.value]
        if history and history.value is not None
        else [],
        "plan": plan,
        "plan_view": _plan_view(plan.value) if plan and plan.value is not None else None,
        "chain": chain,
        # the workflow id holds slashes ("zdz-process/<district>/<code>/<unit>/<campaign>"): one path segment
        "temporal_url": f"{temporal_ui.rstrip('/')}/namespaces/{namespace}/workflows/{quote(process.process_id, safe='')}"
        if process is not None
        else "",
        "commands": commands_for(viewer, unit_pb.id, unit_pb.district_code, stage),
        "sheet_kinds": sheet_kinds_for(viewer, unit_pb.id, unit_pb.district_code),
        "stage": stage,
        "draws_plan": stage is Stage.DISTRICT_ACCEPTANCE
        and viewer.role == "DISTRICT_TASK_FORCE"
        and viewer.district_code == unit_pb.district_code,
    }


def _row_counts(calls: Calls, unit_id: str) -> list[tuple[str, int]]:
    out = []
    for number, label in (
        (lpb.ENTITY_CLASS_SOURCE_HOUSEHOLD, "源头排水户"),
        (lpb.ENTITY_CLASS_PIPE_SEGMENT, "管段"),
        (lpb.ENTITY_CLASS_INSPECTION_POINT, "检查井"),
        (lpb.ENTITY_CLASS_FACILITY, "污水集中处理设施"),
        (lpb.ENTITY_CLASS_OUTFALL, "排污口"),
    ):
        page = calls.ledger.ListLedgerRows(
            lpb.ListLedgerRowsRequest(unit_id=unit_id, entity_class=number, page_size=1)
        )
        out.append((label, page.total_size))
    return out


def _number(text: str) -> str:
    return text[:-3] if text.endswith(".00") else text


def _ratio(ratio: Any) -> str:
    if not ratio.whole:
        return "—"
    share = f"（{_number(ratio.percent)}%）" if ratio.percent else ""
    return f"{_number(ratio.part)} / {_number(ratio.whole)}{share}"


def _ledger_summary(facts: Any) -> dict[str, Any]:
    return {
        "源": [
            ("排水户排查", _ratio(facts.household_survey)),
            *[
                (labels.label("household_kind", k), str(v))
                for k, v in sorted(facts.households_by_kind.items())
            ],
            ("生活小区户数", str(facts.residential_households)),
            ("涉水企业", str(facts.enterprises.water_related)),
            ("排污许可证", _ratio(facts.permit_coverage)),
        ],
        "网": [
            ("管网排查（米）", _ratio(facts.pipe_survey)),
            *[(f"{labels.label('network', k)}管网（米）", v) for k, v in sorted(facts.pipe_length_m.items())],
            ("检查井", str(facts.inspection_points)),
            ("重大病害", str(facts.major_defects)),
        ],
        "厂": [
            ("设施和排污口排查", _ratio(facts.facility_survey)),
            ("污水集中处理设施", str(facts.facilities_count)),
            ("接纳工业废水的设施", str(facts.facilities_taking_industrial)),
        ],
        "口": [
            ("排污口", str(facts.outfalls)),
            ("已规范化", str(facts.outfalls_standardised)),
        ],
        "问题": [
            ("问题清单", "有" if facts.problem_list_exists else "无"),
            ("任务清单", "有" if facts.task_list_exists else "无"),
            ("无任务的问题", str(facts.problems_without_task)),
            ("问题整改（已销号/问题）", _ratio(facts.households.rectification.rate)),
        ],
    }


def _problem_row(problem: Any) -> dict[str, Any]:
    task = problem.task
    return {
        "code": problem.code,
        "where": f"{labels.label('entity_class', _name(lpb.EntityClass, problem.entity_class))} {problem.entity_code}",
        "type": labels.label("problem_type", _name(lpb.ProblemType, problem.type)),
        "grade": problem.grade,
        "location": problem.location,
        "description": problem.description,
        "found": f"{labels.label('found_by', _name(lpb.FoundBy, problem.found_by))} {problem.found_on}",
        "major": problem.major,
        "task_state": labels.label("task", _name(lpb.TaskState, task.state)) if task.state else "未立项",
        "owner": task.owner,
        "deadline": task.deadline,
        "steps": [
            {
                "state": labels.label("task", _name(lpb.TaskState, step.state)),
                "by": step.by,
                "on": step.on,
                "evidence": list(step.evidence),
            }
            for step in task.steps
        ],
    }


def _sheet_row(sheet: Any) -> dict[str, Any]:
    return {
        "id": sheet.id,
        "kind": labels.label("sheet_kind", _name(spb.SheetKind, sheet.sheet_kind)),
        "state": labels.label("sheet_state", _name(spb.SheetState, sheet.state)),
        "signed": sheet.state == spb.SHEET_STATE_SIGNED,
        "assessor": sheet.assessor,
        "assessed_on": sheet.assessed_on,
        "total": sheet.total,
        "grade": labels.grade(_name(spb.Grade, sheet.grade)),
        "signed_at": _when(sheet.signed_at),
        "superseded_by": sheet.superseded_by_sheet_id,
        "version": sheet.version,
    }


def _process_view(process: Any) -> dict[str, Any]:
    return {
        "stage": labels.stage(_name(wpb.Stage, process.stage)),
        "since": _when(process.stage_since),
        "campaign": process.campaign.name,
        "score": process.latest_score,
        "grade": labels.grade(_name(wpb.Grade, process.latest_grade)),
        "standing": labels.label("standing", _name(wpb.Standing, process.standing)),
        "deadlines": [
            {
                "kind": labels.label("deadline", _name(wpb.DeadlineKind, d.kind)),
                "due_on": d.due_on,
                "missed": d.missed,
                "provisional": d.provisional,
            }
            for d in process.deadlines
        ],
        "notice": _notice(process),
        "filing": process.filing.filing_number,
        "draw": process.spot_check_draw_id,
        "sheets": [
            {
                "id": s.sheet_id,
                "kind": labels.label("sheet_kind", s.sheet_kind),
                "total": s.total,
                "grade": labels.grade(_name(wpb.Grade, s.grade)),
                "signed_by": s.signed_by,
            }
            for s in process.sheets
        ],
        "flags": [f.rule_text or f.reason for f in process.flags],
    }


def _history_row(entry: Any) -> dict[str, Any]:
    return {
        "at": _when(entry.at),
        "event": labels.label("event", entry.event),
        "who": f"{ROLE_LABELS.get(entry.actor.role, entry.actor.role)} {entry.actor.organisation} · {entry.actor.person}",
        "why": entry.reason,
        "evidence": list(entry.evidence),
        "from": labels.stage(_name(wpb.Stage, entry.from_stage)) if entry.from_stage else "",
        "to": labels.stage(_name(wpb.Stage, entry.to_stage)) if entry.to_stage else "",
    }


def _plan_view(plan: Any) -> dict[str, Any]:
    return {
        "id": plan.id,
        "seed": plan.seed,
        "drawn_at": _when(plan.drawn_at),
        "count": plan.items,
        "groups": [
            {
                "object": SAMPLE_OBJECT_LABELS.get(_name(spb.SampleObject, g.object), ""),
                "population": g.population,
                "required": g.required,
                "draws": [
                    f"{d.id}（{d.detail or d.rule}）" if (d.detail or d.rule) else d.id for d in g.draws
                ],
                "note": g.note,
            }
            for g in plan.groups
        ],
        "verdicts": [
            {"id": v.id, "passed": v.passed, "note": v.note, "by": v.recorded_by} for v in plan.verdicts
        ],
    }
