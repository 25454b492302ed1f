"""Protobuf ↔ domain for the workflow API. Enums map by name (`zdz_common.pb_enums`): STAGE_PUBLIC_NOTICE ↔
Stage.PUBLIC_NOTICE.

Parsing applies the checks every service applies at its edge (zdz_common.validation): a process's ids and sheet
ids are codes, findings and verifications are bounded lists of clean, bounded text, numbers are bounded. The
commands' reasons and evidence are checked once, by the same functions the registry's follower applies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from zdz.events.v1 import refs_pb2
from zdz.workflow.v1 import workflow_pb2 as pb
from zdz_common.errors import InvalidArgument
from zdz_common.pb_enums import enum_from_pb, enum_to_pb, optional_enum_from_pb
from zdz_common.validation import (
    MAX_LEDGER_TEXT,
    MAX_NOTE_LENGTH,
    bounded_items,
    bounded_number,
    code_id,
    command_evidence,
    label_code,
    optional_text,
)
from zdz_common.vocabulary import Stage, UnitKind
from zdz_workflow.adapters.event_mapping import channel_pb, demonstration_pb, unit_ref
from zdz_workflow.domain.demonstration import demonstration_of
from zdz_workflow.domain.sheets import SignedSheet
from zdz_workflow.domain.spot_check_rounds import SpotCheckRound
from zdz_workflow.domain.standing import standing
from zdz_workflow.domain.values import (
    Campaign,
    Deadline,
    Filing,
    Finding,
    FindingVerification,
    FlagRule,
    HistoryEntry,
    LedgerPoint,
    LookBackProblem,
    Notice,
    NoticeChannel,
    NoticeChannelKind,
    NoticeStatus,
    Objection,
    ObjectionSource,
    Objector,
    ReacceptanceFlag,
)
from zdz_workflow.temporal.payloads import ProcessView, ref_parts
from zdz_workflow.temporal.processes import ProcessRef, ProcessSummary

MAX_FINDINGS = 200  # findings of one verdict (a rubric has ~30 items; a look-back lists its problems)
MAX_GRADE = 4  # CJJ 181-2012 grades Ⅰ–Ⅳ


def stage_of(number: int, field: str = "stage") -> Stage | None:
    """The domain stage of a wire value; None for STAGE_UNSPECIFIED."""
    return optional_enum_from_pb(pb.Stage, number, Stage, field)


def unit_kind_of(number: int, field: str = "unit_kind") -> UnitKind | None:
    """The domain unit kind of a wire value (a filter); None for UNIT_KIND_UNSPECIFIED."""
    return optional_enum_from_pb(refs_pb2.UnitKind, number, UnitKind, field)


def date_of(text: str, field: str) -> date | None:
    """A YYYY-MM-DD field; None when empty."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise InvalidArgument(f"日期须为 YYYY-MM-DD 格式，收到 {text!r}", field=field) from error


def required_date(text: str, field: str) -> date:
    day = date_of(text, field)
    if day is None:
        raise InvalidArgument("必填，YYYY-MM-DD", field=field)
    return day


def sheet_id_of(text: str, field: str = "sheet_id") -> str:
    """A verdict's signed sheet, by its id in the scoring service (DESIGN "Verdicts are sheets")."""
    sheet_id = text.strip()
    if not sheet_id:
        raise InvalidArgument(f"须填写评分表编号 {field}", field=field)
    return code_id(sheet_id, field)


def campaign_of(message: pb.Campaign, field: str = "campaign") -> Campaign:
    return Campaign(
        name=label_code(message.name, f"{field}.name", required=False),
        survey_due=date_of(message.survey_due, f"{field}.survey_due"),
        plan_due=date_of(message.plan_due, f"{field}.plan_due"),
    )


def ref_of(message: pb.ProcessRef, field: str = "process") -> ProcessRef:
    """The process a request names: its district, unit and campaign, each a code."""
    return ProcessRef(
        district_code=code_id(message.district_code, f"{field}.district_code"),
        unit_id=code_id(message.unit_id, f"{field}.unit_id"),
        campaign=label_code(message.campaign, f"{field}.campaign", required=False),
    )


