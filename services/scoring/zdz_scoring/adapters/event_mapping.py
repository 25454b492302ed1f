"""Domain events to and from their protobuf wire form (proto/zdz/scoring/v1/events.proto), with their CloudEvents
types (= NATS subjects), and the streams they are stored in."""

from __future__ import annotations

from zdz.scoring.v1 import events_pb2, scoring_pb2
from zdz_common.eventstore import NewEvent, RecordedEvent
from zdz_scoring.adapters.wire import (
    content_from_pb,
    content_to_pb,
    from_timestamp,
    plan_to_pb,
    spot_check_to_pb,
    timestamp,
    unit_to_pb,
    verdict_to_pb,
)
from zdz_scoring.domain.records import (
    Event,
    RedrawApproval,
    SampleVerdictsRecorded,
    SamplingPlanDrawn,
    SamplingPlanRedrawApproved,
    SheetDraftSaved,
    SheetSigned,
    Signer,
    SpotCheckDrawn,
    SpotCheckRedrawApproved,
)

SHEET_DRAFT_SAVED = "zdz.scoring.score_sheet.draft_saved"
SHEET_SIGNED = "zdz.scoring.score_sheet.signed"
SAMPLING_PLAN_DRAWN = "zdz.scoring.sampling_plan.drawn"
SAMPLE_VERDICTS_RECORDED = "zdz.scoring.sampling_plan.verdicts_recorded"
SAMPLING_REDRAW_APPROVED = "zdz.scoring.sampling_plan.redraw_approved"
SPOT_CHECK_DRAWN = "zdz.scoring.spot_check.drawn"
SPOT_CHECK_REDRAW_APPROVED = "zdz.scoring.spot_check.redraw_approved"


def sheet_stream(sheet_id: str) -> str:
    return f"score_sheet-{sheet_id}"


def plan_stream(plan_id: str) -> str:
    return f"sampling_plan-{plan_id}"


def spot_check_stream(draw_id: str) -> str:
    return f"spot_check-{draw_id}"


def to_new_event(event: Event) -> NewEvent:
    match event:
        case SheetDraftSaved():
            header = event.content.header
            return NewEvent(
                SHEET_DRAFT_SAVED,
                events_pb2.ScoreSheetDraftSaved(
                    unit=unit_to_pb(header.unit), sheet_id=event.sheet_id, sheet=content_to_pb(event.content)
                ),
            )
        case SheetSigned():
            header, result = event.content.header, event.content.result
            sheet = content_to_pb(event.content)
            sheet.signer_organisation = event.signer.organisation
            sheet.signer_role = event.signer.role
            sheet.signer_person = event.signer.person
            sheet.signed_by = str(event.signer)
            sheet.signed_at.CopyFrom(timestamp(event.signed_at))
            sheet.imported = event.imported
            sheet.import_evidence.extend(event.import_evidence)
            return NewEvent(
                SHEET_SIGNED,
                events_pb2.ScoreSheetSigned(
                    unit=unit_to_pb(header.unit),
                    sheet_id=event.sheet_id,
                    sheet_kind=header.sheet_kind.value,
                    rubric=f"{header.unit.kind.value}/{header.rubric_version}",
                    total=float(result.total),
                    grade=result.grade.value,
                    assessor=header.assessor,
                    signed_at=timestamp(event.signed_at),
                    replaces_sheet_id=header.replaces_sheet_id,
                    sheet=sheet,
                ),
            )
        case SamplingPlanDrawn():
            plan = plan_to_pb(event.plan_id, event.unit, event.plan, event.population)
            plan.replaces_plan_id = event.replaces_plan_id
            drawn = events_pb2.SamplingPlanDrawn(
                unit=unit_to_pb(event.unit),
                plan_id=event.plan_id,
                seed=str(event.plan.seed),
                items=plan.items,
                replaces_plan_id=event.replaces_plan_id,
            )
            if event.approval is not None:
                plan.drawn_on_approval.CopyFrom(_approval_to_pb(event.approval))
                drawn.redraw_approval.CopyFrom(plan.drawn_on_approval)
            drawn.plan.CopyFrom(plan)
            return NewEvent(SAMPLING_PLAN_DRAWN, drawn)
        case SamplingPlanRedrawApproved():
            return NewEvent(
                SAMPLING_REDRAW_APPROVED,
                events_pb2.SamplingPlanRedrawApproved(
                    unit=unit_to_pb(event.unit),
                    plan_id=event.plan_id,
                    approval=_approval_to_pb(event.approval),
                ),
            )
        case SampleVerdictsRecorded():
            return NewEvent(
                SAMPLE_VERDICTS_RECORDED,
                events_pb2.SampleVerdictsRecorded(
                    unit=unit_to_pb(event.unit),
                    plan_id=event.plan_id,
                    verdicts=[verdict_to_pb(v) for v in event.verdicts],
                ),
            )
        case SpotCheckDrawn():
            spot_check = spot_check_to_pb(
                event.draw_id, event.candidates, event.draw, event.round, event.closes_on
            )
            spot_check.replaces_draw_id = event.replaces_draw_id
            approval = None
            if event.approval is not None:
                approval = _approval_to_pb(event.approval)
                spot_check.drawn_on_approval.CopyFrom(approval)
            return NewEvent(
                SPOT_CHECK_DRAWN,
                events_pb2.SpotCheckDrawn(
                    draw_id=event.draw_id,
                    seed=str(event.draw.seed),
                    districts=[
                        events_pb2.DistrictSpotCheckDraw(
                            district_code=district.district_code,
                            units=[*district.towns.drawn, *district.parks.drawn],
                            short_of_quota="；".join(
                                kind.note for kind in (district.towns, district.parks) if kind.short
                            ),
                        )
                        for district in spot_check.districts
                    ],
                    spot_check=spot_check,
                    round=spot_check.round,
                    closes_on=spot_check.closes_on,
                    replaces_draw_id=event.replaces_draw_id,
                    redraw_approval=approval,
                ),
            )
        case SpotCheckRedrawApproved():
            return NewEvent(
                SPOT_CHECK_REDRAW_APPROVED,
                events_pb2.SpotCheckRedrawApproved(
                    draw_id=event.draw_id, round=event.round, approval=_approval_to_pb(event.approval)
                ),
            )


