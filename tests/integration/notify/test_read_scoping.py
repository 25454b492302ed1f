"""Read scoping (issue 16): the servicer names the inbox's unit and its district, as the events told it, for
notify's permission table; a malformed recipient names no one, so the permission comes before the content."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import Session

from tests.integration.notify.factories import envelope, unit_ref
from zdz.registry.v1 import events_pb2 as registry
from zdz_common.authorisation import Target
from zdz_notify.bootstrap import bootstrap
from zdz_notify.entrypoints.grpc_api import NotifyServicer
from zdz_notify.service_layer.inbox import InboxBell, InboxFeed


def test_the_servicer_names_a_units_district_as_the_events_told_it_and_a_malformed_recipient_names_no_one(
    tmp_path: Path,
) -> None:
    notify = bootstrap(f"sqlite:///{tmp_path / 'notify.db'}")
    unit = unit_ref(1, district="bishan")
    with Session(notify.service.engine) as session:
        notify.handler(
            session,
            envelope(
                "zdz.registry.unit.registered",
                registry.UnitRegistered(id=unit.id, district_code="bishan", kind=unit.kind, name=unit.name),
            ),
        )
        session.commit()
    servicer = NotifyServicer(notify.service, InboxFeed(notify.service, InboxBell()), asyncio.Event())
    assert servicer._target(f"unit:{unit.id}") == Target(
        recipient=f"unit:{unit.id}", unit_id=unit.id, district_code="bishan"
    )
    assert servicer._target("district:bishan") == Target(recipient="district:bishan")
    assert servicer._target("unit:a/b") == Target() == servicer._target("x" * 5000)
    notify.service.engine.dispose()