def _text(value: str, field: str, max_length: int = 200) -> str:
    """Free text of a finding, unchanged when clean and bounded (the domain strips and requires)."""
    optional_text(value, field, max_length=max_length, prose=True)
    return value


def findings_of(messages: Sequence[pb.Finding], field: str = "findings") -> tuple[Finding, ...]:
    """A verdict's findings; each is filed with the registry as a problem, so its code, location and description
    are bounded and checked as the registry checks them (label_code, MAX_LEDGER_TEXT)."""
    bounded_items(messages, field, max_items=MAX_FINDINGS)
    return tuple(
        Finding(
            description=_text(m.description, f"{field}[{i}].description", MAX_LEDGER_TEXT),
            item=_text(m.item, f"{field}[{i}].item"),
            evidence=command_evidence(m.evidence, f"{field}[{i}].evidence"),
            point=LedgerPoint(
                entity_class=_text(m.point.entity_class, f"{field}[{i}].point.entity_class", 64),
                entity_code=label_code(
                    m.point.entity_code.strip(), f"{field}[{i}].point.entity_code", required=False
                ),
                problem_type=_text(m.point.problem_type, f"{field}[{i}].point.problem_type", 64),
                location=_text(m.point.location, f"{field}[{i}].point.location", MAX_LEDGER_TEXT),
                grade=int(bounded_number(m.point.grade, f"{field}[{i}].point.grade", maximum=MAX_GRADE)),
            )
            if m.HasField("point")
            else None,
        )
        for i, m in enumerate(messages)
    )


def _ref_pb(workflow_id: str) -> pb.ProcessRef | None:
    parts = ref_parts(workflow_id)
    if parts is None:
        return None
    return pb.ProcessRef(district_code=parts[0], unit_id=parts[1], campaign=parts[2])


def _campaign_pb(campaign: Campaign) -> pb.Campaign:
    return pb.Campaign(
        name=campaign.name,
        survey_due=campaign.survey_due.isoformat() if campaign.survey_due else "",
        plan_due=campaign.plan_due.isoformat() if campaign.plan_due else "",
    )


def _deadline_pb(deadline: Deadline) -> pb.Deadline:
    return pb.Deadline(
        kind=enum_to_pb(pb.DeadlineKind, deadline.kind),
        due_on=deadline.due_on.isoformat(),
        due_at=deadline.due_at,
        reminders=[
            pb.Reminder(at=r.at, working_days_before=r.working_days_before) for r in deadline.reminders
        ],
        provisional=deadline.provisional,
        calendar_version=deadline.calendar_version,
        missed=deadline.missed,
    )


def _notice_pb(notice: Notice, status: NoticeStatus | None) -> pb.Notice:
    ends = notice.ends
    return pb.Notice(
        status=enum_to_pb(pb.NoticeStatus, status),
        published_on=notice.published_on.isoformat(),
        working_days=notice.working_days,
        working_days_remaining=notice.working_days_remaining,
        runs_from=notice.runs_from.isoformat(),
        last_day=ends.last_day.isoformat() if ends else "",
        ends_at=ends.ends_at if ends else None,
        provisional=bool(ends and ends.provisional),
        calendar_version=ends.calendar_version if ends else "",
        open_objections=notice.open_objections,
        channel=channel_pb(notice.channel) if notice.channel else None,
        objections=[_objection_pb(o) for o in notice.objections],
    )


def _objection_pb(objection: Objection) -> pb.Objection:
    """An objection as the district reads it (with the objector's contact: this API is not the 公示栏)."""
    objector = objection.objector
    return pb.Objection(
        objection_id=objection.objection_id,
        source=enum_to_pb(pb.ObjectionSource, objection.source),
        objector=pb.Objector(name=objector.name, contact=objector.contact) if objector else None,
        text=objection.text,
        raised_at=objection.raised_at,
        upheld=objection.upheld,
        answer=objection.answer,
        resolved_at=objection.resolved_at,
    )