def _approval_to_pb(approval: RedrawApproval) -> scoring_pb2.SamplingRedrawApproval:
    return scoring_pb2.SamplingRedrawApproval(
        reason=approval.reason,
        approved_at=timestamp(approval.approved_at),
        approver_organisation=approval.approved_by.organisation,
        approver_role=approval.approved_by.role,
        approver_person=approval.approved_by.person,
    )


def approval_from_pb(approval: scoring_pb2.SamplingRedrawApproval) -> RedrawApproval:
    """The approval a plan or a draw records (the service reads it to draw the plan or the round again)."""
    return RedrawApproval(
        approval.reason,
        Signer(approval.approver_organisation, approval.approver_role, approval.approver_person),
        from_timestamp(approval.approved_at),
    )


def sheet_event(recorded: RecordedEvent) -> SheetDraftSaved | SheetSigned:
    """A stored sheet event back as a domain event (to rebuild the aggregate)."""
    if recorded.type == SHEET_DRAFT_SAVED:
        saved = recorded.payload(events_pb2.ScoreSheetDraftSaved)
        # Who saved it is the saving call's actor, as the event's envelope records it (the sheet's owner).
        by = Signer(recorded.actor.organisation, recorded.actor.role, recorded.actor.person)
        return SheetDraftSaved(saved.sheet_id, content_from_pb(saved.sheet), by)  # type: ignore[attr-defined]
    signed = recorded.payload(events_pb2.ScoreSheetSigned)
    sheet = signed.sheet  # type: ignore[attr-defined]
    # Sheets signed before the signer was recorded on them: the signing call's actor, as the event records it.
    signer = (
        Signer(sheet.signer_organisation, sheet.signer_role, sheet.signer_person)
        if sheet.signer_role
        else Signer(recorded.actor.organisation, recorded.actor.role, recorded.actor.person)
    )
    return SheetSigned(
        signed.sheet_id,  # type: ignore[attr-defined]
        content_from_pb(sheet),
        from_timestamp(signed.signed_at),  # type: ignore[attr-defined]
        signer,
        tuple(sheet.import_evidence),
    )


class SheetCodec:
    """The scoring store's codec for the shared unit of work: only sheet streams are loaded back."""

    encode = staticmethod(to_new_event)
    decode = staticmethod(sheet_event)
