"""Keeps the read models in step with the events, inside the appending transaction."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from zdz.events.v1 import refs_pb2
from zdz.scoring.v1 import events_pb2
from zdz.scoring.v1 import scoring_pb2 as pb
from zdz_common.errors import ConcurrencyConflict
from zdz_common.eventstore import RecordedEvent
from zdz_common.eventstore.store import format_time
from zdz_common.pb_enums import enum_name
from zdz_scoring.adapters.event_mapping import (
    SAMPLE_VERDICTS_RECORDED,
    SAMPLING_PLAN_DRAWN,
    SAMPLING_REDRAW_APPROVED,
    SHEET_DRAFT_SAVED,
    SHEET_SIGNED,
    SPOT_CHECK_DRAWN,
    SPOT_CHECK_REDRAW_APPROVED,
)
from zdz_scoring.adapters.orm import (
    PlanUse,
    RoundDrawKey,
    RoundPlanKey,
    SamplingPlanView,
    SheetReplacement,
    SheetView,
    SpotCheckView,
)
from zdz_scoring.adapters.wire import from_timestamp, timestamp


def project(session: Session, recorded: RecordedEvent) -> None:
    if recorded.type == SHEET_DRAFT_SAVED:
        _draft_saved(session, recorded, recorded.payload(events_pb2.ScoreSheetDraftSaved))  # type: ignore[arg-type]
    elif recorded.type == SHEET_SIGNED:
        _signed(session, recorded, recorded.payload(events_pb2.ScoreSheetSigned))  # type: ignore[arg-type]
    elif recorded.type == SAMPLING_PLAN_DRAWN:
        plan = recorded.payload(events_pb2.SamplingPlanDrawn).plan  # type: ignore[attr-defined]
        plan.drawn_at.CopyFrom(timestamp(recorded.recorded_at))
        session.add(
            SamplingPlanView(
                id=plan.id,
                unit_id=plan.unit.id,
                unit_kind=enum_name(refs_pb2.UnitKind, plan.unit.kind, "plan.unit.kind"),
                seed=str(plan.seed),
                items=plan.items,
                drawn_at=format_time(recorded.recorded_at),
                body=plan.SerializeToString(deterministic=True),
            )
        )
        _take_round(session, plan)
        if plan.replaces_plan_id:
            _replaced(session, plan.replaces_plan_id, plan.id)
    elif recorded.type == SAMPLING_REDRAW_APPROVED:
        approved = recorded.payload(events_pb2.SamplingPlanRedrawApproved)
        _update_plan(session, approved.plan_id, lambda p: p.redraw_approval.CopyFrom(approved.approval))  # type: ignore[attr-defined]
    elif recorded.type == SAMPLE_VERDICTS_RECORDED:
        _verdicts_recorded(session, recorded, recorded.payload(events_pb2.SampleVerdictsRecorded))  # type: ignore[arg-type]
    elif recorded.type == SPOT_CHECK_DRAWN:
        spot_check = recorded.payload(events_pb2.SpotCheckDrawn).spot_check  # type: ignore[attr-defined]
        spot_check.drawn_at.CopyFrom(timestamp(recorded.recorded_at))
        session.add(
            SpotCheckView(
                id=spot_check.id,
                seed=str(spot_check.seed),
                drawn_at=format_time(recorded.recorded_at),
                body=spot_check.SerializeToString(deterministic=True),
            )
        )
        _take_round_draw(session, spot_check)
        if spot_check.replaces_draw_id:
            _update_draw(
                session,
                spot_check.replaces_draw_id,
                lambda d: setattr(d, "replaced_by_draw_id", spot_check.id),
            )
    elif recorded.type == SPOT_CHECK_REDRAW_APPROVED:
        approved = recorded.payload(events_pb2.SpotCheckRedrawApproved)
        _update_draw(session, approved.draw_id, lambda d: d.redraw_approval.CopyFrom(approved.approval))  # type: ignore[attr-defined]


def _update_plan(session: Session, plan_id: str, change: Callable[[pb.SamplingPlan], None]) -> None:
    view = session.get(SamplingPlanView, plan_id)
    assert view is not None
    plan = pb.SamplingPlan.FromString(view.body)
    change(plan)
    view.body = plan.SerializeToString(deterministic=True)
    session.add(view)


def _take_round(session: Session, plan: pb.SamplingPlan) -> None:
    """The plan becomes its unit's round plan: a first draw inserts the round's key, which a concurrent first draw
    (on PostgreSQL both may have read "no plan yet") cannot insert again; a redraw takes over the key only from
    the plan it replaces, which a concurrent redraw of the same plan then no longer finds."""
    conflict = ConcurrencyConflict(
        f"单元 {plan.unit.id} 本轮验收的抽样方案刚由另一请求抽取 (another draw of this round was recorded meanwhile)",
        field="unit_id",
    )
    if plan.replaces_plan_id:
        taken = session.execute(
            sa.update(RoundPlanKey)
            .where(
                RoundPlanKey.unit_id == plan.unit.id,  # type: ignore[arg-type]
                RoundPlanKey.plan_id == plan.replaces_plan_id,  # type: ignore[arg-type]
            )
            .values(plan_id=plan.id)
        ).rowcount  # type: ignore[attr-defined]
        if taken != 1:
            raise conflict
        return
    try:
        with session.begin_nested():
            session.add(RoundPlanKey(unit_id=plan.unit.id, plan_id=plan.id))
    except IntegrityError as error:
        raise conflict from error


def _take_round_draw(session: Session, spot_check: pb.SpotCheck) -> None:
    """The draw becomes its round's: a first draw inserts the round's key, which a concurrent first draw of the same
    round cannot insert again; a redraw takes the key over only from the draw it replaces."""
    conflict = ConcurrencyConflict(
        f"市级抽查轮次「{spot_check.round}」刚由另一请求抽取 (another draw of this round was recorded meanwhile)",
        field="round",
    )
    if spot_check.replaces_draw_id:
        taken = session.execute(
            sa.update(RoundDrawKey)
            .where(
                RoundDrawKey.round == spot_check.round,  # type: ignore[arg-type]
                RoundDrawKey.draw_id == spot_check.replaces_draw_id,  # type: ignore[arg-type]
            )
            .values(draw_id=spot_check.id)
        ).rowcount  # type: ignore[attr-defined]
        if taken != 1:
            raise conflict
        return
    try:
        with session.begin_nested():
            session.add(RoundDrawKey(round=spot_check.round, draw_id=spot_check.id))
    except IntegrityError as error:
        raise conflict from error


def _update_draw(session: Session, draw_id: str, change: Callable[[pb.SpotCheck], None]) -> None:
    view = session.get(SpotCheckView, draw_id)
    assert view is not None
    spot_check = pb.SpotCheck.FromString(view.body)
    change(spot_check)
    view.body = spot_check.SerializeToString(deterministic=True)
    session.add(view)


def _replaced(session: Session, plan_id: str, by: str) -> None:
    """The round's plan replaced by its approved redraw: no longer the round's."""

    def mark(plan: pb.SamplingPlan) -> None:
        plan.replaced_by_plan_id = by

    _update_plan(session, plan_id, mark)


def _verdicts_recorded(
    session: Session, recorded: RecordedEvent, event: events_pb2.SampleVerdictsRecorded
) -> None:
    """The plan's verdicts in force: the latest per item, in the plan's order of groups and draws."""
    view = session.get(SamplingPlanView, event.plan_id)
    assert view is not None
    plan = pb.SamplingPlan.FromString(view.body)
    actor = recorded.actor
    in_force = {(v.object, v.id): v for v in plan.verdicts}
    for verdict in event.verdicts:
        stamped = pb.SampleVerdict()
        stamped.CopyFrom(verdict)
        stamped.recorded_at.CopyFrom(timestamp(recorded.recorded_at))
        stamped.recorded_by = f"{actor.organisation}/{actor.role}/{actor.person}"
        in_force[(verdict.object, verdict.id)] = stamped
    order = [(g.object, d.id) for g in plan.groups for d in g.draws]
    del plan.verdicts[:]
    plan.verdicts.extend(in_force[key] for key in order if key in in_force)
    view.body = plan.SerializeToString(deterministic=True)
    session.add(view)


def _draft_saved(session: Session, recorded: RecordedEvent, saved: events_pb2.ScoreSheetDraftSaved) -> None:
    view = session.get(SheetView, saved.sheet_id)
    if view is None:
        view = SheetView(
            id=saved.sheet_id,
            created_at=format_time(recorded.recorded_at),
            state="DRAFT",
            version=0,
            body=b"",
            **_columns(saved.sheet),
        )
    else:
        for name, value in _columns(saved.sheet).items():
            setattr(view, name, value)
    view.version = recorded.version
    view.body = saved.sheet.SerializeToString(deterministic=True)
    session.add(view)


def _signed(session: Session, recorded: RecordedEvent, signed: events_pb2.ScoreSheetSigned) -> None:
    view = session.get(SheetView, signed.sheet_id)
    if view is None:  # a paper sheet imported signed: no draft before it
        view = SheetView(
            id=signed.sheet_id,
            created_at=format_time(recorded.recorded_at),
            state="SIGNED",
            version=0,
            body=b"",
            **_columns(signed.sheet),
        )
    view.state = "SIGNED"
    # An imported paper sheet was signed on the day written on it; a sheet signed here, when its event was.
    view.signed_at = format_time(
        from_timestamp(signed.signed_at) if signed.sheet.imported else recorded.recorded_at
    )
    actor = recorded.actor
    view.signed_by = signed.sheet.signed_by or f"{actor.organisation}/{actor.role}/{actor.person}"
    view.version = recorded.version
    view.body = signed.sheet.SerializeToString(deterministic=True)
    session.add(view)
    if plan_id := signed.sheet.sampling_plan_id:
        use = session.get(PlanUse, plan_id) or PlanUse(plan_id=plan_id, sheet_id=view.id)
        use.sheet_id = view.id
        session.add(use)
        # The signed acceptance ends the plan's round: the unit's next draw is the next round's first.
        session.execute(sa.delete(RoundPlanKey).where(RoundPlanKey.plan_id == plan_id))  # type: ignore[arg-type]
    if signed.replaces_sheet_id:
        # One correction per sheet: the replacement's key refuses a second one, even from a concurrent signer.
        try:
            with session.begin_nested():
                session.add(SheetReplacement(replaced_sheet_id=signed.replaces_sheet_id, sheet_id=view.id))
        except IntegrityError as error:
            raise ConcurrencyConflict(
                f"评分表 {signed.replaces_sheet_id} 刚被另一张评分表更正 (another correction was signed meanwhile)",
                field="input.replaces_sheet_id",
            ) from error
        replaced = session.get(SheetView, signed.replaces_sheet_id)
        assert replaced is not None
        replaced.superseded_by = view.id
        session.add(replaced)


def _columns(sheet: pb.ScoreSheet) -> dict[str, str]:
    return {
        "unit_id": sheet.unit.id,
        "district_code": sheet.unit.district_code,
        "unit_kind": enum_name(refs_pb2.UnitKind, sheet.unit.kind, "sheet.unit.kind"),
        "unit_name": sheet.unit.name,
        "sheet_kind": enum_name(pb.SheetKind, sheet.sheet_kind, "sheet.sheet_kind"),
        "rubric_version": sheet.rubric_version,
        "assessor": sheet.assessor,
        "assessed_on": sheet.assessed_on,
        "total": sheet.result.total,
        "grade": enum_name(pb.Grade, sheet.result.grade, "sheet.result.grade"),
        "replaces_sheet_id": sheet.replaces_sheet_id,
    }


def project_recorded(session: Session, event: object, recorded: RecordedEvent) -> None:
    """The shared unit of work's projector: the read models are kept from the stored (wire) form."""
    project(session, recorded)