def _filing_pb(filing: Filing) -> pb.Filing:
    by = filing.acknowledged_by
    return pb.Filing(
        filed_at=filing.filed_at,
        filing_number=filing.filing_number,
        acknowledged_at=filing.acknowledged_at,
        acknowledged_by=f"{by.organisation}/{by.role}/{by.person}" if by else "",
    )


def channel_of(message: pb.NoticeChannel, field: str = "channel") -> NoticeChannel:
    """The notice's channel; its kind required here, its name and address checked by the domain."""
    kind = enum_from_pb(pb.NoticeChannelKind, message.kind, NoticeChannelKind, f"{field}.kind")
    return NoticeChannel(
        kind=kind, name=_text(message.name, f"{field}.name"), url=_text(message.url, f"{field}.url", 500)
    )


def objection_source_of(number: int, field: str = "source") -> ObjectionSource:
    return enum_from_pb(pb.ObjectionSource, number, ObjectionSource, field)


def objector_of(message: pb.Objector) -> Objector:
    return Objector(
        name=_text(message.name, "objector.name"), contact=_text(message.contact, "objector.contact")
    )


def sheet_pb(sheet: SignedSheet) -> pb.SheetRef:
    return pb.SheetRef(
        sheet_id=sheet.sheet_id,
        sheet_kind=sheet.kind.value,
        total=f"{sheet.total:.2f}",
        grade=enum_to_pb(pb.Grade, sheet.grade),
        assessed_on=sheet.assessed_on.isoformat(),
        signed_by=sheet.signed_by,
        signed_at=sheet.signed_at,
        replaces_sheet_id=sheet.replaces_sheet_id,
        sampling_plan_id=sheet.sampling_plan_id,
        imported=sheet.imported,
    )


def process_pb(view: ProcessView) -> pb.Process:
    state = view.state
    message = pb.Process(
        ref=_ref_pb(view.process_id),
        process_id=view.process_id,
        unit=unit_ref(view.unit),
        continued_by=_ref_pb(view.continued_by) if view.continued_by else None,
        filings=[
            pb.FindingFiling(
                code=f.code, description=f.description, problem_id=f.problem_id, refused=f.refused
            )
            for f in view.filings
        ],
    )
    if state is None:
        return message
    message.campaign.CopyFrom(_campaign_pb(state.campaign))
    message.stage = enum_to_pb(pb.Stage, state.stage)  # type: ignore[assignment]
    message.stage_since.FromDatetime(state.stage_since)
    message.updated_at.FromDatetime(state.updated_at)
    message.latest_score = "" if state.latest_score is None else str(state.latest_score)
    message.latest_grade = enum_to_pb(pb.Grade, state.latest_grade)  # type: ignore[assignment]
    status = state.notice_status
    if state.notice is not None:
        message.notice.CopyFrom(_notice_pb(state.notice, status))
    elif status is NoticeStatus.AWAITING_PUBLICATION:
        message.notice.status = pb.NOTICE_STATUS_AWAITING_PUBLICATION
    message.deadlines.extend(_deadline_pb(d) for d in state.deadlines)
    message.awaiting_re_review = state.awaiting_re_review
    message.look_back_round = state.look_back_round
    message.consecutive_look_back_failures = state.consecutive_look_back_failures
    message.standing = enum_to_pb(pb.Standing, standing(state))  # type: ignore[assignment]
    if state.filing is not None:
        message.filing.CopyFrom(_filing_pb(state.filing))
    track = demonstration_of(state)
    if track is not None:
        message.demonstration.CopyFrom(demonstration_pb(track))
    message.sheets.extend(sheet_pb(s) for s in state.sheets)
    latest = next((s for s in state.sheets if s.sheet_id == state.latest_sheet_id), None)
    if latest is not None:
        message.latest_sheet.CopyFrom(sheet_pb(latest))
    message.spot_check_draw_id = state.spot_check_draw_id
    message.look_back_problems.extend(_look_back_problem_pb(p) for p in state.look_back_problems)
    message.flags.extend(_flag_pb(f) for f in state.flags)
    return message


