"""The public notice board's table, kept from the workflow's notice events in the handler's transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from google.protobuf.message import Message
from sqlmodel import Session, col, select

from zdz.events.v1.envelope_pb2 import Envelope
from zdz_common.eventstore.store import format_time
from zdz_notify.adapters.orm import NoticeRecord
from zdz_notify.adapters.payloads import timestamp_field, unit_of

log = logging.getLogger(__name__)

PUBLISHED = "zdz.workflow.v1.NoticePublished"
SUSPENDED = "zdz.workflow.v1.NoticeSuspended"
RESUMED = "zdz.workflow.v1.NoticeResumed"
BOARD_PAYLOADS = frozenset({PUBLISHED, SUSPENDED, RESUMED})


def _time(moment: datetime | None) -> str:
    return format_time(moment) if moment else ""


def _latest_notice(session: Session, unit_id: str) -> NoticeRecord | None:
    return session.exec(
        select(NoticeRecord)
        .where(NoticeRecord.unit_id == unit_id)
        .order_by(col(NoticeRecord.published_at).desc())
    ).first()


def apply_to_board(session: Session, envelope: Envelope, payload: Message, now: datetime) -> None:
    """Put a notice on the board, or suspend or resume the unit's latest notice."""
    unit = unit_of(payload)
    assert unit is not None  # the routing table is checked: board payloads carry a unit
    name = payload.DESCRIPTOR.full_name
    if name == PUBLISHED:
        if session.get(NoticeRecord, envelope.id) is None:
            session.add(
                NoticeRecord(
                    id=envelope.id,
                    unit_id=unit.id,
                    unit_name=unit.name,
                    unit_kind=unit.kind,
                    district_code=unit.district_code,
                    score=f"{payload.score:.2f}",  # type: ignore[attr-defined]
                    grade=payload.grade,  # type: ignore[attr-defined]
                    period_start=_time(timestamp_field(payload, "period_start")),
                    period_end=_time(timestamp_field(payload, "period_end")),
                    objection_contact=payload.objection_contact,  # type: ignore[attr-defined]
                    provisional=payload.provisional,  # type: ignore[attr-defined]
                    suspended=False,
                    objection="",
                    published_at=format_time(envelope.time.ToDatetime(tzinfo=now.tzinfo)),
                    updated_at=format_time(now),
                )
            )
        return
    notice = _latest_notice(session, unit.id)
    if notice is None:
        log.warning("board: %s for unit %s, which has no notice on the board", name, unit.id)
        return
    if name == SUSPENDED:
        notice.suspended = True
        notice.objection = payload.objection  # type: ignore[attr-defined]
    elif name == RESUMED:
        notice.suspended = False
        notice.period_end = _time(timestamp_field(payload, "period_end")) or notice.period_end
    notice.updated_at = format_time(now)
    session.add(notice)
