"""The public notice board's tables, kept from the workflow's events in the handler's transaction: notices (with
where they appear), their objections and outcomes, filings (备案) and the published 示范园区清单."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime

from google.protobuf.message import Message
from sqlmodel import Session, col, select

from zdz.events.v1.envelope_pb2 import Envelope
from zdz_common.eventstore.store import format_time
from zdz_notify.adapters.orm import (
    BoardFilingRecord,
    BoardObjectionRecord,
    DemonstrationListRecord,
    NoticeRecord,
)
from zdz_notify.adapters.payloads import scalar_values, timestamp_field, unit_of, units_at
from zdz_notify.domain.objections import shortened_name
from zdz_notify.domain.routing import UnitRef

log = logging.getLogger(__name__)

PUBLISHED = "zdz.workflow.v1.NoticePublished"
SUSPENDED = "zdz.workflow.v1.NoticeSuspended"
RESUMED = "zdz.workflow.v1.NoticeResumed"
OBJECTION_RAISED = "zdz.workflow.v1.ObjectionRaised"
OBJECTION_RESOLVED = "zdz.workflow.v1.ObjectionResolved"
FILED = "zdz.workflow.v1.ResultFiled"
ACKNOWLEDGED = "zdz.workflow.v1.FilingAcknowledged"
DEMONSTRATION_LIST = "zdz.workflow.v1.DemonstrationListPublished"
BOARD_PAYLOADS = frozenset(
    {
        PUBLISHED,
        SUSPENDED,
        RESUMED,
        OBJECTION_RAISED,
        OBJECTION_RESOLVED,
        FILED,
        ACKNOWLEDGED,
        DEMONSTRATION_LIST,
    }
)
_BOARD_IDS = uuid.UUID("9a4f3c1e-2b7d-5e80-8c61-0d2e4f6a8b10")


def _time(moment: datetime | None) -> str:
    return format_time(moment) if moment else ""


def _key(*parts: str) -> str:
    return str(uuid.uuid5(_BOARD_IDS, "/".join(parts)))


def _latest_notice(session: Session, unit_id: str) -> NoticeRecord | None:
    return session.exec(
        select(NoticeRecord)
        .where(NoticeRecord.unit_id == unit_id)
        .order_by(col(NoticeRecord.published_at).desc())
    ).first()


def apply_to_board(session: Session, envelope: Envelope, payload: Message, now: datetime) -> None:
    """Keep the board's tables from one event: a notice published, suspended or resumed, an objection raised
    or resolved, a filing filed or acknowledged, a 示范园区清单 published."""
    name = payload.DESCRIPTOR.full_name
    if name == DEMONSTRATION_LIST:
        _demonstration_list(session, envelope, payload, now)
        return
    unit = unit_of(payload)
    assert unit is not None  # the routing table is checked: every other board payload carries a unit
    if name == PUBLISHED:
        _published(session, envelope, payload, unit, now)
    elif name in {FILED, ACKNOWLEDGED}:
        _filing(session, payload, unit, now)
    else:
        _on_latest_notice(session, payload, unit, now)


def _published(session: Session, envelope: Envelope, payload: Message, unit: UnitRef, now: datetime) -> None:
    if session.get(NoticeRecord, envelope.id) is not None:
        return
    channel = payload.channel  # type: ignore[attr-defined]
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
            channel_kind=scalar_values(channel).get("kind", ""),  # LOCAL_MEDIA or GOVERNMENT_PORTAL
            channel_name=channel.name,
            channel_url=channel.url,
            sheet_id=payload.sheet_id,  # type: ignore[attr-defined]
            campaign=payload.campaign,  # type: ignore[attr-defined]
        )
    )


def _on_latest_notice(session: Session, payload: Message, unit: UnitRef, now: datetime) -> None:
    name = payload.DESCRIPTOR.full_name
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
    elif name == OBJECTION_RAISED:
        key = _key(unit.id, payload.campaign, payload.objection_id)  # type: ignore[attr-defined]
        if session.get(BoardObjectionRecord, key) is None:
            session.add(
                BoardObjectionRecord(
                    id=key,
                    notice_id=notice.id,
                    unit_id=unit.id,
                    objection_id=payload.objection_id,  # type: ignore[attr-defined]
                    source=scalar_values(payload)["source"],
                    objector=shortened_name(payload.objector_name),  # type: ignore[attr-defined]
                    text=payload.text,  # type: ignore[attr-defined]
                    raised_at=_time(timestamp_field(payload, "at")) or format_time(now),
                    outcome="",
                    answer="",
                    resolved_at="",
                )
            )
    elif name == OBJECTION_RESOLVED:
        key = _key(unit.id, payload.campaign, payload.objection_id)  # type: ignore[attr-defined]
        objection = session.get(BoardObjectionRecord, key)
        if objection is None:
            log.warning("board: objection %s of unit %s resolved, never raised here", key, unit.id)
            return
        objection.outcome = "UPHELD" if payload.upheld else "DISMISSED"  # type: ignore[attr-defined]
        objection.answer = payload.answer  # type: ignore[attr-defined]
        objection.resolved_at = _time(timestamp_field(payload, "at")) or format_time(now)
        session.add(objection)
    notice.updated_at = format_time(now)
    session.add(notice)


def _filing(session: Session, payload: Message, unit: UnitRef, now: datetime) -> None:
    key = _key(unit.id, payload.campaign, payload.filing_number)  # type: ignore[attr-defined]
    filing = session.get(BoardFilingRecord, key)
    if payload.DESCRIPTOR.full_name == FILED:
        if filing is None:
            session.add(
                BoardFilingRecord(
                    id=key,
                    unit_id=unit.id,
                    unit_name=unit.name,
                    unit_kind=unit.kind,
                    district_code=unit.district_code,
                    campaign=payload.campaign,  # type: ignore[attr-defined]
                    filing_number=payload.filing_number,  # type: ignore[attr-defined]
                    sheet_id=payload.sheet_id,  # type: ignore[attr-defined]
                    total=payload.total,  # type: ignore[attr-defined]
                    grade=scalar_values(payload)["grade"],
                    filed_at=_time(timestamp_field(payload, "at")) or format_time(now),
                    acknowledged_at="",
                )
            )
        return
    if filing is None:
        log.warning("board: filing %s of unit %s acknowledged, never filed here", key, unit.id)
        return
    filing.acknowledged_at = _time(timestamp_field(payload, "at")) or format_time(now)
    session.add(filing)


def _demonstration_list(session: Session, envelope: Envelope, payload: Message, now: datetime) -> None:
    if session.get(DemonstrationListRecord, envelope.id) is not None:
        return
    units = [
        {"id": u.id, "name": u.name, "district_code": u.district_code} for u in units_at(payload, "units")
    ]
    session.add(
        DemonstrationListRecord(
            id=envelope.id,
            title=payload.title,  # type: ignore[attr-defined]
            commendation=payload.commendation,  # type: ignore[attr-defined]
            units=json.dumps(units, ensure_ascii=False),
            published_at=_time(timestamp_field(payload, "at")) or format_time(now),
        )
    )