def _look_back_problem_pb(problem: LookBackProblem) -> pb.LookBackProblem:
    message = pb.LookBackProblem(
        code=problem.code,
        description=problem.description,
        round=problem.round,
        rectify_by=problem.rectify_by.isoformat(),
        reported_rectified=problem.reported_rectified,
        not_in_place_count=problem.not_in_place_count,
    )
    if problem.in_place is not None:
        message.in_place = problem.in_place
    return message


def _flag_pb(flag: ReacceptanceFlag) -> pb.ReacceptanceFlag:
    return pb.ReacceptanceFlag(
        rule=enum_to_pb(pb.FlagRule, flag.rule),
        rule_id=flag.rule_id,
        rule_text=flag.rule_text,
        reason=flag.reason,
        raised_at=flag.raised_at,
    )


def flag_rule_of(number: int, field: str = "rule") -> FlagRule:
    rule = optional_enum_from_pb(pb.FlagRule, number, FlagRule, field)
    if rule is None:
        raise InvalidArgument("必填：所依据的提示规则（问题频发或多次整改不到位）", field=field)
    return rule


def verifications_of(
    messages: Sequence[pb.FindingVerification], field: str = "verifications"
) -> tuple[FindingVerification, ...]:
    bounded_items(messages, field, max_items=MAX_FINDINGS)
    return tuple(
        FindingVerification(
            code=label_code(m.code.strip(), f"{field}[{i}].code", required=False),
            in_place=m.in_place,
            note=_text(m.note, f"{field}[{i}].note", MAX_NOTE_LENGTH),
        )
        for i, m in enumerate(messages)
    )


def round_pb(round: SpotCheckRound) -> pb.SpotCheckRound:
    """A spot-check round: the processes it drew and released, those waiting, and what it could not move."""
    draw = round.draw
    return pb.SpotCheckRound(
        draw_id=draw.draw_id,
        round=draw.round,
        drawn=[ref for m in round.drawn if (ref := _ref_pb(m.process_id))],
        released=[ref for m in round.released if (ref := _ref_pb(m.process_id))],
        waiting=[ref for m in round.waiting if (ref := _ref_pb(m.process_id))],
        closes_on=draw.closes_on.isoformat() if draw.closes_on else "",
        closed_at=round.closed_at,
        refused=[u.text for u in round.refused],
    )


def history_pb(entry: HistoryEntry) -> pb.HistoryEntry:
    return pb.HistoryEntry(
        event=entry.event,
        at=entry.at,
        actor=pb.Actor(
            organisation=entry.actor.organisation, role=entry.actor.role, person=entry.actor.person
        ),
        request_id=entry.request_id,
        reason=entry.reason,
        evidence=entry.evidence,
        from_stage=enum_to_pb(pb.Stage, entry.from_stage),
        to_stage=enum_to_pb(pb.Stage, entry.to_stage),
    )


def summary_pb(summary: ProcessSummary) -> pb.ProcessSummary:
    return pb.ProcessSummary(
        ref=pb.ProcessRef(
            district_code=summary.ref.district_code,
            unit_id=summary.ref.unit_id,
            campaign=summary.ref.campaign,
        ),
        process_id=summary.process_id,
        unit_kind=enum_to_pb(refs_pb2.UnitKind, summary.unit_kind),
        stage=enum_to_pb(pb.Stage, summary.stage),
        along_river=summary.along_river,
        target_year=summary.target_year,
        latest_score="" if summary.latest_score is None else f"{summary.latest_score:.2f}",
        latest_grade=enum_to_pb(pb.Grade, summary.grade or None),
        next_deadline=summary.next_deadline,
    )
