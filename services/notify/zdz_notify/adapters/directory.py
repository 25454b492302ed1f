"""The recipients the service knows: units and district task forces, learnt from the events that name them.

Registry events give official names; every other event's UnitRef adds a unit (and its district) that the
registry events may not have shown yet. Webhook and e-mail registration check recipients against this list.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlmodel import Session

from zdz_common.eventstore.store import format_time
from zdz_notify.adapters.batch_cache import transaction_cache
from zdz_notify.adapters.orm import RecipientRecord
from zdz_notify.adapters.payloads import listed_units, scalar_values, unit_of
from zdz_notify.domain.recipients import RecipientKind, district_recipient, unit_recipient

_DISTRICT_NAMED = {"zdz.registry.v1.DistrictRegistered", "zdz.registry.v1.DistrictUpdated"}
_UNIT_NAMED = {"zdz.registry.v1.UnitRegistered", "zdz.registry.v1.UnitUpdated"}


_RECIPIENTS = RecipientRecord.__table__
_KNOWN = sa.select(_RECIPIENTS.c.name, _RECIPIENTS.c.district_code, _RECIPIENTS.c.unit_kind).where(
    _RECIPIENTS.c.id == sa.bindparam("id")
)


def _known(session: Session, recipient: str) -> dict[str, str] | None:
    """The recipient's name, district and unit kind as this transaction knows them (read once per batch)."""
    known = transaction_cache(session, "zdz_notify.recipients")
    if recipient not in known:
        row = session.connection().execute(_KNOWN, {"id": recipient}).first()
        known[recipient] = dict(row._mapping) if row else None
    return known[recipient]


def _upsert(
    session: Session,
    recipient: str,
    kind: RecipientKind,
    now: datetime,
    *,
    name: str = "",
    district_code: str = "",
    unit_kind: str = "",
    official: bool = False,
) -> None:
    """Add the recipient, or fill in what it lacked; `official` names (registry events) replace earlier ones."""
    current = _known(session, recipient)
    given = {"name": name, "district_code": district_code, "unit_kind": unit_kind}
    if current is None:
        session.connection().execute(
            sa.insert(_RECIPIENTS),
            {"id": recipient, "kind": kind.value, **given, "updated_at": format_time(now)},
        )
        transaction_cache(session, "zdz_notify.recipients")[recipient] = given
        return
    changes = {
        attribute: value
        for attribute, value in given.items()
        if value and (official or not current[attribute]) and current[attribute] != value
    }
    if changes:
        session.connection().execute(
            sa.update(_RECIPIENTS)
            .where(_RECIPIENTS.c.id == recipient)
            .values(**changes, updated_at=format_time(now))
        )
        current.update(changes)


def observe(session: Session, payload: Message, now: datetime) -> None:
    name = payload.DESCRIPTOR.full_name
    if name in _DISTRICT_NAMED:
        code = payload.code  # type: ignore[attr-defined]
        _upsert(
            session,
            str(district_recipient(code)),
            RecipientKind.DISTRICT,
            now,
            name=payload.name,
            district_code=code,
            official=True,
        )  # type: ignore[attr-defined]
    elif name in _UNIT_NAMED:
        district_code = getattr(payload, "district_code", "")
        _upsert(
            session,
            str(unit_recipient(payload.id)),  # type: ignore[attr-defined]
            RecipientKind.UNIT,
            now,
            name=payload.name,  # type: ignore[attr-defined]
            district_code=district_code,
            unit_kind=scalar_values(payload).get("kind", ""),  # UnitRegistered's enum, by domain name
            official=True,
        )
        if district_code:
            _upsert(
                session,
                str(district_recipient(district_code)),
                RecipientKind.DISTRICT,
                now,
                district_code=district_code,
            )
    units = {u.id: u for u in [*filter(None, [unit_of(payload)]), *listed_units(payload)] if u.id}
    for unit in units.values():
        if not unit.district_code:
            continue
        _upsert(
            session,
            str(unit_recipient(unit.id)),
            RecipientKind.UNIT,
            now,
            name=unit.name,
            district_code=unit.district_code,
            unit_kind=unit.kind,
        )
    for district_code in {u.district_code for u in units.values() if u.district_code}:
        _upsert(
            session,
            str(district_recipient(district_code)),
            RecipientKind.DISTRICT,
            now,
            district_code=district_code,
        )


def district_name(session: Session, district_code: str) -> str:
    """The district's official name, or empty while the registry has not told it."""
    known = _known(session, str(district_recipient(district_code)))
    return known["name"] if known else ""
